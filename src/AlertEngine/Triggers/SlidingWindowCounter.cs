using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// The threshold trigger's core: per key, when an item at time t brings the number of items with time in
/// (t − window, t] to the threshold N or more, a detection fires carrying those items, and that key's count starts
/// again from zero. Single-threaded, allocation-free in steady state, and exact.
/// </summary>
/// <typeparam name="TItem">The item carried into detections (an <see cref="Activity"/> in the engine).</typeparam>
/// <remarks>
/// <para><b>Time.</b> Times are truncated to <see cref="Resolution"/> (an item at time t is counted at
/// <c>floor(t / resolution) · resolution</c>) and the window is applied exactly to the truncated times. With a
/// resolution of one tick, or with times that are multiples of the resolution (audit times are whole seconds and the
/// default resolution is one second), this is exactly (t − window, t].</para>
/// <para><b>Order and lateness.</b> The watermark is the newest time seen over all keys. An item older than
/// <see cref="AllowedLateness"/> behind the watermark is <see cref="SlidingWindowOutcome.Late"/> and is not counted
/// (equal times are never late; the default lateness of zero rejects every item older than the newest one). An
/// accepted item is counted at its own time, in the right place among its key's counts, so it leaves the window when
/// its own time does. Each key's window ends at that key's newest time: after an item for a key, the count checked is
/// the number of items in (newest − window, newest] since the key's last detection. For items that arrive in time
/// order, newest is the item's own time, so this is exactly the spec. An accepted item that is already outside its
/// key's window can never be counted and is reported as <see cref="SlidingWindowOutcome.OutOfWindow"/> (only possible
/// when the allowed lateness is at least the window).</para>
/// <para><b>Memory.</b> Each tracked key keeps counts per time slot, sparsely: only slots that hold items, and only
/// slots inside its window (those that leave it are dropped lazily, at the key's next item that could fire or would
/// need more room, and never make an array grow). Since the count resets at N, a key holds at most
/// <c>min(N − 1, ceil(window / resolution))</c> slots of 16 bytes, whatever the rate of items for the key, in an array
/// (24 bytes of header) next to its fixed state, a 64-byte slot of the counter's key table (the key reference, its hash
/// and the state: one cache line, aligned in large tables; see <c>KeyTable</c>: between a quarter and half of the slots
/// are in use, so 130–260 bytes per key with the spare slots). To carry the
/// items into detections a key also keeps the most recent <c>min(N − 1, MaxItemsPerDetection)</c> items inside its
/// window (16 bytes each plus the items themselves); a kept item is counted by being kept, so slots then hold only
/// the counted items beyond that cap. Set <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/>
/// to zero to count only. Arrays grow by doubling up to these bounds and are reused.</para>
/// <para><b>Eviction.</b> A key can be evicted once none of its items can be in any window any more: when its newest
/// time is at or before (watermark − allowed lateness − window). Eviction is driven by event time and costs nothing per
/// item: whenever the watermark has moved half of (window + allowed lateness) since the last sweep, one pass over
/// the tracked keys evicts the idle ones (amortized constant time per item, since the keys that survive a sweep were
/// all active within the last few sweep intervals). An idle key is thus evicted within half of
/// (window + allowed lateness) after that point. Eviction never changes a result. At most <see cref="MaxTrackedKeys"/>
/// keys are tracked; when the cap is reached, a new key first triggers a sweep if the watermark moved since the last one
/// (at most once per <c>tracked keys / 16</c> items, to stay amortized), and if the cap is still reached its item is
/// <see cref="SlidingWindowOutcome.KeyCapExceeded"/> and not counted.</para>
/// <para><b>Keys</b> are compared with <see cref="SlidingWindowCounterOptions.KeyComparer"/> (ordinal by default).</para>
/// <para><b>Detections.</b> A detection carries the exact hit count (always N) and the most recent
/// <see cref="MaxItemsPerDetection"/> of the items that made it, in time order (equal times in arrival order),
/// including the item that completed it. Read it from <see cref="LastDetection"/> right after
/// <see cref="Add"/> returns <see cref="SlidingWindowOutcome.Detected"/>.</para>
/// <para><b>State</b> can be saved with <see cref="CreateSnapshot"/> and loaded with <see cref="Restore"/>; a restored
/// counter gives the same results as one that never stopped.</para>
/// <para>Not thread-safe: use one counter per thread, or serialize calls.</para>
/// </remarks>
public sealed partial class SlidingWindowCounter<TItem>
{
    private const int InitialSlotCapacity = 4;
    private const int InitialItemCapacity = 4;
    private const int PoolBudget = 1 << 14;
    private static readonly long MaxTicks = DateTimeOffset.MaxValue.UtcTicks;

    private readonly KeyTable<CounterKeyState> _keys;
    private readonly long _resolution;
    private readonly long _windowSlots;
    private readonly long _lateness;
    private readonly long _sweepInterval;
    private readonly int _maxSlotsPerKey;
    private readonly int _maxStoredItems;
    private readonly int _fireAt;
    private readonly SizedArrayPool<CounterSlot> _slotPool = new(PoolBudget);
    private readonly SizedArrayPool<Stamped> _itemPool = new(PoolBudget);

    private long _watermark = long.MinValue;
    private long _watermarkSlot;
    private long _watermarkSlotStart = long.MinValue;
    private long _lateBefore = long.MinValue;
    private long _evictThrough = long.MinValue;
    private long _sweptThrough = long.MinValue;
    private long _adds;
    private long _addsAtSweep;
    private int _peakKeys;
    private string _detectionKey = string.Empty;
    private int _detectionHitCount;
    private int _detectionLength;
    private TItem[] _detectionItems = [];
    private CounterSlot[] _mergeScratch = [];

