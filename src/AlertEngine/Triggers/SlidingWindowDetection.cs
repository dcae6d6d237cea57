namespace AlertEngine;

/// <summary>
/// The detection a <see cref="SlidingWindowCounter{TItem}"/> fired: the key, the exact hit count and the (possibly
/// capped) items. A view over the counter's buffer: valid until the next call to
/// <see cref="SlidingWindowCounter{TItem}.Add"/>; copy <see cref="Items"/> to keep them.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
public readonly ref struct SlidingWindowDetection<TItem>
{
    internal SlidingWindowDetection(string key, int hitCount, ReadOnlySpan<TItem> items)
    {
        Key = key;
        HitCount = hitCount;
        Items = items;
    }

    /// <summary>The key as given with the item that completed the detection; empty when no detection fired yet.</summary>
    public string Key { get; }

    /// <summary>The exact number of items that made the count (the threshold); never capped. Zero when no detection fired yet.</summary>
    public int HitCount { get; }

    /// <summary>
    /// The most recent <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/> items that made the count, in
    /// time order (equal times in arrival order), including the item that completed the detection.
    /// </summary>
    public ReadOnlySpan<TItem> Items { get; }
}
