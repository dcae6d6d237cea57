namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with an <see cref="AbsenceTrigger"/> (see <see cref="SilenceTracker{TItem}"/> for
/// the exact rules). Matching activities re-arm their key's silence; the engine's clock fires them through
/// <see cref="AdvanceClock"/>, before the activity that moved the clock is evaluated. Detections have
/// <see cref="Detection.Time"/> = last activity time + window and carry the last activity. Uses
/// <see cref="AlertEngineOptions.MaxTrackedKeysPerPolicy"/> as the key cap; scope keys compare case-insensitively.
/// Single-threaded.
/// </summary>
internal sealed class AbsenceDetector : IClockDrivenDetector
{
    private readonly AbsenceEvaluator _evaluator;

    public AbsenceDetector(AlertPolicy policy, AbsenceTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trigger.Scope, nameof(trigger));
        _evaluator = new AbsenceEvaluator(
            trigger.Window,
            ScopeKeys.Reader(trigger.Scope),
            trigger.Scope.ToString(),
            new SilenceTrackerOptions { MaxTrackedKeys = options.MaxTrackedKeysPerPolicy },
            policy.Id,
            report);
    }

    /// <summary>The tracker (for tests and state inspection).</summary>
    internal SilenceTracker<Activity> Tracker => _evaluator.Tracker;

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        _evaluator.Observe(activity);
        return null;
    }

    /// <inheritdoc />
    public void AdvanceClock(DateTimeOffset now, List<Detection> fired)
    {
        ArgumentNullException.ThrowIfNull(fired);
        _evaluator.Fire(now, fired);
    }
}
