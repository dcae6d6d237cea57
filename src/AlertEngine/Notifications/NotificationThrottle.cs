namespace AlertEngine;

/// <summary>A notification throttle: at most <see cref="Count"/> notifications per policy in any rolling
/// <see cref="Window"/> of event time.</summary>
public sealed record NotificationThrottle
{
    /// <summary>Creates a throttle.</summary>
    /// <param name="count">K, at least 1.</param>
    /// <param name="window">The rolling window, greater than zero.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public NotificationThrottle(int count, TimeSpan window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        Count = count;
        Window = window;
    }

    /// <summary>At most this many notifications per window.</summary>
    public int Count { get; }

    /// <summary>The rolling window: a notification at event time t counts those sent with event time in (t − window, t].</summary>
    public TimeSpan Window { get; }
}
