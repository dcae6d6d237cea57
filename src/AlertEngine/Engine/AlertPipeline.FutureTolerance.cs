namespace AlertEngine;

/// <content>The future tolerance: an activity dated too far ahead of the wall clock is invalid and never moves the clock.</content>
public sealed partial class AlertPipeline
{
    private long _futureCount;

    /// <summary>
    /// Whether <paramref name="activity"/> is dated more than <see cref="AlertEngineOptions.FutureTolerance"/> ahead of
    /// <see cref="TimeProvider"/>'s time; if so, counts, logs and reports it (<see cref="DiagnosticKind.Future"/>).
    /// Checked before the duplicate filter and the clock, so such an activity touches neither.
    /// </summary>
    private bool IsBeyondFutureTolerance(Activity activity)
    {
        var ticks = activity.Time.UtcTicks;
        if (ticks <= _watermarkTicks)
        {
            // Not after an accepted activity, which was within the tolerance of an earlier (or equal) wall-clock time:
            // accepted without reading the clock.
            return false;
        }

        var now = TimeProvider.GetUtcNow();
        if (ticks - now.UtcTicks <= Options.FutureTolerance.Ticks)
        {
            return false;
        }

        _futureCount++;
        AlertEngineMetrics.Future.Add(1);
        Log.Future(_logger, activity.Id, activity.Time, now, Options.FutureTolerance);
        Report(new EngineDiagnostic(
            DiagnosticKind.Future,
            activity.Id,
            null,
            $"activity {activity.Id} at {activity.Time:O} is more than the future tolerance ({Options.FutureTolerance:c}) ahead of the wall clock ({now:O}); invalid, not evaluated"));
        return true;
    }
}
