using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// The sum trigger's core: per key, when an item at time t with value x brings the sum of the values of the key's items
/// with time in (t − window, t] to the threshold X or more, a detection fires carrying those items, and the key starts
/// again from zero. Single-threaded and allocation-free in steady state.
/// </summary>
/// <typeparam name="TItem">The item carried into detections (an <see cref="Activity"/> in the engine).</typeparam>
/// <remarks>
/// <para><b>Time, order and lateness</b> follow <see cref="SlidingWindowCounter{TItem}"/>: times are truncated to the
/// resolution (exact for whole-second audit times at the default of one second); an item older than the allowed
/// lateness behind the newest time seen over all keys is <see cref="WindowTriggerOutcome.Late"/>; each key's window ends
/// at that key's newest time (for items in time order, the item's own time), and an accepted item already outside it is
/// <see cref="WindowTriggerOutcome.OutOfWindow"/>.</para>
/// <para><b>The total</b> is kept as a running sum of doubles (values added in arrival order, a time slot's subtotal
/// subtracted when it leaves the window, exactly zero again whenever the window is empty). With values that are exact in
/// binary (integers up to 2^53, halves, quarters…) it equals the exact sum; otherwise it may differ from a fresh sum by
/// rounding in the last bits. Values may be negative. While a key's values are whole multiples of 1/1024 and not
/// negative (whole numbers, halves…; totals below 2^43), its expiry waits until the total could reach X, and its sums are
/// exact, so deferring changes no result, total or checkpoint, bit for bit.</para>
/// <para><b>Memory.</b> Each key keeps one subtotal per time slot that holds items, inside its window: at most
/// <c>ceil(window / resolution)</c> slots of 24 bytes, however many items, plus the most recent
/// <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/> items of its window (24 bytes each plus the items),
/// in rings that grow by doubling up to these bounds and are reused. While a key keeps every item of its window (fewer
/// than the cap, in time order, one time per slot: the usual case for audit times) the kept items carry their values
/// and stand for the slots, so only one ring is used. Per item the cost is constant for items in time order (a late
/// item is inserted at its place).</para>
/// <para><b>Eviction</b> and the <b>key cap</b> work as in <see cref="SlidingWindowCounter{TItem}"/>.</para>
/// <para>Not thread-safe: use one core per thread, or serialize calls.</para>
/// </remarks>
public sealed class SlidingWindowSum<TItem>
{
    /// <summary>Values that keep a key lazy are whole multiples of 1 / <see cref="ExactScale"/> (2^-10: whole numbers,
    /// halves, quarters… down to 1/1024), and its totals stay below <see cref="ExactLimit"/> (2^43): such numbers and
    /// every sum and difference of them are exact doubles (53 significant bits), so their order does not matter.</summary>
    private const double ExactScale = 1024.0;

    /// <summary>2^43; see <see cref="ExactScale"/>.</summary>
    private const double ExactLimit = 8796093022208.0;

    private readonly KeyTable<KeyState> _keys;
    private readonly Stack<KeyState> _spare = new();
    private readonly WindowClock _clock;
    private readonly int _maxSlots;
    private readonly int _maxItems;
    private string _detectionKey = string.Empty;
    private int _detectionHitCount;
    private double _detectionTotal;
    private int _detectionLength;
    private TItem[] _detectionItems = [];

