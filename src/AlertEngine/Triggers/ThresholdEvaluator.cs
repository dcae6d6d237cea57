using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>
/// A threshold trigger over activities: reads the scope key, counts with a <see cref="SlidingWindowCounter{TItem}"/>,
/// turns its outcomes into detections and diagnostics. Shared by the engine's detector and the Rx operator.
/// Single-threaded.
/// </summary>
/// <remarks>
/// The window keeps each activity in an <see cref="ActivityArena"/>: as the instance (by default), or, with
/// <c>records</c>, as a record of its bytes with no reference (see the arena for why): a detection then carries the
/// activity that completed it (the instance observed) and the kept ones made again from their records, equal to the
/// observed ones in every field a checkpoint keeps (as after a checkpoint restore).
/// </remarks>
internal sealed class ThresholdEvaluator : IKeptItemRelease<KeptActivity>
{
    private readonly Func<Activity, string?> _scope;
    private readonly string _scopeName;
    private readonly string? _policyId;
    private readonly Action<EngineDiagnostic>? _report;
    private readonly ILogger? _logger;

    // Whether the counter keeps items (N > 1 and a cap above zero): otherwise no activity is stored.
    private readonly bool _keeps;

    public ThresholdEvaluator(
        int threshold,
        TimeSpan window,
        Func<Activity, string?> scope,
        string scopeName,
        SlidingWindowCounterOptions options,
        string? policyId,
        Action<EngineDiagnostic>? report,
        ILogger? logger,
        bool records = false)
    {
        Arena = new ActivityArena(records);
        Counter = new SlidingWindowCounter<KeptActivity>(threshold, window, options) { ItemRelease = this };
        _keeps = Math.Min(threshold - 1, options.MaxItemsPerDetection) > 0;
        _scope = scope;
        _scopeName = scopeName;
        _policyId = policyId;
        _report = report;
        _logger = logger;
    }

    public SlidingWindowCounter<KeptActivity> Counter { get; }

    /// <summary>The kept activities' records.</summary>
    public ActivityArena Arena { get; }

    /// <inheritdoc />
    void IKeptItemRelease<KeptActivity>.Release(KeptActivity item) => Arena.Free(item);

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

        // Stored before it is counted (the counter decides whether it keeps it; it releases what it does not keep).
        var kept = _keeps ? Arena.Add(activity) : KeptActivity.None;
        var outcome = Counter.Add(key, activity.Time, kept);
        if (outcome is not (SlidingWindowOutcome.Counted or SlidingWindowOutcome.Detected))
        {
            Arena.Free(kept);
        }

        switch (outcome)
        {
            case SlidingWindowOutcome.Counted:
                return null;
            case SlidingWindowOutcome.Detected:
                var hit = Counter.LastDetection;
                return new Detection(activity.Time, activity, Activities(hit.Items, kept, activity), hit.HitCount, key) { PolicyId = _policyId };
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

    /// <summary>A detection's activities: the observed one as itself, the kept ones made again; their records are
    /// freed (a detection's items are the caller's).</summary>
    private Activity[] Activities(ReadOnlySpan<KeptActivity> items, KeptActivity observed, Activity activity)
    {
        // The observed activity is among them unless it is older than all they carry (then the counter released it).
        var activities = new Activity[items.Length];
        var i = 0;
        try
        {
            for (; i < items.Length; i++)
            {
                activities[i] = items[i].Equals(observed) ? activity : Arena.Materialize(items[i]);
                Arena.Free(items[i]);
            }
        }
        catch
        {
            // A record that cannot be made again (a bug, not user input) still leaves the arena, and so do the rest.
            for (; i < items.Length; i++)
            {
                Arena.Free(items[i]);
            }

            throw;
        }

        return activities;
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
