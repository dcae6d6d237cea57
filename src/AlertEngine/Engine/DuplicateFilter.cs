using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

/// <summary>
/// Recognises activity ids already seen within a horizon of event time. Single-threaded.
/// </summary>
/// <remarks>
/// <para>Ids are kept as 128-bit XxHash128 digests (collision probability negligible: about n²/2¹²⁹) with the newest
/// event time seen when they arrived (their own time, or later for an activity that arrived out of order). An id is
/// remembered until the newest time seen moves a horizon past that time, so never shorter than a horizon after its own
/// time, and an out-of-order activity a little longer (also when the allowed lateness exceeds the horizon, so it cannot
/// be counted twice). A horizon of zero disables the filter.</para>
/// <para><b>Layout (the trick, for speed).</b> The remembered entries (digest and time, 24 bytes) sit in a ring in
/// arrival order, numbered by a sequence number: since the time stored is the newest time seen, it never decreases
/// along the ring, so the forgotten entries are always a prefix and forgetting is moving the ring's head. The lookup
/// goes through a separate open-addressing table (linear probing) of 8-byte slots, each holding the low 32 bits of the
/// digest (a fingerprint, which also gives the slot's home) and the low 32 bits of the entry's sequence number; only a
/// slot whose fingerprint matches costs a read of the ring to compare the whole digest (a duplicate, or rarely a
/// fingerprint collision). So the part read at random per activity is a third of the size of a table of whole entries
/// (at 86,400 live ids: 2 MB rather than 6 MB), and the ring is only written and expired in order. Forgetting an entry
/// empties its slot at once (backward shift: the later slots of its cluster that may move back do, so no slot is ever
/// a tombstone), and the slot to empty is prefetched <see cref="ForgetAhead"/> entries before, since forgetting goes in
/// ring order: the table holds exactly the ring's entries, a lookup stops at the first empty slot, and the table is
/// rebuilt only when the ids within the horizon fill 60 % of it or fall under an eighth, never in steady state (it was compacted
/// every ~70,000 insertions at 86,400 live ids before, a fifth of the filter's time: end-to-end.md, 2026-12-06,
/// dedup-16). The table is sized so the live ids fill at most 40 % of it after a rebuild and 60 % before the next; the
/// ring doubles when full and, at a rebuild of the table, halves when less than a quarter full: memory is proportional to the ids within the
/// horizon (about 60 bytes per live id, <see cref="MemoryBytes"/>), not to the input.</para>
/// </remarks>
internal sealed partial class DuplicateFilter
{
    private const int MinCapacity = 1024;
    private const int MaxCapacity = 1 << 30; // table slots; live ids at most 60 % of it (about 644 million)

    private readonly long _horizonTicks;
    private ulong[] _table = []; // 0: empty; otherwise (fingerprint << 32) | low 32 bits of a ring entry's sequence number
    private Entry[] _ring = []; // entry number s at _ring[s & (_ring.Length - 1)]
    private long _head; // the oldest live entry's number
    private long _tail; // the next entry's number
    private long _newestTicks = long.MinValue;

