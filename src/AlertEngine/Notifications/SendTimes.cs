namespace AlertEngine;

/// <summary>The event times (UTC ticks, ascending, repeats allowed) of a policy's notifications that still count for
/// its throttle. Not thread-safe.</summary>
internal sealed class SendTimes
{
    private readonly List<long> _ticks = [];

    /// <summary>Number of times kept.</summary>
    public int Count => _ticks.Count;

    /// <summary>The times kept, ascending.</summary>
    public IReadOnlyList<long> Ticks => _ticks;

    /// <summary>Adds a time in order.</summary>
    public void Insert(long ticks) => _ticks.Insert(UpperBound(ticks), ticks);

    /// <summary>Drops every time before <paramref name="ticks"/>.</summary>
    public void RemoveBefore(long ticks)
    {
        var before = LowerBound(ticks);
        if (before > 0)
        {
            _ticks.RemoveRange(0, before);
        }
    }

    /// <summary>Number of times in [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public int CountBetween(long from, long to) => UpperBound(to) - LowerBound(from);

    /// <summary>Index of the first element ≥ value.</summary>
    private int LowerBound(long value)
    {
        int lo = 0, hi = _ticks.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ticks[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Index of the first element &gt; value.</summary>
    private int UpperBound(long value)
    {
        int lo = 0, hi = _ticks.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_ticks[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
