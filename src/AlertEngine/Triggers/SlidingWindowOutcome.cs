namespace AlertEngine;

/// <summary>What <see cref="SlidingWindowCounter{TItem}.Add"/> did with an item.</summary>
public enum SlidingWindowOutcome
{
    /// <summary>The item was counted; its key's count is still below the threshold.</summary>
    Counted,

    /// <summary>
    /// The item brought its key's count to the threshold: a detection fired (read it from
    /// <see cref="SlidingWindowCounter{TItem}.LastDetection"/>) and the key's count started again from zero.
    /// </summary>
    Detected,

    /// <summary>The item is older than the allowed lateness behind the newest time seen; it was not counted.</summary>
    Late,

    /// <summary>
    /// The item is within the allowed lateness but already outside its key's window (the window ending at the key's
    /// newest time), so it can no longer be in any window of that key; it was not counted. Only possible when the
    /// allowed lateness is at least the window.
    /// </summary>
    OutOfWindow,

    /// <summary>The item's key is new and the cap on tracked keys is reached; it was not counted.</summary>
    KeyCapExceeded,
}
