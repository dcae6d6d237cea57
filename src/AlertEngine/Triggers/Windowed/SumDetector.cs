namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with a <see cref="SumTrigger"/> (see <see cref="SlidingWindowSum{TItem}"/> for
/// the exact rules), with the engine's resolution, lateness, key cap and activity cap; scope keys compare
/// case-insensitively; non-numeric values are reported. Single-threaded.
/// </summary>
internal sealed class SumDetector : IPolicyDetector
{
    private readonly SumEvaluator _evaluator;

    public SumDetector(AlertPolicy policy, SumTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trigger.Scope, nameof(trigger));
        _evaluator = new SumEvaluator(
            trigger.Threshold,
            trigger.Window,
            trigger.Field,
            WindowedDetectors.CoreOptions(options),
            WindowedDetectors.Reporter("Sum", policy, trigger.Scope, report));
    }

    /// <summary>The core (for tests and state inspection).</summary>
    internal SlidingWindowSum<Activity> Sum => _evaluator.Sum;

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }
}
