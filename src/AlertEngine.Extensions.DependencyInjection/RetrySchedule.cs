namespace AlertEngine;

/// <summary>
/// The health of one downstream (the store, the investigation system) and when to try it again: healthy until an
/// attempt fails, then failing with the next attempt due after an exponential backoff with jitter
/// (<see cref="RetryBackoff"/>), healthy again after an attempt succeeds. Thread-safe.
/// </summary>
internal sealed class RetrySchedule(TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider time)
{
    private readonly Lock _lock = new();
    private int _failedAttempts;
    private DateTimeOffset _nextAttemptAt;

    /// <summary>Whether the last attempt failed.</summary>
    public bool IsFailing
    {
        get
        {
            lock (_lock)
            {
                return _failedAttempts > 0;
            }
        }
    }

    /// <summary>How long until the next attempt is due: zero when healthy or due now.</summary>
    public TimeSpan TimeUntilDue()
    {
        lock (_lock)
        {
            if (_failedAttempts == 0)
            {
                return TimeSpan.Zero;
            }

            var left = _nextAttemptAt - time.GetUtcNow();
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>Records a failed attempt and schedules the next one.</summary>
    /// <param name="delay">The delay until the next attempt.</param>
    /// <returns><see langword="true"/> when this failure changed the state from healthy to failing.</returns>
    public bool RecordFailure(out TimeSpan delay)
    {
        lock (_lock)
        {
            _failedAttempts++;
            delay = RetryBackoff.Delay(_failedAttempts, baseDelay, maxDelay, Random.Shared.NextDouble());
            _nextAttemptAt = time.GetUtcNow() + delay;
            return _failedAttempts == 1;
        }
    }

    /// <summary>Records a successful attempt.</summary>
    /// <returns>The failed attempts before it: non-zero when this success changed the state from failing to healthy.</returns>
    public int RecordSuccess()
    {
        lock (_lock)
        {
            var failed = _failedAttempts;
            _failedAttempts = 0;
            return failed;
        }
    }
}
