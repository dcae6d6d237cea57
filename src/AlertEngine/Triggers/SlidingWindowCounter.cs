using System.Diagnostics;
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
/// slots inside its window. Since the count resets at N, a key holds at most
/// <c>min(N − 1, ceil(window / resolution))</c> slots of 16 bytes, whatever the rate of items for the key. To carry the
/// items into detections a key also keeps the most recent <c>min(N − 1, MaxItemsPerDetection)</c> items inside its
/// window (16 bytes each plus the items themselves); set <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/>
/// to zero to count only. Arrays grow by doubling up to these bounds and are reused.</para>
/// <para><b>Eviction.</b> A key is evicted once none of its items can be in any window any more: when its newest time
/// is at or before (watermark − allowed lateness − window). Eviction is driven by event time (each advance of the
/// watermark evicts the keys that became idle, oldest first, in amortized constant time per key) and never changes a
/// result. With a non-zero allowed lateness, a key that received late items may be evicted up to the allowed lateness
/// later than that. At most <see cref="MaxTrackedKeys"/> keys are tracked; an item for a new key beyond the cap is
/// <see cref="SlidingWindowOutcome.KeyCapExceeded"/> and not counted.</para>
/// <para><b>Detections.</b> A detection carries the exact hit count (always N) and the most recent
/// <see cref="MaxItemsPerDetection"/> of the items that made it, in time order (equal times in arrival order),
/// including the item that completed it. Read it from <see cref="LastDetection"/> right after
/// <see cref="Add"/> returns <see cref="SlidingWindowOutcome.Detected"/>.</para>
/// <para><b>State</b> can be saved with <see cref="CreateSnapshot"/> and loaded with <see cref="Restore"/>; a restored
/// counter gives the same results as one that never stopped.</para>
/// <para>Not thread-safe: use one counter per thread, or serialize calls.</para>
/// </remarks>
public sealed class SlidingWindowCounter<TItem>
{
    private const int InitialCapacity = 4;
    private const int MaxPooledStates = 1024;
    private const int MaxPooledArrayLength = 16;
    private static readonly long MaxTicks = DateTimeOffset.MaxValue.UtcTicks;

    private readonly Dictionary<string, KeyState> _keys;
    private readonly long _resolution;
    private readonly long _windowSlots;
    private readonly long _lateness;
    private readonly int _maxSlotsPerKey;
    private readonly int _maxStoredItems;
    private readonly TItem[] _detectionItems;

    private long _watermark = long.MinValue;
    private long _lateBefore = long.MinValue;
    private long _evictThrough = long.MinValue;
    private KeyState? _oldest;
    private KeyState? _newest;
    private KeyState? _pool;
    private int _pooled;
    private string _detectionKey = string.Empty;
    private int _detectionHitCount;
    private int _detectionLength;

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
        _windowSlots = Math.Min(windowSlots, (MaxTicks / _resolution) + 2);
        _maxSlotsPerKey = (int)Math.Min(threshold - 1, _windowSlots);
        _maxStoredItems = Math.Min(threshold - 1, MaxItemsPerDetection);
        _detectionItems = new TItem[Math.Min(threshold, MaxItemsPerDetection)];
        _keys = new Dictionary<string, KeyState>(options.KeyComparer);
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

    /// <summary>Counts an item for a key.</summary>
    /// <param name="key">The scope key, e.g. a user id. Compared with <see cref="SlidingWindowCounterOptions.KeyComparer"/>.</param>
    /// <param name="time">The item's event time.</param>
    /// <param name="item">The item, kept for the detection's item list.</param>
    /// <returns>What happened; on <see cref="SlidingWindowOutcome.Detected"/> read <see cref="LastDetection"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public SlidingWindowOutcome Add(string key, DateTimeOffset time, TItem item)
    {
        ArgumentNullException.ThrowIfNull(key);
        var ticks = time.UtcTicks;
        if (ticks > _watermark)
        {
            AdvanceWatermark(ticks);
        }
        else if (ticks < _lateBefore)
        {
            return SlidingWindowOutcome.Late;
        }

        var slot = ticks / _resolution;
        if (!_keys.TryGetValue(key, out var state))
        {
            if (_keys.Count >= MaxTrackedKeys)
            {
                return SlidingWindowOutcome.KeyCapExceeded;
            }

            state = Track(key, slot);
        }
        else if (slot > state.NewestSlot)
        {
            state.NewestSlot = slot;
            Expire(state, slot - _windowSlots);
            if (state != _newest)
            {
                MoveToNewest(state);
            }
        }
        else if (slot <= state.NewestSlot - _windowSlots)
        {
            return SlidingWindowOutcome.OutOfWindow;
        }

        if (state.Total >= Threshold - 1)
        {
            Fire(state, key, ticks, item);
            return SlidingWindowOutcome.Detected;
        }

        CountSlot(state, slot);
        if (_maxStoredItems != 0)
        {
            KeepItem(state, ticks, item);
        }

        return SlidingWindowOutcome.Counted;
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
            AdvanceWatermark(ticks);
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
        if (!_keys.TryGetValue(key, out var state))
        {
            return 0;
        }

        var cutoff = (_watermark / _resolution) - _windowSlots;
        var total = 0;
        for (var i = 0; i < state.SlotCount; i++)
        {
            ref var s = ref SlotAt(state, i);
            if (s.Index > cutoff)
            {
                total += s.Count;
            }
        }

        return total;
    }

