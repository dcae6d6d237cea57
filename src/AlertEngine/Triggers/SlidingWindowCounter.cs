using System.Runtime.CompilerServices;

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
    private IKeptItemRelease<TItem>? _release;

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

    /// <summary>
    /// Told of every kept item the counter stops holding without handing it out in <see cref="LastDetection"/> (expired,
    /// dropped to the counts, evicted, not kept at all, skipped on restore), so that items owning storage (records of an
    /// <see cref="ActivityArena"/>) can be freed; the items of a detection are the caller's to free. Set before the
    /// first item.
    /// </summary>
    internal IKeptItemRelease<TItem>? ItemRelease
    {
        get => _release;
        set => _release = value;
    }

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
}
