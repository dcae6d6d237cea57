namespace AlertEngine;

/// <summary>
/// The detection a windowed trigger core fired (<see cref="DistinctCounter{TItem}"/>, <see cref="SlidingWindowSum{TItem}"/>,
/// <see cref="SpikeCounter{TItem}"/>). A view over the core's buffers: valid until the core's next <c>Add</c>; copy
/// <see cref="Items"/> and <see cref="Values"/> to keep them.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
public readonly ref struct WindowedDetection<TItem>
{
    internal WindowedDetection(string key, int hitCount, ReadOnlySpan<TItem> items, ReadOnlySpan<string> values, double total, int reference)
    {
        Key = key;
        HitCount = hitCount;
        Items = items;
        Values = values;
        Total = total;
        Reference = reference;
    }

    /// <summary>The key as given with the item that completed the detection; empty when no detection fired yet.</summary>
    public string Key { get; }

    /// <summary>
    /// The exact number the detection is about, never capped: distinct values (distinct count), items summed (sum),
    /// items in the current window (spike).
    /// </summary>
    public int HitCount { get; }

    /// <summary>
    /// The most recent <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/> items of the detection, in time
    /// order (equal times in arrival order), including the item that completed it: for distinct count the most recent
    /// item of each value; for sum the items summed; for spike the items of the current window.
    /// </summary>
    public ReadOnlySpan<TItem> Items { get; }

    /// <summary>Distinct count only: the values, one per item of <see cref="Items"/> (in the spelling of that item); otherwise empty.</summary>
    public ReadOnlySpan<string> Values { get; }

    /// <summary>Sum only: the total over the window; otherwise zero.</summary>
    public double Total { get; }

    /// <summary>Spike only: the reference window's count (the current window's is <see cref="HitCount"/>); otherwise zero.</summary>
    public int Reference { get; }
}