    // The hot key: after two items in a row for the same key (the same string instance), its state is copied out of
    // the table into _hotState and later items for that string use it without hashing the key (a burst of one user's
    // activities costs one lookup instead of one per activity). The table's entry is stale meanwhile (its arrays are
    // shared, its counts are not): any other key's item, and everything that reads the table through Table, first
    // writes _hotState back (FlushHot). Only reference equality is used to skip the lookup, so an equal key in another
    // string instance goes through the table, after the flush.
    private string? _hotKey;
    private CounterKeyState _hotState;
    private string? _lastKey;

    /// <summary>Creates a counter.</summary>
    /// <param name="threshold">N: the count that fires a detection, at least 1.</param>
    /// <param name="window">The sliding window, greater than zero.</param>
    /// <param name="options">Resolution, lateness, caps and key comparer; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> or <paramref name="window"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public SlidingWindowCounter(int threshold, TimeSpan window, SlidingWindowCounterOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        options ??= new SlidingWindowCounterOptions();
        options.ThrowIfInvalid(nameof(options));

        Threshold = threshold;
        Window = window;
        Resolution = options.Resolution;
        AllowedLateness = options.AllowedLateness;
        MaxTrackedKeys = options.MaxTrackedKeys;
        MaxItemsPerDetection = options.MaxItemsPerDetection;