    /// <summary>Creates a sum.</summary>
    /// <param name="threshold">X: the sum that fires a detection; a finite number.</param>
    /// <param name="window">The sliding window, greater than zero.</param>
    /// <param name="options">Resolution, lateness, caps and key comparer; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> or <paramref name="window"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public SlidingWindowSum(double threshold, TimeSpan window, WindowedTriggerOptions? options = null)
    {
        if (!double.IsFinite(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be a finite number.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        options ??= new WindowedTriggerOptions();
        options.ThrowIfInvalid(nameof(options));
        Threshold = threshold;
        Window = window;
        Options = options.CopyCore();
        _clock = new WindowClock(window, 1, options.Resolution, options.AllowedLateness);
        _maxSlots = (int)Math.Min(_clock.WindowSlots, Array.MaxLength);
        _maxItems = options.MaxItemsPerDetection;
        _keys = new KeyTable<KeyState>(options.KeyComparer);
    }

    /// <summary>X: the sum that fires a detection.</summary>
    public double Threshold { get; }

    /// <summary>The sliding window.</summary>
    public TimeSpan Window { get; }

    /// <summary>A copy of the options in effect.</summary>
    public WindowedTriggerOptions Options { get; }

    /// <summary>The number of keys tracked now.</summary>
    public int TrackedKeys => _keys.Count;

    /// <summary>The newest time seen; <see langword="null"/> before the first item.</summary>
    public DateTimeOffset? Watermark => _clock.Watermark == long.MinValue ? null : new DateTimeOffset(_clock.Watermark, TimeSpan.Zero);

    /// <summary>The detection fired by the last <see cref="Add"/> that returned <see cref="WindowTriggerOutcome.Detected"/>;
    /// valid until the next <see cref="Add"/>. <see cref="WindowedDetection{TItem}.HitCount"/> is the number of items
    /// summed, <see cref="WindowedDetection{TItem}.Total"/> the sum.</summary>
    public WindowedDetection<TItem> LastDetection => new(
        _detectionKey,
        _detectionHitCount,
        new ReadOnlySpan<TItem>(_detectionItems, 0, _detectionLength),
        default,
        _detectionTotal,
        0);

    internal WindowClock Clock => _clock;

    /// <summary>For tests: every key expires at once when its window moves on (no lazy expiry), the reference that lazy
    /// expiry is compared with, bit for bit.</summary>
    internal bool ExpiresEagerly { get; init; }

    /// <summary>Adds an item's value for a key.</summary>
    /// <param name="key">The scope key. Compared with <see cref="SlidingWindowCounterOptions.KeyComparer"/>.</param>
    /// <param name="time">The item's event time.</param>
    /// <param name="value">The item's value; a finite number.</param>
    /// <param name="item">The item, kept for the detection.</param>
    /// <returns>What happened; on <see cref="WindowTriggerOutcome.Detected"/> read <see cref="LastDetection"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public WindowTriggerOutcome Add(string key, DateTimeOffset time, double value, TItem item)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "The value must be a finite number.");
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
        // reference is used only until the table next changes (not within this call).
        ref var state = ref _keys.FindValue(key);
        if (Unsafe.IsNullRef(ref state))
        {
            return AddNewKey(key, ticks, slot, value, item);
        }

        if (slot <= state.Newest)
        {
            return slot <= state.Newest - _clock.WindowSlots ? WindowTriggerOutcome.OutOfWindow : Count(ref state, key, ticks, slot, value, item, inOrder: false);
        }

        state.Newest = slot;
        if (state.Eager)
        {
            Expire(ref state);
        }

        // The usual case, kept small: an item in a later slot than the key's newest, below the threshold, for a key that
        // stays as it is (eager, or lazy with an exact value: see KeyState.Eager), into a ring with room. It is appended
        // without reading the ring's last entry or its array's length (the state knows the capacity): a store only.
        var total = state.Total + value;
        if (total < Threshold && (state.Eager || IsExactStep(value, total)))
        {
            if (_maxItems == 0)
            {
                if (state.Slots.Count < state.SlotCapacity)
                {
                    state.Slots.AddWithin(new Slot { Index = slot, Sum = value, Count = 1 }, state.SlotCapacity);
                    state.Total = total;
                    state.Count++;
                    return WindowTriggerOutcome.Counted;
                }
            }
            else if (state.Slots.Count == 0 && state.Items.Count < state.ItemCapacity && state.Items.Count < _maxItems)
            {
                // The key keeps every item of its window, and the items stand for the slots (see KeyState).
                state.Items.AddWithin(new Stamped<Valued<TItem>> { Ticks = ticks, Item = new Valued<TItem> { Item = item, Value = value } }, state.ItemCapacity);
                state.Total = total;
                state.Count++;
                return WindowTriggerOutcome.Counted;
            }
        }

        return Count(ref state, key, ticks, slot, value, item, inOrder: true);
    }

    /// <summary>An item for a key that is not tracked: the key is added (a sweep first, if the key cap is reached).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private WindowTriggerOutcome AddNewKey(string key, long ticks, long slot, double value, TItem item)
    {
        if (_keys.Count >= Options.MaxTrackedKeys && !SweepForRoom())
        {
            return WindowTriggerOutcome.KeyCapExceeded;
        }

        ref var state = ref _keys.GetValueRefOrAddDefault(key, out _);
        state = _spare.Count != 0 ? _spare.Pop() : default;
        state.Newest = slot;
        state.Eager = ExpiresEagerly;
        return Count(ref state, key, ticks, slot, value, item, inOrder: true);
    }

    /// <summary>Counts an item of the key's window (or fires), every case; <see cref="Add"/> has moved the key's newest
    /// slot and, for an eager key, expired it. <paramref name="inOrder"/>: the item is in a later slot than every item of
    /// the key's rings.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private WindowTriggerOutcome Count(ref KeyState state, string key, long ticks, long slot, double value, TItem item, bool inOrder)
    {
        // Lazy expiry (see KeyState.Eager): while the key's values are exact (whole multiples of 1/1024) and not
        // negative, the total may still count values that left the window, an upper bound of the window's sum; expire
        // only when it could reach the threshold, when the value is not one that keeps the sums exact, or before a ring
        // that is full would grow.
        var total = state.Total + value;
        if (total >= Threshold || !(state.Eager || IsExactStep(value, total)))
        {
            if (!state.Eager)
            {
                total = CatchUp(ref state, value);
            }

            if (total >= Threshold)
            {
                Fire(ref state, key, ticks, item, total);
                return WindowTriggerOutcome.Detected;
            }
        }

        if (!state.Eager && (IsFull(state.Slots.Count, state.SlotCapacity) || IsFull(state.Items.Count, state.ItemCapacity)))
        {
            Expire(ref state);
        }

        // The item is stored before it is counted: an expiry on the way (lazy keys only) sees the state without it.
        if (_maxItems == 0)
        {
            if (inOrder)
            {
                state.Slots.Add(new Slot { Index = slot, Sum = value, Count = 1 }, _maxSlots);
            }
            else
            {
                AddToSlot(ref state, slot, value);
            }
        }
        else if (state.Slots.Count == 0 && (inOrder ? state.Items.Count < _maxItems : CanAppendItem(ref state.Items, ticks, slot)))
        {
            // The key keeps every item of its window, and the items stand for the slots (see KeyState).
            state.Items.Add(new Stamped<Valued<TItem>> { Ticks = ticks, Item = new Valued<TItem> { Item = item, Value = value } }, _maxItems);
        }
        else
        {
            AddWithSlots(ref state, slot, ticks, value, item);
        }

        state.SlotCapacity = state.Slots.Capacity;
        state.ItemCapacity = state.Items.Capacity;

        // The same sum as `total` above unless a lazy key expired on the way (then its exact sum after the expiry).
        state.Total += value;
        state.Count++;
        return WindowTriggerOutcome.Counted;
    }

    /// <summary>Whether adding <paramref name="value"/> to a lazy key's total (giving <paramref name="total"/>) keeps it
    /// lazy: the value is a whole multiple of 1/1024, not negative, and the total stays below 2^43, so every sum and
    /// difference of the key's values is exact in any order (and the stale total is an upper bound of the window's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsExactStep(double value, double total) => value >= 0 && total < ExactLimit && IsExact(value);

    /// <summary>Whether <paramref name="value"/> (below 2^43) is a whole multiple of 1 / <see cref="ExactScale"/>
    /// (scaling by a power of two is exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsExact(double value) => value * ExactScale == Math.Floor(value * ExactScale);

    /// <summary>Expires a lazy key's stale values before its total is compared with the threshold, or before a value that
    /// does not keep it lazy (the key then expires eagerly until its window empties); returns its total with
    /// <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private double CatchUp(ref KeyState state, double value)
    {
        Expire(ref state);
        var total = state.Total + value;
        if (!IsExactStep(value, total))
        {
            state.Eager = true;
        }

        return total;
    }

    /// <summary>Whether a ring of <paramref name="capacity"/> holds <paramref name="count"/> items and has no room left
    /// before it grows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsFull(int count, int capacity) => count != 0 && count == capacity;

    /// <summary>The sum counted now for <paramref name="key"/> (in its window, since its last detection).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The sum; zero for an untracked key.</returns>
    /// <remarks>A read, but not a pure one: while a key's values are exact and not negative, the core drops the values
    /// that left its window only when they could matter, and this call drops them first, as the next item would. The
    /// results of later items do not change.</remarks>
    public double GetTotal(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ref var state = ref _keys.FindValue(key);
        if (Unsafe.IsNullRef(ref state))
        {
            return 0;
        }

        if (!state.Eager)
        {
            Expire(ref state);
        }

        return state.Total;
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

    /// <summary>The whole state (for the engine checkpoint), keys in ordinal order.</summary>
    internal List<SumKeyView<TItem>> Export()
    {
        var keys = new List<SumKeyView<TItem>>(_keys.Count);
        for (var p = _keys.Next(0); p >= 0; p = _keys.Next(p + 1))
        {
            ref var current = ref _keys.ValueAt(p);
            if (!current.Eager)
            {
                // What an eager expiry would have left at the key's newest time (see KeyState.Eager).
                Expire(ref current);
            }

            var s = current;
            if (s.Slots.Count == 0 && s.Items.Count != 0)
            {
                // The items stand for the slots: export the slots they stand for, in a ring of this copy of the state
                // (the checkpoint layout does not depend on how the key keeps them).
                s.Slots = default;
                AppendItemSlots(ref s.Items, ref s.Slots);
            }

            var slots = new (long Slot, double Sum, int Count)[s.Slots.Count];
            for (var i = 0; i < slots.Length; i++)
            {
                ref var x = ref s.Slots[i];
                slots[i] = (x.Index, x.Sum, x.Count);
            }

            var items = new (long Ticks, TItem Item)[s.Items.Count];
            for (var i = 0; i < items.Length; i++)
            {
                ref var x = ref s.Items[i];
                items[i] = (x.Ticks, x.Item.Item);
            }

            keys.Add(new SumKeyView<TItem>(_keys.KeyAt(p), s.Newest, s.Total, slots, items));
        }

        keys.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        return keys;
    }

    /// <summary>Clears the state and sets the watermark (for the engine checkpoint); then <see cref="RestoreKey"/> each key.</summary>
    internal void RestoreWatermark(long watermark)
    {
        _keys.Clear();
        _clock.Restore(watermark);
    }

    /// <summary>Restores one key exactly as exported.</summary>
    /// <exception cref="InvalidDataException">The key does not fit this core.</exception>
    internal void RestoreKey(SumKeyView<TItem> view)
    {
        if (_keys.Count >= Options.MaxTrackedKeys || _keys.ContainsKey(view.Key) || view.Slots.Length > _maxSlots || view.Items.Length > _maxItems
            || view.NewestSlot < 0 || view.NewestSlot > _clock.Watermark / _clock.Resolution || !double.IsFinite(view.Total))
        {
            throw new InvalidDataException($"Sum key '{view.Key}' is a duplicate, over a cap, or after the watermark.");
        }

        var state = new KeyState { Newest = view.NewestSlot, Total = view.Total };
        var previous = view.NewestSlot - _clock.WindowSlots;
        var count = 0L;
        var oneItemPerSlot = _maxItems != 0 && view.Items.Length == view.Slots.Length;
        foreach (var (slot, sum, n) in view.Slots)
        {
            if (slot <= previous || slot > view.NewestSlot || n < 1 || !double.IsFinite(sum))
            {
                throw new InvalidDataException($"Sum key '{view.Key}': slots out of order or outside the key's window.");
            }

            previous = slot;
            count += n;
            state.Slots.Add(new Slot { Index = slot, Sum = sum, Count = n }, _maxSlots);
        }

        var previousTicks = long.MinValue;
        foreach (var (ticks, item) in view.Items)
        {
            var slot = ticks / _clock.Resolution;
            if (ticks < previousTicks || ticks < 0 || slot > view.NewestSlot || slot <= view.NewestSlot - _clock.WindowSlots)
            {
                throw new InvalidDataException($"Sum key '{view.Key}': items out of order or outside the key's window.");
            }

            previousTicks = ticks;
            state.Items.Add(new Stamped<Valued<TItem>> { Ticks = ticks, Item = new Valued<TItem> { Item = item } }, _maxItems);
        }

        if (count > int.MaxValue || view.Items.Length > count || (count == 0 && view.Total != 0))
        {
            throw new InvalidDataException($"Sum key '{view.Key}': more items than counted, or a total without slots.");
        }

        state.Count = (int)count;
        state.Eager = ExpiresEagerly || !IsExactState(view);
        if (oneItemPerSlot && count == view.Items.Length)
        {
            // Every slot holds exactly one item, and it is kept: its value is the slot's subtotal, so the items can
            // stand for the slots again (as they did before the checkpoint, if it was taken by this version).
            for (var i = 0; i < view.Items.Length; i++)
            {
                if (view.Items[i].Ticks / _clock.Resolution != view.Slots[i].Slot)
                {
                    oneItemPerSlot = false;
                    break;
                }
            }

            if (oneItemPerSlot)
            {
                for (var i = 0; i < view.Items.Length; i++)
                {
                    state.Items[i].Item.Value = view.Slots[i].Sum;
                }

                state.Slots.Clear();
            }
        }

        state.SlotCapacity = state.Slots.Capacity;
        state.ItemCapacity = state.Items.Capacity;
        _keys.Add(view.Key, state);
    }

    /// <summary>Whether a restored key can expire lazily (see KeyState.Eager): its subtotals are whole multiples of
    /// 1/1024, not negative, summing exactly (below 2^43) to its total, as when counted lazily from an empty window.</summary>
    private static bool IsExactState(SumKeyView<TItem> view)
    {
        var sum = 0.0;
        foreach (var (_, subtotal, _) in view.Slots)
        {
            if (!(subtotal >= 0 && subtotal < ExactLimit && IsExact(subtotal)))
            {
                return false;
            }

            sum += subtotal;
        }

        return sum < ExactLimit && sum == view.Total;
    }

    private void AddToSlot(ref KeyState state, long slot, double value)
    {
        var n = state.Slots.Count;
        if (n != 0)
        {
            ref var last = ref state.Slots.Last;
            if (last.Index == slot)
            {
                last.Sum += value;
                last.Count++;
                return;
            }

            if (last.Index < slot)
            {
                state.Slots.Add(new Slot { Index = slot, Sum = value, Count = 1 }, _maxSlots);
                return;
            }
        }
        else
        {
            state.Slots.Add(new Slot { Index = slot, Sum = value, Count = 1 }, _maxSlots);
            return;
        }

        AddLate(ref state, slot, value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddLate(ref KeyState state, long slot, double value)
    {
        var i = state.Slots.Count - 1;
        while (i >= 0 && state.Slots[i].Index > slot)
        {
            i--;
        }

        if (i >= 0 && state.Slots[i].Index == slot)
        {
            state.Slots[i].Sum += value;
            state.Slots[i].Count++;
            return;
        }

        state.Slots.Insert(i + 1, new Slot { Index = slot, Sum = value, Count = 1 }, _maxSlots);
    }

    private void Expire(ref KeyState state)
    {
        // The total and count in locals and one removal at the end: the state's fields and the ring's are written once,
        // not per slot (writes through the state's reference would make the JIT reload the ring's fields each time).
        ref var slots = ref state.Slots;
        var n = slots.Count;
        var cutoff = state.Newest - _clock.WindowSlots;
        if (n == 0)
        {
            if (state.Items.Count != 0)
            {
                ExpireItems(ref state, (cutoff + 1) * _clock.Resolution);
            }

            return;
        }

        if (slots.First.Index > cutoff)
        {
            return;
        }

        var total = state.Total;
        var count = state.Count;
        var dropped = 0;
        do
        {
            ref var slot = ref slots[dropped];
            total -= slot.Sum;
            count -= slot.Count;
            dropped++;
        }
        while (dropped < n && slots[dropped].Index <= cutoff);

        slots.RemoveFirst(dropped);
        state.Total = dropped == n ? 0 : total;
        state.Count = count;
        if (dropped == n)
        {
            state.Eager = ExpiresEagerly;
        }

        if (state.Items.Count != 0)
        {
            KeptItems.DropBefore(ref state.Items, (cutoff + 1) * _clock.Resolution);
        }
    }

    /// <summary>Expiry while the items stand for the slots: drops the items before <paramref name="before"/> (ticks),
    /// subtracting each slot's subtotal as the slot ring would (the values of a time, summed in arrival order).</summary>
    private void ExpireItems(ref KeyState state, long before)
    {
        ref var items = ref state.Items;
        var n = items.Count;
        if (items.First.Ticks >= before)
        {
            return;
        }

        var total = state.Total;
        var dropped = 0;
        do
        {
            // One slot: the items of one time (while the items stand for the slots, a slot holds one time only).
            ref var first = ref items[dropped];
            var ticks = first.Ticks;
            var subtotal = first.Item.Value;
            dropped++;
            while (dropped < n && items[dropped].Ticks == ticks)
            {
                subtotal += items[dropped].Item.Value;
                dropped++;
            }

            total -= subtotal;
        }
        while (dropped < n && items[dropped].Ticks < before);

        items.RemoveFirst(dropped);
        state.Total = dropped == n ? 0 : total;
        state.Count -= dropped;
        if (dropped == n)
        {
            state.Eager = ExpiresEagerly;
        }
    }

    /// <summary>Whether a new item can be appended to items that stand for the slots: there is room under the cap, and
    /// it is in time order and either at the last item's time or in a later slot (so a slot keeps holding one time,
    /// and the items' order is the arrival order the subtotals are summed in).</summary>
    private bool CanAppendItem(ref Ring<Stamped<Valued<TItem>>> items, long ticks, long slot)
    {
        var n = items.Count;
        if (n == 0)
        {
            return true;
        }

        if (n == _maxItems)
        {
            return false;
        }

        var last = items.Last.Ticks;
        return last == ticks || last < slot * _clock.Resolution;
    }

    /// <summary>Adds an item with the slot ring: first builds the slots the kept items stood for, if they did (a late
    /// item, the cap reached, or a second time in one slot), then adds to the slot and keeps the item.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddWithSlots(ref KeyState state, long slot, long ticks, double value, TItem item)
    {
        if (!state.Eager)
        {
            // As an eager key would be: without the values that left the window (the slots built below hold none, and
            // a key whose window emptied keeps its items in the one-ring form).
            Expire(ref state);
            if (state.Slots.Count == 0 && CanAppendItem(ref state.Items, ticks, slot))
            {
                state.Items.Add(new Stamped<Valued<TItem>> { Ticks = ticks, Item = new Valued<TItem> { Item = item, Value = value } }, _maxItems);
                return;
            }
        }

        if (state.Slots.Count == 0)
        {
            AppendItemSlots(ref state.Items, ref state.Slots);
        }

        AddToSlot(ref state, slot, value);
        KeptItems.Keep(ref state.Items, ticks, new Valued<TItem> { Item = item, Value = value }, _maxItems);
    }

    /// <summary>Appends to <paramref name="slots"/> the slots that items standing for the slots stand for: per time, the
    /// values summed in order (exactly as <see cref="AddToSlot"/> would have summed them) and their number.</summary>
    private void AppendItemSlots(ref Ring<Stamped<Valued<TItem>>> items, ref Ring<Slot> slots)
    {
        var n = items.Count;
        var i = 0;
        while (i < n)
        {
            var ticks = items[i].Ticks;
            var sum = items[i].Item.Value;
            var count = 1;
            i++;
            while (i < n && items[i].Ticks == ticks)
            {
                sum += items[i].Item.Value;
                count++;
                i++;
            }

            slots.Add(new Slot { Index = ticks / _clock.Resolution, Sum = sum, Count = count }, _maxSlots);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fire(ref KeyState state, string key, long ticks, TItem item, double total)
    {
        var hitCount = state.Count + 1;
        var length = Math.Min(hitCount, _maxItems);
        if (length > _detectionItems.Length)
        {
            _detectionItems = new TItem[Math.Min(Math.Max(length, _detectionItems.Length * 2), _maxItems)];
        }

        if (length > 0)
        {
            var kept = state.Items.Count;
            var at = KeptItems.PositionAfter(ref state.Items, ticks);
            var start = kept + 1 - length;
            for (var m = start; m <= kept; m++)
            {
                _detectionItems[m - start] = m < at ? state.Items[m].Item.Item : m == at ? item : state.Items[m - 1].Item.Item;
            }
        }

        if (length < _detectionLength)
        {
            Array.Clear(_detectionItems, length, _detectionLength - length);
        }

        _detectionLength = length;
        _detectionHitCount = hitCount;
        _detectionTotal = total;
        _detectionKey = key;
        state.Reset();
        state.Eager = ExpiresEagerly;
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

    private struct Slot
    {
        public long Index;
        public double Sum;
        public int Count;
    }

    /// <summary>A key's state. With kept items (<c>MaxItemsPerDetection</c> &gt; 0) it has two forms. Usually the
    /// <see cref="Items"/> stand for the slots: <see cref="Slots"/> is empty, every counted item is kept with its value,
    /// in arrival order, which is time order, and a slot holds one time only — the items are then the slots (one ring
    /// to touch per activity, as a queue would). A late item, the cap, or a second time in one slot builds the slot
    /// ring from the items and the key continues with both rings; it returns to the first form when its window empties
    /// or it fires. Without kept items only <see cref="Slots"/> is used.</summary>
    private struct KeyState : IWindowedKeyState
    {
        public long Newest;
        public double Total;
        public int Count;
        public Ring<Slot> Slots;
        public Ring<Stamped<Valued<TItem>>> Items;

        /// <summary>The capacity of <see cref="Slots"/>, kept here so that appending does not read the array's length (a
        /// cache miss per activity at many keys). Set after every change that can grow the ring; rings never shrink, and
        /// a state is replaced only whole (a new key's, a spare one, a restored one: each with its own).</summary>
        public int SlotCapacity;

        /// <summary>The capacity of <see cref="Items"/>; see <see cref="SlotCapacity"/>.</summary>
        public int ItemCapacity;

        /// <summary>Whether the key expires at once when its window moves on. False (lazy) while every value counted since
        /// its window was last empty is a whole multiple of 1/1024 (whole numbers, halves…), not negative, with totals
        /// below 2^43 (see ExactScale): then every sum and
        /// difference of them is exact in any order, so expiring later gives the total, subtotals and count that
        /// expiring at once gives, bit for bit, and a total that still counts values that left the window is an upper
        /// bound of the window's sum (a value below the threshold needs no expiry). Values that left the window are a
        /// prefix of each ring, expired before the threshold could be reached, before a full ring grows, before the
        /// form changes, and before anything reads the state (checkpoints, <see cref="GetTotal"/>). A value that is not
        /// such a number makes the key eager until its window empties or it fires.</summary>
        public bool Eager;

        readonly long IWindowedKeyState.NewestSlot => Newest;

        public void Reset()
        {
            Eager = false;
            Total = 0;
            Count = 0;
            Slots.Clear();
            Items.Clear();
        }
    }
}

/// <summary>An item kept by a <see cref="SlidingWindowSum{TItem}"/> with its value (read only while the kept items
/// stand for the slots). Kept as the item of a <see cref="Stamped{TItem}"/>, so <see cref="KeptItems"/> reads the
/// time as a field: an interface for the time would be an indirect call in the code shared by reference items.</summary>
internal struct Valued<TItem>
{
    public TItem Item;
    public double Value;
}

/// <summary>One key of a <see cref="SlidingWindowSum{TItem}"/>, for checkpoints.</summary>
internal sealed record SumKeyView<TItem>(string Key, long NewestSlot, double Total, (long Slot, double Sum, int Count)[] Slots, (long Ticks, TItem Item)[] Items);
