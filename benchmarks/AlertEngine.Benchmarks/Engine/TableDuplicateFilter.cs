using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace AlertEngine.Benchmarks.Engine;

/// <summary>The engine's duplicate filter before the ring (commit ad6efa5): one open-addressing table of whole 24-byte
/// entries (digest and time), forgotten entries reused in place. Kept for the side-by-side benchmark
/// (<c>dup-filter-cpu</c>).</summary>
internal sealed class TableDuplicateFilter
{
    private const int MinCapacity = 1024;
    private const long Empty = long.MinValue;

    private static readonly Slot Vacant = new(0, 0, Empty);

    private readonly long _horizonTicks;
    private Slot[] _slots = [];
    private int _used;
    private long _newestTicks = long.MinValue;

    public TableDuplicateFilter(TimeSpan horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, TimeSpan.Zero);
        _horizonTicks = horizon.Ticks;
    }

    /// <summary>Number of ids currently remembered (counts the table: O(capacity)).</summary>
    public int Count
    {
        get
        {
            var limit = Limit;
            var n = 0;
            foreach (ref readonly var slot in _slots.AsSpan())
            {
                if (slot.Ticks > limit)
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <summary>Entries at or before this time are forgotten.</summary>
    private long Limit => _newestTicks == long.MinValue ? long.MinValue : _newestTicks - _horizonTicks;

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
        }

        return !Add(Digest(id), _newestTicks);
    }

    /// <summary>The 128-bit digest an id is remembered by.</summary>
    public static UInt128 Digest(string id) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(id.AsSpan()));

    /// <summary>The newest time seen (UTC ticks), <see cref="long.MinValue"/> before the first.</summary>
    public long NewestTicks => _newestTicks;

    /// <summary>Adds a hash unless it is remembered; <see langword="false"/> when it was.</summary>
    private bool Add(UInt128 hash, long ticks)
    {
        if (_used >= (_slots.Length / 5) * 3)
        {
            Rebuild();
        }

        var lo = (ulong)hash;
        var hi = (ulong)(hash >> 64);
        var limit = Limit;
        var mask = _slots.Length - 1;
        var i = (int)lo & mask;
        var free = -1;
        while (true)
        {
            ref var slot = ref _slots[i];
            if (slot.Ticks == Empty)
            {
                break;
            }

            if (slot.Ticks > limit)
            {
                if (slot.Lo == lo && slot.Hi == hi)
                {
                    return false;
                }
            }
            else if (free < 0)
            {
                free = i;
            }

            i = (i + 1) & mask;
        }

        if (free < 0)
        {
            free = i;
            _used++;
        }

        _slots[free] = new Slot(lo, hi, ticks);
        return true;
    }

    /// <summary>Drops forgotten entries. In place while the live entries fit the table (no allocation in steady
    /// state); into a new table when they need twice the room, or a quarter.</summary>
    private void Rebuild()
    {
        var limit = Limit;
        var live = Count;
        var capacity = MinCapacity;
        while (capacity / 5 * 2 < live + 1)
        {
            capacity *= 2;
        }

        if (capacity == _slots.Length || (capacity < _slots.Length && capacity * 4 > _slots.Length))
        {
            Compact(limit);
            return;
        }

        var old = _slots;
        _slots = new Slot[capacity];
        _slots.AsSpan().Fill(Vacant);
        _used = 0;
        foreach (ref readonly var slot in old.AsSpan())
        {
            if (slot.Ticks > limit)
            {
                Place(slot);
            }
        }
    }

    /// <summary>Empties the forgotten slots, then moves every live entry to the first empty slot of its probe
    /// sequence, scanning from a slot that was empty before the forgotten ones were emptied (the end of a cluster),
    /// so that every cluster is scanned from its start and every entry moves before the entries whose sequences pass
    /// it. (A forgotten slot can lie inside a cluster that wraps around it: scanning from there moves an entry of
    /// the cluster's end over slots that entries of its start vacate later.)</summary>
    private void Compact(long limit)
    {
        var slots = _slots.AsSpan();
        var start = -1;
        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i].Ticks == Empty)
            {
                start = i;
            }
            else if (slots[i].Ticks <= limit)
            {
                slots[i] = Vacant;
            }
        }

        _used = 0;
        var mask = slots.Length - 1;
        for (var k = 1; k <= slots.Length; k++)
        {
            var i = (start + k) & mask;
            var slot = slots[i];
            if (slot.Ticks == Empty)
            {
                continue;
            }

            slots[i] = Vacant;
            Place(slot);
        }
    }

    private void Place(Slot slot)
    {
        var mask = _slots.Length - 1;
        var i = (int)slot.Lo & mask;
        while (_slots[i].Ticks != Empty)
        {
            i = (i + 1) & mask;
        }

        _slots[i] = slot;
        _used++;
    }

    private readonly record struct Slot(ulong Lo, ulong Hi, long Ticks);
}
