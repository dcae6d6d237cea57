namespace AlertEngine;

/// <summary>The per-key state of a windowed core (distinct, sum, spike): the key's newest slot, and how to empty it
/// for reuse once the key is evicted.</summary>
internal interface IWindowedKeyState
{
    /// <summary>The key's newest slot; the key is evicted once the clock's eviction point passes it.</summary>
    long NewestSlot { get; }

    /// <summary>Empties the state (counts, slots, kept items), keeping its buffers for reuse.</summary>
    void Reset();
}

/// <summary>Evicting the idle keys of a windowed core, shared by <see cref="DistinctCounter{TItem}"/>,
/// <see cref="SlidingWindowSum{TItem}"/> and <see cref="SpikeCounter{TItem}"/>: a key whose newest slot is at or before
/// <see cref="WindowClock.EvictThrough"/> is removed, its emptied state kept (up to <see cref="SpareStates"/>) for the
/// next new key, and the table shrunk once it is mostly empty.</summary>
internal static class WindowedKeyEviction
{
    /// <summary>How many emptied key states a core keeps for reuse.</summary>
    public const int SpareStates = 1024;

    /// <summary>Whether a new key fits under <paramref name="maxKeys"/>, after a sweep when one may free room.</summary>
    public static bool MakeRoom<TState>(WindowClock clock, Dictionary<string, TState> keys, Stack<TState> spare, int maxKeys)
        where TState : struct, IWindowedKeyState
    {
        if (clock.SweepMayFreeRoom(keys.Count))
        {
            Sweep(clock, keys, spare);
        }

        return keys.Count < maxKeys;
    }

    /// <summary>Evicts every key idle through <see cref="WindowClock.EvictThrough"/>.</summary>
    public static void Sweep<TState>(WindowClock clock, Dictionary<string, TState> keys, Stack<TState> spare)
        where TState : struct, IWindowedKeyState
    {
        clock.Swept();
        var through = clock.EvictThrough;
        var evicted = false;
        foreach (var pair in keys)
        {
            if (pair.Value.NewestSlot <= through)
            {
                var state = pair.Value;
                state.Reset();
                if (spare.Count < SpareStates)
                {
                    spare.Push(state);
                }

                keys.Remove(pair.Key);
                evicted = true;
            }
        }

        if (evicted && keys.Count < keys.Capacity / 4 && keys.Capacity > 1024)
        {
            keys.TrimExcess(Math.Max(keys.Count * 2, 1024));
        }
    }

    /// <summary>Whether a new key fits under <paramref name="maxKeys"/>, after a sweep when one may free room.</summary>
    public static bool MakeRoom<TState>(WindowClock clock, KeyTable<TState> keys, Stack<TState> spare, int maxKeys)
        where TState : struct, IWindowedKeyState
    {
        if (clock.SweepMayFreeRoom(keys.Count))
        {
            Sweep(clock, keys, spare);
        }

        return keys.Count < maxKeys;
    }

    /// <summary>Evicts every key idle through <see cref="WindowClock.EvictThrough"/> (for a core whose keys are in a
    /// <see cref="KeyTable{TValue}"/>; the same rule as for a dictionary).</summary>
    public static void Sweep<TState>(WindowClock clock, KeyTable<TState> keys, Stack<TState> spare)
        where TState : struct, IWindowedKeyState
    {
        clock.Swept();
        var through = clock.EvictThrough;
        var evicted = false;
        for (var p = keys.Next(0); p >= 0; p = keys.Next(p + 1))
        {
            ref var state = ref keys.ValueAt(p);
            if (state.NewestSlot <= through)
            {
                state.Reset();
                if (spare.Count < SpareStates)
                {
                    spare.Push(state);
                }

                keys.RemoveAtPosition(p); // by position: the idle key's string (long out of the cache) is not hashed again
                evicted = true;
            }
        }

        if (evicted && keys.Count < keys.Capacity / 4 && keys.Capacity > 1024)
        {
            keys.TrimExcess(Math.Max(keys.Count * 2, 1024));
        }
    }
}
