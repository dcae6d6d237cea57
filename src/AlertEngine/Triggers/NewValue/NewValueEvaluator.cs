using System.Globalization;

namespace AlertEngine;

/// <summary>
/// A new-value trigger over activities: reads the scope key and the field's value, feeds a <see cref="NewValueTracker"/>,
/// turns its outcomes into detections and diagnostics. Shared by the engine's detector and the Rx operator.
/// Single-threaded.
/// </summary>
internal sealed class NewValueEvaluator
{
    private readonly TriggerField _field;
    private readonly Func<Activity, string?> _scope;
    private readonly string _scopeName;
    private readonly string? _policyId;
    private readonly Action<EngineDiagnostic>? _report;

    public NewValueEvaluator(
        string field,
        TimeSpan lookback,
        TimeSpan learningPeriod,
        Func<Activity, string?> scope,
        string scopeName,
        NewValueTrackerOptions options,
        string? policyId,
        Action<EngineDiagnostic>? report)
    {
        _field = new TriggerField(field);
        Tracker = new NewValueTracker(lookback, learningPeriod, options);
        _scope = scope;
        _scopeName = scopeName;
        _policyId = policyId;
        _report = report;
    }

    public NewValueTracker Tracker { get; }

    /// <summary>Observes an activity; returns the detection it fired, or <see langword="null"/>. An activity without a
    /// value for the field is not observed.</summary>
    /// <remarks>Exceptions thrown by the scope reader or the report callback propagate.</remarks>
    public Detection? Observe(Activity activity)
    {
        string? text = null;
        Span<char> buffer = stackalloc char[TriggerField.BufferLength];
        var value = _field.IsText ? (text = _field.ReadText(activity)).AsSpan() : _field.Read(activity, buffer);
        if (value.IsEmpty)
        {
            return null;
        }

        var key = _scope(activity);
        if (key is null)
        {
            key = string.Empty;
            Report(DiagnosticKind.MissingScopeKey, activity, string.Create(
                CultureInfo.InvariantCulture,
                $"activity {activity.Id} has no value for scope '{_scopeName}'; counted under the key \"\"."));
        }

        var forgotten = Tracker.ValuesForgotten;
        var outcome = text is null ? Tracker.Observe(key, activity.Time, value) : Tracker.Observe(key, activity.Time, text);
        if (Tracker.ValuesForgotten != forgotten)
        {
            Report(DiagnosticKind.ValueCapExceeded, activity, string.Create(
                CultureInfo.InvariantCulture,
                $"scope key '{key}' reached the cap of {Tracker.MaxValuesPerKey} remembered values; the value seen least recently was forgotten."));
        }

        switch (outcome)
        {
            case NewValueOutcome.New:
                return new Detection(activity.Time, activity, [activity], 1, key)
                {
                    PolicyId = _policyId,
                    Reason = new NewValueSeen(text ?? value.ToString(), Tracker.LastKeyFirstSeen),
                };
            case NewValueOutcome.KeyCapExceeded:
                Report(DiagnosticKind.KeyCapExceeded, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"the cap of {Tracker.MaxTrackedKeys} tracked scope keys is reached; activity {activity.Id} for the new key '{key}' was not recorded."));
                return null;
            default:
                return null;
        }
    }

    private void Report(DiagnosticKind kind, Activity activity, string message) =>
        _report?.Invoke(new EngineDiagnostic(kind, activity.Id, _policyId, message));
}
