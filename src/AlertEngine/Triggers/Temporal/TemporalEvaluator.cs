using System.Globalization;

namespace AlertEngine;

/// <summary>
/// A temporal trigger over activities: evaluates each step's compiled condition into a step mask, reads the scope key,
/// feeds a <see cref="TemporalTracker{TItem}"/> and turns its outcomes into detections and diagnostics. Shared by the
/// engine's detector and the <c>Temporal</c> operator. Single-threaded; allocation-free per activity except for
/// detections (a composite scope key allocates only the first time it is seen: <see cref="CompositeScopeKey"/>).
/// </summary>
internal sealed class TemporalEvaluator
{
    private readonly Func<Activity, bool>[] _steps;
    private readonly WindowedTriggerReporter _reporter;
    private readonly SlidingWindowCounterOptions _options;

    public TemporalEvaluator(IReadOnlyList<Func<Activity, bool>> steps, bool ordered, TimeSpan window, SlidingWindowCounterOptions options, WindowedTriggerReporter reporter)
    {
        _steps = [.. steps];
        _options = options;
        _reporter = reporter;
        Tracker = new TemporalTracker<Activity>(_steps.Length, ordered, window, options);
    }

    public TemporalTracker<Activity> Tracker { get; }

    /// <summary>The steps an activity fulfils, bit i = step i.</summary>
    public ulong Steps(Activity activity)
    {
        var mask = 0UL;
        for (var i = 0; i < _steps.Length; i++)
        {
            if (_steps[i](activity))
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    /// <summary>Observes an activity; returns the detection it completed, or <see langword="null"/>.</summary>
    public Detection? Observe(Activity activity)
    {
        var mask = Steps(activity);

        if (mask == 0)
        {
            return null;
        }

        var key = _reporter.ScopeKey(activity);
        switch (Tracker.Observe(key, activity.Time, mask, activity))
        {
            case TemporalOutcome.Detected:
                var hit = Tracker.LastDetection!;
                return new Detection(activity.Time, activity, hit.Items, hit.HitCount, key) { PolicyId = _reporter.PolicyId };
            case TemporalOutcome.Late:
                _reporter.Report(DiagnosticKind.Late, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"activity {activity.Id} at {activity.Time:O} is more than the allowed lateness ({_options.AllowedLateness}) behind the newest time seen; not counted."));
                return null;
            case TemporalOutcome.KeyCapExceeded:
                _reporter.Report(DiagnosticKind.KeyCapExceeded, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"the cap of {_options.MaxTrackedKeys} tracked scope keys is reached; activity {activity.Id} for the new key '{key}' was not counted."));
                return null;
            default:
                return null;
        }
    }
}
