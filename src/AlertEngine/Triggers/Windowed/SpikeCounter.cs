using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// The spike trigger's core: per key, at an item at time t let cur = the key's items with time in (t − window, t] and
/// ref = those in (t − 2·window, t − window]. A detection fires, carrying cur's items, when cur ≥ M, ref ≥ K and
/// cur ≥ R × ref; after it the key does not fire again for items with time &lt; t + window (counting goes on).
/// Single-threaded, allocation-free in steady state, and exact.
/// </summary>
/// <typeparam name="TItem">The item carried into detections (an <see cref="Activity"/> in the engine).</typeparam>
/// <remarks>
/// <para><b>Time, order and lateness</b> follow <see cref="SlidingWindowCounter{TItem}"/>: times are truncated to the
/// resolution (exact for whole-second audit times at the default of one second); an item older than the allowed
/// lateness behind the newest time seen over all keys is <see cref="WindowTriggerOutcome.Late"/>. Each key's windows end
/// at that key's newest time (for items in time order, the item's own time t): the rule above is applied with t = the
/// key's newest time. An accepted item at or before (newest − 2·window) is <see cref="WindowTriggerOutcome.OutOfWindow"/>;
/// one in the reference window is counted there.</para>
/// <para><b>Memory.</b> Each key keeps one count per time slot that holds items, inside its two windows: at most
/// <c>2 · ceil(window / resolution)</c> slots of 16 bytes, however many items, plus the most recent
/// <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/> items of its current window (16 bytes each plus the
/// items), in rings that grow by doubling up to these bounds and are reused. Per item the cost is constant for items in
/// time order (moving the window boundary is amortized over the slots that cross it).</para>
/// <para><b>Eviction</b> and the <b>key cap</b> work as in <see cref="SlidingWindowCounter{TItem}"/>, with a key idle
/// once its newest time is at or before (watermark − allowed lateness − 2·window).</para>
/// <para>Not thread-safe: use one core per thread, or serialize calls.</para>
/// </remarks>
public sealed class SpikeCounter<TItem>
{
    private readonly Dictionary<string, KeyState> _keys;
    private readonly Stack<KeyState> _spare = new();
    private readonly WindowClock _clock;
    private readonly int _maxSlots;
    private readonly int _maxItems;
    private string _detectionKey = string.Empty;
    private int _detectionHitCount;
    private int _detectionReference;
    private int _detectionLength;
    private TItem[] _detectionItems = [];

