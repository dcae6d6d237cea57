namespace AlertEngine;

/// <summary>
/// The state of a <see cref="SlidingWindowCounter{TItem}"/>: restore it into a counter with the same threshold, window
/// and resolution to continue the same counts after a restart. Immutable.
/// </summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Threshold">The counter's threshold (N).</param>
/// <param name="Window">The counter's window.</param>
/// <param name="Resolution">The counter's time resolution.</param>
/// <param name="Watermark">The newest time seen; <see langword="null"/> when nothing was seen.</param>
/// <param name="Keys">The tracked keys.</param>
public sealed record SlidingWindowCounterSnapshot<TItem>(
    int Threshold,
    TimeSpan Window,
    TimeSpan Resolution,
    DateTimeOffset? Watermark,
    IReadOnlyList<SlidingWindowKeySnapshot<TItem>> Keys);

/// <summary>The state of one key of a <see cref="SlidingWindowCounter{TItem}"/>.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Key">The key.</param>
/// <param name="Newest">The key's newest time, truncated to the resolution: its window ends there.</param>
/// <param name="Slots">The counted items per time slot, oldest first; slot times are truncated to the resolution.</param>
/// <param name="Items">The items kept for the next detection, in time order.</param>
public sealed record SlidingWindowKeySnapshot<TItem>(
    string Key,
    DateTimeOffset Newest,
    IReadOnlyList<SlidingWindowSlot> Slots,
    IReadOnlyList<SlidingWindowItem<TItem>> Items);

/// <summary>The number of items counted in one time slot.</summary>
/// <param name="Start">The slot's start, a multiple of the resolution.</param>
/// <param name="Count">The number of items, at least 1.</param>
public readonly record struct SlidingWindowSlot(DateTimeOffset Start, int Count);

/// <summary>An item with its time.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Time">The item's time (not truncated).</param>
/// <param name="Item">The item.</param>
public readonly record struct SlidingWindowItem<TItem>(DateTimeOffset Time, TItem Item);
