namespace AlertEngine;

/// <summary>The incident order: first alert time, then id (ordinal).</summary>
public sealed class IncidentOrder : IComparer<Incident>
{
    /// <summary>The shared instance.</summary>
    public static IncidentOrder Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(Incident? x, Incident? y)
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

        var c = x.FirstAlertAt.UtcTicks.CompareTo(y.FirstAlertAt.UtcTicks);
        return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
    }
}
