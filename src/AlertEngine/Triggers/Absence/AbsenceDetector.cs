namespace AlertEngine;

/// <summary>
/// The engine's detector for a policy with an <see cref="AbsenceTrigger"/> (see <see cref="SilenceTracker{TItem}"/> for
/// the exact rules). Matching activities re-arm their key's silence; the engine's clock fires them through
/// <see cref="AdvanceClock"/>, before the activity that moved the clock is evaluated. Detections have
/// <see cref="Detection.Time"/> = last activity time + window and carry the last activity. Uses
/// <see cref="AlertEngineOptions.MaxTrackedKeysPerPolicy"/> as the key cap; scope keys compare case-insensitively.
/// Single-threaded.
/// </summary>
internal sealed class AbsenceDetector : IClockDrivenDetector
{
    private readonly AbsenceEvaluator _evaluator;

    public AbsenceDetector(AlertPolicy policy, AbsenceTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(trigger.Scope, nameof(trigger));
        _evaluator = new AbsenceEvaluator(
            trigger.Window,
            ScopeKeys.Reader(trigger.Scope),
            trigger.Scope.ToString(),
            new SilenceTrackerOptions { MaxTrackedKeys = options.MaxTrackedKeysPerPolicy },
            policy.Id,
            report);
    }

    /// <summary>The tracker (for tests and state inspection).</summary>
    internal SilenceTracker<Activity> Tracker => _evaluator.Tracker;

    /// <summary>No detector-wide clock: the engine's clock drives <see cref="AdvanceClock"/>. The partitioned engine
    /// numbers arrivals with <see cref="AlignSequence"/> instead.</summary>
    public void Pass(Activity activity)
    {
    }

    /// <summary>Numbers the next observed activity at least <paramref name="next"/> (the partitioned engine's global
    /// arrival number).</summary>
    internal void AlignSequence(long next) => Tracker.AlignSequence(next);

    /// <summary>Like <c>AdvanceClock</c>, also appending the arrival number of each fired silence's last activity (the
    /// order of equal due times across partitions).</summary>
    internal void AdvanceClockNumbered(DateTimeOffset now, List<Detection> fired, List<long> arrivals) =>
        _evaluator.Fire(now, fired, arrivals);

    /// <inheritdoc />
    public Detection? Observe(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        _evaluator.Observe(activity);
        return null;
    }

    /// <inheritdoc />
    public void AdvanceClock(DateTimeOffset now, List<Detection> fired)
    {
        ArgumentNullException.ThrowIfNull(fired);
        _evaluator.Fire(now, fired);
    }

    /// <summary>Detector-wide: the arrival sequence of the next activity; then one keyed record per waiting key: its last
    /// time, the arrival sequence of its last activity, and that activity.</summary>
    public void WriteState(CheckpointWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Tracker.Sequence);
        writer.BeginKeys(Tracker.TrackedKeys);
        foreach (var (key, last, sequence, item) in Tracker.ExportKeys())
        {
            writer.BeginKey(key);
            writer.WriteTime(new DateTimeOffset(last, TimeSpan.Zero));
            writer.Write(sequence);
            writer.WriteActivity(item);
            writer.EndKey();
        }
    }

    /// <inheritdoc />
    public void ReadState(CheckpointReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        Tracker.ImportSequence(reader.ReadInt64());
        var count = reader.BeginKeys();
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            var last = reader.ReadTime();
            var sequence = reader.ReadInt64();
            var item = reader.ReadActivity();
            reader.EndKey();
            Tracker.ImportKey(key, last.UtcTicks, sequence, item);
        }
    }
}
