namespace AlertEngine;

/// <content>
/// The coordinator of the partitioned engine (<see cref="PartitionedAlertPipeline"/>): the sequential phases of a
/// batch (admission, then the partitions' events applied in the single engine's order). A coordinator's own detectors
/// and duplicate filter stay empty: the partitions (<see cref="EnginePartition"/>) hold that state, and write it into
/// this pipeline's checkpoint through <see cref="PartitionedState"/>.
/// </content>
public sealed partial class AlertPipeline
{
    // The single duplicate filter's newest time (the running maximum of the times of every valid activity), which the
    // partitions' filters are given with every question.
    private long _filterClockTicks = long.MinValue;
    private PolicyRuntime[]? _runtimeAt;

    /// <summary>What the coordinator decided about an activity of a batch.</summary>
    internal enum Admission : byte
    {
        /// <summary>Evaluated by the partitions.</summary>
        Admitted,

        /// <summary>Beyond the future tolerance: invalid.</summary>
        Future,

        /// <summary>A duplicate.</summary>
        Duplicate,

        /// <summary>Late.</summary>
        Late,
    }

    /// <summary>The partitions' state, written into this coordinator's checkpoints; <see langword="null"/> for a plain pipeline.</summary>
    internal IPartitionedState? PartitionedState { get; set; }

