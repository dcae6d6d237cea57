using System.Globalization;

namespace AlertEngine;

/// <summary>
/// An absence trigger over activities: reads the scope key, feeds a <see cref="SilenceTracker{TItem}"/>, and turns fired
/// silences into detections at (last activity time + window) carrying the last activity. Shared by the engine's
/// detector and the Rx operator. Single-threaded.
/// </summary>
internal sealed class AbsenceEvaluator
{
    private readonly Func<Activity, string?> _scope;
    private readonly string _scopeName;
    private readonly string? _policyId;
    private readonly Action<EngineDiagnostic>? _report;

    public AbsenceEvaluator(
        TimeSpan window,
        Func<Activity, string?> scope,
        string scopeName,
        SilenceTrackerOptions options,
        string? policyId,
        Action<EngineDiagnostic>? report)
    {
        Tracker = new SilenceTracker<Activity>(window, options);
        _scope = scope;
        _scopeName = scopeName;
        _policyId = policyId;
        _report = report;
    }

    public SilenceTracker<Activity> Tracker { get; }

    /// <summary>Records a matching activity as its key's last one.</summary>
    /// <remarks>Exceptions thrown by the scope reader or the report callback propagate.</remarks>
    public void Observe(Activity activity)
    {
        var key = _scope(activity);
        if (key is null)
        {
            key = string.Empty;
            Report(DiagnosticKind.MissingScopeKey, activity, string.Create(
                CultureInfo.InvariantCulture,
                $"activity {activity.Id} has no value for scope '{_scopeName}'; counted under the key \"\"."));
        }

        if (Tracker.Observe(key, activity.Time, activity) == SilenceOutcome.KeyCapExceeded)
        {
            Report(DiagnosticKind.KeyCapExceeded, activity, string.Create(
                CultureInfo.InvariantCulture,
                $"the cap of {Tracker.MaxTrackedKeys} tracked scope keys is reached; activity {activity.Id} for the new key '{key}' was not recorded."));
        }
    }

    /// <summary>Appends, in firing order, a detection for every silence due at or before <paramref name="now"/>.</summary>
    public void Fire(DateTimeOffset now, List<Detection> fired, List<long>? arrivals = null)
    {
        while (Tracker.TryFireNumbered(now, out var silence, out var sequence))
        {
            arrivals?.Add(sequence);
            fired.Add(new Detection(silence.Due, silence.Item, [silence.Item], 1, silence.Key)
            {
                PolicyId = _policyId,
                Reason = new SilenceObserved(Tracker.Window, silence.LastTime),
            });
        }
    }

    private void Report(DiagnosticKind kind, Activity activity, string message) =>
        _report?.Invoke(new EngineDiagnostic(kind, activity.Id, _policyId, message));
}
