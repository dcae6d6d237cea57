namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with a <see cref="SpikeTrigger"/> (see <see cref="SpikeCounter{TItem}"/> for the
/// exact rules), with the engine's resolution, lateness, key cap and activity cap; scope keys compare
/// case-insensitively. Single-threaded.
/// </summary>
internal sealed class SpikeDetector : IPolicyDetector
{
    private readonly SpikeEvaluator _evaluator;

    public SpikeDetector(AlertPolicy policy, SpikeTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trigger.Scope, nameof(trigger));
        _evaluator = new SpikeEvaluator(
            trigger.Ratio,
            trigger.Window,
            trigger.MinCount,
            trigger.MinReference,
            WindowedDetectors.CoreOptions(options),
            WindowedDetectors.Reporter("Spike", policy, trigger.Scope, report));
    }

    /// <summary>The core (for tests and state inspection).</summary>
    internal SpikeCounter<Activity> Counter => _evaluator.Counter;

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }
}
