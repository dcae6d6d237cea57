namespace AlertEngine;

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
