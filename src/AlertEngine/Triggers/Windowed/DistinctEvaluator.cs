namespace AlertEngine;

/// <summary>
/// A distinct-count trigger over activities: reads the field and the scope key, counts with a
/// <see cref="DistinctCounter{TItem}"/>, turns its outcomes into detections (with <see cref="DistinctValues"/>) and
/// diagnostics. An activity without a value for the field is not counted (and not reported). Shared by the engine's
/// detector and the <c>DistinctCount</c> operator. Single-threaded.
/// </summary>
internal sealed class DistinctEvaluator
{
    private readonly FieldText _field;
    private readonly WindowedTriggerReporter _reporter;

    public DistinctEvaluator(int count, TimeSpan window, string field, WindowedTriggerOptions options, WindowedTriggerReporter reporter)
    {
        Counter = new DistinctCounter<Activity>(count, window, options);
        _field = new FieldText(field);
        _reporter = reporter;
    }

    public DistinctCounter<Activity> Counter { get; }

    /// <summary>Counts an activity; returns the detection it completed, or <see langword="null"/>.</summary>
    public Detection? Observe(Activity activity)
    {
        Span<char> buffer = stackalloc char[FieldText.BufferLength];
        if (!_field.TryRead(activity, buffer, out var value))
        {
            return null;
        }

        var key = _reporter.ScopeKey(activity);
        var outcome = Counter.Add(key, activity.Time, value, activity);
        if (outcome != WindowTriggerOutcome.Detected)
        {
            _reporter.Outcome(outcome, activity, key, Counter.Window, Counter.Options, Counter.Watermark);
            return null;
        }

        var hit = Counter.LastDetection;
        return new Detection(activity.Time, activity, hit.Items.ToArray(), hit.HitCount, key)
        {
            PolicyId = _reporter.PolicyId,
            Reason = new DistinctValues(hit.HitCount, hit.Values.ToArray()),
        };
    }
}
