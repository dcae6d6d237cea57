using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// The distinct-count trigger's core: per key, when an item at time t with value v brings the number of distinct values
/// among the key's items with time in (t − window, t] to N or more, a detection fires carrying, for each distinct value,
/// the most recent item with that value (in time order, equal times in arrival order), and the key starts again from
/// zero. Values compare case-insensitively (<see cref="StringComparison.OrdinalIgnoreCase"/>). Single-threaded,
/// allocation-free in steady state, and exact.
/// </summary>
/// <typeparam name="TItem">The item carried into detections (an <see cref="Activity"/> in the engine).</typeparam>
/// <remarks>
/// <para><b>Time, order and lateness</b> follow <see cref="SlidingWindowCounter{TItem}"/>: times are truncated to the
/// resolution (exact for whole-second audit times at the default of one second); an item older than the allowed
/// lateness behind the newest time seen over all keys is <see cref="WindowTriggerOutcome.Late"/>; each key's window ends
/// at that key's newest time (for items in time order, the item's own time), and an accepted item already outside it is
/// <see cref="WindowTriggerOutcome.OutOfWindow"/>. An item older than the most recent item already counted with the same
/// value counts that value (it is already there) and changes nothing.</para>
/// <para><b>Memory.</b> A key's state (its newest time, a reference to its values and, when a key remembers at most 8 values (min(N − 1, MaxValuesPerKey) ≤ 8), a
/// one-byte fingerprint of each value and the times of its oldest and newest values) sits in a 64-byte slot (one cache
/// line) of a key table (<c>KeyTable</c>) that is between a quarter and half full: 128–256 bytes per key besides its
/// values.
/// A key remembers each distinct value in its window once, with the time and item of its most recent
/// item (32 bytes plus the item and the value's string), at most
/// <c>min(N − 1, MaxValuesPerKey)</c> values: it fires at N and starts again. When N − 1 exceeds
/// <see cref="WindowedTriggerOptions.MaxValuesPerKey"/>, a new value beyond the cap makes the key forget its least
/// recently seen value (outcome <see cref="WindowTriggerOutcome.ValueCapExceeded"/>). Per item the cost is a scan of the
/// key's values: when a key remembers at most 8 values (min(N − 1, MaxValuesPerKey) ≤ 8), the fingerprints in the key's slot compared at once (the value's length and
/// last four characters, mixed) and only a matching value's string compared, so that an item in time order reads the
/// key's values only to confirm a match and to move them, never to decide where it goes; otherwise up to 8 values
/// compared by length and content (no hash computed), more filtered by a hash of the value (O(min(N, cap)) integer
/// compares). Values are copied to
/// strings through a table shared by all keys (the same text gives the same string, so recurring values allocate
/// nothing), which holds at most 65,536 strings and starts over when full; in front of it a cache of the 256 strings
/// last handed out (2 KB per counter, by the value's length and last characters) answers a recurring value with one
/// ordinal comparison.</para>
/// <para><b>Eviction</b> and the <b>key cap</b> work as in <see cref="SlidingWindowCounter{TItem}"/>: a key whose newest
/// time is at or before (watermark − allowed lateness − window) is evicted by an amortized sweep; eviction never changes
/// a result; a new key beyond <see cref="SlidingWindowCounterOptions.MaxTrackedKeys"/> is
/// <see cref="WindowTriggerOutcome.KeyCapExceeded"/>.</para>
/// <para>Not thread-safe: use one counter per thread, or serialize calls.</para>
/// </remarks>
public sealed class DistinctCounter<TItem>
{
    private const int ScanLimit = 8;

    /// <summary>Entries of the direct-mapped cache in front of the value table (a power of two).</summary>
    private const int RecentValues = 256;
    private readonly KeyTable<KeyState> _keys;
    private readonly Stack<KeyState> _spare = new();
    private readonly ValueStringTable _strings = new();
    private readonly string?[] _recentValues = new string?[RecentValues];
    private readonly WindowClock _clock;
    private readonly int _maxValues;
    private readonly bool _hashValues;

