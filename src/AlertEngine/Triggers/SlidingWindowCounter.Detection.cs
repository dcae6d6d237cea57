using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

// A detection: the items that made it copied out, then the key's counts start again from zero.
public sealed partial class SlidingWindowCounter<TItem>
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Fire(ref CounterKeyState state, string key, long ticks, TItem item)
    {
        var hitCount = state.Total + 1;
        var length = Math.Min(hitCount, MaxItemsPerDetection);
        if (length > _detectionItems.Length)
        {
            // Grows to the largest detection seen, at most min(N, MaxItemsPerDetection) items.
            Array.Resize(ref _detectionItems, Math.Min(Math.Max(length, _detectionItems.Length * 2), Math.Min(Threshold, MaxItemsPerDetection)));
        }

        if (length > 0)
        {
            // The kept items with this one merged in at its place; the last `length` of them.
            // An item at the watermark (every item in time order) goes after all the kept items, which are not newer:
            // its place is known without reading them.
            var kept = state.ItemCount;
            var at = ticks >= _watermark ? kept : PositionAfter(ref state, ticks);
            var start = kept + 1 - length;
            Debug.Assert(start >= 0, "A key keeps the most recent min(N - 1, cap) items.");

            // Written through a reference to the array's data: a store into a TItem[] of a reference type checks the
            // element type each time (array covariance), and so does making a span of it, once, but in this class's
            // shared code for reference items that check looks the type TItem[] up at run time: a chain of dependent
            // loads on every detection (perf: the most expensive part of Fire in bursty N = 5). _detectionItems is
            // created here as a TItem[] and never another array type; length <= its length (checked above).
            Debug.Assert(length <= _detectionItems.Length, "The detection array was grown to the detection's length.");
            // The kept items are read through the array's data with the entry's capacity (ItemAt would load the
            // array's length for its bounds check first: for a key not seen for a while, a miss on the array's first
            // line before the items' own).
            ref var detection = ref MemoryMarshal.GetArrayDataReference(_detectionItems);
            ref var items = ref KeptItems(ref state);
            var head = state.ItemHead;
            var capacity = state.ItemCapacity;
            for (var m = start; m <= kept; m++)
            {
                Unsafe.Add(ref detection, m - start) = m < at ? Unsafe.Add(ref items, Wrap(head + m, capacity)).Item
                    : m == at ? item : Unsafe.Add(ref items, Wrap(head + m - 1, capacity)).Item;
            }
        }

        if (_release is not null)
        {
            ReleaseNotHandedOut(ref state, length, ticks, item);
        }

        if (length < _detectionLength && RuntimeHelpers.IsReferenceOrContainsReferences<TItem>())
        {
            Array.Clear(_detectionItems, length, _detectionLength - length);
        }

        _detectionLength = length;
        _detectionHitCount = hitCount;
        _detectionKey = key;
        ClearCounts(ref state);
    }

    /// <summary>Before a detection clears a key: releases the kept items (and the item that fired) that the detection
    /// does not carry (it carries the last <paramref name="length"/> of them all, merged in time order).</summary>
    private void ReleaseNotHandedOut(ref CounterKeyState state, int length, long ticks, TItem item)
    {
        var kept = state.ItemCount;
        var start = kept + 1 - length;
        if (start == 0)
        {
            return;
        }

        // The item's place among the kept ones (as in Fire); without a detection item, every item goes.
        var at = length == 0 ? 0 : ticks >= _watermark ? kept : PositionAfter(ref state, ticks);
        var keptReleased = at >= start ? start : start - 1;
        for (var j = 0; j < keptReleased; j++)
        {
            _release!.Release(ItemAt(ref state, j).Item);
        }

        if (at < start)
        {
            _release!.Release(item);
        }
    }

    private static void ClearCounts(ref CounterKeyState state)
    {
        state.Total = 0;
        state.SlotHead = 0;
        state.SlotCount = 0;
        if (state.ItemCount != 0)
        {
            if (RuntimeHelpers.IsReferenceOrContainsReferences<TItem>())
            {
                // Every element outside the live run is default already (expiry, drops and clears reset what they take
                // out; a grown ring starts from a cleared array), so only the run is cleared. A short run (a detection
                // at a small N: every N items of a burst) element by element: plain stores of zero, where Array.Clear
                // is a call with its checks and a call of its own (perf: 6 % of the counter in bursty N = 5).
                if (state.ItemCount <= 8)
                {
                    ref var items = ref KeptItems(ref state);
                    for (var i = 0; i < state.ItemCount; i++)
                    {
                        Unsafe.Add(ref items, Wrap(state.ItemHead + i, state.ItemCapacity)) = default;
                    }
                }
                else
                {
                    ClearRing(ItemsOf(ref state), state.ItemHead, state.ItemCount);
                }
            }

            state.ItemHead = 0;
            state.ItemCount = 0;
        }
    }
}
