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
    public void Pass(Activity activity) => _evaluator.Counter.AdvanceTo(activity.Time.UtcTicks);

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }

    /// <summary>Detector-wide: the watermark; per key: its newest slot, quiet-until slot, slot counts over both windows and
    /// the kept activities of the current window.</summary>
    public void WriteState(CheckpointWriter writer)
    {
        var counter = _evaluator.Counter;
        writer.Write(counter.Clock.Watermark);
        var keys = counter.Export();
        WindowedDetectors.RemoveIdle(keys, static k => k.NewestSlot, counter.Clock);
        writer.BeginKeys(keys.Count);
        foreach (var key in keys)
        {
            writer.BeginKey(key.Key);
            writer.Write(key.NewestSlot);
            writer.Write(key.QuietUntil);
            writer.Write(key.Slots.Length);
            foreach (var (slot, n) in key.Slots)
            {
                writer.Write(slot);
                writer.Write(n);
            }

            WindowedDetectors.WriteItems(writer, key.Items);

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
            var quietUntil = reader.ReadInt64();
            var slots = new (long, int)[reader.ReadCount(12)];
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = (reader.ReadInt64(), reader.ReadInt32());
            }

            var items = WindowedDetectors.ReadItems(reader);
            reader.EndKey();
            counter.RestoreKey(new SpikeKeyView<Activity>(key, newest, quietUntil, slots, items));
        }
    }
}