    /// <summary>Captures the whole state: the watermark and, for each tracked key, its slots and kept items.</summary>
    /// <returns>The snapshot.</returns>
    public SlidingWindowCounterSnapshot<TItem> CreateSnapshot()
    {
        var keys = new List<SlidingWindowKeySnapshot<TItem>>(_keys.Count);
        for (var state = _oldest; state is not null; state = state.Newer)
        {
            var slots = new SlidingWindowSlot[state.SlotCount];
            for (var i = 0; i < slots.Length; i++)
            {
                ref var s = ref SlotAt(state, i);
                slots[i] = new SlidingWindowSlot(TimeOf(s.Index), s.Count);
            }

            var items = new SlidingWindowItem<TItem>[state.ItemCount];
            for (var i = 0; i < items.Length; i++)
            {
                ref var it = ref ItemAt(state, i);
                items[i] = new SlidingWindowItem<TItem>(new DateTimeOffset(it.Ticks, TimeSpan.Zero), it.Item);
            }

            keys.Add(new SlidingWindowKeySnapshot<TItem>(state.Key, TimeOf(state.NewestSlot), slots, items));
        }

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
        var ordered = new List<SlidingWindowKeySnapshot<TItem>>(snapshot.Keys);
        // Keep the eviction order: oldest newest-time first (stable for equal times).
        var index = 0;
        var keyed = new (long Newest, int Index, SlidingWindowKeySnapshot<TItem> Key)[ordered.Count];
        foreach (var k in ordered)
        {
            keyed[index] = (k.Newest.UtcTicks, index, k);
            index++;
        }

        Array.Sort(keyed, static (a, b) => a.Newest != b.Newest ? a.Newest.CompareTo(b.Newest) : a.Index.CompareTo(b.Index));
        foreach (var (newest, _, k) in keyed)
        {
            var state = Track(k.Key, newest / _resolution);
            foreach (var s in k.Slots)
            {
                AppendSlot(state, s.Start.UtcTicks / _resolution, s.Count);
            }

            var skip = Math.Max(0, k.Items.Count - _maxStoredItems);
            for (var i = skip; i < k.Items.Count; i++)
            {
                KeepItem(state, k.Items[i].Time.UtcTicks, k.Items[i].Item);
            }
        }

        if (watermark != long.MinValue)
        {
            AdvanceWatermark(watermark);
        }
    }

    /// <summary>The number of slots <paramref name="key"/> holds now (for tests).</summary>
    internal int SlotCount(string key) => _keys.TryGetValue(key, out var s) ? s.SlotCount : 0;

    /// <summary>The slot capacity <paramref name="key"/> has allocated (for tests).</summary>
    internal int SlotCapacity(string key) => _keys.TryGetValue(key, out var s) ? s.Slots.Length : 0;

    /// <summary>The item capacity <paramref name="key"/> has allocated (for tests).</summary>
    internal int ItemCapacity(string key) => _keys.TryGetValue(key, out var s) ? s.Items.Length : 0;

    private DateTimeOffset TimeOf(long slot) => new(slot * _resolution, TimeSpan.Zero);

    private void AdvanceWatermark(long ticks)
    {
        _watermark = ticks;
        _lateBefore = ticks - _lateness;
        if (_lateBefore >= 0)
        {
            // No item at or after _lateBefore can see a slot at or before this in its key's window.
            _evictThrough = (_lateBefore / _resolution) - _windowSlots;
            EvictIdle();
        }
    }

    private void EvictIdle()
    {
        var evicted = false;
        while (_oldest is { } state && state.NewestSlot <= _evictThrough)
        {
            Untrack(state);
            evicted = true;
        }

        if (evicted && _keys.Count < _keys.Capacity / 4 && _keys.Capacity > 1024)
        {
            // After a crowd of keys has gone idle, give the memory back.
            _keys.TrimExcess(Math.Max(_keys.Count * 2, 1024));
        }
    }

