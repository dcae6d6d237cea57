namespace AlertEngine;

/// <summary>An entry of a ring of kept items: its time in ticks (the ring is in time order).</summary>
internal interface ITimedEntry
{
    /// <summary>The entry's time in ticks.</summary>
    long Ticks { get; }
}

/// <summary>An item kept for detections with its time in ticks.</summary>
internal struct Stamped<TItem> : ITimedEntry
{
    public long Ticks;
    public TItem Item;

    readonly long ITimedEntry.Ticks => Ticks;
}

/// <summary>
/// The most recent items of a key's window, in time order (equal times in arrival order), capped: shared by
/// <see cref="SlidingWindowSum{TItem}"/> (whose entries also carry the item's value) and <see cref="SpikeCounter{TItem}"/>.
/// An item dropped at the cap is always older than every kept one, so items leave by time from the front. Generic over
/// the entry struct (constrained calls on a struct are resolved at compile time: no boxing, no interface dispatch).
/// </summary>
internal static class KeptItems
{
    /// <summary>Keeps an item among the most recent <paramref name="max"/> (at least 1).</summary>
    public static void Keep<TItem>(ref Ring<Stamped<TItem>> items, long ticks, TItem item, int max) =>
        Keep(ref items, new Stamped<TItem> { Ticks = ticks, Item = item }, max);

    /// <summary>Keeps an entry among the most recent <paramref name="max"/> (at least 1).</summary>
    public static void Keep<T>(ref Ring<T> items, T entry, int max)
        where T : struct, ITimedEntry
    {
        var ticks = entry.Ticks;
        var full = items.Count == max;
        if (items.Count == 0 || items.Last.Ticks <= ticks)
        {
            if (full)
            {
                items.RemoveFirst();
            }

            items.Add(entry, max);
            return;
        }

        // A late item: it goes after every kept item with a time at or before its own.
        var at = PositionAfter(ref items, ticks);
        if (full)
        {
            if (at == 0)
            {
                return; // Older than every kept item: not among the most recent.
            }

            items.RemoveFirst();
            at--;
        }

        items.Insert(at, entry, max);
    }

    /// <summary>The position after every kept item with a time at or before <paramref name="ticks"/>.</summary>
    public static int PositionAfter<T>(ref Ring<T> items, long ticks)
        where T : struct, ITimedEntry
    {
        var at = items.Count;
        while (at > 0 && items[at - 1].Ticks > ticks)
        {
            at--;
        }

        return at;
    }

    /// <summary>Drops the kept items with a time before <paramref name="ticks"/>.</summary>
    public static void DropBefore<T>(ref Ring<T> items, long ticks)
        where T : struct, ITimedEntry
    {
        while (items.Count != 0 && items.First.Ticks < ticks)
        {
            items.RemoveFirst();
        }
    }
}
