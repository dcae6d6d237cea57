namespace AlertEngine;

/// <content>The future tolerance: an activity dated too far ahead of the wall clock is invalid and never moves the clock.</content>
public sealed partial class AlertPipeline
{
    private long _futureCount;

    // The latest acceptable event time (UTC ticks) at the last reading of the wall clock; long.MinValue before the
    // first. The wall clock only moves forward, so an activity at or before it is within the tolerance now too: the
    // clock is read only for an activity after it (for a live feed, about once per tolerance period).
    private long _futureLimitTicks = long.MinValue;

    /// <summary>
    /// Whether <paramref name="activity"/> is dated more than <see cref="AlertEngineOptions.FutureTolerance"/> ahead of
    /// <see cref="TimeProvider"/>'s time; if so, counts, logs and reports it (<see cref="DiagnosticKind.Future"/>).
    /// Checked before the duplicate filter and the clock, so such an activity touches neither.
    /// </summary>
    private bool IsBeyondFutureTolerance(Activity activity)
    {
        if (!IsFuture(activity, out var now))
        {
            return false;
        }

        CountFuture(activity, now);
        return true;
    }

    /// <summary>Whether <paramref name="activity"/> is beyond the future tolerance of the wall clock's
    /// <paramref name="now"/> (read only when needed); counts nothing.</summary>
    private bool IsFuture(Activity activity, out DateTimeOffset now)
    {
        now = default;
        var ticks = activity.UtcTicks;
        if (ticks <= _futureLimitTicks)
        {
            return false;
        }

        now = TimeProvider.GetUtcNow();
        var tolerance = Options.FutureTolerance;
        var nowTicks = now.UtcTicks;
        _futureLimitTicks = tolerance.Ticks > long.MaxValue - nowTicks ? long.MaxValue : nowTicks + tolerance.Ticks;
        return ticks > _futureLimitTicks;
    }

    /// <summary>An activity beyond the future tolerance of <paramref name="now"/>: counted, logged and reported.</summary>
    private void CountFuture(Activity activity, DateTimeOffset now)
    {
        var tolerance = Options.FutureTolerance;
        _futureCount++;
        AlertEngineMetrics.Future.Add(1);
        Log.Future(_logger, activity.Id, activity.Time, now, tolerance);
        Report(new EngineDiagnostic(
            DiagnosticKind.Future,
            activity.Id,
            null,
            $"activity {activity.Id} at {activity.Time:O} is more than the future tolerance ({tolerance:c}) ahead of the wall clock ({now:O}); invalid, not evaluated"));
    }
}
