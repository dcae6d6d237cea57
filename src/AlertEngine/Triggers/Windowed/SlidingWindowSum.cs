using System.Diagnostics;
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
/// and stand for the slots, so only one ring is used. The key's state is 48 bytes, one 64-byte cache line with the key
/// table's key, hash and order (the table puts such slots on line boundaries): the usual item reads and writes that line
/// and the ring's end. The slot ring of a key in the two-ring form is in a small object of its own (reused by other keys
/// once the key is back to one ring). Per item the cost is constant for items in time order (a late item is inserted at
/// its place).</para>
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
    private readonly Stack<SlotSpill> _spills = new();
    private readonly WindowClock _clock;
    private readonly int _maxSlots;
    private readonly int _maxItems;
    private string _detectionKey = string.Empty;
    private int _detectionHitCount;
    private double _detectionTotal;
    private int _detectionLength;
    private TItem[] _detectionItems = [];

    // Always empty: the slot ring of a key without a spill (keeping items) and the items of a key counting only. Read,
    // never written.
    private Ring<Slot> _noSlots;
    private Ring<Stamped<Valued<TItem>>> _noItems;

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

    /// <summary>For tests: the size of a key's slot in the key table (its state with the key, hash and order).</summary>
    internal static int KeySlotSize => KeyTable<KeyState>.SlotSize;

    /// <summary>For benchmarks: whether the key table's slots start on a cache line.</summary>
    internal bool SlotsAligned => _keys.SlotsAligned;

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
        // without reading the ring's last entry or its array's length (the state knows the capacity): a store only. The
        // state is one cache line with the key (see KeyState), and the ring's end is the only other memory written.
        var total = state.Total + value;
        if (total < Threshold && (state.Eager || IsExactStep(value, total)))
        {
            var capacity = state.Capacity;
            if (_maxItems == 0)
            {
                ref var slots = ref OwnSlots(ref state);
                if (slots.Count < capacity)
                {
                    slots.AddWithin(new Slot { Index = slot, Sum = value, Count = 1 }, capacity);
                    state.Total = total;
                    state.Count++;
                    return WindowTriggerOutcome.Counted;
                }
            }
            else if (state.Spill is null && state.Ring.Count < capacity && state.Ring.Count < _maxItems)
            {
                // The key keeps every item of its window, and the items stand for the slots (see KeyState).
                state.Ring.AddWithin(new Stamped<Valued<TItem>> { Ticks = ticks, Item = new Valued<TItem> { Item = item, Value = value } }, capacity);
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
        ReleaseSpill(ref state);
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
        ReleaseSpill(ref state);

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

        if (!state.Eager && (IsFull(state.Ring.Count, state.Capacity) || (state.Spill is { } spill && IsFull(spill.Slots.Count, spill.Slots.Capacity))))
        {
            Expire(ref state);
        }

        // The item is stored before it is counted: an expiry on the way (lazy keys only) sees the state without it.
        if (_maxItems == 0)
        {
            if (inOrder)
            {
                OwnSlots(ref state).Add(new Slot { Index = slot, Sum = value, Count = 1 }, _maxSlots);
            }
            else
            {
                AddToSlot(ref state, slot, value);
            }
        }
        else if (Slots(ref state).Count == 0 && (inOrder ? state.Ring.Count < _maxItems : CanAppendItem(ref state.Ring, ticks, slot)))
        {
            // The key keeps every item of its window, and the items stand for the slots (see KeyState).
            state.Ring.Add(new Stamped<Valued<TItem>> { Ticks = ticks, Item = new Valued<TItem> { Item = item, Value = value } }, _maxItems);
        }
        else
        {
            AddWithSlots(ref state, slot, ticks, value, item);
        }

        state.Capacity = state.Ring.Capacity;

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

            ref var kept = ref Items(ref current);
            var ring = Slots(ref current);
            if (ring.Count == 0 && kept.Count != 0)
            {
                // The items stand for the slots: export the slots they stand for, in a ring of this export's own (the
                // checkpoint layout does not depend on how the key keeps them).
                ring = default;
                AppendItemSlots(ref kept, ref ring);
            }

            var slots = new (long Slot, double Sum, int Count)[ring.Count];
            for (var i = 0; i < slots.Length; i++)
            {
                ref var x = ref ring[i];
                slots[i] = (x.Index, x.Sum, x.Count);
            }

            var items = new (long Ticks, TItem Item)[kept.Count];
            for (var i = 0; i < items.Length; i++)
            {
                ref var x = ref kept[i];
                items[i] = (x.Ticks, x.Item.Item);
            }

            keys.Add(new SumKeyView<TItem>(_keys.KeyAt(p), current.Newest, current.Total, slots, items));
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
            SlotsToAdd(ref state).Add(new Slot { Index = slot, Sum = sum, Count = n }, _maxSlots);
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
            state.Ring.Add(new Stamped<Valued<TItem>> { Ticks = ticks, Item = new Valued<TItem> { Item = item } }, _maxItems);
        }

        if (count > int.MaxValue || view.Items.Length > count || (count == 0 && view.Total != 0))
        {
            throw new InvalidDataException($"Sum key '{view.Key}': more items than counted, or a total without slots.");
        }

        if (!KeepsMostRecent(view))
        {
            throw new InvalidDataException($"Sum key '{view.Key}': the kept items are not the most recent items counted.");
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
                    state.Ring[i].Item.Value = view.Slots[i].Sum;
                }

                Slots(ref state).Clear();
                ReleaseSpill(ref state);
            }
        }

        state.Capacity = state.Ring.Capacity;
        _keys.Add(view.Key, state);
    }

    /// <summary>Whether a key's kept items are the most recent of the items its slots count (as this core keeps them, and
    /// as its expiry relies on): from the newest slot back, every slot's items are all kept until the items run out.</summary>
    private bool KeepsMostRecent(SumKeyView<TItem> view)
    {
        var j = view.Items.Length - 1;
        for (var i = view.Slots.Length - 1; i >= 0 && j >= 0; i--)
        {
            var inSlot = 0;
            while (j >= 0 && view.Items[j].Ticks / _clock.Resolution == view.Slots[i].Slot)
            {
                inSlot++;
                j--;
            }

            if (inSlot > view.Slots[i].Count || (inSlot < view.Slots[i].Count && j >= 0))
            {
                return false;
            }
        }

        return j < 0;
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
        ref var slots = ref SlotsToAdd(ref state);
        var n = slots.Count;
        if (n != 0)
        {
            ref var last = ref slots.Last;
            if (last.Index == slot)
            {
                last.Sum += value;
                last.Count++;
                return;
            }

            if (last.Index < slot)
            {
                slots.Add(new Slot { Index = slot, Sum = value, Count = 1 }, _maxSlots);
                return;
            }
        }
        else
        {
            slots.Add(new Slot { Index = slot, Sum = value, Count = 1 }, _maxSlots);
            return;
        }

        AddLate(ref slots, slot, value);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddLate(ref Ring<Slot> slots, long slot, double value)
    {
        var i = slots.Count - 1;
        while (i >= 0 && slots[i].Index > slot)
        {
            i--;
        }

        if (i >= 0 && slots[i].Index == slot)
        {
            slots[i].Sum += value;
            slots[i].Count++;
            return;
        }

        slots.Insert(i + 1, new Slot { Index = slot, Sum = value, Count = 1 }, _maxSlots);
    }

    private void Expire(ref KeyState state)
    {
        // The total and count in locals and one removal at the end: the state's fields and the ring's are written once,
        // not per slot (writes through the state's reference would make the JIT reload the ring's fields each time).
        ref var slots = ref Slots(ref state);
        var n = slots.Count;
        var cutoff = state.Newest - _clock.WindowSlots;
        if (n == 0)
        {
            if (_maxItems != 0 && state.Ring.Count != 0)
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

        if (_maxItems != 0 && state.Ring.Count != 0)
        {
            // The kept items are the most recent of the items counted (by time, equal times in arrival order), and the
            // slots dropped hold the oldest: of the items that left, those not kept leave first, and the kept ones
            // beyond the count that is left go. No pass over the items' times.
            var kept = state.Ring.Count;
            var leaving = kept - count; // (counted - count) - (counted - kept)
            Debug.Assert(leaving <= 0 || state.Ring[leaving - 1].Ticks < (cutoff + 1) * _clock.Resolution, "Only items of the dropped slots leave.");
            Debug.Assert(leaving >= kept || state.Ring[Math.Max(leaving, 0)].Ticks >= (cutoff + 1) * _clock.Resolution, "Every item of the dropped slots leaves.");
            if (leaving > 0)
            {
                state.Ring.RemoveFirst(leaving);
            }
        }
    }

    /// <summary>Expiry while the items stand for the slots: drops the items before <paramref name="before"/> (ticks),
    /// subtracting each slot's subtotal as the slot ring would (the values of a time, summed in arrival order).</summary>
    private void ExpireItems(ref KeyState state, long before)
    {
        ref var items = ref state.Ring;
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
            if (Slots(ref state).Count == 0 && CanAppendItem(ref state.Ring, ticks, slot))
            {
                state.Ring.Add(new Stamped<Valued<TItem>> { Ticks = ticks, Item = new Valued<TItem> { Item = item, Value = value } }, _maxItems);
                return;
            }
        }

        if (Slots(ref state).Count == 0)
        {
            AppendItemSlots(ref state.Ring, ref SlotsToAdd(ref state));
        }

        AddToSlot(ref state, slot, value);
        KeptItems.Keep(ref state.Ring, ticks, new Valued<TItem> { Item = item, Value = value }, _maxItems);
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
            ref var items = ref state.Ring;
            var kept = items.Count;
            var at = KeptItems.PositionAfter(ref items, ticks);
            var start = kept + 1 - length;
            for (var m = start; m <= kept; m++)
            {
                _detectionItems[m - start] = m < at ? items[m].Item.Item : m == at ? item : items[m - 1].Item.Item;
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
        if (_maxItems == 0)
        {
            // Slots hold no references: the ring is emptied without clearing its array (KeyState.Reset clears it as
            // items, which would write every line of it).
            OwnSlots(ref state).Clear();
            state.Total = 0;
            state.Count = 0;
        }
        else
        {
            state.Reset();
            ReleaseSpill(ref state);
        }

        state.Eager = ExpiresEagerly;
    }

    /// <summary>The key's own ring as the slot ring, counting only (<c>MaxItemsPerDetection</c> = 0): there it holds
    /// slots (see <see cref="KeyState.Ring"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Ring<Slot> OwnSlots(ref KeyState state)
    {
        Debug.Assert(_maxItems == 0, "The key's own ring holds slots only when no items are kept.");
        return ref Unsafe.As<Ring<Stamped<Valued<TItem>>>, Ring<Slot>>(ref state.Ring);
    }

    /// <summary>The key's slot ring, to read or remove from (not to add to): counting only, its own ring; keeping items,
    /// its spill's, or an empty ring without a spill.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Ring<Slot> Slots(ref KeyState state)
    {
        if (_maxItems == 0)
        {
            return ref OwnSlots(ref state);
        }

        var spill = state.Spill;
        return ref spill is null ? ref _noSlots : ref spill.Slots;
    }

    /// <summary>The key's slot ring, to add to: keeping items, a spill is taken for the key first if it has none.</summary>
    private ref Ring<Slot> SlotsToAdd(ref KeyState state)
    {
        if (_maxItems == 0)
        {
            return ref OwnSlots(ref state);
        }

        state.Spill ??= _spills.Count != 0 ? _spills.Pop() : new SlotSpill();
        return ref state.Spill.Slots;
    }

    /// <summary>The key's kept items: its own ring, or an empty ring when no items are kept.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Ring<Stamped<Valued<TItem>>> Items(ref KeyState state) => ref _maxItems == 0 ? ref _noItems : ref state.Ring;

    /// <summary>Gives the key's spill back for other keys once its slot ring is empty (the key is in the one-ring form
    /// again). Not done where a reference into the spill may be held (expiry leaves an emptied spill in place).</summary>
    private void ReleaseSpill(ref KeyState state)
    {
        var spill = state.Spill;
        if (spill is not null && spill.Slots.Count == 0)
        {
            state.Spill = null;
            if (_spills.Count < WindowedKeyEviction.SpareStates)
            {
                _spills.Push(spill);
            }
        }
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

    /// <summary>A key's state: 48 bytes, so that with the key table's 16 (key, hash, order) it fills one cache line
    /// (the table puts such slots on line boundaries): a lookup and everything the usual activity reads or changes of
    /// the key are one line, plus the ring's end.</summary>
    /// <remarks>
    /// <para><see cref="Ring"/> is the key's one ring in the usual case. Counting only (<c>MaxItemsPerDetection</c> = 0)
    /// it holds the slots (an array of slots, read through <see cref="OwnSlots"/>: a core's mode never changes, so the
    /// array is always of the type it is read as). With kept items it holds the items, and has two forms. Usually the
    /// items stand for the slots: there is no <see cref="Spill"/>, every counted item is kept with its value, in arrival
    /// order, which is time order, and a slot holds one time only — the items are then the slots (one ring to touch per
    /// activity, as a queue would). A late item, the cap, or a second time in one slot builds the slot ring, in a
    /// <see cref="Spill"/> taken from the core's spares, from the items, and the key continues with both rings; it
    /// returns to the first form (the spill given back) when its window empties or it fires.</para>
    /// </remarks>
    private struct KeyState : IWindowedKeyState
    {
        public long Newest;
        public double Total;
        public int Count;

        /// <summary>The capacity of <see cref="Ring"/> (bits 0–30), kept here so that appending does not read the
        /// array's length (a cache miss per activity at many keys), and <see cref="Eager"/> (bit 31). The capacity is
        /// set after every change that can grow the ring; rings never shrink, and a state is replaced only whole (a new
        /// key's, a spare one, a restored one: each with its own).</summary>
        private int _capacityAndEager;

        /// <summary>The slots (counting only) or the kept items; see the remarks.</summary>
        public Ring<Stamped<Valued<TItem>>> Ring;

        /// <summary>The slot ring of a key that keeps items in the two-ring form; null in the usual form and when
        /// counting only.</summary>
        public SlotSpill? Spill;

        /// <summary>The capacity of <see cref="Ring"/>; see <see cref="_capacityAndEager"/>.</summary>
        public int Capacity
        {
            readonly get => _capacityAndEager & int.MaxValue;
            set => _capacityAndEager = (_capacityAndEager & int.MinValue) | value;
        }

        /// <summary>Whether the key expires at once when its window moves on. False (lazy) while every value counted since
        /// its window was last empty is a whole multiple of 1/1024 (whole numbers, halves…), not negative, with totals
        /// below 2^43 (see ExactScale): then every sum and
        /// difference of them is exact in any order, so expiring later gives the total, subtotals and count that
        /// expiring at once gives, bit for bit, and a total that still counts values that left the window is an upper
        /// bound of the window's sum (a value below the threshold needs no expiry). Values that left the window are a
        /// prefix of each ring, expired before the threshold could be reached, before a full ring grows, before the
        /// form changes, and before anything reads the state (checkpoints, <see cref="GetTotal"/>). A value that is not
        /// such a number makes the key eager until its window empties or it fires.</summary>
        public bool Eager
        {
            readonly get => _capacityAndEager < 0;
            set => _capacityAndEager = value ? _capacityAndEager | int.MinValue : _capacityAndEager & int.MaxValue;
        }

        readonly long IWindowedKeyState.NewestSlot => Newest;

        /// <summary>Empties the state, keeping its rings' arrays (the ring's is cleared as items: it may hold them).</summary>
        public void Reset()
        {
            Eager = false;
            Total = 0;
            Count = 0;
            Ring.Clear();
            Spill?.Slots.Clear();
        }
    }

    /// <summary>The slot ring of a key in the two-ring form (kept items only): out of the key's cache line, read only when
    /// a key needs it, and reused by other keys when it is given back.</summary>
    private sealed class SlotSpill
    {
        public Ring<Slot> Slots;
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
