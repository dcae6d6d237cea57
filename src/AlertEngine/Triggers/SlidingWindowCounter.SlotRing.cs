using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace AlertEngine;

// The slot ring: a key's counts per time slot (those beyond its kept items), sorted by slot.
public sealed partial class SlidingWindowCounter<TItem>
{
    /// <summary>The slot ring of a key (empty before its first slot).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Span<CounterSlot> Ring(ref CounterKeyState state) => state.Slots;

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
}