    /// <summary>Creates a spike counter.</summary>
    /// <param name="ratio">R: how many times the reference count the current count must reach; greater than 1, finite.</param>
    /// <param name="window">The window, greater than zero.</param>
    /// <param name="minCount">M: the least current count that fires, at least 1.</param>
    /// <param name="minReference">K: the least reference count that fires, at least 1.</param>
    /// <param name="options">Resolution, lateness, caps and key comparer; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public SpikeCounter(double ratio, TimeSpan window, int minCount = 1, int minReference = 1, WindowedTriggerOptions? options = null)
    {
        if (!(ratio > 1) || !double.IsFinite(ratio))
        {
            throw new ArgumentOutOfRangeException(nameof(ratio), ratio, "The ratio must be a finite number greater than 1.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minReference, 1);
        options ??= new WindowedTriggerOptions();
        options.ThrowIfInvalid(nameof(options));
        Ratio = ratio;
        Window = window;
        MinCount = minCount;
        MinReference = minReference;
        Options = options.CopyCore();
        _clock = new WindowClock(window, 2, options.Resolution, options.AllowedLateness);
        _maxSlots = (int)Math.Min(_clock.SpanSlots, Array.MaxLength);
        _maxItems = options.MaxItemsPerDetection;
        _keys = new Dictionary<string, KeyState>(options.KeyComparer);
    }

    /// <summary>R.</summary>
    public double Ratio { get; }

    /// <summary>The window.</summary>
    public TimeSpan Window { get; }

    /// <summary>M.</summary>
    public int MinCount { get; }

    /// <summary>K.</summary>
    public int MinReference { get; }

    /// <summary>A copy of the options in effect.</summary>
    public WindowedTriggerOptions Options { get; }

    /// <summary>The number of keys tracked now.</summary>
    public int TrackedKeys => _keys.Count;

    /// <summary>The newest time seen; <see langword="null"/> before the first item.</summary>
    public DateTimeOffset? Watermark => _clock.Watermark == long.MinValue ? null : new DateTimeOffset(_clock.Watermark, TimeSpan.Zero);

    /// <summary>The detection fired by the last <see cref="Add"/> that returned <see cref="WindowTriggerOutcome.Detected"/>;
    /// valid until the next <see cref="Add"/>. <see cref="WindowedDetection{TItem}.HitCount"/> is cur,
    /// <see cref="WindowedDetection{TItem}.Reference"/> ref.</summary>
    public WindowedDetection<TItem> LastDetection => new(
        _detectionKey,
        _detectionHitCount,
        new ReadOnlySpan<TItem>(_detectionItems, 0, _detectionLength),
        default,
        0,
        _detectionReference);

    internal WindowClock Clock => _clock;

    /// <summary>Counts an item for a key.</summary>
    /// <param name="key">The scope key. Compared with <see cref="SlidingWindowCounterOptions.KeyComparer"/>.</param>
    /// <param name="time">The item's event time.</param>
    /// <param name="item">The item, kept for the detection.</param>
    /// <returns>What happened; on <see cref="WindowTriggerOutcome.Detected"/> read <see cref="LastDetection"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public WindowTriggerOutcome Add(string key, DateTimeOffset time, TItem item)
    {
        ArgumentNullException.ThrowIfNull(key);
        var ticks = time.UtcTicks;
        if (!_clock.TryAccept(ticks, out var slot, out var sweep))
        {
            return WindowTriggerOutcome.Late;
        }

        if (sweep)
        {
            Sweep();
        }

        // The key's state lives in the dictionary's entry (a struct): one lookup, no separate object to load. The
        // reference is used only until the dictionary next changes (not within this call).
        ref var state = ref CollectionsMarshal.GetValueRefOrNullRef(_keys, key);
        if (Unsafe.IsNullRef(ref state))
        {
            if (_keys.Count >= Options.MaxTrackedKeys && !SweepForRoom())
            {
                return WindowTriggerOutcome.KeyCapExceeded;
            }

            state = ref CollectionsMarshal.GetValueRefOrAddDefault(_keys, key, out _);
            state = _spare.Count != 0 ? _spare.Pop() : default;
            state.Newest = slot;
            state.QuietUntil = long.MinValue;
        }
        else if (slot > state.Newest)
        {
            // The usual case, an item in time order: the key's windows move, and the item opens the newest slot (every
            // slot kept is older), in the current window.
            state.Newest = slot;
            Move(ref state);
            state.Current++;
            state.Slots.Add(new Slot { Index = slot, Count = 1 }, _maxSlots);
            if (_maxItems != 0)
            {
                KeptItems.Keep(ref state.Items, ticks, item, _maxItems);
            }

            goto Check;
        }
        else if (slot <= state.Newest - _clock.SpanSlots)
        {
            return WindowTriggerOutcome.OutOfWindow;
        }

        var current = slot > state.Newest - _clock.WindowSlots;
        Count(ref state, slot, current);
        if (current && _maxItems != 0)
        {
            KeptItems.Keep(ref state.Items, ticks, item, _maxItems);
        }

    Check:
        if (state.Newest >= state.QuietUntil
            && state.Current >= MinCount
            && state.Reference >= MinReference
            && state.Current >= Ratio * state.Reference)
        {
            Fire(ref state, key);
            return WindowTriggerOutcome.Detected;
        }

        return WindowTriggerOutcome.Counted;
    }

    /// <summary>The current and reference counts of <paramref name="key"/> at its newest time.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The counts; zeros for an untracked key.</returns>
    public (int Current, int Reference) GetCounts(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _keys.TryGetValue(key, out var state) ? (state.Current, state.Reference) : (0, 0);
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
    internal List<SpikeKeyView<TItem>> Export()
    {
        var keys = new List<SpikeKeyView<TItem>>(_keys.Count);
        foreach (var pair in _keys)
        {
            var s = pair.Value;
            var slots = new (long Slot, int Count)[s.Slots.Count];
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = (s.Slots[i].Index, s.Slots[i].Count);
            }

            var items = new (long Ticks, TItem Item)[s.Items.Count];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = (s.Items[i].Ticks, s.Items[i].Item);
            }

            keys.Add(new SpikeKeyView<TItem>(pair.Key, s.Newest, s.QuietUntil, slots, items));
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
    internal void RestoreKey(SpikeKeyView<TItem> view)
    {
        if (_keys.Count >= Options.MaxTrackedKeys || _keys.ContainsKey(view.Key) || view.Slots.Length > _maxSlots || view.Items.Length > _maxItems
            || view.NewestSlot < 0 || view.NewestSlot > _clock.Watermark / _clock.Resolution)
        {
            throw new InvalidDataException($"Spike key '{view.Key}' is a duplicate, over a cap, or after the watermark.");
        }

        var state = new KeyState { Newest = view.NewestSlot, QuietUntil = view.QuietUntil };
        var previous = view.NewestSlot - _clock.SpanSlots;
        var boundary = view.NewestSlot - _clock.WindowSlots;
        foreach (var (slot, n) in view.Slots)
        {
            if (slot <= previous || slot > view.NewestSlot || n < 1 || (long)state.Current + state.Reference + n > int.MaxValue)
            {
                throw new InvalidDataException($"Spike key '{view.Key}': slots out of order or outside the key's windows.");
            }

            previous = slot;
            state.Slots.Add(new Slot { Index = slot, Count = n }, _maxSlots);
            if (slot > boundary)
            {
                state.Current += n;
            }
            else
            {
                state.Reference += n;
                state.ReferenceSlots++;
            }
        }

        var previousTicks = long.MinValue;
        foreach (var (ticks, item) in view.Items)
        {
            var slot = ticks / _clock.Resolution;
            if (ticks < previousTicks || ticks < 0 || slot > view.NewestSlot || slot <= boundary)
            {
                throw new InvalidDataException($"Spike key '{view.Key}': items out of order or outside the current window.");
            }

            previousTicks = ticks;
            state.Items.Add(new Stamped<TItem> { Ticks = ticks, Item = item }, _maxItems);
        }

        if (view.Items.Length > state.Current)
        {
            throw new InvalidDataException($"Spike key '{view.Key}': more items than counted.");
        }

        _keys.Add(view.Key, state);
    }

    /// <summary>The key's newest slot moved forward: slots leave the reference window, and cross from current to reference.</summary>
    private void Move(ref KeyState state)
    {
        // The counts in locals and one removal at the end: the state's fields and the ring's are written once, not per
        // slot (writes through the state's reference would make the JIT reload the ring's fields in every iteration).
        ref var slots = ref state.Slots;
        var count = slots.Count;
        var current = state.Current;
        var reference = state.Reference;
        var referenceSlots = state.ReferenceSlots;
        var dropThrough = state.Newest - _clock.SpanSlots;
        var dropped = 0;
        while (dropped < count && slots[dropped].Index <= dropThrough)
        {
            // The reference slots come first: a slot leaving is a reference slot while there are any.
            var n = slots[dropped].Count;
            if (referenceSlots != 0)
            {
                reference -= n;
                referenceSlots--;
            }
            else
            {
                current -= n;
            }

            dropped++;
        }

        var boundary = state.Newest - _clock.WindowSlots;
        var at = dropped + referenceSlots;
        while (at < count && slots[at].Index <= boundary)
        {
            var n = slots[at].Count;
            current -= n;
            reference += n;
            referenceSlots++;
            at++;
        }

        slots.RemoveFirst(dropped);
        state.Current = current;
        state.Reference = reference;
        state.ReferenceSlots = referenceSlots;
        if (state.Items.Count != 0)
        {
            KeptItems.DropBefore(ref state.Items, (boundary + 1) * _clock.Resolution);
        }
    }

    private void Count(ref KeyState state, long slot, bool current)
    {
        if (current)
        {
            state.Current++;
        }
        else
        {
            state.Reference++;
        }

        var n = state.Slots.Count;
        if (n != 0 && state.Slots.Last.Index == slot)
        {
            state.Slots.Last.Count++;
            return;
        }

        if (n == 0 || state.Slots.Last.Index < slot)
        {
            state.Slots.Add(new Slot { Index = slot, Count = 1 }, _maxSlots);
            if (!current)
            {
                state.ReferenceSlots++;
            }

            return;
        }

        CountLate(ref state, slot, current);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CountLate(ref KeyState state, long slot, bool current)
    {
        var i = state.Slots.Count - 1;
        while (i >= 0 && state.Slots[i].Index > slot)
        {
            i--;
        }

        if (i >= 0 && state.Slots[i].Index == slot)
        {
            state.Slots[i].Count++;
            return;
        }

        state.Slots.Insert(i + 1, new Slot { Index = slot, Count = 1 }, _maxSlots);
        if (!current)
        {
            state.ReferenceSlots++;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fire(ref KeyState state, string key)
    {
        var length = state.Items.Count;
        if (length > _detectionItems.Length)
        {
            _detectionItems = new TItem[Math.Min(Math.Max(length, _detectionItems.Length * 2), _maxItems)];
        }

        for (var i = 0; i < length; i++)
        {
            _detectionItems[i] = state.Items[i].Item;
        }

        if (length < _detectionLength)
        {
            Array.Clear(_detectionItems, length, _detectionLength - length);
        }

        _detectionLength = length;
        _detectionHitCount = state.Current;
        _detectionReference = state.Reference;
        _detectionKey = key;
        state.QuietUntil = state.Newest + _clock.WindowSlots;
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
        public int Count;
    }

    private struct KeyState : IWindowedKeyState
    {
        public long Newest;
        public long QuietUntil;
        public int Current;
        public int Reference;
        public int ReferenceSlots;
        public Ring<Slot> Slots;
        public Ring<Stamped<TItem>> Items;

        readonly long IWindowedKeyState.NewestSlot => Newest;

        /// <summary>Empties the counts and buffers; <see cref="QuietUntil"/> is left, as eviction always left it.</summary>
        public void Reset()
        {
            Current = 0;
            Reference = 0;
            ReferenceSlots = 0;
            Slots.Clear();
            Items.Clear();
        }
    }
}

/// <summary>One key of a <see cref="SpikeCounter{TItem}"/>, for checkpoints.</summary>
internal sealed record SpikeKeyView<TItem>(string Key, long NewestSlot, long QuietUntil, (long Slot, int Count)[] Slots, (long Ticks, TItem Item)[] Items);
