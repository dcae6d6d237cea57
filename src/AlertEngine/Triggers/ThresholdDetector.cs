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

    // A kept activity's record is its checkpoint encoding: written by copying the bytes, read by storing the activity.
    private readonly Action<CheckpointWriter, KeptActivity> _writeItem;
    private readonly Func<CheckpointReader, KeptActivity> _readItem;

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
            logger: null,
            options.KeepActivityRecords);
        _writeItem = (w, kept) => _evaluator.Arena.WriteTo(w, kept);
        _readItem = r => _evaluator.Arena.Add(r.ReadActivity());
    }

    /// <summary>The counter (for tests and state inspection).</summary>
    internal SlidingWindowCounter<KeptActivity> Counter => _evaluator.Counter;

    /// <summary>The kept activities' records (for tests and benchmarks).</summary>
    internal ActivityArena Arena => _evaluator.Arena;

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
    public SlidingWindowCounterSnapshot<Activity> CreateSnapshot()
    {
        var kept = _evaluator.Counter.CreateSnapshot();
        var keys = new List<SlidingWindowKeySnapshot<Activity>>(kept.Keys.Count);
        foreach (var k in kept.Keys)
        {
            var items = new SlidingWindowItem<Activity>[k.Items.Count];
            for (var i = 0; i < items.Length; i++)
            {
                items[i] = new SlidingWindowItem<Activity>(k.Items[i].Time, Arena.Materialize(k.Items[i].Item));
            }

            keys.Add(new SlidingWindowKeySnapshot<Activity>(k.Key, k.Newest, k.Slots, items));
        }

        return new SlidingWindowCounterSnapshot<Activity>(kept.Threshold, kept.Window, kept.Resolution, kept.Watermark, keys);
    }

    /// <summary>Replaces the trigger state with a snapshot of the same policy trigger.</summary>
    /// <exception cref="ArgumentException">The snapshot does not fit the trigger.</exception>
    public void Restore(SlidingWindowCounterSnapshot<Activity> snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(snapshot.Keys, nameof(snapshot));
        var stored = new List<KeptActivity>();
        var keys = new List<SlidingWindowKeySnapshot<KeptActivity>>(snapshot.Keys.Count);
        try
        {
            foreach (var k in snapshot.Keys)
            {
                if (k?.Items is null)
                {
                    // Refused by the counter's checks, with their message.
                    keys.Add(k is null ? null! : new SlidingWindowKeySnapshot<KeptActivity>(k.Key, k.Newest, k.Slots, null!));
                    continue;
                }

                var items = new SlidingWindowItem<KeptActivity>[k.Items.Count];
                for (var i = 0; i < items.Length; i++)
                {
                    var activity = k.Items[i].Item ?? throw new ArgumentException($"Key '{k.Key}': item {i} is null.", nameof(snapshot));
                    var record = Arena.Add(activity);
                    stored.Add(record);
                    items[i] = new SlidingWindowItem<KeptActivity>(k.Items[i].Time, record);
                }

                keys.Add(new SlidingWindowKeySnapshot<KeptActivity>(k.Key, k.Newest, k.Slots, items));
            }

            _evaluator.Counter.Restore(new SlidingWindowCounterSnapshot<KeptActivity>(
                snapshot.Threshold, snapshot.Window, snapshot.Resolution, snapshot.Watermark, keys));
        }
        catch
        {
            // The counter is unchanged when it refuses a snapshot: the records made for it go.
            foreach (var record in stored)
            {
                Arena.Free(record);
            }

            throw;
        }
    }

    /// <summary>Detector-wide: the counter's watermark; per key: its newest slot, slot counts and kept activities
    /// (written from the counter's key table directly).</summary>
    public void WriteState(CheckpointWriter writer) => _evaluator.Counter.WriteCheckpoint(writer, _writeItem);

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
        _evaluator.Counter.WriteKeysCheckpoint(writer, _writeItem, keys);

    /// <summary>Reads the state into this detector, which must be fresh (the engine discards it after an exception).
    /// An <see cref="ArgumentException"/> means the state does not fit this counter (e.g. another resolution): the
    /// engine skips the policy with that reason.</summary>
    public void ReadState(CheckpointReader reader) =>
        _evaluator.Counter.ReadCheckpoint(reader, _readItem);
}
