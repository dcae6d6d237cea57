namespace AlertEngine;

/// <summary>
/// The pure, single-threaded core of the temporal trigger: per key, whether one item for each of N steps arrived within
/// a window, in any order or in step order. Holds no Rx and no clock; allocation-free in steady state (a key's buffers
/// are allocated when it is first seen and reused after it is evicted).
/// </summary>
/// <remarks>
/// <para><b>Rule.</b> Items arrive with a key, an event time and the set of steps they fulfil (a bit mask, bit i = step
/// i). Per key, let E be the newest time among the key's items since its last detection, the current one included. An
/// item at time t completes a detection when, among the key's items since its last detection (the current one
/// included), with time in (E − window, E]:</para>
/// <list type="bullet">
/// <item><description>unordered: every step is fulfilled by at least one item; the detection carries, for each step,
/// its most recent item (latest time, equal times the later arrival);</description></item>
/// <item><description>ordered: there are items i₁, …, i_N arriving in this order (an item may fill several consecutive
/// positions only through different chains: each position is a different arrival), item i_k fulfilling step k; the
/// detection carries such a chain whose earliest time is the latest possible.</description></item>
/// </list>
/// <para>After a detection the key starts again from nothing. An item fulfilling no step is ignored (nothing changes,
/// not even the clock). An item older than <see cref="SlidingWindowCounterOptions.AllowedLateness"/> behind the newest
/// time seen (of any key) is late and not counted. Keys compare with
/// <see cref="SlidingWindowCounterOptions.KeyComparer"/>; an item for a new key beyond
/// <see cref="SlidingWindowCounterOptions.MaxTrackedKeys"/> is not counted. Times are exact (ticks):
/// <see cref="SlidingWindowCounterOptions.Resolution"/> is not used.</para>
/// <para><b>Bounded state.</b> A key holds at most N entries (unordered) or N chains of at most N entries (ordered).
/// A key whose newest time is at or before (newest time seen − allowed lateness − window) can never contribute to a
/// detection again and is evicted; evictions run once per window of the clock and when the key cap is reached.</para>
/// </remarks>
/// <typeparam name="TItem">The item type (activities in the engine).</typeparam>
public sealed class TemporalTracker<TItem>
{
    private readonly Dictionary<string, KeyState> _keys;
    private readonly Stack<KeyState> _spare = new();
    private readonly long _windowTicks;
    private readonly long _latenessTicks;
    private readonly int _maxKeys;
    private readonly int _maxItems;
    private readonly ulong _allSteps;
    private long _watermark = long.MinValue;
    private long _nextSweep = long.MinValue;

