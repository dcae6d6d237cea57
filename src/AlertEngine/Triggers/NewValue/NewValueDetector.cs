namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with a <see cref="NewValueTrigger"/> (see <see cref="NewValueTracker"/> for the
/// exact rules). Uses <see cref="AlertEngineOptions.MaxTrackedKeysPerPolicy"/> as the key cap and the tracker's default
/// cap on values per key; scope keys and values compare case-insensitively. Single-threaded.
/// </summary>
internal sealed class NewValueDetector : IPolicyDetector
{
    private readonly NewValueEvaluator _evaluator;

    public NewValueDetector(AlertPolicy policy, NewValueTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trigger.Scope, nameof(trigger));
        _evaluator = new NewValueEvaluator(
            trigger.Field,
            trigger.Lookback,
            trigger.LearningPeriod,
            ScopeKeys.Reader(trigger.Scope),
            trigger.Scope.ToString(),
            new NewValueTrackerOptions { MaxTrackedKeys = options.MaxTrackedKeysPerPolicy },
            policy.Id,
            report);
    }

    /// <summary>The tracker (for tests and state inspection).</summary>
    internal NewValueTracker Tracker => _evaluator.Tracker;

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }
}
