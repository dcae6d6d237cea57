namespace AlertEngine;

/// <summary>What <c>NewValueTracker.Observe</c> did with a value.</summary>
public enum NewValueOutcome
{
    /// <summary>The key had the value at a time in (t − lookback, t] (or later): nothing fires. The value's time was refreshed.</summary>
    Seen,

    /// <summary>The value is new for the key within the lookback and the key's learning period is over: a detection fires.</summary>
    New,

    /// <summary>The value is new for the key, but t is before the key's first-seen time + learning period: recorded, nothing fires.</summary>
    Learning,

    /// <summary>The key is new and the cap on tracked keys is reached: nothing was recorded.</summary>
    KeyCapExceeded,
}
