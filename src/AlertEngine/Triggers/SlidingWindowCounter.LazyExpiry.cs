using System.Runtime.CompilerServices;

namespace AlertEngine;

// Lazy expiry (see Count): a key's counts and kept items that left its window are dropped only when that can
// change something.
public sealed partial class SlidingWindowCounter<TItem>
{
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

                _release?.Release(first.Item);
                first = default;
                state.ItemHead = Wrap(state.ItemHead + 1, items.Length);
                state.ItemCount--;
                state.Total--;
            }
        }
    }
}