        _resolution = options.Resolution.Ticks;
        _lateness = options.AllowedLateness.Ticks;
        var windowSlots = (window.Ticks / _resolution) + (window.Ticks % _resolution == 0 ? 0 : 1);
        // A window longer than all representable time behaves as an infinite one; clamping keeps slot arithmetic in range.
        var allSlots = (MaxTicks / _resolution) + 2;
        _windowSlots = Math.Min(windowSlots, allSlots);
        _maxSlotsPerKey = (int)Math.Min(threshold - 1, _windowSlots);
        _sweepInterval = Math.Max(1, (_windowSlots + Math.Min((_lateness / _resolution) + 1, allSlots)) / 2);
        _maxStoredItems = Math.Min(threshold - 1, MaxItemsPerDetection);
        _fireAt = threshold - 1;
        _keys = new KeyTable<CounterKeyState>(options.KeyComparer);
    }

    /// <summary>N: the count that fires a detection.</summary>
    public int Threshold { get; }

    /// <summary>The sliding window.</summary>
    public TimeSpan Window { get; }

    /// <summary>The time resolution; times are truncated to it.</summary>
    public TimeSpan Resolution { get; }

    /// <summary>How far behind the newest time seen an item may be and still be counted.</summary>
    public TimeSpan AllowedLateness { get; }

    /// <summary>The cap on tracked keys.</summary>
    public int MaxTrackedKeys { get; }

    /// <summary>The cap on the items a detection carries.</summary>
    public int MaxItemsPerDetection { get; }

    /// <summary>The number of keys tracked now.</summary>
    public int TrackedKeys => _keys.Count;

    /// <summary>The newest time seen; <see langword="null"/> before the first item.</summary>
    public DateTimeOffset? Watermark => _watermark == long.MinValue ? null : new DateTimeOffset(_watermark, TimeSpan.Zero);

    /// <summary>
    /// The detection fired by the last call to <see cref="Add"/> that returned <see cref="SlidingWindowOutcome.Detected"/>.
    /// Valid until the next call to <see cref="Add"/>.
    /// </summary>
    public SlidingWindowDetection<TItem> LastDetection =>
        new(_detectionKey, _detectionHitCount, new ReadOnlySpan<TItem>(_detectionItems, 0, _detectionLength));

    /// <summary>The largest number of time slots one key can hold: <c>min(N − 1, ceil(window / resolution))</c>.</summary>
    internal int MaxSlotsPerKey => _maxSlotsPerKey;

    /// <summary>Whether the key table's slots start at cache lines (for tests and benchmarks; see <c>KeyTable</c>).</summary>
    internal bool SlotsAligned => _keys.SlotsAligned;

    /// <summary>The largest number of keys tracked at once so far (for tests).</summary>
    internal int PeakTrackedKeys => _peakKeys;

    /// <summary>Counts an item for a key.</summary>
    /// <param name="key">The scope key, e.g. a user id. Compared with <see cref="SlidingWindowCounterOptions.KeyComparer"/>.</param>
    /// <param name="time">The item's event time.</param>
    /// <param name="item">The item, kept for the detection's item list.</param>
    /// <returns>What happened; on <see cref="SlidingWindowOutcome.Detected"/> read <see cref="LastDetection"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public SlidingWindowOutcome Add(string key, DateTimeOffset time, TItem item)
    {
        ArgumentNullException.ThrowIfNull(key);
        _adds++;
        var ticks = time.UtcTicks;
        long slot;
        if (ticks >= _watermark)
        {
            slot = ticks == _watermark ? _watermarkSlot : AdvanceWatermark(ticks);
        }
        else if (ticks >= _lateBefore)
        {
            slot = ticks / _resolution;
        }
        else
        {
            return SlidingWindowOutcome.Late;
        }

        // A burst of one key (the same string again and again) is served from _hotState without hashing the key; see
        // _hotKey.
        ref var state = ref _hotState;
        if (!ReferenceEquals(key, _hotKey))
        {
            if (_hotKey is not null)
            {
                FlushHot();
            }

            if (_keys.Count < MaxTrackedKeys)
            {
                // Below the key cap, one hash of the key whether or not it is tracked: a new key's entry is added here.
                state = ref _keys.GetValueRefOrAddDefault(key, out var tracked);
                if (!tracked)
                {
                    _lastKey = key;
                    return AddNewKey(ref state, slot, key, ticks, item);
                }
            }
            else
            {
                state = ref _keys.FindValue(key);
                if (Unsafe.IsNullRef(ref state))
                {
                    _lastKey = key;
                    return AddNewKeyAtCap(key, slot, ticks, item);
                }
            }

            if (ReferenceEquals(key, _lastKey))
            {
                // The second item in a row for this key: it becomes the hot key.
                _hotKey = key;
                _hotState = state;
                state = ref _hotState;
            }

            _lastKey = key;
        }

        // Items that leave the key's window stay counted until their count matters (see Count: lazy expiry).
        if (slot > state.NewestSlot)
        {
            state.NewestSlot = slot;
        }
        else if (slot <= state.NewestSlot - _windowSlots)
        {
            return SlidingWindowOutcome.OutOfWindow;
        }

        return Count(ref state, key, slot, ticks, item);
    }

    /// <summary>
    /// Moves the watermark forward to <paramref name="time"/> without an item (for example to follow the newest time of
    /// a wider stream), evicting the keys that became idle. Times at or before the watermark are ignored.
    /// </summary>
    /// <param name="time">The newest time known.</param>
    public void AdvanceTo(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        if (ticks > _watermark)
        {
            _ = AdvanceWatermark(ticks);
        }
    }

    /// <summary>
    /// The number of items counted now for <paramref name="key"/>: those since its last detection with time in
    /// (watermark − window, watermark], truncated to the resolution.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns>The count; zero for an untracked key.</returns>
    public int GetCount(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ref var state = ref Table.FindValue(key);
        if (Unsafe.IsNullRef(ref state))
        {
            return 0;
        }

        var cutoff = (_watermark / _resolution) - _windowSlots;
        var ring = Ring(ref state);
        var total = 0;
        for (var i = 0; i < state.SlotCount; i++)
        {
            ref var s = ref ring[Wrap(state.SlotHead + i, ring.Length)];
            if (s.Index > cutoff)
            {
                total += s.Count;
            }
        }

        // Kept items are counted by the item ring, not the slot ring (see CounterKeyState).
        var from = (cutoff + 1) * _resolution;
        for (var i = 0; i < state.ItemCount; i++)
        {
            if (ItemAt(ref state, i).Ticks >= from)
            {
                total++;
            }
        }

        return total;
    }

    /// <summary>Captures the whole state: the watermark and, for each tracked key, its slots and kept items.</summary>
    /// <returns>The snapshot; keys in order of their newest time, then key (ordinal).</returns>
    public SlidingWindowCounterSnapshot<TItem> CreateSnapshot()
    {
        var keys = new List<SlidingWindowKeySnapshot<TItem>>(_keys.Count);
        ExpireAllStale();
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            var key = table.KeyAt(p);
            ref var state = ref table.ValueAt(p);
            var merged = MergedSlots(ref state);
            var slots = new SlidingWindowSlot[merged.Length];
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = new SlidingWindowSlot(TimeOf(merged[i].Index), merged[i].Count);
            }

            var items = new SlidingWindowItem<TItem>[state.ItemCount];
            for (var i = 0; i < items.Length; i++)
            {
                ref var it = ref ItemAt(ref state, i);
                items[i] = new SlidingWindowItem<TItem>(new DateTimeOffset(it.Ticks, TimeSpan.Zero), it.Item);
            }

            keys.Add(new SlidingWindowKeySnapshot<TItem>(key, TimeOf(state.NewestSlot), slots, items));
        }

        keys.Sort(static (a, b) => a.Newest != b.Newest ? a.Newest.CompareTo(b.Newest) : string.CompareOrdinal(a.Key, b.Key));
        return new SlidingWindowCounterSnapshot<TItem>(Threshold, Window, Resolution, Watermark, keys);
    }

    /// <summary>
    /// Replaces the whole state with <paramref name="snapshot"/>, taken from a counter with the same threshold, window
    /// and resolution. Items beyond this counter's <see cref="MaxItemsPerDetection"/> are dropped, oldest first.
    /// </summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot does not fit this counter or is inconsistent; the counter is unchanged.</exception>
    public void Restore(SlidingWindowCounterSnapshot<TItem> snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var watermark = ValidateSnapshot(snapshot);

        Clear();
        Table.EnsureCapacity(snapshot.Keys.Count);
        foreach (var k in snapshot.Keys)
        {
            ref var state = ref Track(k.Key, k.Newest.UtcTicks / _resolution);
            foreach (var s in k.Slots)
            {
                AppendSlot(ref state, s.Start.UtcTicks / _resolution, s.Count);
                state.Total += s.Count;
            }

            var skip = Math.Max(0, k.Items.Count - _maxStoredItems);
            for (var i = skip; i < k.Items.Count; i++)
            {
                KeepItem(ref state, k.Items[i].Time.UtcTicks / _resolution, k.Items[i].Time.UtcTicks, k.Items[i].Item);
            }

            var consistent = UncountKeptItems(ref state);
            Debug.Assert(consistent, "ValidateSnapshot checked that every kept item is counted in its slot.");
        }

        if (watermark != long.MinValue)
        {
            _ = AdvanceWatermark(watermark);
        }
    }

    /// <summary>The key table, up to date (the hot key's state written back).</summary>
    private KeyTable<CounterKeyState> Table
    {
        get
        {
            if (_hotKey is not null)
            {
                FlushHot();
            }

            return _keys;
        }
    }

    /// <summary>Writes the hot key's state back into the table; there is no hot key afterwards.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FlushHot()
    {
        _keys.FindValue(_hotKey!) = _hotState;
        _hotKey = null;
        _hotState = default;
    }

    /// <summary>The number of slots <paramref name="key"/> holds now (for tests).</summary>
    internal int SlotCount(string key)
    {
        ref var state = ref Table.FindValue(key);
        if (Unsafe.IsNullRef(ref state))
        {
            return 0;
        }

        ExpireStale(ref state);
        return state.SlotCount;
    }

    /// <summary>The slot capacity <paramref name="key"/> has allocated (for tests).</summary>
    internal int SlotCapacity(string key) => Table.TryGetValue(key, out var s) ? s.Slots?.Length ?? 0 : 0;

    /// <summary>The item capacity <paramref name="key"/> has allocated (for tests).</summary>
    internal int ItemCapacity(string key) => Table.TryGetValue(key, out var s) ? s.Items?.Length ?? 0 : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Wrap(int index, int length) => index >= length ? index - length : index;

    /// <summary>The slot ring of a key (empty before its first slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<CounterSlot> Ring(ref CounterKeyState state) => state.Slots;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Stamped[] ItemsOf(ref CounterKeyState state) => Unsafe.As<Stamped[]>(state.Items!);

    /// <summary>The first element of a key's item array (a null reference without one); index it with
    /// <see cref="Wrap"/> over <see cref="CounterKeyState.ItemCapacity"/>, the array's length, below
    /// <see cref="CounterKeyState.ItemCount"/>: unlike <see cref="ItemAt"/>, nothing is read from the array but the
    /// items themselves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Stamped KeptItems(ref CounterKeyState state) =>
        ref state.Items is null ? ref Unsafe.NullRef<Stamped>() : ref MemoryMarshal.GetArrayDataReference(ItemsOf(ref state));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Stamped ItemAt(ref CounterKeyState state, int i)
    {
        var items = ItemsOf(ref state);
        return ref items[Wrap(state.ItemHead + i, items.Length)];
    }

    private DateTimeOffset TimeOf(long slot) => new(slot * _resolution, TimeSpan.Zero);

    /// <summary>An item for a key that was not tracked, whose (default) entry <paramref name="state"/> Add has just added.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private SlidingWindowOutcome AddNewKey(ref CounterKeyState state, long slot, string key, long ticks, TItem item)
    {
        state.NewestSlot = slot;
        if (_keys.Count > _peakKeys)
        {
            _peakKeys = _keys.Count;
        }

        return Count(ref state, key, slot, ticks, item);
    }

    /// <summary>An item for a key that is not tracked while the key cap is reached: a sweep first, if it can free room.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private SlidingWindowOutcome AddNewKeyAtCap(string key, long slot, long ticks, TItem item)
    {
        if (!SweepForRoom())
        {
            return SlidingWindowOutcome.KeyCapExceeded;
        }

        return Count(ref Track(key, slot), key, slot, ticks, item);
    }

    /// <remarks>
    /// <para><b>Lazy expiry.</b> A key's counts and kept items are not expired when its window moves on, only when that
    /// can change something: before the threshold check that could fire (<see cref="CounterKeyState.Total"/> then
    /// counts items that have left the window as well, so a total below N − 1 is conclusive without expiring), before a
    /// ring that is full would grow, and before anything reads them (snapshots, checkpoints, the test accessors;
    /// <see cref="GetCount"/> filters by time itself). Expiring reads the key's arrays, a cache miss per activity at many
    /// keys; without it, counting an item below the threshold only writes to them (see <see cref="KeepItem"/>). Items
    /// that left the window are always a prefix of each ring (both are sorted by time), so expiring later removes
    /// exactly what expiring at once would have; results, snapshots and checkpoints are unchanged.</para>
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SlidingWindowOutcome Count(ref CounterKeyState state, string key, long slot, long ticks, TItem item)
    {
        if (state.Total >= _fireAt)
        {
            ExpireStale(ref state);
            if (state.Total >= _fireAt)
            {
                Fire(ref state, key, ticks, item);
                return SlidingWindowOutcome.Detected;
            }
        }

        state.Total++;
        if (_maxStoredItems == 0)
        {
            CountSlot(ref state, slot, ticks);
        }
        else
        {
            KeepItem(ref state, slot, ticks, item, expireFirst: true);
        }

        return SlidingWindowOutcome.Counted;
    }

    /// <summary>Moves the watermark to <paramref name="ticks"/> (newer than it) and returns its slot.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long AdvanceWatermark(long ticks)
    {
        // Items mostly arrive in time order, so the new watermark is mostly in the same or the next slot: no division.
        var delta = (ulong)(ticks - _watermarkSlotStart);
        long slot;
        if (delta < (ulong)_resolution)
        {
            slot = _watermarkSlot;
        }
        else if (delta < 2 * (ulong)_resolution)
        {
            slot = _watermarkSlot + 1;
            _watermarkSlotStart += _resolution;
        }
        else
        {
            slot = ticks / _resolution;
            _watermarkSlotStart = slot * _resolution;
        }

        _watermark = ticks;
        _watermarkSlot = slot;
        _lateBefore = ticks - _lateness;
        if (_lateBefore >= 0)
        {
            // No item at or after _lateBefore can see a slot at or before this in its key's window.
            _evictThrough = (_lateness == 0 ? slot : _lateBefore / _resolution) - _windowSlots;
            if (_sweptThrough == long.MinValue)
            {
                _sweptThrough = _evictThrough;
            }
            else if (_evictThrough - _sweptThrough >= _sweepInterval)
            {
                Sweep();
            }
        }

        return slot;
    }

    /// <summary>At the key cap: sweeps if that can free room and is affordable; returns whether there is room now.</summary>
    private bool SweepForRoom()
    {
        if (_evictThrough > _sweptThrough && _adds - _addsAtSweep >= _keys.Count / 16)
        {
            Sweep();
        }

        return _keys.Count < MaxTrackedKeys;
    }

    /// <summary>Evicts every key whose newest slot is at or before <see cref="_evictThrough"/>.</summary>
    private void Sweep()
    {
        _sweptThrough = _evictThrough;
        _addsAtSweep = _adds;
        var evicted = false;
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            ref var state = ref table.ValueAt(p);
            if (state.NewestSlot <= _evictThrough)
            {
                // By position, not by key: the key's string is not read (hashed) again. With many quiet keys (every
                // key of issue 16's workload is new and later evicted) that string is a cache miss per evicted key.
                Release(ref state);
                table.RemoveAtPosition(p);
                evicted = true;
            }
        }

        if (evicted && _keys.Count < _keys.Capacity / 4 && _keys.Capacity > 1024)
        {
            // After a crowd of keys has gone idle, give the memory back.
            Table.TrimExcess(Math.Max(_keys.Count * 2, 1024));
        }
    }

    private ref CounterKeyState Track(string key, long slot)
    {
        ref var state = ref Table.GetValueRefOrAddDefault(key, out _);
        state.NewestSlot = slot;
        if (_keys.Count > _peakKeys)
        {
            _peakKeys = _keys.Count;
        }

        return ref state;
    }

    private void Release(ref CounterKeyState state)
    {
        ClearCounts(ref state);
        if (state.Slots is { } slots)
        {
            _slotPool.Return(slots);
        }

        if (state.Items is Stamped[] items)
        {
            Debug.Assert(IsCleared(items), "Every kept item outside the live run is default.");
            _itemPool.Return(items);
        }

        state = default;
    }

    private void Clear()
    {
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            Release(ref table.ValueAt(p));
        }

        Table.Clear();
        _lastKey = null;
        _watermark = long.MinValue;
        _watermarkSlotStart = long.MinValue;
        _lateBefore = long.MinValue;
        _evictThrough = long.MinValue;
        _sweptThrough = long.MinValue;
    }

    /// <summary>Whether a key's rings hold counts that have left its window (see Count: lazy expiry): whether the head of
    /// either ring (its oldest count) has. Both rings are sorted by time, so their heads are what leaves first.</summary>
    /// <remarks>This reads the arrays, which is why it is asked only where they are about to be read anyway: before a
    /// detection (which copies the kept items) and before a full ring grows or drops its oldest. The entry once cached
    /// the oldest time to answer without them; that took 8 bytes of the entry, which now fits one cache line (see
    /// <c>KeyTable</c>) without it.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsStale(ref CounterKeyState state)
    {
        var cutoff = state.NewestSlot - _windowSlots;
        return (state.SlotCount != 0 && state.Slots![state.SlotHead].Index <= cutoff)
            || (state.ItemCount != 0 && Unsafe.Add(ref KeptItems(ref state), state.ItemHead).Ticks < (cutoff + 1) * _resolution);
    }

    /// <summary>Expires what has left a key's window, if anything.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ExpireStale(ref CounterKeyState state)
    {
        if (IsStale(ref state))
        {
            Expire(ref state, state.NewestSlot - _windowSlots);
        }
    }

    /// <summary>Expires the stale counts of every tracked key (before snapshots and checkpoints read the table).</summary>
    private void ExpireAllStale()
    {
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            ExpireStale(ref table.ValueAt(p));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Expire(ref CounterKeyState state, long cutoff)
    {
        var ring = Ring(ref state);
        while (state.SlotCount != 0)
        {
            ref var first = ref ring[state.SlotHead];
            if (first.Index > cutoff)
            {
                break;
            }

            state.Total -= first.Count;
            state.SlotHead = Wrap(state.SlotHead + 1, ring.Length);
            state.SlotCount--;
        }

        if (state.ItemCount != 0)
        {
            // Items expire with their slot: slot <= cutoff <=> ticks < (cutoff + 1) * resolution.
            var before = (cutoff + 1) * _resolution;
            var items = ItemsOf(ref state);
            while (state.ItemCount != 0)
            {
                ref var first = ref items[state.ItemHead];
                if (first.Ticks >= before)
                {
                    break;
                }

                first = default;
                state.ItemHead = Wrap(state.ItemHead + 1, items.Length);
                state.ItemCount--;
                state.Total--;
            }
        }
    }

    private void CountSlot(ref CounterKeyState state, long slot) => CountSlot(ref state, slot, long.MaxValue);

    /// <summary>Counts an item in the slot ring. <paramref name="countedTicks"/>: when called by Count, the item's
    /// time (the ring may hold counts that left the window, expired before it grows); otherwise long.MaxValue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CountSlot(ref CounterKeyState state, long slot, long countedTicks)
    {
        var ring = Ring(ref state);
        var count = state.SlotCount;
        if (count != 0)
        {
            var last = Wrap(state.SlotHead + count - 1, ring.Length);
            ref var s = ref ring[last];
            if (s.Index == slot)
            {
                s.Count++;
                return;
            }

            if (s.Index < slot && count < ring.Length)
            {
                ring[Wrap(last + 1, ring.Length)] = new CounterSlot { Index = slot, Count = 1 };
                state.SlotCount = count + 1;
                return;
            }
        }

        CountSlotSlow(ref state, slot, countedTicks);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CountSlotSlow(ref CounterKeyState state, long slot, long countedTicks)
    {
        if (countedTicks != long.MaxValue)
        {
            ExpireStale(ref state);
        }

        if (state.SlotCount == 0)
        {
            AppendSlot(ref state, slot, 1);
            return;
        }

        var ring = Ring(ref state);
        var i = state.SlotCount - 1;
        while (i >= 0)
        {
            ref var s = ref ring[Wrap(state.SlotHead + i, ring.Length)];
            if (s.Index == slot)
            {
                s.Count++;
                return;
            }

            if (s.Index < slot)
            {
                break;
            }

            i--;
        }

        // A new slot at logical position i + 1 (the end for an item in order, earlier for a late one).
        if (state.SlotCount == ring.Length)
        {
            ring = GrowSlots(ref state);
        }

        var at = i + 1;
        for (var j = state.SlotCount; j > at; j--)
        {
            ring[Wrap(state.SlotHead + j, ring.Length)] = ring[Wrap(state.SlotHead + j - 1, ring.Length)];
        }

        ring[Wrap(state.SlotHead + at, ring.Length)] = new CounterSlot { Index = slot, Count = 1 };
        state.SlotCount++;
    }

    private void AppendSlot(ref CounterKeyState state, long slot, int count)
    {
        var ring = Ring(ref state);
        if (state.SlotCount == ring.Length)
        {
            ring = GrowSlots(ref state);
        }

        ring[Wrap(state.SlotHead + state.SlotCount, ring.Length)] = new CounterSlot { Index = slot, Count = count };
        state.SlotCount++;
    }

    /// <summary>
    /// A key's counts per slot as snapshots and checkpoints hold them: the slot ring's counts merged with its kept
    /// items' (in slot order). The span is valid until the next call.
    /// </summary>
    private ReadOnlySpan<CounterSlot> MergedSlots(ref CounterKeyState state)
    {
        var most = state.SlotCount + state.ItemCount;
        if (_mergeScratch.Length < most)
        {
            _mergeScratch = new CounterSlot[Math.Max(most, _mergeScratch.Length * 2)];
        }

        var ring = Ring(ref state);
        var merged = 0;
        var item = 0;
        for (var i = 0; i <= state.SlotCount; i++)
        {
            // Kept items before this slot (all of them after the last), then the slot.
            var next = i < state.SlotCount ? ring[Wrap(state.SlotHead + i, ring.Length)] : new CounterSlot { Index = long.MaxValue };
            for (; item < state.ItemCount; item++)
            {
                var slot = ItemAt(ref state, item).Ticks / _resolution;
                if (slot > next.Index)
                {
                    break;
                }

                Merge(slot, 1);
            }

            if (i < state.SlotCount)
            {
                Merge(next.Index, next.Count);
            }
        }

        return _mergeScratch.AsSpan(0, merged);

        void Merge(long slot, int count)
        {
            if (merged != 0 && _mergeScratch[merged - 1].Index == slot)
            {
                _mergeScratch[merged - 1].Count += count;
            }
            else
            {
                _mergeScratch[merged++] = new CounterSlot { Index = slot, Count = count };
            }
        }
    }

    /// <summary>
    /// After a restore has put every count of a key in its slot ring (fresh, from index 0) and then kept its most
    /// recent items, takes the kept items' counts out of the slot ring (they are counted by the item ring). Returns
    /// false when a kept item has no count left in its slot (the state was inconsistent).
    /// </summary>
    private bool UncountKeptItems(ref CounterKeyState state)
    {
        var ring = Ring(ref state);
        var j = 0;
        for (var i = 0; i < state.ItemCount; i++)
        {
            var slot = ItemAt(ref state, i).Ticks / _resolution;
            while (j < state.SlotCount && (ring[j].Index < slot || ring[j].Count == 0))
            {
                j++;
            }

            if (j == state.SlotCount || ring[j].Index != slot)
            {
                return false;
            }

            ring[j].Count--;
        }

        var kept = 0;
        for (var i = 0; i < state.SlotCount; i++)
        {
            if (ring[i].Count != 0)
            {
                ring[kept++] = ring[i];
            }
        }

        ring[kept..state.SlotCount].Clear();
        state.SlotCount = kept;
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Span<CounterSlot> GrowSlots(ref CounterKeyState state)
    {
        var old = Ring(ref state);
        var size = Math.Min(Math.Max(old.Length * 2, InitialSlotCapacity), _maxSlotsPerKey);
        Debug.Assert(size > old.Length, "A key never needs more than min(N - 1, window / resolution) slots.");
        var grown = _slotPool.Rent(size);
        if (state.Slots is { } previous)
        {
            // Back to the pool, as GrowItems does.
            CopyRing(previous, state.SlotHead, state.SlotCount, grown);
            Array.Clear(previous);
            _slotPool.Return(previous);
        }

        state.Slots = grown;
        state.SlotHead = 0;
        return grown;
    }

    /// <summary>
    /// Keeps a counted item (already in <see cref="CounterKeyState.Total"/>): in the item ring while it has room, the
    /// oldest kept item (or this one, if older than all) moving to the slot ring's counts when it is full.
    /// </summary>
    /// <remarks><paramref name="expireFirst"/>: called by Count, whose key's rings may hold items that left the window
    /// (they are expired before a full ring grows); false for a restore, whose rings hold none.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void KeepItem(ref CounterKeyState state, long slot, long ticks, TItem item, bool expireFirst = false)
    {
        // The common case inline: room in the ring, and an item at the watermark, so not older than any kept item.
        // It only writes to the array: the capacity is kept in the entry and the bounds check is left out (the index is
        // below the capacity by construction). With many keys the array is a cache miss, and a store that misses does
        // not hold the processor up the way a load does: this is what makes keeping an item cheap.
        // The array is tested for null here (a register test) although a capacity above zero implies one: without it
        // the JIT null-checks the array by loading from it (`cmp byte ptr [items], items`), which is the very cache
        // miss this path avoids (it was a fifth of the counter's time in steady N = 5 at 10,000 keys, perf).
        var n = state.ItemCount;
        var items = Unsafe.As<Stamped[]?>(state.Items);
        if (ticks >= _watermark && n < state.ItemCapacity && items is not null)
        {
            Debug.Assert(items.Length == state.ItemCapacity, "ItemCapacity is the item array's length.");
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(items), Wrap(state.ItemHead + n, state.ItemCapacity)) =
                new Stamped { Ticks = ticks, Item = item };
            state.ItemCount = n + 1;
            return;
        }

        KeepItemSlow(ref state, slot, ticks, item, expireFirst);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void KeepItemSlow(ref CounterKeyState state, long slot, long ticks, TItem item, bool expireFirst)
    {
        if (expireFirst)
        {
            ExpireStale(ref state);
        }

        var n = state.ItemCount;
        if (n == (state.Items?.Length ?? 0) && n < _maxStoredItems)
        {
            GrowItems(ref state);
        }

        var full = n == state.Items!.Length;
        if (n == 0 || ItemAt(ref state, n - 1).Ticks <= ticks)
        {
            if (full)
            {
                DropOldestItem(ref state);
            }

            ItemAt(ref state, state.ItemCount) = new Stamped { Ticks = ticks, Item = item };
            state.ItemCount++;
            return;
        }

        // A late item: it goes after every kept item with a time at or before its own.
        var at = PositionAfter(ref state, ticks);
        if (full)
        {
            if (at == 0)
            {
                // Older than every kept item: not among the most recent, so only counted.
                CountSlot(ref state, slot);
                return;
            }

            DropOldestItem(ref state);
            at--;
        }

        for (var j = state.ItemCount; j > at; j--)
        {
            ItemAt(ref state, j) = ItemAt(ref state, j - 1);
        }

        ItemAt(ref state, at) = new Stamped { Ticks = ticks, Item = item };
        state.ItemCount++;
    }

    private static int PositionAfter(ref CounterKeyState state, long ticks)
    {
        var at = state.ItemCount;
        while (at > 0 && ItemAt(ref state, at - 1).Ticks > ticks)
        {
            at--;
        }

        return at;
    }

    /// <summary>Drops the oldest kept item from the item ring; it stays counted, in the slot ring.</summary>
    private void DropOldestItem(ref CounterKeyState state)
    {
        var items = ItemsOf(ref state);
        CountSlot(ref state, items[state.ItemHead].Ticks / _resolution);
        items[state.ItemHead] = default;
        state.ItemHead = Wrap(state.ItemHead + 1, items.Length);
        state.ItemCount--;
    }

    private void GrowItems(ref CounterKeyState state)
    {
        var oldLength = state.Items?.Length ?? 0;
        var size = Math.Min(Math.Max(oldLength * 2, InitialItemCapacity), _maxStoredItems);
        var grown = _itemPool.Rent(size);
        if (state.Items is Stamped[] old)
        {
            // The ring's two runs copied in bulk (one memory move and one card-marking pass for the references): copied
            // one by one, each item was a write-barrier call, and a burst of a new key copies 4 + 8 + ... + 64 items
            // while it grows (perf: the copy was the largest part of the counter's time in bursty N = 10,000).
            CopyRing(old, state.ItemHead, state.ItemCount, grown);

            // Back to the pool for the next key that grows (a burst of a new key grows 4, 8, 16, ...): without this,
            // keys coming and going in bursts allocated in steady state (24 B per activity in the bursty benchmark).
            // Only the live run holds anything: every element outside it is default (see ClearCounts).
            ClearRing(old, state.ItemHead, state.ItemCount);
            Debug.Assert(IsCleared(old), "Every kept item outside the live run is default.");
            _itemPool.Return(old);
        }

        state.Items = grown;
        state.ItemCapacity = grown.Length;
        state.ItemHead = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fire(ref CounterKeyState state, string key, long ticks, TItem item)
    {
        var hitCount = state.Total + 1;
        var length = Math.Min(hitCount, MaxItemsPerDetection);
        if (length > _detectionItems.Length)
        {
            // Grows to the largest detection seen, at most min(N, MaxItemsPerDetection) items.
            Array.Resize(ref _detectionItems, Math.Min(Math.Max(length, _detectionItems.Length * 2), Math.Min(Threshold, MaxItemsPerDetection)));
        }

        if (length > 0)
        {
            // The kept items with this one merged in at its place; the last `length` of them.
            // An item at the watermark (every item in time order) goes after all the kept items, which are not newer:
            // its place is known without reading them.
            var kept = state.ItemCount;
            var at = ticks >= _watermark ? kept : PositionAfter(ref state, ticks);
            var start = kept + 1 - length;
            Debug.Assert(start >= 0, "A key keeps the most recent min(N - 1, cap) items.");

            // Written through a reference to the array's data: a store into a TItem[] of a reference type checks the
            // element type each time (array covariance), and so does making a span of it, once, but in this class's
            // shared code for reference items that check looks the type TItem[] up at run time: a chain of dependent
            // loads on every detection (perf: the most expensive part of Fire in bursty N = 5). _detectionItems is
            // created here as a TItem[] and never another array type; length <= its length (checked above).
            Debug.Assert(length <= _detectionItems.Length, "The detection array was grown to the detection's length.");
            // The kept items are read through the array's data with the entry's capacity (ItemAt would load the
            // array's length for its bounds check first: for a key not seen for a while, a miss on the array's first
            // line before the items' own).
            ref var detection = ref MemoryMarshal.GetArrayDataReference(_detectionItems);
            ref var items = ref KeptItems(ref state);
            var head = state.ItemHead;
            var capacity = state.ItemCapacity;
            for (var m = start; m <= kept; m++)
            {
                Unsafe.Add(ref detection, m - start) = m < at ? Unsafe.Add(ref items, Wrap(head + m, capacity)).Item
                    : m == at ? item : Unsafe.Add(ref items, Wrap(head + m - 1, capacity)).Item;
            }
        }

        if (length < _detectionLength && RuntimeHelpers.IsReferenceOrContainsReferences<TItem>())
        {
            Array.Clear(_detectionItems, length, _detectionLength - length);
        }

        _detectionLength = length;
        _detectionHitCount = hitCount;
        _detectionKey = key;
        ClearCounts(ref state);
    }

    private static void ClearCounts(ref CounterKeyState state)
    {
        state.Total = 0;
        state.SlotHead = 0;
        state.SlotCount = 0;
        if (state.ItemCount != 0)
        {
            if (RuntimeHelpers.IsReferenceOrContainsReferences<TItem>())
            {
                // Every element outside the live run is default already (expiry, drops and clears reset what they take
                // out; a grown ring starts from a cleared array), so only the run is cleared. A short run (a detection
                // at a small N: every N items of a burst) element by element: plain stores of zero, where Array.Clear
                // is a call with its checks and a call of its own (perf: 6 % of the counter in bursty N = 5).
                if (state.ItemCount <= 8)
                {
                    ref var items = ref KeptItems(ref state);
                    for (var i = 0; i < state.ItemCount; i++)
                    {
                        Unsafe.Add(ref items, Wrap(state.ItemHead + i, state.ItemCapacity)) = default;
                    }
                }
                else
                {
                    ClearRing(ItemsOf(ref state), state.ItemHead, state.ItemCount);
                }
            }

            state.ItemHead = 0;
            state.ItemCount = 0;
        }
    }

    /// <summary>Copies the <paramref name="count"/> elements of a ring from <paramref name="head"/> to the start of
    /// <paramref name="target"/>, in order, in at most two bulk copies.</summary>
    /// <remarks>Through the non-generic <see cref="Array"/> methods: in this generic class's shared code for reference
    /// items, a generic helper or a span of <c>Stamped</c> costs a runtime lookup of its type per call.</remarks>
    private static void CopyRing(Array ring, int head, int count, Array target)
    {
        var first = Math.Min(count, ring.Length - head);
        Array.Copy(ring, head, target, 0, first);
        Array.Copy(ring, 0, target, first, count - first);
    }

    /// <summary>Whether every element of an item array is default (for assertions); items without references are not
    /// cleared (nothing reads an element outside the live run before writing it) and always pass.</summary>
    private static bool IsCleared(Stamped[] items)
    {
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<TItem>())
        {
            return true;
        }

        foreach (var s in items)
        {
            if (s.Ticks != 0 || !EqualityComparer<TItem>.Default.Equals(s.Item, default))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Clears the <paramref name="count"/> elements of a ring from <paramref name="head"/> (see
    /// <see cref="CopyRing"/> for why not generic).</summary>
    private static void ClearRing(Array ring, int head, int count)
    {
        var first = Math.Min(count, ring.Length - head);
        Array.Clear(ring, head, first);
        Array.Clear(ring, 0, count - first);
    }

    private long ValidateSnapshot(SlidingWindowCounterSnapshot<TItem> snapshot)
    {
        const string name = nameof(snapshot);
        if (snapshot.Threshold != Threshold || snapshot.Window != Window || snapshot.Resolution != Resolution)
        {
            throw new ArgumentException(
                $"The snapshot is of a counter with threshold {snapshot.Threshold}, window {snapshot.Window} and resolution " +
                $"{snapshot.Resolution}; this counter has {Threshold}, {Window} and {Resolution}.", name);
        }

        ArgumentNullException.ThrowIfNull(snapshot.Keys, name);
        if (snapshot.Keys.Count > MaxTrackedKeys)
        {
            throw new ArgumentException($"The snapshot holds {snapshot.Keys.Count} keys, more than MaxTrackedKeys ({MaxTrackedKeys}).", name);
        }

        if (snapshot.Keys.Count != 0 && snapshot.Watermark is null)
        {
            throw new ArgumentException("The snapshot holds keys but no watermark.", name);
        }

        var watermark = snapshot.Watermark?.UtcTicks ?? long.MinValue;
        var seen = new HashSet<string>(_keys.Comparer);
        for (var k = 0; k < snapshot.Keys.Count; k++)
        {
            var key = snapshot.Keys[k] ?? throw new ArgumentException($"Keys[{k}] is null.", name);
            if (key.Key is null || key.Slots is null || key.Items is null)
            {
                throw new ArgumentException($"Keys[{k}] has a null key, slots or items.", name);
            }

            if (!seen.Add(key.Key))
            {
                throw new ArgumentException($"Key '{key.Key}' appears twice.", name);
            }

            var newestTicks = key.Newest.UtcTicks;
            if (newestTicks % _resolution != 0 || newestTicks > watermark)
            {
                throw new ArgumentException($"Key '{key.Key}': newest time {key.Newest:O} is not a slot start at or before the watermark.", name);
            }

            var newest = newestTicks / _resolution;
            var previous = newest - _windowSlots;
            long total = 0;
            foreach (var s in key.Slots)
            {
                var startTicks = s.Start.UtcTicks;
                var slot = startTicks / _resolution;
                if (startTicks % _resolution != 0 || slot <= previous || slot > newest || s.Count < 1)
                {
                    throw new ArgumentException(
                        $"Key '{key.Key}': slot {s.Start:O} x {s.Count} is not an aligned slot in order inside the key's window with a positive count.", name);
                }

                previous = slot;
                total += s.Count;
            }

            if (total >= Threshold || key.Items.Count > total)
            {
                throw new ArgumentException(
                    $"Key '{key.Key}': {total} counted items and {key.Items.Count} kept items; a key counts fewer than {Threshold} and keeps at most what it counts.", name);
            }

            var previousItem = long.MinValue;
            foreach (var item in key.Items)
            {
                var ticks = item.Time.UtcTicks;
                if (ticks < previousItem || ticks / _resolution <= newest - _windowSlots || ticks / _resolution > newest)
                {
                    throw new ArgumentException($"Key '{key.Key}': item at {item.Time:O} is out of order or outside the key's window.", name);
                }

                if (ticks > watermark)
                {
                    // Every kept item was seen, so none is later than the latest time seen (detections append after it).
                    throw new ArgumentException($"Key '{key.Key}': item at {item.Time:O} is later than the watermark.", name);
                }

                previousItem = ticks;
            }

            // The items this counter keeps must each be counted in their slot (they are counted by the item ring).
            var slotAt = -1;
            var left = 0;
            for (var i = Math.Max(0, key.Items.Count - _maxStoredItems); i < key.Items.Count; i++)
            {
                var slot = key.Items[i].Time.UtcTicks / _resolution;
                while (left == 0 || key.Slots[slotAt].Start.UtcTicks / _resolution < slot)
                {
                    if (++slotAt == key.Slots.Count)
                    {
                        break;
                    }

                    left = key.Slots[slotAt].Count;
                }

                if (slotAt == key.Slots.Count || key.Slots[slotAt].Start.UtcTicks / _resolution != slot)
                {
                    throw new ArgumentException($"Key '{key.Key}': item at {key.Items[i].Time:O} is not counted in its slot.", name);
                }

                left--;
            }
        }

        return watermark;
    }

    private struct Stamped
    {
        public long Ticks;
        public TItem Item;
    }
}
