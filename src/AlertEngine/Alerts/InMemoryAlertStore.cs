namespace AlertEngine;

/// <summary>
/// The default <see cref="IAlertStore"/>: alerts in memory, indexed by id and by policy. Thread-safe: any number of
/// concurrent readers and writers; every read returns a consistent snapshot.
/// </summary>
public sealed class InMemoryAlertStore : IAlertStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Alert> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byPolicy = new(StringComparer.Ordinal);

    /// <summary>Number of alerts stored.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_byId.TryGetValue(alert.Id, out var existing) && existing.PolicyId != alert.PolicyId)
            {
                _byPolicy[existing.PolicyId].Remove(alert.Id);
                existing = null;
            }

            _byId[alert.Id] = alert;
            if (existing is null)
            {
                if (!_byPolicy.TryGetValue(alert.PolicyId, out var ids))
                {
                    _byPolicy.Add(alert.PolicyId, ids = []);
                }

                ids.Add(alert.Id);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_byId.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var result = new List<Alert>();
        lock (_gate)
        {
            if (query.PolicyId is not null)
            {
                if (_byPolicy.TryGetValue(query.PolicyId, out var ids))
                {
                    foreach (var id in ids)
                    {
                        var alert = _byId[id];
                        if (query.Matches(alert))
                        {
                            result.Add(alert);
                        }
                    }
                }
            }
            else
            {
                foreach (var alert in _byId.Values)
                {
                    if (query.Matches(alert))
                    {
                        result.Add(alert);
                    }
                }
            }
        }

        result.Sort(AlertOrder.Instance);
        return ValueTask.FromResult<IReadOnlyList<Alert>>(result);
    }
}

/// <summary>The alert order of the interchange format: created time, then policy id, then id (ordinal).</summary>
public sealed class AlertOrder : IComparer<Alert>
{
    /// <summary>The shared instance.</summary>
    public static AlertOrder Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(Alert? x, Alert? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var c = x.CreatedAt.UtcTicks.CompareTo(y.CreatedAt.UtcTicks);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(x.PolicyId, y.PolicyId);
        return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
    }
}
