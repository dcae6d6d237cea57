namespace AlertEngine;

/// <summary>
/// The default <see cref="IIncidentStore"/>: incidents in memory, indexed by id and by alert id. Thread-safe; every
/// read returns a consistent snapshot.
/// </summary>
public sealed class InMemoryIncidentStore : IIncidentStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Incident> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byAlert = new(StringComparer.Ordinal);

    /// <summary>Number of incidents stored.</summary>
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
    public ValueTask UpsertAsync(Incident incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_byId.TryGetValue(incident.Id, out var existing) && !existing.AlertIds.IsDefault)
            {
                foreach (var alertId in existing.AlertIds)
                {
                    if (_byAlert.TryGetValue(alertId, out var owner) && owner == incident.Id)
                    {
                        _byAlert.Remove(alertId);
                    }
                }
            }

            _byId[incident.Id] = incident;
            if (!incident.AlertIds.IsDefault)
            {
                foreach (var alertId in incident.AlertIds)
                {
                    _byAlert[alertId] = incident.Id;
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<Incident?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_byId.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Incident>> QueryAsync(IncidentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var result = new List<Incident>();
        lock (_gate)
        {
            if (query.AlertId is not null)
            {
                if (_byAlert.TryGetValue(query.AlertId, out var id) && query.Matches(_byId[id]))
                {
                    result.Add(_byId[id]);
                }
            }
            else
            {
                foreach (var incident in _byId.Values)
                {
                    if (query.Matches(incident))
                    {
                        result.Add(incident);
                    }
                }
            }
        }

        result.Sort(IncidentOrder.Instance);
        return ValueTask.FromResult<IReadOnlyList<Incident>>(result);
    }
}
