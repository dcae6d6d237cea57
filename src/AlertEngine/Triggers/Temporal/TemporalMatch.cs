namespace AlertEngine;

/// <summary>A detection of a <see cref="TemporalTracker{TItem}"/>: the key and the items that fulfilled the steps.
/// Immutable.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Key">The scope key.</param>
/// <param name="Items">The items, each once (one item may fulfil several steps), in time order, equal times in arrival
/// order; the most recent <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/> of them.</param>
/// <param name="HitCount">The number of distinct items, never capped.</param>
public sealed record TemporalMatch<TItem>(string Key, IReadOnlyList<TItem> Items, int HitCount);
