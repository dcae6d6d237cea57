namespace AlertEngine.Replay;

/// <summary>
/// Holds the alerts that may still change or that something before them in output order may still precede, and
/// releases alerts in output order (<c>createdAt</c>, then <c>policyId</c>, then <c>id</c>, ordinal) as soon as
/// that order is certain.
/// </summary>
/// <remarks>
/// An alert is released when (1) the pipeline says it is final, (2) its <c>createdAt</c> is before the earliest
/// time a future alert can be created at (watermark − allowed lateness: a new alert's creation time is the time of
/// the activity that completed its first detection, and activities older than that are late and not evaluated),
/// and (3) every pending alert sorting before it was released. So the released sequence is exactly the sorted
/// sequence of all alerts, while only alerts of roughly the last aggregation interval are held in memory.
/// </remarks>
internal sealed class AlertOrderBuffer
{
    private readonly SortedSet<AlertKey> _order = new(AlertKeyComparer.Instance);
    private readonly Dictionary<AlertKey, Alert> _latest = new(AlertKeyComparer.Instance);

    /// <summary>The number of alerts held now.</summary>
    public int Count => _order.Count;

    /// <summary>The most alerts held at once.</summary>
    public int HighWaterMark { get; private set; }

    /// <summary>Records an alert's latest version: a new alert, or a newer snapshot of a held one.</summary>
    public void Add(Alert alert)
    {
        var key = KeyOf(alert);
        if (_latest.TryAdd(key, alert))
        {
            _order.Add(key);
            HighWaterMark = Math.Max(HighWaterMark, _order.Count);
        }
        else
        {
            _latest[key] = alert;
        }
    }

    /// <summary>Releases, in output order, every alert whose place in the output is certain.</summary>
    /// <param name="earliestFutureCreation">No alert created from now on has an earlier creation time.</param>
    /// <param name="isFinal">Whether no later activity can change an alert.</param>
    /// <param name="write">Receives each released alert.</param>
    public void Release(DateTimeOffset earliestFutureCreation, Func<Alert, bool> isFinal, Action<Alert> write)
    {
        var limit = earliestFutureCreation.UtcTicks;
        while (_order.Count > 0)
        {
            var key = _order.Min;
            var alert = _latest[key];
            if (key.CreatedTicks >= limit || !isFinal(alert))
            {
                return;
            }

            write(alert);
            _order.Remove(key);
            _latest.Remove(key);
        }
    }

    /// <summary>Releases every held alert in output order (at the end of the input, when all are final).</summary>
    public void ReleaseAll(Action<Alert> write)
    {
        foreach (var key in _order)
        {
            write(_latest[key]);
        }

        _order.Clear();
        _latest.Clear();
    }

    /// <summary>Sorts alerts in output order (for <c>--sort</c>-free callers and tests).</summary>
    public static int Compare(Alert x, Alert y) => AlertKeyComparer.Instance.Compare(KeyOf(x), KeyOf(y));

    /// <summary>The output key of <paramref name="alert"/>: the buffer holds one alert per key.</summary>
    internal static AlertKey KeyOf(Alert alert) => new(alert.CreatedAt.UtcTicks, alert.PolicyId, alert.Id);

    /// <summary>The output key of <paramref name="change"/>'s alert, without making its snapshot when it was not made yet.</summary>
    internal static AlertKey KeyOf(AlertChange change)
    {
        var (createdAt, policyId, id) = change.AlertKey;
        return new(createdAt.UtcTicks, policyId, id);
    }

    /// <summary>An output key: creation time (UTC ticks), policy id, id.</summary>
    internal readonly record struct AlertKey(long CreatedTicks, string PolicyId, string Id);

    /// <summary>Orders and compares output keys: creation time by UTC ticks, then the policy id and the id ordinally.</summary>
    internal sealed class AlertKeyComparer : IComparer<AlertKey>, IEqualityComparer<AlertKey>
    {
        public static readonly AlertKeyComparer Instance = new();

        public int Compare(AlertKey x, AlertKey y)
        {
            var c = x.CreatedTicks.CompareTo(y.CreatedTicks);
            if (c != 0)
            {
                return c;
            }

            c = string.CompareOrdinal(x.PolicyId, y.PolicyId);
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }

        public bool Equals(AlertKey x, AlertKey y) => Compare(x, y) == 0;

        public int GetHashCode(AlertKey obj) => HashCode.Combine(obj.CreatedTicks, obj.PolicyId, obj.Id);
    }
}
