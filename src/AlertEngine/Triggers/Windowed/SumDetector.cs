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
    public void Pass(Activity activity) => _evaluator.Sum.AdvanceTo(activity.Time.UtcTicks);

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }

    /// <summary>Detector-wide: the watermark; per key: its newest slot, running total, slot subtotals and kept activities.</summary>
    public void WriteState(CheckpointWriter writer)
    {
        var sum = _evaluator.Sum;
        writer.Write(sum.Clock.Watermark);
        var keys = sum.Export();
        WindowedDetectors.RemoveIdle(keys, static k => k.NewestSlot, sum.Clock);
        writer.BeginKeys(keys.Count);
        foreach (var key in keys)
        {
            writer.BeginKey(key.Key);
            writer.Write(key.NewestSlot);
            writer.Write(key.Total);
            writer.Write(key.Slots.Length);
            foreach (var (slot, subtotal, n) in key.Slots)
            {
                writer.Write(slot);
                writer.Write(subtotal);
                writer.Write(n);
            }

            WindowedDetectors.WriteItems(writer, key.Items);

            writer.EndKey();
        }
    }

    /// <inheritdoc />
    public void ReadState(CheckpointReader reader)
    {
        var sum = _evaluator.Sum;
        sum.RestoreWatermark(reader.ReadInt64());
        var count = reader.BeginKeys();
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            var newest = reader.ReadInt64();
            var total = reader.ReadDouble();
            var slots = new (long, double, int)[reader.ReadCount(20)];
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = (reader.ReadInt64(), reader.ReadDouble(), reader.ReadInt32());
            }

            var items = WindowedDetectors.ReadItems(reader);
            reader.EndKey();
            sum.RestoreKey(new SumKeyView<Activity>(key, newest, total, slots, items));
        }
    }
}
