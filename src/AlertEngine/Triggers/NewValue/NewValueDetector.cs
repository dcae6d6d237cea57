namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with a <see cref="NewValueTrigger"/> (see <see cref="NewValueTracker"/> for the
/// exact rules). Uses <see cref="AlertEngineOptions.MaxTrackedKeysPerPolicy"/> as the key cap and
/// <see cref="AlertEngineOptions.MaxValuesPerKey"/> as the cap on values per key; scope keys and values compare case-insensitively. Single-threaded.
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
            new NewValueTrackerOptions { MaxTrackedKeys = options.MaxTrackedKeysPerPolicy, MaxValuesPerKey = options.MaxValuesPerKey },
            policy.Id,
            report);
    }

    /// <summary>The tracker (for tests and state inspection).</summary>
    internal NewValueTracker Tracker => _evaluator.Tracker;

    /// <inheritdoc />
    /// <inheritdoc />
    public void Pass(Activity activity) => Tracker.AdvanceTo(activity.Time.UtcTicks);

    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }

    /// <summary>No detector-wide fields; one keyed record per tracked key: its first-seen time, then its remembered
    /// values with their newest times, least recently seen first.</summary>
    public void WriteState(CheckpointWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.BeginKeys(Tracker.TrackedKeys);
        foreach (var (key, firstSeen, values) in Tracker.ExportKeys())
        {
            writer.BeginKey(key);
            writer.WriteTime(new DateTimeOffset(firstSeen, TimeSpan.Zero));
            writer.Write(values.Length);
            foreach (var (value, ticks) in values)
            {
                writer.Write(value);
                writer.WriteTime(new DateTimeOffset(ticks, TimeSpan.Zero));
            }

            writer.EndKey();
        }
    }

    /// <inheritdoc />
    public void ReadState(CheckpointReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var count = reader.BeginKeys();
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            var firstSeen = reader.ReadTime().UtcTicks;
            var values = new (string Value, long Ticks)[reader.ReadCount(9)];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = (reader.ReadString(), reader.ReadTime().UtcTicks);
            }

            reader.EndKey();
            Tracker.ImportKey(key, firstSeen, values);
        }
    }
}
