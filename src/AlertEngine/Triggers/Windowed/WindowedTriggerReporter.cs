using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>
/// Reads the scope key of an activity and reports what a windowed trigger did not count normally (missing scope key,
/// late, out of window, key cap, non-numeric value, value cap) to the diagnostics callback and the logger. Shared by the
/// distinct-count, sum and spike evaluators. Single-threaded.
/// </summary>
internal sealed class WindowedTriggerReporter(
    string trigger,
    Func<Activity, string?> scope,
    string scopeName,
    string? policyId,
    Action<EngineDiagnostic>? report,
    ILogger? logger)
{
    public string? PolicyId => policyId;

    /// <summary>The scope key; a missing one is reported and counted under <c>""</c>.</summary>
    public string ScopeKey(Activity activity)
    {
        var key = scope(activity);
        if (key is not null)
        {
            return key;
        }

        Report(DiagnosticKind.MissingScopeKey, activity, string.Create(
            CultureInfo.InvariantCulture,
            $"activity {activity.Id} has no value for scope '{scopeName}'; counted under the key \"\"."));
        return string.Empty;
    }

    /// <summary>Reports an outcome that is neither counted nor detected (nothing for those).</summary>
    public void Outcome(WindowTriggerOutcome outcome, Activity activity, string key, TimeSpan window, WindowedTriggerOptions options, DateTimeOffset? watermark)
    {
        switch (outcome)
        {
            case WindowTriggerOutcome.Late:
                Report(DiagnosticKind.Late, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"activity {activity.Id} at {activity.Time:O} is more than the allowed lateness ({options.AllowedLateness}) behind the newest time seen ({watermark:O}); not counted."));
                break;
            case WindowTriggerOutcome.OutOfWindow:
                Report(DiagnosticKind.Late, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"activity {activity.Id} at {activity.Time:O} is already outside the {window} window of scope key '{key}'; not counted."));
                break;
            case WindowTriggerOutcome.KeyCapExceeded:
                Report(DiagnosticKind.KeyCapExceeded, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"the cap of {options.MaxTrackedKeys} tracked scope keys is reached; activity {activity.Id} for the new key '{key}' was not counted."));
                break;
            case WindowTriggerOutcome.ValueCapExceeded:
                Report(DiagnosticKind.ValueCapExceeded, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"scope key '{key}' reached the cap of {options.MaxValuesPerKey} distinct values; its least recently seen value was forgotten to count activity {activity.Id}."));
                break;
        }
    }

    /// <summary>Reports a diagnostic.</summary>
    public void Report(DiagnosticKind kind, Activity activity, string message)
    {
        report?.Invoke(new EngineDiagnostic(kind, activity.Id, policyId, message));
        if (logger is not null)
        {
            var text = policyId is null ? message : "policy " + policyId + ": " + message;
            if (kind == DiagnosticKind.MissingScopeKey)
            {
                WindowedTriggerLog.MissingScopeKey(logger, trigger, text);
            }
            else
            {
                WindowedTriggerLog.NotCounted(logger, trigger, text);
            }
        }
    }
}
