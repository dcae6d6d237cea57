using System.Globalization;

namespace AlertEngine;

/// <summary>
/// A sum trigger over activities: reads the field as a number and the scope key, adds with a
/// <see cref="SlidingWindowSum{TItem}"/>, turns its outcomes into detections (with <see cref="SumTotal"/>) and
/// diagnostics. An activity without a value for the field is not counted; one whose value is not a finite
/// invariant-culture number is not counted and is reported (<see cref="DiagnosticKind.NonNumericValue"/>). Shared by the
/// engine's detector and the <c>SlidingSum</c> operator. Single-threaded.
/// </summary>
internal sealed class SumEvaluator
{
    private readonly FieldText _field;
    private readonly WindowedTriggerReporter _reporter;

    public SumEvaluator(double threshold, TimeSpan window, string field, WindowedTriggerOptions options, WindowedTriggerReporter reporter)
    {
        Sum = new SlidingWindowSum<Activity>(threshold, window, options);
        _field = new FieldText(field);
        _reporter = reporter;
    }

    public SlidingWindowSum<Activity> Sum { get; }

    /// <summary>Adds an activity's value; returns the detection it completed, or <see langword="null"/>.</summary>
    public Detection? Observe(Activity activity)
    {
        Span<char> buffer = stackalloc char[FieldText.BufferLength];
        if (!_field.TryRead(activity, buffer, out var text))
        {
            return null;
        }

        if (!FieldText.TryParseNumber(text, out var value))
        {
            _reporter.Report(DiagnosticKind.NonNumericValue, activity, string.Create(
                CultureInfo.InvariantCulture,
                $"activity {activity.Id} has the value '{text}' for field '{_field.Name}', not a finite invariant-culture number; not counted."));
            return null;
        }

        var key = _reporter.ScopeKey(activity);
        var outcome = Sum.Add(key, activity.Time, value, activity);
        if (outcome != WindowTriggerOutcome.Detected)
        {
            _reporter.Outcome(outcome, activity, key, Sum.Window, Sum.Options, Sum.Watermark);
            return null;
        }

        var hit = Sum.LastDetection;
        return new Detection(activity.Time, activity, hit.Items.ToArray(), hit.HitCount, key)
        {
            PolicyId = _reporter.PolicyId,
            Reason = new SumTotal(hit.Total),
        };
    }
}
