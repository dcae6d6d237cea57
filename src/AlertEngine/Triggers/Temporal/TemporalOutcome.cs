namespace AlertEngine;

/// <summary>What <see cref="TemporalTracker{TItem}.Observe"/> did with an item.</summary>
public enum TemporalOutcome
{
    /// <summary>The item fulfils no step: nothing changed.</summary>
    Ignored,

    /// <summary>The item was kept for its key; no detection.</summary>
    Counted,

    /// <summary>The item completed a detection (see <see cref="TemporalTracker{TItem}.LastDetection"/>); the key starts again.</summary>
    Detected,

    /// <summary>The item is older than the allowed lateness behind the newest time seen: not counted.</summary>
    Late,

    /// <summary>The item is for a new key and the cap on tracked keys is reached: not counted.</summary>
    KeyCapExceeded,
}