    private KeyState Track(string key, long slot)
    {
        var state = _pool;
        if (state is not null)
        {
            _pool = state.Newer;
            _pooled--;
            state.Newer = null;
        }
        else
        {
            state = new KeyState();
        }

        state.Key = key;
        state.NewestSlot = slot;
        state.Older = _newest;
        if (_newest is null)
        {
            _oldest = state;
        }
        else
        {
            _newest.Newer = state;
        }

        _newest = state;
        _keys.Add(key, state);
        return state;
    }

    private void Untrack(KeyState state)
    {
        Unlink(state);
        _keys.Remove(state.Key);
        ClearCounts(state);
        state.Key = string.Empty;
        if (_pooled < MaxPooledStates)
        {
            if (state.Slots.Length > MaxPooledArrayLength)
            {
                state.Slots = [];
            }

            if (state.Items.Length > MaxPooledArrayLength)
            {
                state.Items = [];
            }

            state.Newer = _pool;
            _pool = state;
            _pooled++;
        }
    }

    private void Clear()
    {
        while (_oldest is { } state)
        {
            Untrack(state);
        }

        _watermark = long.MinValue;
        _lateBefore = long.MinValue;
        _evictThrough = long.MinValue;
    }

    private void Unlink(KeyState state)
    {
        if (state.Older is null)
        {
            _oldest = state.Newer;
        }
        else
        {
            state.Older.Newer = state.Newer;
        }

        if (state.Newer is null)
        {
            _newest = state.Older;
        }
        else
        {
            state.Newer.Older = state.Older;
        }

        state.Older = null;
        state.Newer = null;
    }

    private void MoveToNewest(KeyState state)
    {
        Unlink(state);
        state.Older = _newest;
        if (_newest is null)
        {
            _oldest = state;
        }
        else
        {
            _newest.Newer = state;
        }

        _newest = state;
    }

    private void Expire(KeyState state, long cutoff)
    {
        while (state.SlotCount != 0)
        {
            ref var first = ref state.Slots[state.SlotHead];
            if (first.Index > cutoff)
            {
                break;
            }

            state.Total -= first.Count;
            state.SlotHead = state.SlotHead + 1 == state.Slots.Length ? 0 : state.SlotHead + 1;
            state.SlotCount--;
        }

        if (state.ItemCount != 0)
        {
            // Items expire with their slot: slot <= cutoff <=> ticks < (cutoff + 1) * resolution.
            var before = (cutoff + 1) * _resolution;
            while (state.ItemCount != 0)
            {
                ref var first = ref state.Items[state.ItemHead];
                if (first.Ticks >= before)
                {
                    break;
                }

                first = default;
                state.ItemHead = state.ItemHead + 1 == state.Items.Length ? 0 : state.ItemHead + 1;
                state.ItemCount--;
            }
        }
    }

    private void CountSlot(KeyState state, long slot)
    {
        var count = state.SlotCount;
        if (count != 0)
        {
            ref var last = ref SlotAt(state, count - 1);
            if (last.Index == slot)
            {
                last.Count++;
                state.Total++;
                return;
            }

            if (last.Index > slot)
            {
                CountLateSlot(state, slot);
                return;
            }
        }

        AppendSlot(state, slot, 1);
    }

    private void AppendSlot(KeyState state, long slot, int count)
    {
        if (state.SlotCount == state.Slots.Length)
        {
            GrowSlots(state);
        }

        SlotAt(state, state.SlotCount) = new Slot { Index = slot, Count = count };
        state.SlotCount++;
        state.Total += count;
    }

    private void CountLateSlot(KeyState state, long slot)
    {
        var i = state.SlotCount - 1;
        while (i >= 0)
        {
            ref var s = ref SlotAt(state, i);
            if (s.Index == slot)
            {
                s.Count++;
                state.Total++;
                return;
            }

            if (s.Index < slot)
            {
                break;
            }

            i--;
        }

        if (state.SlotCount == state.Slots.Length)
        {
            GrowSlots(state);
        }

        var at = i + 1;
        for (var j = state.SlotCount; j > at; j--)
        {
            SlotAt(state, j) = SlotAt(state, j - 1);
        }

        SlotAt(state, at) = new Slot { Index = slot, Count = 1 };
        state.SlotCount++;
        state.Total++;
    }

    private void GrowSlots(KeyState state)
    {
        var old = state.Slots;
        var size = Math.Min(Math.Max(old.Length * 2, InitialCapacity), _maxSlotsPerKey);
        Debug.Assert(size > old.Length, "A key never needs more than min(N - 1, window / resolution) slots.");
        var grown = new Slot[size];
        for (var i = 0; i < state.SlotCount; i++)
        {
            grown[i] = SlotAt(state, i);
        }

        state.Slots = grown;
        state.SlotHead = 0;
    }

