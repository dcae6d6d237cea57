using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace AlertEngine.Benchmarks.Engine;

/// <summary>
/// The duplicate filter as of commit 2e11abb (a HashSet of 128-bit id hashes plus an eviction queue), kept verbatim
/// so benchmarks compare it with the current one in the same run.
/// </summary>
internal sealed class PreviousDuplicateFilter
{
    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<(UInt128 Hash, long Ticks)> _order = new();
    private readonly long _horizonTicks;
    private long _newestTicks = long.MinValue;

    public PreviousDuplicateFilter(TimeSpan horizon)
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