    /// <summary>
    /// Phase 1: the future check of every activity of a batch (wall clock) and, for the others, the duplicate question
    /// for the partition of the id's digest, with the single filter's newest time at that activity.
    /// </summary>
    /// <returns>The global arrival number of the batch's first activity.</returns>
    internal long PlanBatch(ReadOnlySpan<Activity> batch, Span<Admission> admission, Span<DateTimeOffset> futureNow, List<DuplicateQuery>[] perPartition)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            PlanBatchUnlocked(batch, admission, futureNow, perPartition);
            return _processed;
        }
    }

    /// <summary><see cref="PlanBatch"/> without the lock, for a staged caller (<see cref="PartitionedAlertPipeline"/>'s
    /// staged members) that runs the phases of one batch after another's in order and never two of one phase at once:
    /// the phases of different batches then touch disjoint fields (this one the future limit and the filter's clock).</summary>
    internal void PlanBatchUnlocked(ReadOnlySpan<Activity> batch, Span<Admission> admission, Span<DateTimeOffset> futureNow, List<DuplicateQuery>[] perPartition)
    {
        var filtering = Options.DuplicateHorizon > TimeSpan.Zero;
        for (var i = 0; i < batch.Length; i++)
        {
            var activity = batch[i];
            if (IsFuture(activity, out var now))
            {
                admission[i] = Admission.Future;
                futureNow[i] = now;
                continue;
            }

            admission[i] = Admission.Admitted;
            if (!filtering)
            {
                continue;
            }

            var ticks = activity.UtcTicks;
            if (ticks > _filterClockTicks)
            {
                _filterClockTicks = ticks;
            }

            var digest = DuplicateFilter.Digest(activity.Id);
            perPartition[Partitioner.OfDigest(digest, perPartition.Length)].Add(new DuplicateQuery(i, digest, _filterClockTicks));
        }
    }

    /// <summary>
    /// Phase 3: with the partitions' duplicate answers, the lateness check and the clock: appends the admitted
    /// activities (each with whether it moved the clock) and records, for late ones, the newest time they were late against.
    /// </summary>
    internal void Admit(ReadOnlySpan<Activity> batch, Span<Admission> admission, ReadOnlySpan<bool> isDuplicate, long firstSequence, List<AdmittedActivity> admitted, Span<long> lateAgainst)
    {
        lock (_gate)
        {
            AdmitUnlocked(batch, admission, isDuplicate, firstSequence, admitted, lateAgainst);
        }
    }

    /// <summary><see cref="Admit"/> without the lock, for a staged caller (see <see cref="PlanBatchUnlocked"/>): touches
    /// only the event-time clock, which no other phase writes.</summary>
    internal void AdmitUnlocked(ReadOnlySpan<Activity> batch, Span<Admission> admission, ReadOnlySpan<bool> isDuplicate, long firstSequence, List<AdmittedActivity> admitted, Span<long> lateAgainst)
    {
        for (var i = 0; i < batch.Length; i++)
        {
            if (admission[i] != Admission.Admitted)
            {
                continue;
            }

            if (isDuplicate[i])
            {
                admission[i] = Admission.Duplicate;
                continue;
            }

            var ticks = batch[i].UtcTicks;
            if (IsLate(ticks))
            {
                admission[i] = Admission.Late;
                lateAgainst[i] = _watermarkTicks;
                continue;
            }

            var moves = ticks > _watermarkTicks;
            if (moves)
            {
                _watermarkTicks = ticks;
            }

            admitted.Add(new AdmittedActivity(firstSequence + i, batch[i], moves));
        }
    }

    /// <summary>
    /// Phase 5: counts every activity of the batch and applies, activity by activity, what the coordinator decided or
    /// the partitions produced, merged into the single engine's order: diagnostics, evaluation errors, early warnings
    /// and detections through the policies' aggregators. Returns the alert changes, in order.
    /// </summary>
    internal List<AlertChange>? ApplyBatch(
        ReadOnlySpan<Activity> batch,
        ReadOnlySpan<Admission> admission,
        ReadOnlySpan<DateTimeOffset> futureNow,
        ReadOnlySpan<long> lateAgainst,
        long firstSequence,
        ReadOnlySpan<PartitionOutput> outputs)
    {
        lock (_gate)
        {
            return ApplyBatchUnlocked(batch, admission, futureNow, lateAgainst, firstSequence, outputs);
        }
    }

    /// <summary><see cref="ApplyBatch"/> without the lock, for a staged caller (see <see cref="PlanBatchUnlocked"/>):
    /// touches the counters, the aggregators and the observables, which the other phases do not (it never reads the
    /// event-time clock, which the next batch's admission may be moving meanwhile).</summary>
    internal List<AlertChange>? ApplyBatchUnlocked(
        ReadOnlySpan<Activity> batch,
        ReadOnlySpan<Admission> admission,
        ReadOnlySpan<DateTimeOffset> futureNow,
        ReadOnlySpan<long> lateAgainst,
        long firstSequence,
        ReadOnlySpan<PartitionOutput> outputs)
    {
        var runtimes = _runtimeAt ??= RuntimesInPolicyOrder();
        Span<int> heads = outputs.Length <= 64 ? stackalloc int[outputs.Length] : new int[outputs.Length];
        heads.Clear();
        List<AlertChange>? changes = null;

        // Most activities produce no event: merge only at the activities that some partition's next event is for
        // (the smallest sequence among the partitions' next events), not at every activity.
        var nextSequence = NextEventSequence(outputs, heads);
        for (var i = 0; i < batch.Length; i++)
        {
            var activity = batch[i];
            _processed++;
            AlertEngineMetrics.Processed.Add(1);
            switch (admission[i])
            {
                case Admission.Future:
                    CountFuture(activity, futureNow[i]);
                    continue;
                case Admission.Duplicate:
                    CountDuplicate(activity);
                    continue;
                case Admission.Late:
                    CountLate(activity, lateAgainst[i]);
                    continue;
            }

            var sequence = firstSequence + i;
            if (sequence < nextSequence)
            {
                continue;
            }

            while (true)
            {
                var next = -1;
                for (var p = 0; p < outputs.Length; p++)
                {
                    var events = outputs[p].EventSpan;
                    if (heads[p] < events.Length
                        && events[heads[p]].Sequence == sequence
                        && (next < 0 || events[heads[p]].Precedes(in outputs[next].EventSpan[heads[next]])))
                    {
                        next = p;
                    }
                }

                if (next < 0)
                {
                    break;
                }

                ref readonly var e = ref outputs[next].EventSpan[heads[next]++];
                var runtime = runtimes[e.Policy];
                switch (e.Kind)
                {
                    case PartitionEventKind.Detection:
                        Emit(runtime, (Detection)e.Payload, ref changes);
                        break;
                    case PartitionEventKind.EarlyWarning:
                        _earlyWarnings.OnNext((EarlyWarning)e.Payload);
                        break;
                    case PartitionEventKind.Diagnostic:
                        Report((EngineDiagnostic)e.Payload);
                        break;
                    default:
                        EvaluationFailed(runtime, activity, (Exception)e.Payload);
                        break;
                }
            }

            nextSequence = NextEventSequence(outputs, heads);
        }

        for (var p = 0; p < outputs.Length; p++)
        {
            if (heads[p] != outputs[p].EventSpan.Length)
            {
                throw new InvalidOperationException($"Partition {p} produced events for activities outside the batch.");
            }
        }

        return changes;
    }

    /// <summary>The smallest sequence among the partitions' next events (<see cref="long.MaxValue"/> when none is left).</summary>
    private static long NextEventSequence(ReadOnlySpan<PartitionOutput> outputs, ReadOnlySpan<int> heads)
    {
        var next = long.MaxValue;
        for (var p = 0; p < outputs.Length; p++)
        {
            var events = outputs[p].EventSpan;
            if (heads[p] < events.Length && events[heads[p]].Sequence < next)
            {
                next = events[heads[p]].Sequence;
            }
        }

        return next;
    }

    /// <summary>After <see cref="RestoreCheckpoint"/> on a coordinator: hands the restored duplicate filter and
    /// detectors (in policy order) to the caller, which splits them over the partitions, and keeps empty ones.</summary>
    internal (DuplicateFilter Duplicates, IPolicyDetector[] Detectors) TakeRestoredState()
    {
        lock (_gate)
        {
            var duplicates = _duplicates;
            _filterClockTicks = duplicates.NewestTicks;
            _duplicates = new DuplicateFilter(Options.DuplicateHorizon);
            _runtimeAt = null;
            var detectors = new IPolicyDetector[Policies.Count];
            for (var i = 0; i < detectors.Length; i++)
            {
                var id = Policies[i].Id;
                var runtime = _byId[id];
                detectors[i] = runtime.Detector;
                _byId[id] = runtime with { Detector = CreateDetector(runtime.Policy) };
            }

            var runtimes = RuntimesInPolicyOrder();
            _byOperation = NewLookup(runtimes);
            _clockDriven = ClockDriven(runtimes);
            return (duplicates, detectors);
        }
    }

    /// <summary>After <see cref="RestoreCheckpoint"/> on a coordinator: splits the restored duplicate filter and every
    /// policy's trigger state over <paramref name="partitions"/> (all of the engine's, in order), replacing theirs.</summary>
    internal void SplitRestoredStateInto(IReadOnlyList<EnginePartition> partitions)
    {
        var (duplicates, detectors) = TakeRestoredState();
        var filters = new DuplicateFilter[partitions.Count];
        for (var p = 0; p < filters.Length; p++)
        {
            filters[p] = new DuplicateFilter(Options.DuplicateHorizon);
        }

        duplicates.SplitInto(filters);
        for (var p = 0; p < filters.Length; p++)
        {
            partitions[p].ReplaceDuplicates(filters[p]);
        }

        for (var i = 0; i < detectors.Length; i++)
        {
            var parts = PartitionedDetectorState.Split(detectors[i], i, partitions);
            for (var p = 0; p < parts.Length; p++)
            {
                partitions[p].ReplaceDetector(i, parts[p]);
            }
        }
    }

    /// <summary>How many activities were processed (the arrival number of the next one).</summary>
    internal long ProcessedCount
    {
        get
        {
            lock (_gate)
            {
                return _processed;
            }
        }
    }

    /// <summary>The event-time clock (UTC ticks; <see cref="long.MinValue"/> before the first activity), without the
    /// lock: for the staged caller's admission phase, its only writer.</summary>
    internal long WatermarkTicksUnlocked => _watermarkTicks;

    /// <summary><see cref="IsFinal"/> as of the clock <paramref name="watermarkTicks"/>, without the lock: what
    /// <see cref="IsFinal"/> asks under it, and what the staged caller's apply phase asks with the clock as
    /// <see cref="WatermarkTicksUnlocked"/> read right after the admission of the last batch applied (the next batch's
    /// admission may be moving the clock meanwhile).</summary>
    internal bool IsFinalAt(Alert alert, long watermarkTicks)
    {
        if (!_byId.TryGetValue(alert.PolicyId, out var runtime))
        {
            return true;
        }

        if (watermarkTicks == long.MinValue)
        {
            return false;
        }

        var earliest = new DateTimeOffset(watermarkTicks, TimeSpan.Zero) - Options.AllowedLateness;
        return runtime.Aggregator.IsFinal(alert, earliest);
    }

    /// <summary>The duplicate filter's newest time (UTC ticks) of a coordinator.</summary>
    internal long FilterClockTicks
    {
        get
        {
            lock (_gate)
            {
                return _filterClockTicks;
            }
        }
    }

    private PolicyRuntime[] RuntimesInPolicyOrder()
    {
        var runtimes = new PolicyRuntime[Policies.Count];
        for (var i = 0; i < runtimes.Length; i++)
        {
            runtimes[i] = _byId[Policies[i].Id];
        }

        return runtimes;
    }

    private int PolicyIndex(string id)
    {
        for (var i = 0; i < Policies.Count; i++)
        {
            if (string.Equals(Policies[i].Id, id, StringComparison.Ordinal))
            {
                return i;
            }
        }

        throw new InvalidOperationException($"Policy '{id}' is not in the policy list.");
    }
}

/// <summary>The partitions' state as the coordinator's checkpoint needs it.</summary>
internal interface IPartitionedState
{
    /// <summary>Writes the duplicate-filter state of one filter made of every partition's.</summary>
    void WriteDuplicates(CheckpointWriter writer, long filterClockTicks);

    /// <summary>Writes the trigger state of the policy at <paramref name="policyIndex"/> as one detector's.</summary>
    void WriteDetector(int policyIndex, CheckpointWriter writer);
}