    private void KeepItem(KeyState state, long ticks, TItem item)
    {
        var n = state.ItemCount;
        if (n == state.Items.Length && n < _maxStoredItems)
        {
            GrowItems(state);
        }

        var full = n == state.Items.Length;
        if (n == 0 || ItemAt(state, n - 1).Ticks <= ticks)
        {
            if (full)
            {
                DropOldestItem(state);
            }

            ItemAt(state, state.ItemCount) = new Stamped { Ticks = ticks, Item = item };
            state.ItemCount++;
            return;
        }

        // A late item: it goes after every kept item with a time at or before its own.
        var at = PositionAfter(state, ticks);
        if (full)
        {
            if (at == 0)
            {
                return; // Older than every kept item: not among the most recent.
            }

            DropOldestItem(state);
            at--;
        }

        for (var j = state.ItemCount; j > at; j--)
        {
            ItemAt(state, j) = ItemAt(state, j - 1);
        }

        ItemAt(state, at) = new Stamped { Ticks = ticks, Item = item };
        state.ItemCount++;
    }

    private static int PositionAfter(KeyState state, long ticks)
    {
        var at = state.ItemCount;
        while (at > 0 && ItemAt(state, at - 1).Ticks > ticks)
        {
            at--;
        }

        return at;
    }

    private static void DropOldestItem(KeyState state)
    {
        state.Items[state.ItemHead] = default;
        state.ItemHead = state.ItemHead + 1 == state.Items.Length ? 0 : state.ItemHead + 1;
        state.ItemCount--;
    }

    private void GrowItems(KeyState state)
    {
        var old = state.Items;
        var size = Math.Min(Math.Max(old.Length * 2, InitialCapacity), _maxStoredItems);
        var grown = new Stamped[size];
        for (var i = 0; i < state.ItemCount; i++)
        {
            grown[i] = ItemAt(state, i);
        }

        state.Items = grown;
        state.ItemHead = 0;
    }

    private void Fire(KeyState state, string key, long ticks, TItem item)
    {
        var hitCount = state.Total + 1;
        var length = Math.Min(hitCount, MaxItemsPerDetection);
        if (length > 0)
        {
            // The kept items with this one merged in at its place; the last `length` of them.
            var kept = state.ItemCount;
            var at = PositionAfter(state, ticks);
            var start = kept + 1 - length;
            Debug.Assert(start >= 0, "A key keeps the most recent min(N - 1, cap) items.");
            for (var m = start; m <= kept; m++)
            {
                _detectionItems[m - start] = m < at ? ItemAt(state, m).Item : m == at ? item : ItemAt(state, m - 1).Item;
            }
        }

        if (length < _detectionLength && RuntimeHelpers.IsReferenceOrContainsReferences<TItem>())
        {
            Array.Clear(_detectionItems, length, _detectionLength - length);
        }

        _detectionLength = length;
        _detectionHitCount = hitCount;
        _detectionKey = key;
        ClearCounts(state);
    }

    private static void ClearCounts(KeyState state)
    {
        state.Total = 0;
        state.SlotHead = 0;
        state.SlotCount = 0;
        if (state.ItemCount != 0)
        {
            if (RuntimeHelpers.IsReferenceOrContainsReferences<TItem>())
            {
                Array.Clear(state.Items);
            }

            state.ItemHead = 0;
            state.ItemCount = 0;
        }
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

                previousItem = ticks;
            }
        }

        return watermark;
    }

    private static ref Slot SlotAt(KeyState state, int i)
    {
        var index = state.SlotHead + i;
        if (index >= state.Slots.Length)
        {
            index -= state.Slots.Length;
        }

        return ref state.Slots[index];
    }

    private static ref Stamped ItemAt(KeyState state, int i)
    {
        var index = state.ItemHead + i;
        if (index >= state.Items.Length)
        {
            index -= state.Items.Length;
        }

        return ref state.Items[index];
    }

    private struct Slot
    {
        public long Index;
        public int Count;
    }

    private struct Stamped
    {
        public long Ticks;
        public TItem Item;
    }

    /// <summary>One tracked key: a sorted ring of slot counts and a sorted ring of the most recent items.</summary>
    private sealed class KeyState
    {
        public string Key = string.Empty;
        public KeyState? Older;
        public KeyState? Newer;
        public long NewestSlot;
        public int Total;
        public Slot[] Slots = [];
        public int SlotHead;
        public int SlotCount;
        public Stamped[] Items = [];
        public int ItemHead;
        public int ItemCount;
    }
}
