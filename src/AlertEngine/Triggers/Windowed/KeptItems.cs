namespace AlertEngine;

/// <summary>An item kept for detections with its time in ticks.</summary>
internal struct Stamped<TItem>
{
    public long Ticks;
    public TItem Item;
}

/// <summary>
/// The most recent items of a key's window, in time order (equal times in arrival order), capped: shared by
/// <see cref="SlidingWindowSum{TItem}"/> and <see cref="SpikeCounter{TItem}"/>. An item dropped at the cap is always
/// older than every kept one, so items leave by time from the front.
/// </summary>
internal static class KeptItems
{
    /// <summary>Keeps an item among the most recent <paramref name="max"/> (at least 1).</summary>
    public static void Keep<TItem>(ref Ring<Stamped<TItem>> items, long ticks, TItem item, int max)
    {
        var full = items.Count == max;
        if (items.Count == 0 || items.Last.Ticks <= ticks)
        {
            if (full)
            {
                items.RemoveFirst();
            }

            items.Add(new Stamped<TItem> { Ticks = ticks, Item = item }, max);
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

        items.Insert(at, new Stamped<TItem> { Ticks = ticks, Item = item }, max);
    }

    /// <summary>The position after every kept item with a time at or before <paramref name="ticks"/>.</summary>
    public static int PositionAfter<TItem>(ref Ring<Stamped<TItem>> items, long ticks)
    {
        var at = items.Count;
        while (at > 0 && items[at - 1].Ticks > ticks)
        {
            at--;
        }

        return at;
    }

    /// <summary>Drops the kept items with a time before <paramref name="ticks"/>.</summary>
    public static void DropBefore<TItem>(ref Ring<Stamped<TItem>> items, long ticks)
    {
        while (items.Count != 0 && items.First.Ticks < ticks)
        {
            items.RemoveFirst();
        }
    }
}
