using System.Collections.Frozen;

namespace AlertEngine;

// The engine checkpoint: everything that decides later alerts, saved to and restored from a stream.
public sealed partial class AlertPipeline
{
    private int _lastCheckpointBytes; // the buffer size the next checkpoint starts with

    /// <summary>
    /// Writes one checkpoint of everything that decides later alerts: the duplicate filter, the event-time clock
    /// (watermark), every policy's trigger state per scope key with its kept activities, every policy's open
    /// aggregation alert, and the statistics. A pipeline restored from it with <see cref="RestoreCheckpoint"/> and fed
    /// the activities that came after produces exactly the alert changes (ids, hit counts, activity lists, users, times)
    /// this pipeline would have produced; activities re-delivered from before the checkpoint are recognised as
    /// duplicates within <see cref="AlertEngineOptions.DuplicateHorizon"/>.
    /// </summary>
    /// <remarks>
    /// The format is versioned binary with a header and a checksum (docs/restart-safety.md). Thread-safe: the state is
    /// serialised under the pipeline's lock, between two activities (processing waits meanwhile: O(state)); the
    /// stream is written after the lock is released.
    /// </remarks>
    /// <param name="stream">A writable stream (left open).</param>
    /// <exception cref="ObjectDisposedException">The pipeline is disposed.</exception>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new CheckpointWriter(Volatile.Read(ref _lastCheckpointBytes));
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WriteCheckpoint(writer);
        }

        var payload = writer.Written;
        Volatile.Write(ref _lastCheckpointBytes, payload.Length + (payload.Length / 8));
        CheckpointFormat.Write(stream, payload);
    }

    /// <summary>
    /// Replaces the pipeline's whole state with a checkpoint written by <see cref="SaveCheckpoint"/>. Each saved
    /// policy's state goes to the current policy with the same id: its trigger state when its operations, conditions
    /// and trigger are unchanged, its open alert when its alerting fields (name, description, severity, category,
    /// aggregation) are unchanged too, as <see cref="UpdatePolicies"/> decides; everything else starts empty and is
    /// listed in the result with the reason, and so are current policies the checkpoint does not know (they start empty).
    /// </summary>
    /// <remarks>The whole input is read and checked, and every policy's state rebuilt, before anything changes: a
    /// corrupt, truncated or foreign stream leaves the pipeline as it was. Thread-safe.</remarks>
    /// <param name="stream">A readable stream positioned at the checkpoint (left open); it need not seek.</param>
    /// <returns>The policies whose state was restored and the ones that start empty, with reasons.</returns>
    /// <exception cref="InvalidDataException">The data is not an engine checkpoint of a supported version, or is truncated or corrupt.</exception>
    /// <exception cref="ObjectDisposedException">The pipeline is disposed.</exception>
    public CheckpointRestoreResult RestoreCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        var payload = CheckpointFormat.Read(stream);
        var saved = ParseCheckpoint(payload);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ApplyCheckpoint(saved);
        }
    }

    /// <summary>The watermark and the statistics counters, in the checkpoint's order (also the coordinator's counters
    /// record, <see cref="WriteCoordinatorCounters"/>).</summary>
    private void WriteClockAndStatistics(CheckpointWriter writer)
    {
        writer.Write(_watermarkTicks);
        writer.Write(_processed);
        writer.Write(_duplicateCount);
        writer.Write(_lateCount);
        writer.Write(_detections);
        writer.Write(_created);
        writer.Write(_updated);
        writer.Write(_errors);
        writer.Write(_diagnosticCount);
        writer.Write(_futureCount);
        writer.Write(_observerErrors);
    }

    private void WriteCheckpoint(CheckpointWriter writer)
    {
        WriteClockAndStatistics(writer);
        writer.BeginBlock();
        if (PartitionedState is { } partitioned)
        {
            partitioned.WriteDuplicates(writer, _filterClockTicks);
        }
        else
        {
            _duplicates.WriteState(writer);
        }

        writer.EndBlock();

        var runtimes = new PolicyRuntime[_byId.Count];
        _byId.Values.CopyTo(runtimes, 0);
        Array.Sort(runtimes, static (a, b) => string.CompareOrdinal(a.Policy.Id, b.Policy.Id));
        writer.Write(runtimes.Length);
        foreach (var runtime in runtimes)
        {
            writer.Write(runtime.Policy.Id);
            writer.Write(runtime.ExtendedJson());
            writer.BeginBlock();
            runtime.Aggregator.WriteState(writer);
            writer.EndBlock();
            writer.BeginBlock();
            if (PartitionedState is { } state)
            {
                state.WriteDetector(PolicyIndex(runtime.Policy.Id), writer);
            }
            else
            {
                runtime.Detector.WriteState(writer);
            }

            writer.CheckComplete(openBlocks: 1);
            writer.EndBlock();
        }
    }

    /// <summary>Reads a verified payload into state objects that fit the current policies (outside the lock: the
    /// detectors are fresh ones nobody else sees).</summary>
    private SavedCheckpoint ParseCheckpoint(ReadOnlyMemory<byte> payload)
    {
        var reader = new CheckpointReader(payload);
        var engine = new long[11];
        for (var i = 0; i < engine.Length; i++)
        {
            engine[i] = reader.ReadInt64();
        }

        for (var i = 1; i < engine.Length; i++)
        {
            if (engine[i] < 0)
            {
                throw CheckpointReader.Corrupt("a statistic is negative");
            }
        }

        var duplicates = new DuplicateFilter(Options.DuplicateHorizon);
        var duplicateReader = new CheckpointReader(reader.ReadBlock());
        duplicates.ReadState(duplicateReader);
        duplicateReader.ExpectEnd("the duplicate filter");

        Dictionary<string, PolicyRuntime> current;
        lock (_gate)
        {
            current = new Dictionary<string, PolicyRuntime>(_byId, StringComparer.Ordinal);
        }

        var count = reader.ReadCount(4);
        var detectors = new Dictionary<string, IPolicyDetector>(StringComparer.Ordinal);
        var aggregators = new Dictionary<string, AlertAggregator>(StringComparer.Ordinal);
        var restored = new List<string>();
        var skipped = new List<ValidationError>();
        string? previousId = null;
        var inCheckpoint = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadString();
            inCheckpoint.Add(id);
            if (previousId is not null && string.CompareOrdinal(previousId, id) >= 0)
            {
                throw CheckpointReader.Corrupt("policies are not in id order, or one appears twice");
            }

            previousId = id;
            var loaded = PolicySerializer.LoadExtended(reader.ReadString());
            if (!loaded.IsValid || loaded.Value.Count != 1 || loaded.Value[0].Id != id)
            {
                throw CheckpointReader.Corrupt($"the record of policy '{id}' does not hold that policy");
            }

            var savedPolicy = loaded.Value[0];
            var aggregatorBlock = reader.ReadBlock();
            var detectorBlock = reader.ReadBlock();
            if (!current.TryGetValue(id, out var runtime))
            {
                skipped.Add(new(id, "no policy has this id any more; its state was dropped"));
                continue;
            }

            if (!PolicyEquality.SameDetection(savedPolicy, runtime.Policy))
            {
                skipped.Add(new(id, "the policy's operations, conditions or trigger changed since the checkpoint; it starts from empty state"));
                continue;
            }

            var detector = CreateDetector(runtime.Policy);
            var detectorReader = new CheckpointReader(detectorBlock);
            try
            {
                detector.ReadState(detectorReader);
            }
            catch (ArgumentException e)
            {
                skipped.Add(new(id, "the saved trigger state does not fit the current options (" + e.Message + "); it starts from empty state"));
                continue;
            }

            detectorReader.ExpectEnd($"the trigger state of policy '{id}'");
            detectors.Add(id, detector);
            if (!PolicyEquality.SameAlerting(savedPolicy, runtime.Policy, Options.Plan))
            {
                skipped.Add(new(id, "the policy's name, description, severity, category or aggregation changed; its trigger state was restored, its next detection opens a new alert"));
                continue;
            }

            var aggregator = NewAggregator(runtime.Policy);
            var aggregatorReader = new CheckpointReader(aggregatorBlock);
            aggregator.ReadState(aggregatorReader);
            aggregatorReader.ExpectEnd($"the open alert of policy '{id}'");
            aggregators.Add(id, aggregator);
            restored.Add(id);
        }

        reader.ExpectEnd("the last policy");
        var added = new List<string>();
        foreach (var id in current.Keys)
        {
            if (!inCheckpoint.Contains(id))
            {
                added.Add(id);
            }
        }

        added.Sort(StringComparer.Ordinal);
        foreach (var id in added)
        {
            skipped.Add(new(id, "the policy is not in the checkpoint (added since); it starts from empty state"));
        }

        return new SavedCheckpoint(engine, duplicates, current, detectors, aggregators, restored, skipped);
    }

    private CheckpointRestoreResult ApplyCheckpoint(SavedCheckpoint saved)
    {
        // The policy set may have been updated between parsing and now: only apply to the same runtimes.
        foreach (var (id, runtime) in saved.Runtimes)
        {
            if (!_byId.TryGetValue(id, out var now) || !ReferenceEquals(now, runtime))
            {
                throw new InvalidOperationException("The policy set changed while the checkpoint was being restored; restore again.");
            }
        }

        if (saved.Runtimes.Count != _byId.Count)
        {
            throw new InvalidOperationException("The policy set changed while the checkpoint was being restored; restore again.");
        }

        var runtimes = new PolicyRuntime[Policies.Count];
        for (var i = 0; i < runtimes.Length; i++)
        {
            var policy = Policies[i];
            var old = _byId[policy.Id];
            runtimes[i] = old with
            {
                Detector = saved.Detectors.TryGetValue(policy.Id, out var detector) ? detector : CreateDetector(policy),
                Aggregator = saved.Aggregators.TryGetValue(policy.Id, out var aggregator) ? aggregator : NewAggregator(policy),
            };
        }

        _byId.Clear();
        foreach (var runtime in runtimes)
        {
            _byId.Add(runtime.Policy.Id, runtime);
        }

        _byOperation = NewLookup(runtimes);
        _clockDriven = ClockDriven(runtimes);
        var e = saved.Engine;
        _watermarkTicks = e[0];
        _processed = e[1];
        _duplicateCount = e[2];
        _lateCount = e[3];
        _detections = e[4];
        _created = e[5];
        _updated = e[6];
        _errors = e[7];
        _diagnosticCount = e[8];
        _futureCount = e[9];
        _observerErrors = e[10];
        _duplicates = saved.Duplicates;
        return new CheckpointRestoreResult(saved.Restored, saved.Skipped);
    }

    private sealed record SavedCheckpoint(
        long[] Engine,
        DuplicateFilter Duplicates,
        Dictionary<string, PolicyRuntime> Runtimes,
        Dictionary<string, IPolicyDetector> Detectors,
        Dictionary<string, AlertAggregator> Aggregators,
        List<string> Restored,
        List<ValidationError> Skipped);
}

/// <summary>What <see cref="AlertPipeline.RestoreCheckpoint"/> did.</summary>
/// <param name="Restored">The ids of the policies whose whole state (trigger and open alert) was restored.</param>
/// <param name="Skipped">The policies whose state was not (or only partly) restored: saved policies that were removed
/// or changed, and current policies the checkpoint does not have. The path is the policy id, the message says why and
/// what starts empty.</param>
public sealed record CheckpointRestoreResult(IReadOnlyList<string> Restored, IReadOnlyList<ValidationError> Skipped);
