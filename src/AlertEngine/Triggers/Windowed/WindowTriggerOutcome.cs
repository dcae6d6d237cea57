namespace AlertEngine;

/// <summary>What a windowed trigger core (<see cref="DistinctCounter{TItem}"/>, <see cref="SlidingWindowSum{TItem}"/>,
/// <see cref="SpikeCounter{TItem}"/>) did with an item.</summary>
public enum WindowTriggerOutcome
{
    /// <summary>The item was counted; no detection fired.</summary>
    Counted,

    /// <summary>The item completed a detection: read it from the core's <c>LastDetection</c>.</summary>
    Detected,

    /// <summary>The item is older than the allowed lateness behind the newest time seen; it was not counted.</summary>
    Late,

    /// <summary>The item is within the allowed lateness but already outside everything its key still counts; it was
    /// not counted. Only possible when the allowed lateness is at least the window.</summary>
    OutOfWindow,

    /// <summary>The item's key is new and the cap on tracked keys is reached; it was not counted.</summary>
    KeyCapExceeded,

    /// <summary>Distinct count only: the item was counted, and to make room for its new value the key forgot its
    /// least recently seen value (the cap on values per key is below N − 1).</summary>
    ValueCapExceeded,
}
