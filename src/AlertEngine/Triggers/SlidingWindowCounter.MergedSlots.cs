namespace AlertEngine;

// The saved form of a key's counts, shared by snapshots and checkpoints: one count per slot, the slot ring's and
// the kept items' together (MergedSlots), and back (UncountKeptItems).
public sealed partial class SlidingWindowCounter<TItem>
{
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
}
