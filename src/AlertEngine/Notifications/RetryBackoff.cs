namespace AlertEngine;

/// <summary>Exponential backoff with jitter for notification retries.</summary>
internal static class RetryBackoff
{
    /// <summary>
    /// The delay before retry number <paramref name="retry"/> (1-based): <c>min(max, base · 2^(retry−1))</c>, scaled by a
    /// jitter factor in [0.5, 1) drawn from <paramref name="random01"/> (a value in [0, 1)), so concurrent failures
    /// spread out while the delay still grows.
    /// </summary>
    public static TimeSpan Delay(int retry, TimeSpan baseDelay, TimeSpan maxDelay, double random01)
    {
        var exponent = Math.Min(retry - 1, 62);
        var raw = baseDelay.Ticks * Math.Pow(2, exponent);
        var capped = Math.Min(raw, maxDelay.Ticks);
        return TimeSpan.FromTicks((long)(capped * (0.5 + (random01 * 0.5))));
    }
}
