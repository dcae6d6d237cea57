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
    /// <inheritdoc />
    public void Pass(Activity activity) => _evaluator.Counter.AdvanceTo(activity.Time.UtcTicks);

    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }

    /// <summary>Detector-wide: the watermark; per key: its newest slot and its remembered values, each with the time and
    /// the activity of its most recent activity, in time order (equal times in arrival order).</summary>
    public void WriteState(CheckpointWriter writer)
    {
        var counter = _evaluator.Counter;
        writer.Write(counter.Clock.Watermark);
        var keys = counter.Export();
        WindowedDetectors.RemoveIdle(keys, static k => k.NewestSlot, counter.Clock);
        writer.BeginKeys(keys.Count);
        foreach (var (key, newest, entries) in keys)
        {
            writer.BeginKey(key);
            writer.Write(newest);
            writer.Write(entries.Length);
            foreach (var e in entries)
            {
                writer.Write(e.Value);
                writer.Write(e.Time);
                writer.WriteActivity(e.Item);
            }

            writer.EndKey();
        }
    }

    /// <inheritdoc />
    public void ReadState(CheckpointReader reader)
    {
        var counter = _evaluator.Counter;
        counter.RestoreWatermark(reader.ReadInt64());
        var count = reader.BeginKeys();
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            var newest = reader.ReadInt64();
            var entries = new DistinctEntryView<Activity>[reader.ReadCount(30)];
            for (var i = 0; i < entries.Length; i++)
            {
                entries[i] = new DistinctEntryView<Activity>(reader.ReadString(), reader.ReadInt64(), reader.ReadActivity());
            }

            reader.EndKey();
            counter.RestoreKey(key, newest, entries);
        }
    }
}
