namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with a <see cref="TemporalTrigger"/> (see <see cref="TemporalTracker{TItem}"/> for
/// the exact rules), with the engine's lateness, key cap and activity cap; scope keys compare case-insensitively.
/// Single-threaded.
/// </summary>
internal sealed class TemporalDetector : IPolicyDetector
{
    private readonly TemporalEvaluator _evaluator;

    public TemporalDetector(AlertPolicy policy, TemporalTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trigger.Scope, nameof(trigger));
        var steps = new Func<Activity, bool>[trigger.Steps.Count];
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i] = ConditionCompiler.Compile(trigger.Steps[i]);
        }

        _evaluator = new TemporalEvaluator(
            steps,
            trigger.Ordered,
            trigger.Window,
            WindowedDetectors.CoreOptions(options),
            WindowedDetectors.Reporter("Temporal", policy, trigger.Scope, report));
    }

    /// <summary>The tracker (for tests and state inspection).</summary>
    internal TemporalTracker<Activity> Tracker => _evaluator.Tracker;

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return _evaluator.Observe(activity);
    }

    /// <inheritdoc />
    public void Pass(Activity activity) => _evaluator.Tracker.Pass(activity.Time, _evaluator.Steps(activity));

    /// <summary>Detector-wide: the clock (watermark, next sweep); per key: its newest time, its next arrival number and,
    /// per step, the number of entries of its kept chain (0: none) and the entries (time, arrival number, activity).</summary>
    public void WriteState(CheckpointWriter writer)
    {
        var tracker = _evaluator.Tracker;
        var (watermark, nextSweep) = tracker.ExportClock();
        writer.Write(watermark);
        writer.Write(nextSweep);
        var keys = tracker.Export();
        writer.BeginKeys(keys.Count);
        foreach (var (key, newest, nextSequence, chains) in keys)
        {
            writer.BeginKey(key);
            writer.Write(newest);
            writer.Write(nextSequence);
            writer.Write(chains.Length);
            foreach (var chain in chains)
            {
                writer.Write(chain is null ? 0 : chain.Length);
                foreach (var entry in chain ?? [])
                {
                    writer.Write(entry.Ticks);
                    writer.Write(entry.Sequence);
                    writer.WriteActivity(entry.Item);
                }
            }

            writer.EndKey();
        }
    }

    /// <inheritdoc />
    public void ReadState(CheckpointReader reader)
    {
        var tracker = _evaluator.Tracker;
        tracker.RestoreClock(reader.ReadInt64(), reader.ReadInt64());
        var count = reader.BeginKeys();
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            var newest = reader.ReadInt64();
            var nextSequence = reader.ReadInt64();
            var chains = new TemporalTracker<Activity>.Entry[]?[reader.ReadCount(4)];
            for (var j = 0; j < chains.Length; j++)
            {
                var length = reader.ReadCount(36);
                if (length == 0)
                {
                    continue;
                }

                var chain = new TemporalTracker<Activity>.Entry[length];
                for (var i = 0; i < length; i++)
                {
                    var ticks = reader.ReadInt64();
                    var sequence = reader.ReadInt64();
                    chain[i] = new TemporalTracker<Activity>.Entry(reader.ReadActivity(), ticks, sequence);
                }

                chains[j] = chain;
            }

            reader.EndKey();
            tracker.RestoreKey(key, newest, nextSequence, chains);
        }
    }
}