    public DuplicateFilter(TimeSpan horizon)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizon, TimeSpan.Zero);
        _horizonTicks = horizon.Ticks;
    }

    /// <summary>Number of ids currently remembered.</summary>
    public int Count
    {
        get
        {
            var limit = Limit;
            var s = _head;
            while (s < _tail && At(s).Ticks <= limit)
            {
                s++;
            }

            return (int)(_tail - s);
        }
    }

    /// <summary>Bytes held by the table and the ring (for the sizing advice in the docs and the benchmarks).</summary>
    internal long MemoryBytes => ((long)_table.Length * sizeof(ulong)) + ((long)_ring.Length * EntryBytes);

    /// <summary>Entries at or before this time are forgotten.</summary>
    private long Limit => _newestTicks == long.MinValue ? long.MinValue : _newestTicks - _horizonTicks;

    /// <summary>Returns <see langword="true"/> when the id was seen within the horizon; otherwise remembers it.</summary>
    public bool IsDuplicate(string id, DateTimeOffset time) => IsDuplicate(id, time.UtcTicks);

    /// <summary><see cref="IsDuplicate(string, DateTimeOffset)"/> with the time as UTC ticks (the engine's, from
    /// <see cref="Activity.UtcTicks"/>: no <see cref="DateTimeOffset"/> is made per activity).</summary>
    internal bool IsDuplicate(string id, long ticks)
    {
        if (_horizonTicks == 0)
        {
            return false;
        }

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

    /// <summary>
    /// A batch of questions, answered exactly as <see cref="IsDuplicate(UInt128, long)"/> for each in turn
    /// (<c>isDuplicate[q.Index]</c>): an id repeated within the batch is a duplicate of its first occurrence, and
    /// entries are forgotten by each question's time, in order.
    /// </summary>
    /// <remarks>The trick, for speed: the table is far larger than the cache (2 MB at 86,400 live ids), so each
    /// question costs a miss to main memory when asked alone. Here the home slots of every question are prefetched
    /// first (the loads run in parallel, ~5 ns each rather than ~100 ns one after the other), then the questions are
    /// answered in order from the cache. A table rebuilt within the batch only wastes the later prefetches, and the backward
    /// shifts of the entries forgotten within it move slots only within their clusters (mostly the same lines).
    /// Measured: <c>dup-batch-cpu</c> in benchmarks/results/end-to-end.md.</remarks>
    public void IsDuplicate(ReadOnlySpan<DuplicateQuery> queries, Span<bool> isDuplicate)
    {
        if (_horizonTicks == 0)
        {
            foreach (ref readonly var q in queries)
            {
                isDuplicate[q.Index] = false;
            }

            return;
        }

        foreach (ref readonly var q in queries)
        {
            Prefetch(q.Digest);
        }

        foreach (ref readonly var q in queries)
        {
            isDuplicate[q.Index] = IsDuplicate(q.Digest, q.FilterClockTicks);
        }
    }

    /// <summary>Asks the processor to bring the cache line of a digest's home slot (no-op without SSE, or while the
    /// table is empty). Only a hint: it changes no state.</summary>
    public void Prefetch(UInt128 digest)
    {
        var table = _table;
        if (!Sse.IsSupported || table.Length == 0)
        {
            return;
        }

        PrefetchSlot(ref table[(int)(ulong)digest & (table.Length - 1)]);
    }

    private static void PrefetchSlot(ref ulong slot) => CachePrefetch.Line(ref System.Runtime.CompilerServices.Unsafe.As<ulong, byte>(ref slot));

    /// <summary>Whether the filter remembers anything (a horizon above zero).</summary>
    public bool IsOn => _horizonTicks != 0;

    /// <summary>The newest time seen (UTC ticks), <see cref="long.MinValue"/> before the first.</summary>
    public long NewestTicks => _newestTicks;

    /// <summary>Adds a digest unless it is remembered; <see langword="false"/> when it was.</summary>
    private bool Add(UInt128 digest, long ticks)
    {
        Forget();
        var live = _tail - _head;
        if (live >= (_table.Length / 5) * 3 || (_table.Length > MinCapacity && live < _table.Length / 8))
        {
            Rebuild();
        }

        var lo = (ulong)digest;
        var hi = (ulong)(digest >> 64);
        var fingerprint = Fingerprint(lo);
        var table = _table;
        var mask = table.Length - 1;
        var i = (int)lo & mask;
        while (true)
        {
            var slot = table[i];
            if (slot == 0)
            {
                break;
            }

            // Every slot is live (Forget empties the slots of the entries it forgets), so only the fingerprint is
            // tested; a match costs a read of the ring to compare the whole digest.
            if ((uint)(slot >> 32) == fingerprint)
            {
                ref readonly var entry = ref _ring[(int)slot & (_ring.Length - 1)];
                if (entry.Lo == lo && entry.Hi == hi)
                {
                    return false;
                }
            }

            i = (i + 1) & mask;
        }

        table[i] = Pack(fingerprint, _tail);
        Append(new Entry(lo, hi, ticks));
        return true;
    }

    /// <summary>How many entries ahead <see cref="Forget"/> prefetches the table slot it will empty: forgetting goes in
    /// ring order, so the slots it will need are known long before (one per insertion in steady state).</summary>
    private const int ForgetAhead = 16;

    /// <summary>Moves the ring's head past the entries the newest time has forgotten (a prefix: times never decrease
    /// along the ring), emptying their table slots.</summary>
    private void Forget()
    {
        var limit = Limit;
        while (_head < _tail && At(_head).Ticks <= limit)
        {
            Remove(_head);
            _head++;
            if (_head + ForgetAhead < _tail && Sse.IsSupported)
            {
                PrefetchSlot(ref _table[(int)At(_head + ForgetAhead).Lo & (_table.Length - 1)]);
            }
        }
    }

    /// <summary>Empties the table slot of ring entry <paramref name="sequence"/> (it has one: every entry in the ring
    /// has exactly one slot) by backward shifting: each later slot of the cluster whose probe sequence passes the hole
    /// moves into it, so that the table never holds a forgotten or deleted slot and a lookup stops at the first empty
    /// slot.</summary>
    private void Remove(long sequence)
    {
        ref readonly var entry = ref At(sequence);
        var table = _table;
        var mask = table.Length - 1;
        var wanted = Pack(Fingerprint(entry.Lo), sequence);
        var i = (int)entry.Lo & mask;
        while (table[i] != wanted)
        {
            if (table[i] == 0)
            {
                throw new InvalidOperationException("The duplicate filter lost a table slot (a bug).");
            }

            i = (i + 1) & mask;
        }

        var j = i;
        while (true)
        {
            j = (j + 1) & mask;
            var slot = table[j];
            if (slot == 0)
            {
                break;
            }

            // The slot at j moves into the hole at i when i lies on its probe sequence (from its home to j).
            var home = (int)(slot >> 32) & mask;
            if (((j - home) & mask) >= ((j - i) & mask))
            {
                table[i] = slot;
                i = j;
            }
        }

        table[i] = 0;
    }

    /// <summary>Appends an entry to the ring (its table slot is the caller's), doubling the ring when full.</summary>
    private void Append(Entry entry)
    {
        if (_tail - _head == _ring.Length)
        {
            ResizeRing(Math.Max(MinCapacity, _ring.Length * 2));
        }

        _ring[(int)_tail & (_ring.Length - 1)] = entry;
        _tail++;
    }

    /// <summary>Moves the live entries into a ring of <paramref name="capacity"/> (a power of two holding them all),
    /// each at its number modulo the capacity, so the table's sequence numbers stay valid.</summary>
    private void ResizeRing(int capacity)
    {
        var ring = new Entry[capacity];
        for (var s = _head; s < _tail; s++)
        {
            ring[(int)s & (capacity - 1)] = At(s);
        }

        _ring = ring;
    }

    /// <summary>Moves the slots into a table sized so that the entries fill at most 40 % of it: twice as large when
    /// they fill 60 %, half as large when they fill less than an eighth (so the two never alternate). Halves the ring
    /// when it is less than a quarter full. Reads the old table in order (a slot holds its home: see
    /// <see cref="Fingerprint"/>). Only when the number of ids within the horizon changes by a factor of two: no
    /// allocation in steady state.</summary>
    private void Rebuild()
    {
        var live = _tail - _head;
        var capacity = MinCapacity;
        while (capacity / 5 * 2 < live + 1 && capacity < MaxCapacity)
        {
            capacity *= 2;
        }

        if (live + 1 >= capacity / 5 * 3)
        {
            throw new InvalidOperationException(
                $"The duplicate filter holds {live} ids within its horizon, more than one engine can (about 644 million, 35 GB): shorten AlertEngineOptions.DuplicateHorizon (docs/concepts.md, sizing the duplicate horizon).");
        }

        if (_ring.Length > MinCapacity && live < _ring.Length / 4)
        {
            ResizeRing(_ring.Length / 2);
        }

        if (capacity == _table.Length)
        {
            return;
        }

        var old = _table;
        _table = new ulong[capacity];
        foreach (var slot in old)
        {
            if (slot != 0)
            {
                Place(slot);
            }
        }
    }

    /// <summary>Puts a slot in the first empty slot of its probe sequence.</summary>
    private void Place(ulong slot)
    {
        var mask = _table.Length - 1;
        var i = (int)(slot >> 32) & mask;
        while (_table[i] != 0)
        {
            i = (i + 1) & mask;
        }

        _table[i] = slot;
    }

    /// <summary>Remembers an entry known to be absent (restoring and splitting state).</summary>
    private void Insert(Entry entry)
    {
        if (_tail - _head >= (_table.Length / 5) * 3)
        {
            Rebuild();
        }

        Place(Pack(Fingerprint(entry.Lo), _tail));
        Append(entry);
    }

    private ref Entry At(long sequence) => ref _ring[(int)sequence & (_ring.Length - 1)];

    /// <summary>The low 32 bits of the digest with the top bit set, so a slot is never 0 (0 marks an empty slot). The
    /// home slot is the fingerprint's low bits (the table has at most 2³⁰ slots, so the top bit is never among them),
    /// which lets the table be compacted and grown without reading the ring.</summary>
    private static uint Fingerprint(ulong lo) => (uint)lo | 0x8000_0000;

    private static ulong Pack(uint fingerprint, long sequence) => ((ulong)fingerprint << 32) | (uint)sequence;

    private readonly record struct Entry(ulong Lo, ulong Hi, long Ticks);
}
