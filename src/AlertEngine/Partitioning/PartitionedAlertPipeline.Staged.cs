using System.Runtime.InteropServices;

namespace AlertEngine;

/// <content>
/// The staged entry points: the phases of <see cref="Process(IReadOnlyList{Activity})"/> one by one, on a
/// <see cref="PartitionedBatch"/> each, so that a caller with its own threads (the replay command) can overlap the
/// sequential phases of one batch (planning, admission and routing, applying) with the parallel phases of others
/// (duplicate answers, evaluation) and with its own work (parsing, output), instead of waiting for each batch's
/// phases in turn.
/// </content>
/// <remarks>
/// <para><b>Contract</b> (the caller's, not checked). Start with <see cref="BeginStaged"/>. For batches 0, 1, 2, …:
/// <see cref="StagePlan"/>, then <see cref="StageCheckDuplicates"/> for every partition, then <see cref="StageAdmit"/>,
/// then <see cref="StageEvaluate"/> for every partition, then <see cref="StageApply"/>. Each phase of batch k starts
/// after the same phase of batch k − 1 ended (for the per-partition phases: the same partition's), and the happens-before
/// edges between them come from the caller's own synchronisation (a lock). Different phases may run at the same time on
/// different threads, also for different batches: plan, admit and apply touch disjoint parts of the coordinator;
/// a partition's duplicate filter and its detectors are disjoint too. No other member may be called while batches are in
/// flight; alerts are final as of a batch with <see cref="IsFinal(Alert, long)"/> and that batch's
/// <see cref="PartitionedBatch.WatermarkTicks"/>.</para>
/// <para><b>The anomaly dispersion grid</b> (<see cref="AlertEngineOptions.AnomalyDispersionGrid"/>, the population
/// model of issue 15, the default). Its partitions must sum their prior's totals after every part of a batch in which a policy crossed a
/// UTC day start, before any of them crosses the next: a point at which every partition has evaluated up to the same
/// activity and none beyond it, which the per-partition evaluate phases of overlapping batches do not have. So with
/// the grid the evaluate phase of partition 0 evaluates the batch in every partition through
/// <see cref="GridExchange"/>, exactly as <see cref="Process(IReadOnlyList{Activity})"/> (each part on the pipeline's
/// worker threads, started at the first such batch), and the other partitions' evaluate phases do nothing: the contract
/// above already orders partition 0's batches and makes every partition's detectors disjoint from the phases the caller
/// may run meanwhile (duplicate answers, plan, admit, apply of other batches). The evaluation of one batch then no longer
/// overlaps another batch's; everything else does. A failure of the exchange faults the pipeline as in
/// <see cref="Process(IReadOnlyList{Activity})"/>. Without the switch nothing of this runs.</para>
/// <para>Observers of <see cref="Changes"/>, <see cref="Diagnostics"/> and <see cref="EarlyWarnings"/> are called from
/// <see cref="StageApply"/>, on whichever thread runs it, in order.</para>
/// </remarks>
public sealed partial class PartitionedAlertPipeline
{
    private long _nextSequence;

    /// <summary>A new batch for the staged members (reuse it once applied).</summary>
    internal PartitionedBatch NewStagedBatch() => new(_partitions.Length);

    /// <summary>Starts staged processing (after any checkpoint restore).</summary>
    internal void BeginStaged()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ThrowIfFaulted();
        _nextSequence = _coordinator.ProcessedCount;
    }

    /// <summary>Phase 1 (sequential): the future check and the duplicate questions of <paramref name="batch"/>'s activities.</summary>
    internal void StagePlan(PartitionedBatch batch)
    {
        batch.Prepare();
        batch.FirstSequence = _nextSequence;
        _nextSequence += batch.Activities.Count;
        _coordinator.PlanBatchUnlocked(CollectionsMarshal.AsSpan(batch.Activities), batch.Admission, batch.FutureNow, batch.Queries);
    }

    /// <summary>Phase 2 (one per partition, in parallel): partition <paramref name="partition"/>'s duplicate answers.</summary>
    internal void StageCheckDuplicates(PartitionedBatch batch, int partition) =>
        _partitions[partition].CheckDuplicates(CollectionsMarshal.AsSpan(batch.Queries[partition]), batch.IsDuplicate);

    /// <summary>Phase 3 (sequential): lateness, the clock, and the routes of the admitted activities.</summary>
    internal void StageAdmit(PartitionedBatch batch)
    {
        var activities = CollectionsMarshal.AsSpan(batch.Activities);
        _coordinator.AdmitUnlocked(activities, batch.Admission, batch.IsDuplicate, batch.FirstSequence, batch.Admitted, batch.LateAgainst);
        batch.WatermarkTicks = _coordinator.WatermarkTicksUnlocked;
        _router.Route(CollectionsMarshal.AsSpan(batch.Admitted), batch.Routes);
    }

    /// <summary>Phase 4 (one per partition, in parallel): partition <paramref name="partition"/> evaluates its keys.
    /// With the anomaly dispersion grid (issue 15's population model, the default) the call for partition 0 evaluates the whole batch
    /// in every partition, as <see cref="Process(IReadOnlyList{Activity})"/> does (<see cref="GridExchange"/>: in parts,
    /// the partitions' prior totals summed after each day start, each part on the pipeline's own worker threads), and
    /// the calls for the other partitions return at once (see the remarks).</summary>
    internal void StageEvaluate(PartitionedBatch batch, int partition)
    {
        ThrowIfFaulted();
        if (_grid is null)
        {
            _partitions[partition].Evaluate(batch.Routes, batch.Outputs[partition]);
        }
        else if (partition == 0)
        {
            EvaluateWithGrid(_grid, batch.Routes, batch.Outputs);
        }
    }

    /// <summary>Phase 5 (sequential): the partitions' events in the single engine's order; returns the alert changes,
    /// in order (<see langword="null"/> when none), and clears <paramref name="batch"/> for reuse.</summary>
    internal List<AlertChange>? StageApply(PartitionedBatch batch)
    {
        ThrowIfFaulted();
        var changes = _coordinator.ApplyBatchUnlocked(
            CollectionsMarshal.AsSpan(batch.Activities), batch.Admission, batch.FutureNow, batch.LateAgainst, batch.FirstSequence, batch.Outputs);
        batch.Clear();
        return changes;
    }

    /// <summary>Whether no activity after those of the batches applied so far can change <paramref name="alert"/>, the
    /// last of them having left the clock at <paramref name="watermarkTicks"/> (<see cref="PartitionedBatch.WatermarkTicks"/>).</summary>
    internal bool IsFinal(Alert alert, long watermarkTicks) => _coordinator.IsFinalAt(alert, watermarkTicks);
}
