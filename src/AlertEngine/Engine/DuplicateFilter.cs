using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// Recognises activity ids already seen within a horizon of event time. Single-threaded.
/// </summary>
/// <remarks>
/// Ids are kept as 128-bit XxHash128 digests (16 bytes each, collision probability negligible: about n²/2¹²⁹),
/// so memory is proportional to the number of distinct ids whose time lies within the horizon of the newest
/// time seen, not to the input size. Entries leave in arrival order once their time is older than the horizon;
/// an entry that arrived out of order may stay a little longer, never shorter. A horizon of zero disables the filter.
/// </remarks>
internal sealed class DuplicateFilter
{
    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<(UInt128 Hash, long Ticks)> _order = new();
    private readonly long _horizonTicks;
    private long _newestTicks = long.MinValue;

    public DuplicateFilter(TimeSpan horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, TimeSpan.Zero);
        _horizonTicks = horizon.Ticks;
    }

    /// <summary>Number of ids currently remembered.</summary>
    public int Count => _seen.Count;

    /// <summary>Returns <see langword="true"/> when the id was seen within the horizon; otherwise remembers it.</summary>
    public bool IsDuplicate(string id, DateTimeOffset time)
    {
        if (_horizonTicks == 0)
        {
            return false;
        }

        var ticks = time.UtcTicks;
        if (ticks > _newestTicks)
        {
            _newestTicks = ticks;
            Evict();
        }

        var hash = XxHash128.HashToUInt128(MemoryMarshal.AsBytes(id.AsSpan()));
        if (!_seen.Add(hash))
        {
            return true;
        }

        _order.Enqueue((hash, ticks));
        return false;
    }

    internal IEnumerable<(UInt128 Hash, long Ticks)> Export() => _order;

    internal void Import(IEnumerable<(UInt128 Hash, long Ticks)> entries)
    {
        foreach (var (hash, ticks) in entries)
        {
            if (_seen.Add(hash))
            {
                _order.Enqueue((hash, ticks));
                _newestTicks = Math.Max(_newestTicks, ticks);
            }
        }
    }

    private void Evict()
    {
        var limit = _newestTicks - _horizonTicks;
        while (_order.Count > 0 && _order.Peek().Ticks <= limit)
        {
            _seen.Remove(_order.Dequeue().Hash);
        }
    }
}
