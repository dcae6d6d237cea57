using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>
/// A threshold trigger over activities: reads the scope key, counts with a <see cref="SlidingWindowCounter{TItem}"/>,
/// turns its outcomes into detections and diagnostics. Shared by the engine's detector and the Rx operator.
/// Single-threaded.
/// </summary>
internal sealed class ThresholdEvaluator
{
    private readonly Func<Activity, string?> _scope;
    private readonly string _scopeName;
    private readonly string? _policyId;
    private readonly Action<EngineDiagnostic>? _report;
    private readonly ILogger? _logger;

    public ThresholdEvaluator(
        int threshold,
        TimeSpan window,
        Func<Activity, string?> scope,
        string scopeName,
        SlidingWindowCounterOptions options,
        string? policyId,
        Action<EngineDiagnostic>? report,
        ILogger? logger)
    {
        Counter = new SlidingWindowCounter<Activity>(threshold, window, options);
        _scope = scope;
        _scopeName = scopeName;
        _policyId = policyId;
        _report = report;
        _logger = logger;
    }

    public SlidingWindowCounter<Activity> Counter { get; }

    /// <summary>
    /// Whether <paramref name="activity"/>, just observed without completing a detection, is the first one counted for
    /// its scope key in the current window (the key's count is 1): the moment for an early warning.
    /// </summary>
    public bool IsFirstMatch(Activity activity, out string key)
    {
        key = _scope(activity) ?? string.Empty;
        return Counter.GetCount(key) == 1;
    }

    /// <summary>Counts an activity; returns the detection it completed, or <see langword="null"/>.</summary>
    /// <remarks>Exceptions thrown by the scope reader or the report callback propagate.</remarks>
    public Detection? Observe(Activity activity)
    {
        var key = _scope(activity);
        if (key is null)
        {
            key = string.Empty;
            Report(DiagnosticKind.MissingScopeKey, activity, string.Create(
                CultureInfo.InvariantCulture,
                $"activity {activity.Id} has no value for scope '{_scopeName}'; counted under the key \"\"."));
        }

        switch (Counter.Add(key, activity.Time, activity))
        {
            case SlidingWindowOutcome.Counted:
                return null;
            case SlidingWindowOutcome.Detected:
                var hit = Counter.LastDetection;
                return new Detection(activity.Time, activity, hit.Items.ToArray(), hit.HitCount, key) { PolicyId = _policyId };
            case SlidingWindowOutcome.Late:
                Report(DiagnosticKind.Late, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"activity {activity.Id} at {activity.Time:O} is more than the allowed lateness ({Counter.AllowedLateness}) behind the newest time seen ({Counter.Watermark:O}); not counted."));
                return null;
            case SlidingWindowOutcome.OutOfWindow:
                Report(DiagnosticKind.Late, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"activity {activity.Id} at {activity.Time:O} is already outside the {Counter.Window} window of scope key '{key}'; not counted."));
                return null;
            default:
                Report(DiagnosticKind.KeyCapExceeded, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"the cap of {Counter.MaxTrackedKeys} tracked scope keys is reached; activity {activity.Id} for the new key '{key}' was not counted."));
                return null;
        }
    }

    private void Report(DiagnosticKind kind, Activity activity, string message)
    {
        _report?.Invoke(new EngineDiagnostic(kind, activity.Id, _policyId, message));
        if (_logger is not null)
        {
            var text = _policyId is null ? message : "policy " + _policyId + ": " + message;
            if (kind == DiagnosticKind.MissingScopeKey)
            {
                ThresholdLog.MissingScopeKey(_logger, text);
            }
            else
            {
                ThresholdLog.NotCounted(_logger, text);
            }
        }
    }
}
