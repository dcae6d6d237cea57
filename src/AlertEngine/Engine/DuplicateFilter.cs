using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// Recognises activity ids already seen within a horizon of event time. Single-threaded.
/// </summary>
/// <remarks>
/// Ids are kept as 128-bit XxHash128 digests (collision probability negligible: about n²/2¹²⁹) with the newest event
/// time seen when they arrived (their own time, or later for an activity that arrived out of order), in an
/// open-addressing table with linear probing. An id is remembered until the newest time seen moves a horizon past that
/// time, so never shorter than a horizon after its own time, and an out-of-order activity a little longer (also when
/// the allowed lateness exceeds the horizon, so it cannot be counted twice). A forgotten entry is not removed but
/// reused by a later insertion, so a check costs one probe sequence (usually one cache line) and no removal. The
/// table is rebuilt from its live entries when live and forgotten entries together fill 60 % of it, sized so the live
/// ones fill at most 40 %: memory is proportional to the ids within the horizon (24 bytes a slot), not to the input.
/// A horizon of zero disables the filter.
/// </remarks>
internal sealed partial class DuplicateFilter
{
    private const int MinCapacity = 1024;
    private const long Empty = long.MinValue;

    private static readonly Slot Vacant = new(0, 0, Empty);

    private readonly long _horizonTicks;
    private Slot[] _slots = [];
    private int _used;
    private long _newestTicks = long.MinValue;

    public DuplicateFilter(TimeSpan horizon)
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

    /// <summary>
    /// The partitioned engine: whether the id with <paramref name="digest"/> was seen within the horizon, given the
    /// single filter's newest time at this activity (<see cref="DuplicateQuery.FilterClockTicks"/>); otherwise
    /// remembers it. Decides exactly like <see cref="IsDuplicate(string, DateTimeOffset)"/> on one filter holding
    /// every id, since an answer depends only on the entries of the same digest and on that time.
    /// </summary>
    public bool IsDuplicate(UInt128 digest, long filterClockTicks)
    {
        if (_horizonTicks == 0)
        {
            return false;
        }

        if (filterClockTicks > _newestTicks)
        {
            _newestTicks = filterClockTicks;
        }

        return !Add(digest, _newestTicks);
    }

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