    /// <summary>Creates a tracker.</summary>
    /// <param name="steps">N, between 1 and <see cref="TemporalTrigger.MaxSteps"/>.</param>
    /// <param name="ordered">Whether the steps must arrive in order.</param>
    /// <param name="window">The window, greater than zero.</param>
    /// <param name="options">Lateness, key cap, item cap and key comparer; <see langword="null"/> for the defaults. Copied.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> or <paramref name="window"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public TemporalTracker(int steps, bool ordered, TimeSpan window, SlidingWindowCounterOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(steps, TemporalTrigger.MaxSteps);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        options ??= new SlidingWindowCounterOptions();
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid options: " + string.Join("; ", errors), nameof(options));
        }

        Steps = steps;
        Ordered = ordered;
        Window = window;
        _windowTicks = window.Ticks;
        _latenessTicks = options.AllowedLateness.Ticks;
        _maxKeys = options.MaxTrackedKeys;
        _maxItems = options.MaxItemsPerDetection;
        _allSteps = steps == 64 ? ulong.MaxValue : (1UL << steps) - 1;
        KeyComparer = options.KeyComparer;
        _keys = new Dictionary<string, KeyState>(options.KeyComparer);
    }

    /// <summary>N.</summary>
    public int Steps { get; }

    /// <summary>Whether the steps must arrive in order.</summary>
    public bool Ordered { get; }

    /// <summary>The window.</summary>
    public TimeSpan Window { get; }

    /// <summary>The key comparer.</summary>
    public IEqualityComparer<string> KeyComparer { get; }

    /// <summary>The number of keys holding state.</summary>
    public int TrackedKeys => _keys.Count;

    /// <summary>The newest time seen (ticks), or <see cref="long.MinValue"/> before the first counted item.</summary>
    public long WatermarkTicks => _watermark;

    /// <summary>The detection of the last <see cref="Observe"/> that returned <see cref="TemporalOutcome.Detected"/>.</summary>
    public TemporalMatch<TItem>? LastDetection { get; private set; }

    /// <summary>Observes an item.</summary>
    /// <param name="key">The scope key.</param>
    /// <param name="time">The event time.</param>
    /// <param name="steps">The steps the item fulfils, bit i = step i (bits at or above N are ignored).</param>
    /// <param name="item">The item.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public TemporalOutcome Observe(string key, DateTimeOffset time, ulong steps, TItem item)
    {
        ArgumentNullException.ThrowIfNull(key);
        steps &= _allSteps;
        if (steps == 0)
        {
            return TemporalOutcome.Ignored;
        }

        var ticks = time.UtcTicks;
        if (!Advance(ticks))
        {
            return TemporalOutcome.Late;
        }

        if (!_keys.TryGetValue(key, out var state))
        {
            if (_keys.Count >= _maxKeys)
            {
                Sweep();
                if (_keys.Count >= _maxKeys)
                {
                    return TemporalOutcome.KeyCapExceeded;
                }
            }

            state = _spare.Count > 0 ? _spare.Pop() : new KeyState(Steps, Ordered);
            _keys.Add(key, state);
        }

        var entry = new Entry(item, ticks, state.NextSequence++);
        if (ticks > state.Newest)
        {
            state.Newest = ticks;
        }

        if (Ordered)
        {
            // Highest step first, so an item extends the chains as they were before it arrived.
            for (var j = Steps - 1; j >= 0; j--)
            {
                if ((steps & (1UL << j)) != 0)
                {
                    state.Extend(j, entry);
                }
            }
        }
        else
        {
            for (var j = 0; j < Steps; j++)
            {
                if ((steps & (1UL << j)) != 0)
                {
                    state.Keep(j, entry);
                }
            }
        }

        if (!state.Complete(Ordered, state.Newest - _windowTicks))
        {
            return TemporalOutcome.Counted;
        }

        LastDetection = new TemporalMatch<TItem>(key, state.Carried(Ordered, _maxItems, out var hitCount), hitCount);
        _keys.Remove(key);
        state.Reset();
        _spare.Push(state);
        return TemporalOutcome.Detected;
    }

    /// <summary>
    /// What an item does to the tracker-wide state, without touching any key: moves the clock to its time (with the
    /// eviction that goes with it) unless it fulfils no step or is late. The partitioned engine calls it for items whose
    /// key another partition owns, so that every partition's clock equals the single tracker's.
    /// </summary>
    /// <param name="time">The item's time.</param>
    /// <param name="steps">The steps the item fulfils.</param>
    internal void Pass(DateTimeOffset time, ulong steps)
    {
        if ((steps & _allSteps) != 0)
        {
            _ = Advance(time.UtcTicks);
        }
    }

    /// <summary>Moves the clock to <paramref name="ticks"/> (sweeping when due); false when the time is late.</summary>
    private bool Advance(long ticks)
    {
        if (_watermark != long.MinValue && ticks < _watermark - _latenessTicks)
        {
            return false;
        }

        if (ticks > _watermark)
        {
            _watermark = ticks;
        }

        if (_watermark >= _nextSweep)
        {
            Sweep();
        }

        return true;
    }

    /// <summary>Evicts every key that can no longer contribute to a detection.</summary>
    private void Sweep()
    {
        _nextSweep = _watermark == long.MinValue ? long.MinValue : SaturatingAdd(_watermark, _windowTicks);
        var through = _watermark - _latenessTicks - _windowTicks;
        foreach (var pair in _keys)
        {
            if (pair.Value.Newest <= through)
            {
                _keys.Remove(pair.Key);
                pair.Value.Reset();
                if (_spare.Count < 1024)
                {
                    _spare.Push(pair.Value);
                }
            }
        }
    }

    private static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    /// <summary>Every key's state, for a checkpoint: per step, the kept chain (one entry unordered) or none.</summary>
    internal List<(string Key, long Newest, long NextSequence, Entry[]?[] Chains)> Export()
    {
        var result = new List<(string, long, long, Entry[]?[])>(_keys.Count);
        foreach (var (key, state) in _keys)
        {
            var chains = new Entry[]?[Steps];
            for (var j = 0; j < Steps; j++)
            {
                chains[j] = state.Lengths[j] == 0 ? null : state.Chains[j][..state.Lengths[j]];
            }

            result.Add((key, state.Newest, state.NextSequence, chains));
        }

        return result;
    }

    /// <summary>The clock's state, for a checkpoint.</summary>
    internal (long Watermark, long NextSweep) ExportClock() => (_watermark, _nextSweep);

    /// <summary>Restores the clock from a checkpoint.</summary>
    internal void RestoreClock(long watermark, long nextSweep)
    {
        _watermark = watermark;
        _nextSweep = nextSweep;
    }

    /// <summary>Restores one key from a checkpoint.</summary>
    /// <exception cref="InvalidDataException">The chains do not fit this tracker.</exception>
    internal void RestoreKey(string key, long newest, long nextSequence, Entry[]?[] chains)
    {
        if (chains.Length != Steps || _keys.ContainsKey(key))
        {
            throw new InvalidDataException($"Corrupt checkpoint: temporal key '{key}' does not fit a tracker of {Steps} steps.");
        }

        var state = new KeyState(Steps, Ordered) { Newest = newest, NextSequence = nextSequence };
        for (var j = 0; j < Steps; j++)
        {
            var chain = chains[j];
            if (chain is null)
            {
                continue;
            }

            if (chain.Length != (Ordered ? j + 1 : 1))
            {
                throw new InvalidDataException($"Corrupt checkpoint: temporal key '{key}' has a chain of {chain.Length} entries for step {j}.");
            }

            chain.CopyTo(state.Chains[j], 0);
            state.Lengths[j] = chain.Length;
            state.Earliest[j] = Earliest(chain);
        }

        _keys.Add(key, state);
    }

    private static long Earliest(Entry[] chain)
    {
        var earliest = long.MaxValue;
        foreach (var e in chain)
        {
            earliest = Math.Min(earliest, e.Ticks);
        }

        return earliest;
    }

    /// <summary>A kept item: the item, its time and its arrival number (unique within its key).</summary>
    internal readonly record struct Entry(TItem Item, long Ticks, long Sequence);

    /// <summary>One key's state: per step j, the best chain fulfilling steps 0..j (ordered) or the most recent item
    /// fulfilling step j (unordered), with the chain's earliest time.</summary>
    private sealed class KeyState
    {
        public KeyState(int steps, bool ordered)
        {
            Chains = new Entry[steps][];
            for (var j = 0; j < steps; j++)
            {
                Chains[j] = new Entry[ordered ? j + 1 : 1];
            }

            Lengths = new int[steps];
            Earliest = new long[steps];
            Newest = long.MinValue;
        }

        public Entry[][] Chains { get; }

        public int[] Lengths { get; }

        public long[] Earliest { get; }

        public long Newest { get; set; }

        /// <summary>The arrival number of the key's next item.</summary>
        public long NextSequence { get; set; }

        /// <summary>Unordered: keeps the entry for step j when it is at least as recent as the kept one.</summary>
        public void Keep(int j, Entry entry)
        {
            if (Lengths[j] == 0 || entry.Ticks >= Chains[j][0].Ticks)
            {
                Chains[j][0] = entry;
                Lengths[j] = 1;
                Earliest[j] = entry.Ticks;
            }
        }

        /// <summary>Ordered: the chain for steps 0..j ending with the entry replaces the kept one when its earliest time
        /// is at least as late.</summary>
        public void Extend(int j, Entry entry)
        {
            long earliest;
            if (j == 0)
            {
                earliest = entry.Ticks;
            }
            else if (Lengths[j - 1] == 0)
            {
                return;
            }
            else
            {
                earliest = Math.Min(Earliest[j - 1], entry.Ticks);
            }

            if (Lengths[j] != 0 && earliest < Earliest[j])
            {
                return;
            }

            if (j > 0)
            {
                Array.Copy(Chains[j - 1], Chains[j], j);
            }

            Chains[j][j] = entry;
            Lengths[j] = j + 1;
            Earliest[j] = earliest;
        }

        /// <summary>Whether every step is fulfilled with times after <paramref name="after"/>.</summary>
        public bool Complete(bool ordered, long after)
        {
            if (ordered)
            {
                var last = Lengths.Length - 1;
                return Lengths[last] != 0 && Earliest[last] > after;
            }

            for (var j = 0; j < Lengths.Length; j++)
            {
                if (Lengths[j] == 0 || Earliest[j] <= after)
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The carried items: distinct by arrival, in time order then arrival order, the most recent cap.</summary>
        public TItem[] Carried(bool ordered, int cap, out int hitCount)
        {
            var entries = ordered ? Chains[^1][..Lengths[^1]] : Distinct();
            Array.Sort(entries, static (a, b) => a.Ticks != b.Ticks ? a.Ticks.CompareTo(b.Ticks) : a.Sequence.CompareTo(b.Sequence));
            hitCount = entries.Length;
            var skip = Math.Max(0, entries.Length - cap);
            var items = new TItem[entries.Length - skip];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = entries[skip + i].Item;
            }

            return items;
        }

        private Entry[] Distinct()
        {
            var list = new List<Entry>(Chains.Length);
            foreach (var chain in Chains)
            {
                if (!list.Exists(e => e.Sequence == chain[0].Sequence))
                {
                    list.Add(chain[0]);
                }
            }

            return [.. list];
        }

        public void Reset()
        {
            foreach (var chain in Chains)
            {
                Array.Clear(chain);
            }

            Array.Clear(Lengths);
            Newest = long.MinValue;
            NextSequence = 0;
        }
    }
}
