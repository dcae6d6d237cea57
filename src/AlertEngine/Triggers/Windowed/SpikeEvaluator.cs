namespace AlertEngine;

/// <summary>
/// A spike trigger over activities: reads the scope key, counts with a <see cref="SpikeCounter{TItem}"/>, turns its
/// outcomes into detections (with <see cref="SpikeCounts"/>) and diagnostics. Shared by the engine's detector and the
/// <c>Spike</c> operator. Single-threaded.
/// </summary>
internal sealed class SpikeEvaluator(double ratio, TimeSpan window, int minCount, int minReference, WindowedTriggerOptions options, WindowedTriggerReporter reporter)
{
    public SpikeCounter<Activity> Counter { get; } = new(ratio, window, minCount, minReference, options);

    /// <summary>Counts an activity; returns the detection it completed, or <see langword="null"/>.</summary>
    public Detection? Observe(Activity activity)
    {
        var key = reporter.ScopeKey(activity);
        var outcome = Counter.Add(key, activity.Time, activity);
        if (outcome != WindowTriggerOutcome.Detected)
        {
            reporter.Outcome(outcome, activity, key, Counter.Window, Counter.Options, Counter.Watermark);
            return null;
        }

        var hit = Counter.LastDetection;
        return new Detection(activity.Time, activity, hit.Items.ToArray(), hit.HitCount, key)
        {
            PolicyId = reporter.PolicyId,
            Reason = new SpikeCounts(hit.HitCount, hit.Reference),
        };
    }
}