    /// <summary>Whether the keys' slots hold a fingerprint of each value and the oldest and newest values' times (a key
    /// holds at most <see cref="ScanLimit"/> values): see <see cref="KeyState.Prints"/>.</summary>
    private readonly bool _printed;
    private string _detectionKey = string.Empty;
    private int _detectionHitCount;
    private int _detectionLength;
    private TItem[] _detectionItems = [];
    private string[] _detectionValues = [];

    /// <summary>Creates a counter.</summary>
    /// <param name="threshold">N: the number of distinct values that fires a detection, at least 1.</param>
    /// <param name="window">The sliding window, greater than zero.</param>
    /// <param name="options">Resolution, lateness, caps and key comparer; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> or <paramref name="window"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public DistinctCounter(int threshold, TimeSpan window, WindowedTriggerOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        options ??= new WindowedTriggerOptions();
        options.ThrowIfInvalid(nameof(options));
        Threshold = threshold;
        Window = window;
        Options = options.CopyCore();
        _maxValues = Math.Min(threshold - 1, options.MaxValuesPerKey);

        // Values' hashes are only read once a key holds more than ScanLimit values; below that they are never computed
        // (a case-insensitive string hash costs as much as the rest of an item's work).
        _hashValues = _maxValues > ScanLimit;
        _printed = !_hashValues;
        _clock = new WindowClock(window, 1, options.Resolution, options.AllowedLateness);
        _keys = new KeyTable<KeyState>(options.KeyComparer);
    }

    /// <summary>N: the number of distinct values that fires a detection.</summary>
    public int Threshold { get; }

    /// <summary>The sliding window.</summary>
    public TimeSpan Window { get; }

    /// <summary>A copy of the options in effect.</summary>
    public WindowedTriggerOptions Options { get; }

    /// <summary>The number of keys tracked now.</summary>
    public int TrackedKeys => _keys.Count;

    /// <summary>The newest time seen; <see langword="null"/> before the first item.</summary>
    public DateTimeOffset? Watermark => _clock.Watermark == long.MinValue ? null : new DateTimeOffset(_clock.Watermark, TimeSpan.Zero);

    /// <summary>The detection fired by the last <see cref="Add"/> that returned <see cref="WindowTriggerOutcome.Detected"/>;
    /// valid until the next <see cref="Add"/>. <see cref="WindowedDetection{TItem}.HitCount"/> is the number of distinct values.</summary>
    public WindowedDetection<TItem> LastDetection => new(
        _detectionKey,
        _detectionHitCount,
        new ReadOnlySpan<TItem>(_detectionItems, 0, _detectionLength),
        new ReadOnlySpan<string>(_detectionValues, 0, _detectionLength),
        0,
        0);

    /// <summary>The largest number of values one key remembers: <c>min(N − 1, MaxValuesPerKey)</c>.</summary>
    public int MaxValuesPerKey => _maxValues;

    internal WindowClock Clock => _clock;

    /// <summary>Counts an item with a value for a key.</summary>
    /// <param name="key">The scope key. Compared with <see cref="SlidingWindowCounterOptions.KeyComparer"/>.</param>
    /// <param name="time">The item's event time.</param>
    /// <param name="value">The item's value, not empty; compared case-insensitively.</param>
    /// <param name="item">The item, kept for the detection.</param>
    /// <returns>What happened; on <see cref="WindowTriggerOutcome.Detected"/> read <see cref="LastDetection"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is empty.</exception>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WindowTriggerOutcome Add(string key, DateTimeOffset time, ReadOnlySpan<char> value, TItem item)
    {
        // Not inlined into callers: inlined into a caller's loop (the benchmark's) this method used up that caller's
        // inlining budget, and the small helpers below (span comparisons, the cache index) became calls; compiled on its
        // own it keeps them inline, for the cost of one call.
        ArgumentNullException.ThrowIfNull(key);
        if (value.IsEmpty)
        {
            throw new ArgumentException("The value must not be empty.", nameof(value));
        }

        var ticks = time.UtcTicks;
        if (!_clock.TryAccept(ticks, out var slot, out var sweep))
        {
            return WindowTriggerOutcome.Late;
        }

        if (sweep)
        {
            Sweep();
        }

        // The key's state lives in the key table's slot (a struct): one lookup, no separate object to load. The
        // reference is used only until the table next changes (no key is added or removed after this point in the call).
        ref var state = ref _keys.FindValue(key);
        if (Unsafe.IsNullRef(ref state))
        {
            if (_keys.Count >= Options.MaxTrackedKeys && !SweepForRoom())
            {
                return WindowTriggerOutcome.KeyCapExceeded;
            }

            state = ref _keys.GetValueRefOrAddDefault(key, out _);
            state = _spare.Count != 0 ? _spare.Pop() : default;
            state.Newest = slot;
        }
        else if (slot > state.Newest)
        {
            state.Newest = slot;
            Expire(ref state);
        }
        else if (slot <= state.Newest - _clock.WindowSlots)
        {
            return WindowTriggerOutcome.OutOfWindow;
        }

        if (_printed)
        {
            return AddPrinted(ref state, key, ticks, value, item);
        }

        var found = Find(ref state, value, out var exact);
        if (found >= 0)
        {
            ref var e = ref state.Entries[found];
            if (ticks >= e.Ticks)
            {
                // The value's most recent item: the entry keeps the latest spelling, time and item, in time order.
                var text = exact ? e.Value : Intern(value);
                if (found != state.Entries.Count - 1)
                {
                    if (state.Entries.Last.Ticks > ticks)
                    {
                        // Out of time order: removed and inserted at its time's place.
                        var seenHash = e.Hash;
                        state.Entries.RemoveAt(found);
                        Insert(ref state, new Entry { Value = text, Hash = seenHash, Ticks = ticks, Item = item });
                        return WindowTriggerOutcome.Counted;
                    }

                    // The newest time of the key's values: the entry moves to the end (what a removal and an append
                    // give) and is updated there.
                    e = ref state.Entries.MoveToLast(found);
                }

                // The most recent entry (and so still in time order): updated in place. The same spelling (the usual
                // case) is the same string already: no store, so no write barrier.
                if (!exact)
                {
                    e.Value = text;
                }

                e.Ticks = ticks;
                e.Item = item;
            }

            return WindowTriggerOutcome.Counted;
        }

        var hash = _hashValues ? string.GetHashCode(value, StringComparison.OrdinalIgnoreCase) : 0;

        if (state.Entries.Count + 1 >= Threshold)
        {
            Fire(ref state, key, new Entry { Value = Intern(value), Hash = hash, Ticks = ticks, Item = item });
            return WindowTriggerOutcome.Detected;
        }

        var outcome = WindowTriggerOutcome.Counted;
        if (state.Entries.Count == _maxValues)
        {
            ForgetLeastRecent(ref state);
            outcome = WindowTriggerOutcome.ValueCapExceeded;
        }

        var entry = new Entry { Value = Intern(value), Hash = hash, Ticks = ticks, Item = item };
        if (state.Entries.Count == 0 || state.Entries.Last.Ticks <= ticks)
        {
            // In time order (the usual case): appended here rather than through Insert's call.
            state.Entries.Add(entry, _maxValues);
        }
        else
        {
            Insert(ref state, entry);
        }

        return outcome;
    }

    /// <summary><see cref="Add"/> for a key whose slot holds its values' fingerprints and its oldest and newest times
    /// (at most <see cref="ScanLimit"/> values): for an item in time order, which value it matches, whether it is new
    /// and where it goes are decided from the slot, so no branch waits for the key's ring. The ring is read only to
    /// confirm a fingerprint's match (a branch that is almost always predicted right) and to move entries, and written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private WindowTriggerOutcome AddPrinted(ref KeyState state, string key, long ticks, ReadOnlySpan<char> value, TItem item)
    {
        var print = Print(value);
        var count = state.Entries.Count;
        var candidates = Matches(state.Prints, print, count);
        while (candidates != 0)
        {
            var p = BitOperations.TrailingZeroCount(candidates) >> 3;
            ref var e = ref state.Entries[p];
            var v = e.Value;
            bool exact;
            if (v.Length == value.Length && Unsafe.AreSame(ref MemoryMarshal.GetReference(value), ref MemoryMarshal.GetReference(v.AsSpan())))
            {
                exact = true;
            }
            else if (!IgnoreCaseText.Equal(value, v, out exact))
            {
                candidates &= candidates - 1;
                continue;
            }

            if (ticks < state.LastTicks)
            {
                // Out of time order: rare, done by the general path and the slot's summary computed again.
                return SeenOutOfOrder(ref state, p, exact, ticks, value, item);
            }

            // In time order: the entry becomes the newest (what a removal and an append give) and is updated there.
            // The same spelling (the usual case) is the same string already: no store, so no write barrier.
            var text = exact ? v : Intern(value);
            if (p != count - 1)
            {
                e = ref state.Entries.MoveToLast(p);
                state.Prints = MoveToLast(state.Prints, p, count, print);
            }

            if (p == 0)
            {
                // The oldest entry moved (or, alone, is updated): the new first entry's time.
                state.OldestTicks = count == 1 ? ticks : state.Entries.First.Ticks;
            }

            if (!exact)
            {
                e.Value = text;
            }

            e.Ticks = ticks;
            e.Item = item;
            state.LastTicks = ticks;
            return WindowTriggerOutcome.Counted;
        }

        if (count + 1 >= Threshold)
        {
            Fire(ref state, key, new Entry { Value = Intern(value), Ticks = ticks, Item = item });
            return WindowTriggerOutcome.Detected;
        }

        var outcome = WindowTriggerOutcome.Counted;
        if (count == _maxValues)
        {
            ForgetLeastRecentPrinted(ref state);
            count--;
            outcome = WindowTriggerOutcome.ValueCapExceeded;
        }

        var entry = new Entry { Value = Intern(value), Ticks = ticks, Item = item };
        if (count == 0 || state.LastTicks <= ticks)
        {
            // In time order (the usual case): appended.
            state.Entries.Add(entry, _maxValues);
            state.Prints |= (ulong)print << (count << 3);
            if (count == 0)
            {
                state.OldestTicks = ticks;
            }

            state.LastTicks = ticks;
        }
        else
        {
            Insert(ref state, entry);
            Summarize(ref state);
        }

        return outcome;
    }

    /// <summary>A value seen again out of time order (older than the key's newest value), for a printed key: the
    /// general path's update, then the slot's summary computed again.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private WindowTriggerOutcome SeenOutOfOrder(ref KeyState state, int found, bool exact, long ticks, ReadOnlySpan<char> value, TItem item)
    {
        ref var e = ref state.Entries[found];
        if (ticks >= e.Ticks)
        {
            // Older than the newest value (so not the last entry), newer than this value's entry: removed and inserted
            // at its time's place.
            var text = exact ? e.Value : Intern(value);
            state.Entries.RemoveAt(found);
            Insert(ref state, new Entry { Value = text, Ticks = ticks, Item = item });
            Summarize(ref state);
        }

        return WindowTriggerOutcome.Counted;
    }

    /// <summary>Forgets the least recently seen value of a printed key (the value cap).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForgetLeastRecentPrinted(ref KeyState state)
    {
        state.Entries.RemoveFirst();
        state.Prints >>= 8;
        if (state.Entries.Count != 0)
        {
            state.OldestTicks = state.Entries.First.Ticks;
        }
    }

    /// <summary>Computes a printed key's fingerprints and oldest and newest times from its ring (after a change off
    /// the usual paths, and on restore).</summary>
    private static void Summarize(ref KeyState state)
    {
        var count = state.Entries.Count;
        ulong prints = 0;
        for (var i = 0; i < count; i++)
        {
            prints |= (ulong)Print(state.Entries[i].Value) << (i << 3);
        }

        state.Prints = prints;
        state.OldestTicks = count == 0 ? 0 : state.Entries.First.Ticks;
        state.LastTicks = count == 0 ? 0 : state.Entries.Last.Ticks;
    }

    /// <summary>A value's fingerprint: one byte, equal for values equal by <see cref="StringComparison.OrdinalIgnoreCase"/>
    /// (so a value can only be at a place whose fingerprint is its own), from its length and its last four characters
    /// (all of them when shorter) with ASCII letters folded to one case. A value with a non-ASCII character among those
    /// is printed by its length alone: ordinal case-insensitive equality never pairs a non-ASCII character with an ASCII
    /// one (pinned by a test), so two equal values are both printed so or both not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Print(ReadOnlySpan<char> value)
    {
        ref var first = ref MemoryMarshal.GetReference(value);
        var length = value.Length;
        var chars = length >= 4
            ? Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref Unsafe.Add(ref first, length - 4)))
            : ((ulong)first << 32) | ((ulong)Unsafe.Add(ref first, length >> 1) << 16) | Unsafe.Add(ref first, length - 1);
        chars = (chars & 0xFF80_FF80_FF80_FF80UL) != 0 ? 0 : chars | 0x0020_0020_0020_0020UL;
        return (byte)(((chars + (ulong)length) * 0x9E37_79B9_7F4A_7C15UL) >> 56);
    }

    /// <summary>The places (bit 7 of each byte, the lowest one exact) among the first <paramref name="count"/> of
    /// <paramref name="prints"/> whose fingerprint may be <paramref name="print"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Matches(ulong prints, byte print, int count)
    {
        const ulong Ones = 0x0101_0101_0101_0101UL;
        var x = prints ^ (print * Ones);
        var zero = (x - Ones) & ~x & (Ones << 7);
        return count >= 8 ? zero : zero & ((1UL << (count << 3)) - 1);
    }

    /// <summary>The fingerprints with the one at place <paramref name="at"/> moved to the last of <paramref name="count"/>
    /// places (the later ones back by one), as <see cref="Ring{T}.MoveToLast"/> moves the entries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong MoveToLast(ulong prints, int at, int count, byte print)
    {
        var shift = at << 3;
        var below = prints & ((1UL << shift) - 1);
        var above = (prints >> 8 >> shift) << shift;
        var last = (count - 1) << 3;
        return ((below | above) & ~(0xFFUL << last)) | ((ulong)print << last);
    }

    /// <summary>The number of distinct values counted now for <paramref name="key"/> (in its window, since its last detection).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The count; zero for an untracked key.</returns>
    public int GetCount(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _keys.TryGetValue(key, out var state) ? state.Entries.Count : 0;
    }

    /// <summary>Moves the watermark forward without an item, evicting the keys that became idle.</summary>
    /// <param name="time">The newest time known; times at or before the watermark are ignored.</param>
    public void AdvanceTo(DateTimeOffset time)
    {
        if (_clock.Advance(time.UtcTicks))
        {
            Sweep();
        }
    }

    /// <summary>The whole state (for the engine checkpoint): each key's remembered values in time order, keys in ordinal order.</summary>
    internal List<(string Key, long NewestSlot, DistinctEntryView<TItem>[] Entries)> Export()
    {
        var keys = new List<(string Key, long NewestSlot, DistinctEntryView<TItem>[] Entries)>(_keys.Count);
        for (var p = _keys.Next(0); p >= 0; p = _keys.Next(p + 1))
        {
            ref var state = ref _keys.ValueAt(p);
            var entries = new DistinctEntryView<TItem>[state.Entries.Count];
            for (var i = 0; i < entries.Length; i++)
            {
                ref var e = ref state.Entries[i];
                entries[i] = new DistinctEntryView<TItem>(e.Value, e.Ticks, e.Item);
            }

            keys.Add((_keys.KeyAt(p), state.Newest, entries));
        }

        keys.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        return keys;
    }

    /// <summary>Restores the watermark (for the engine checkpoint); call before <see cref="RestoreKey"/>.</summary>
    internal void RestoreWatermark(long watermark)
    {
        for (var p = _keys.Next(0); p >= 0; p = _keys.Next(p + 1))
        {
            _keys.ValueAt(p).Entries.Clear();
        }

        _keys.Clear();
        _clock.Restore(watermark);
    }

    /// <summary>Restores one key (for the engine checkpoint): its newest slot and its values in time order.</summary>
    /// <exception cref="InvalidDataException">The key is a duplicate or over a cap, or its values are not in order inside its window.</exception>
    internal void RestoreKey(string key, long newestSlot, IReadOnlyList<DistinctEntryView<TItem>> entries)
    {
        if (_keys.Count >= Options.MaxTrackedKeys || entries.Count > _maxValues || _keys.ContainsKey(key))
        {
            throw new InvalidDataException($"Distinct key '{key}' is a duplicate or over a cap.");
        }

        if (newestSlot < 0 || newestSlot > _clock.Watermark / _clock.Resolution)
        {
            throw new InvalidDataException($"Distinct key '{key}': its newest time is after the watermark.");
        }

        var state = new KeyState { Newest = newestSlot };
        var previous = long.MinValue;
        foreach (var v in entries)
        {
            var ticks = v.Time;
            var slot = ticks / _clock.Resolution;
            if (ticks < previous || ticks < 0 || slot > newestSlot || slot <= newestSlot - _clock.WindowSlots || string.IsNullOrEmpty(v.Value))
            {
                throw new InvalidDataException($"Distinct key '{key}': values out of order, outside the key's window, or empty.");
            }

            previous = ticks;
            var hash = _hashValues ? string.GetHashCode(v.Value, StringComparison.OrdinalIgnoreCase) : 0;
            if (Find(ref state, v.Value, out _) >= 0)
            {
                throw new InvalidDataException($"Distinct key '{key}': value '{v.Value}' appears twice.");
            }

            state.Entries.Add(new Entry { Value = v.Value, Hash = hash, Ticks = ticks, Item = v.Item }, _maxValues);
        }

        if (_printed)
        {
            Summarize(ref state);
        }

        _keys.Add(key, state);
    }

    /// <summary>The position of the entry equal to <paramref name="value"/> (case-insensitively), or -1; <paramref name="exact"/>
    /// tells whether the entry's spelling is the same (ordinally). Up to <see cref="ScanLimit"/> entries are compared by
    /// length, then memory identity, then last and all characters (no hash to compute); more are filtered by the entries'
    /// stored hashes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Find(ref KeyState state, ReadOnlySpan<char> value, out bool exact)
    {
        if (state.Entries.Count > ScanLimit)
        {
            return FindByHash(ref state, value, out exact);
        }

        var items = state.Entries.Items;
        if (items is null || items.Length > 2 * ScanLimit)
        {
            return FindInOrder(ref state, value, out exact);
        }

        // The ring's array in index order, not the ring's order: a match is unique, so the order does not matter, and
        // this loop has no wrap-around to compute. A position not in use holds no value (the ring clears removed entries).
        ref var first = ref MemoryMarshal.GetArrayDataReference(items);
        for (var j = 0; j < items.Length; j++)
        {
            var v = Unsafe.Add(ref first, j).Value;
            if (v is null)
            {
                continue;
            }

            if (v.Length == value.Length && Unsafe.AreSame(ref MemoryMarshal.GetReference(value), ref MemoryMarshal.GetReference(v.AsSpan())))
            {
                exact = true;
                return Position(ref state, j, items.Length);
            }

            if (IgnoreCaseText.Equal(value, v, out exact))
            {
                return Position(ref state, j, items.Length);
            }
        }

        exact = false;
        return -1;
    }

    /// <summary>The ring position of the entry at index <paramref name="index"/> of the ring's array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Position(ref KeyState state, int index, int length)
    {
        var i = index - state.Entries.Head;
        return i < 0 ? i + length : i;
    }

    /// <summary><see cref="Find"/> along the ring (a key with no array yet, or a large one).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FindInOrder(ref KeyState state, ReadOnlySpan<char> value, out bool exact)
    {
        for (var i = state.Entries.Count - 1; i >= 0; i--)
        {
            var v = state.Entries[i].Value;
            if (v.Length == value.Length && Unsafe.AreSame(ref MemoryMarshal.GetReference(value), ref MemoryMarshal.GetReference(v.AsSpan())))
            {
                exact = true;
                return i;
            }

            if (IgnoreCaseText.Equal(value, v, out exact))
            {
                return i;
            }
        }

        exact = false;
        return -1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int FindByHash(ref KeyState state, ReadOnlySpan<char> value, out bool exact)
    {
        var hash = string.GetHashCode(value, StringComparison.OrdinalIgnoreCase);
        for (var i = state.Entries.Count - 1; i >= 0; i--)
        {
            ref var e = ref state.Entries[i];
            if (e.Hash == hash && value.Equals(e.Value, StringComparison.OrdinalIgnoreCase))
            {
                exact = value.SequenceEqual(e.Value);
                return i;
            }
        }

        exact = false;
        return -1;
    }

    private void Insert(ref KeyState state, Entry entry)
    {
        var n = state.Entries.Count;
        if (n == 0 || state.Entries.Last.Ticks <= entry.Ticks)
        {
            state.Entries.Add(entry, _maxValues);
            return;
        }

        var at = n;
        while (at > 0 && state.Entries[at - 1].Ticks > entry.Ticks)
        {
            at--;
        }

        state.Entries.Insert(at, entry, _maxValues);
    }

    /// <summary>The value as a string: the same string as last time for the same text (no allocation in steady state).
    /// A direct-mapped cache of the last strings handed out (indexed by the length and last characters) answers recurring
    /// values with one ordinal comparison, before the shared table's hash lookup.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private string Intern(ReadOnlySpan<char> value)
    {
        var i = RecentIndex(value);
        var recent = _recentValues[i];
        return recent is not null && recent.Length == value.Length && IgnoreCaseText.SameChars(value, recent) ? recent : InternMiss(value, i);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private string InternMiss(ReadOnlySpan<char> value, int i) => _recentValues[i] = _strings.Get(value);

    /// <summary>The cache index of a (non-empty) value: its length and last four characters (or its first and last, when
    /// shorter), mixed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int RecentIndex(ReadOnlySpan<char> value)
    {
        ref var first = ref MemoryMarshal.GetReference(value);
        var tail = value.Length >= 4
            ? Unsafe.ReadUnaligned<ulong>(ref Unsafe.As<char, byte>(ref Unsafe.Add(ref first, value.Length - 4)))
            : ((ulong)first << 16) | Unsafe.Add(ref first, value.Length - 1);
        return (int)(((tail + (ulong)value.Length) * 0x9E37_79B9_7F4A_7C15UL) >> 56) & (RecentValues - 1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForgetLeastRecent(ref KeyState state) => state.Entries.RemoveFirst();

    private void Expire(ref KeyState state)
    {
        // An entry's slot is its time divided by the resolution: slot <= cutoff exactly when time < (cutoff + 1) * resolution.
        var before = (state.Newest - _clock.WindowSlots + 1) * _clock.Resolution;
        if (_printed)
        {
            // The oldest value's time is in the slot: the ring is read only when something leaves it.
            if (state.Entries.Count != 0 && state.OldestTicks < before)
            {
                ExpirePrinted(ref state, before);
            }

            return;
        }

        while (state.Entries.Count != 0 && state.Entries.First.Ticks < before)
        {
            state.Entries.RemoveFirst();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ExpirePrinted(ref KeyState state, long before)
    {
        do
        {
            state.Entries.RemoveFirst();
            state.Prints >>= 8;
        }
        while (state.Entries.Count != 0 && state.Entries.First.Ticks < before);

        if (state.Entries.Count != 0)
        {
            state.OldestTicks = state.Entries.First.Ticks;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fire(ref KeyState state, string key, Entry entry)
    {
        var hitCount = state.Entries.Count + 1;
        var length = Math.Min(hitCount, Options.MaxItemsPerDetection);
        if (length > _detectionItems.Length)
        {
            var size = Math.Min(Math.Max(length, _detectionItems.Length * 2), Math.Min(Threshold, Options.MaxItemsPerDetection));
            _detectionItems = new TItem[size];
            _detectionValues = new string[size];
        }

        // The remembered values with the new one merged in after every value of equal or earlier time; the last `length`.
        var kept = state.Entries.Count;
        var at = kept;
        while (at > 0 && state.Entries[at - 1].Ticks > entry.Ticks)
        {
            at--;
        }

        var start = kept + 1 - length;
        for (var m = start; m <= kept; m++)
        {
            ref var e = ref m < at ? ref state.Entries[m] : ref m == at ? ref entry : ref state.Entries[m - 1];
            _detectionItems[m - start] = e.Item;
            _detectionValues[m - start] = e.Value;
        }

        if (length < _detectionLength)
        {
            Array.Clear(_detectionItems, length, _detectionLength - length);
            Array.Clear(_detectionValues, length, _detectionLength - length);
        }

        _detectionLength = length;
        _detectionHitCount = hitCount;
        _detectionKey = key;
        state.Entries.Clear();
        state.Prints = 0;
    }

    private bool SweepForRoom() => WindowedKeyEviction.MakeRoom(_clock, _keys, _spare, Options.MaxTrackedKeys);

    private void Sweep() => WindowedKeyEviction.Sweep(_clock, _keys, _spare);

    /// <summary>Moves the clock to <paramref name="ticks"/> without an input (the partitioned engine's detectors follow
    /// the inputs of keys other partitions own), evicting idle keys when a sweep is due. Earlier times are ignored.</summary>
    internal void AdvanceTo(long ticks)
    {
        if (_clock.Advance(ticks))
        {
            Sweep();
        }
    }

    private struct Entry
    {
        public string Value;
        public int Hash;
        public long Ticks;
        public TItem Item;
    }

    /// <summary>A key's state, the value of its key-table slot (48 bytes: the slot is one 64-byte cache line).</summary>
    private struct KeyState : IWindowedKeyState
    {
        public long Newest;
        public Ring<Entry> Entries;

        /// <summary>For a counter that keeps at most <see cref="ScanLimit"/> values per key (else unused): the
        /// fingerprint (<see cref="Print"/>) of the value at each ring place, one byte per place from the lowest, zero
        /// beyond the count.</summary>
        public ulong Prints;

        /// <summary>With <see cref="Prints"/>: the time of the ring's first (oldest) entry, when there is one.</summary>
        public long OldestTicks;

        /// <summary>With <see cref="Prints"/>: the time of the ring's last (newest) entry, when there is one.</summary>
        public long LastTicks;

        readonly long IWindowedKeyState.NewestSlot => Newest;

        public void Reset()
        {
            Entries.Clear();
            Prints = 0;
        }
    }
}

/// <summary>One remembered value of a distinct-count key, for checkpoints: the value (its most recent spelling), the
/// time of its most recent item in ticks, and that item.</summary>
internal readonly record struct DistinctEntryView<TItem>(string Value, long Time, TItem Item);
