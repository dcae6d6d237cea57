namespace AlertEngine;

/// <summary>What <see cref="SilenceTracker{TItem}.Observe"/> did with an input.</summary>
public enum SilenceOutcome
{
    /// <summary>The input is now its key's last one: the key's silence fires at its time + window unless another input comes.</summary>
    Armed,

    /// <summary>The key's last input has a later time: this one changes nothing (it arrived out of order).</summary>
    Older,

    /// <summary>The key is new and the cap on tracked keys is reached: nothing was recorded.</summary>
    KeyCapExceeded,
}
