namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with a <see cref="ThresholdTrigger"/>: per scope key, a sliding window count
/// (see <see cref="SlidingWindowCounter{TItem}"/> for the exact rules). Uses the engine options'
/// <see cref="AlertEngineOptions.ThresholdResolution"/>, <see cref="AlertEngineOptions.AllowedLateness"/>,
/// <see cref="AlertEngineOptions.MaxTrackedKeysPerPolicy"/> and <see cref="AlertEngineOptions.MaxActivitiesPerAlert"/>;
/// scope keys compare case-insensitively. Single-threaded.
/// </summary>
internal sealed class ThresholdDetector : IPolicyDetector, IKeyedDetectorState
{
    private readonly ThresholdEvaluator _evaluator;

    public ThresholdDetector(AlertPolicy policy, ThresholdTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trigger.Scope, nameof(trigger));

        var counterOptions = new SlidingWindowCounterOptions
        {
            Resolution = options.ThresholdResolution,
            AllowedLateness = options.AllowedLateness,
            MaxTrackedKeys = options.MaxTrackedKeysPerPolicy,
            MaxItemsPerDetection = options.MaxActivitiesPerAlert,
            KeyComparer = StringComparer.OrdinalIgnoreCase,
        };
        _evaluator = new ThresholdEvaluator(
            trigger.Count,
            trigger.Window,
            ScopeKeys.Reader(trigger.Scope),
            trigger.Scope.ToString(),
            counterOptions,
            policy.Id,
            report,
            logger: null);
    }

    /// <summary>The counter (for tests and state inspection).</summary>
    internal SlidingWindowCounter<Activity> Counter => _evaluator.Counter;

    /// <summary>Creates the detector of a threshold policy; matches <see cref="DetectorFactory"/>.</summary>
    /// <exception cref="ArgumentException">The policy's trigger is not a threshold trigger.</exception>
    public static IPolicyDetector Create(AlertPolicy policy, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Trigger is ThresholdTrigger trigger
            ? new ThresholdDetector(policy, trigger, options, report)
            : throw new ArgumentException($"Policy '{policy.Id}' does not have a threshold trigger.", nameof(policy));
    }

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }

    /// <inheritdoc />
    public void Pass(Activity activity) => _evaluator.Counter.AdvanceTo(activity.Time);

    /// <summary>After <see cref="Observe"/> returned <see langword="null"/> for <paramref name="activity"/>: whether it was
    /// the first activity counted for its scope key in the current window.</summary>
    public bool IsFirstMatch(Activity activity, out string scopeKey) => _evaluator.IsFirstMatch(activity, out scopeKey);

    /// <summary>Captures the trigger state (counts and kept activities per scope key).</summary>
    public SlidingWindowCounterSnapshot<Activity> CreateSnapshot() => _evaluator.Counter.CreateSnapshot();

    /// <summary>Replaces the trigger state with a snapshot of the same policy trigger.</summary>
    /// <exception cref="ArgumentException">The snapshot does not fit the trigger.</exception>
    public void Restore(SlidingWindowCounterSnapshot<Activity> snapshot) => _evaluator.Counter.Restore(snapshot);

    /// <summary>Detector-wide: the counter's watermark; per key: its newest slot, slot counts and kept activities
    /// (written from the counter's key table directly).</summary>
    public void WriteState(CheckpointWriter writer) =>
        _evaluator.Counter.WriteCheckpoint(writer, static (w, activity) => w.WriteActivity(activity));

    /// <inheritdoc />
    public IEqualityComparer<string> KeyComparer => _evaluator.Counter.KeyComparer;

    /// <inheritdoc />
    public int KeyCount => _evaluator.Counter.RecordCount;

    /// <inheritdoc />
    public bool ContainsKey(string key) => _evaluator.Counter.HasRecord(key);

    /// <inheritdoc />
    public void CopyKeysTo(List<string> keys) => _evaluator.Counter.CopyRecordKeysTo(keys);

    /// <inheritdoc />
    public void WriteState(CheckpointWriter writer, IReadOnlyCollection<string> keys) =>
        _evaluator.Counter.WriteKeysCheckpoint(writer, static (w, activity) => w.WriteActivity(activity), keys);

    /// <summary>Reads the state into this detector, which must be fresh (the engine discards it after an exception).
    /// An <see cref="ArgumentException"/> means the state does not fit this counter (e.g. another resolution): the
    /// engine skips the policy with that reason.</summary>
    public void ReadState(CheckpointReader reader) =>
        _evaluator.Counter.ReadCheckpoint(reader, static r => r.ReadActivity());
}
