using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

// The item ring: a key's most recent items, kept to carry them into a detection (each counted by being kept).
public sealed partial class SlidingWindowCounter<TItem>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Stamped[] ItemsOf(ref CounterKeyState state) => Unsafe.As<Stamped[]>(state.Items!);

    /// <summary>The first element of a key's item array (a null reference without one); index it with
    /// <see cref="Wrap"/> over <see cref="CounterKeyState.ItemCapacity"/>, the array's length, below
    /// <see cref="CounterKeyState.ItemCount"/>: unlike <see cref="ItemAt"/>, nothing is read from the array but the
    /// items themselves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Stamped KeptItems(ref CounterKeyState state) =>
        ref state.Items is null ? ref Unsafe.NullRef<Stamped>() : ref MemoryMarshal.GetArrayDataReference(ItemsOf(ref state));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Stamped ItemAt(ref CounterKeyState state, int i)
    {
        var items = ItemsOf(ref state);
        return ref items[Wrap(state.ItemHead + i, items.Length)];
    }

    /// <summary>
    /// Keeps a counted item (already in <see cref="CounterKeyState.Total"/>): in the item ring while it has room, the
    /// oldest kept item (or this one, if older than all) moving to the slot ring's counts when it is full.
    /// </summary>
    /// <remarks><paramref name="expireFirst"/>: called by Count, whose key's rings may hold items that left the window
    /// (they are expired before a full ring grows); false for a restore, whose rings hold none.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void KeepItem(ref CounterKeyState state, long slot, long ticks, TItem item, bool expireFirst = false)
    {
        // The common case inline: room in the ring, and an item at the watermark, so not older than any kept item.
        // It only writes to the array: the capacity is kept in the entry and the bounds check is left out (the index is
        // below the capacity by construction). With many keys the array is a cache miss, and a store that misses does
        // not hold the processor up the way a load does: this is what makes keeping an item cheap.
        // The array is tested for null here (a register test) although a capacity above zero implies one: without it
        // the JIT null-checks the array by loading from it (`cmp byte ptr [items], items`), which is the very cache
        // miss this path avoids (it was a fifth of the counter's time in steady N = 5 at 10,000 keys, perf).
        var n = state.ItemCount;
        var items = Unsafe.As<Stamped[]?>(state.Items);
        if (ticks >= _watermark && n < state.ItemCapacity && items is not null)
        {
            Debug.Assert(items.Length == state.ItemCapacity, "ItemCapacity is the item array's length.");
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(items), Wrap(state.ItemHead + n, state.ItemCapacity)) =
                new Stamped { Ticks = ticks, Item = item };
            state.ItemCount = n + 1;
            return;
        }

        KeepItemSlow(ref state, slot, ticks, item, expireFirst);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void KeepItemSlow(ref CounterKeyState state, long slot, long ticks, TItem item, bool expireFirst)
    {
        if (expireFirst)
        {
            ExpireStale(ref state);
        }

        var n = state.ItemCount;
        if (n == (state.Items?.Length ?? 0) && n < _maxStoredItems)
        {
            GrowItems(ref state);
        }

        var full = n == state.Items!.Length;
        if (n == 0 || ItemAt(ref state, n - 1).Ticks <= ticks)
        {
            if (full)
            {
                DropOldestItem(ref state);
            }

            ItemAt(ref state, state.ItemCount) = new Stamped { Ticks = ticks, Item = item };
            state.ItemCount++;
            return;
        }

        // A late item: it goes after every kept item with a time at or before its own.
        var at = PositionAfter(ref state, ticks);
        if (full)
        {
            if (at == 0)
            {
                // Older than every kept item: not among the most recent, so only counted.
                CountSlot(ref state, slot);
                _release?.Release(item);
                return;
            }

            DropOldestItem(ref state);
            at--;
        }

        for (var j = state.ItemCount; j > at; j--)
        {
            ItemAt(ref state, j) = ItemAt(ref state, j - 1);
        }

        ItemAt(ref state, at) = new Stamped { Ticks = ticks, Item = item };
        state.ItemCount++;
    }

    private static int PositionAfter(ref CounterKeyState state, long ticks)
    {
        var at = state.ItemCount;
        while (at > 0 && ItemAt(ref state, at - 1).Ticks > ticks)
        {
            at--;
        }

        return at;
    }

    /// <summary>Drops the oldest kept item from the item ring; it stays counted, in the slot ring.</summary>
    private void DropOldestItem(ref CounterKeyState state)
    {
        var items = ItemsOf(ref state);
        CountSlot(ref state, items[state.ItemHead].Ticks / _resolution);
        _release?.Release(items[state.ItemHead].Item);
        items[state.ItemHead] = default;
        state.ItemHead = Wrap(state.ItemHead + 1, items.Length);
        state.ItemCount--;
    }

    private void GrowItems(ref CounterKeyState state)
    {
        var oldLength = state.Items?.Length ?? 0;
        var size = Math.Min(Math.Max(oldLength * 2, InitialItemCapacity), _maxStoredItems);
        var grown = _itemPool.Rent(size);
        if (state.Items is Stamped[] old)
        {
            // The ring's two runs copied in bulk (one memory move and one card-marking pass for the references): copied
            // one by one, each item was a write-barrier call, and a burst of a new key copies 4 + 8 + ... + 64 items
            // while it grows (perf: the copy was the largest part of the counter's time in bursty N = 10,000).
            CopyRing(old, state.ItemHead, state.ItemCount, grown);

            // Back to the pool for the next key that grows (a burst of a new key grows 4, 8, 16, ...): without this,
            // keys coming and going in bursts allocated in steady state (24 B per activity in the bursty benchmark).
            // Only the live run holds anything: every element outside it is default (see ClearCounts).
            ClearRing(old, state.ItemHead, state.ItemCount);
            Debug.Assert(IsCleared(old), "Every kept item outside the live run is default.");
            _itemPool.Return(old);
        }

        state.Items = grown;
        state.ItemCapacity = grown.Length;
        state.ItemHead = 0;
    }

    /// <summary>Whether every element of an item array is default (for assertions); items without references are not
    /// cleared (nothing reads an element outside the live run before writing it) and always pass.</summary>
    private static bool IsCleared(Stamped[] items)
    {
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<TItem>())
        {
            return true;
        }

        foreach (var s in items)
        {
            if (s.Ticks != 0 || !EqualityComparer<TItem>.Default.Equals(s.Item, default))
            {
                return false;
            }
        }

        return true;
    }

    private struct Stamped
    {
        public long Ticks;
        public TItem Item;
    }
}

/// <summary>Frees what a counter's kept item owns when the counter stops holding it (see
/// <see cref="SlidingWindowCounter{TItem}.ItemRelease"/>).</summary>
/// <typeparam name="TItem">The counter's item type.</typeparam>
internal interface IKeptItemRelease<in TItem>
{
    /// <summary>The counter no longer holds <paramref name="item"/> and did not hand it out.</summary>
    void Release(TItem item);
}
