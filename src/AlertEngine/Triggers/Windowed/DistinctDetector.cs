namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with a <see cref="DistinctTrigger"/> (see <see cref="DistinctCounter{TItem}"/> for
/// the exact rules), with the engine's resolution, lateness, key cap and activity cap; scope keys compare
/// case-insensitively. Single-threaded.
/// </summary>
internal sealed class DistinctDetector : IPolicyDetector
{
    private readonly DistinctEvaluator _evaluator;

    public DistinctDetector(AlertPolicy policy, DistinctTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trigger.Scope, nameof(trigger));
        _evaluator = new DistinctEvaluator(
            trigger.Count,
            trigger.Window,
            trigger.Field,
            WindowedDetectors.CoreOptions(options),
            WindowedDetectors.Reporter("Distinct", policy, trigger.Scope, report));
    }

    /// <summary>The counter (for tests and state inspection).</summary>
    internal DistinctCounter<Activity> Counter => _evaluator.Counter;

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }
}
