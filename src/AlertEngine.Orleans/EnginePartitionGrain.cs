using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Storage;

namespace AlertEngine;

/// <summary>
/// Hosts one <see cref="EnginePartition"/>. State is persisted once per batch, at the end of phase 4, together with
/// the batch's answers; phase 2 only changes memory. The state is persisted as its inputs: per batch, the head record
/// (answers and the list of records) adds the name of the batch's input, which the coordinator persisted before phase
/// 4 (<see cref="BatchInput"/>), and that write commits the batch; on activation the partition reads its base snapshot
/// and replays the inputs after it (its state is a function of the state before and the input). A base snapshot
/// (<see cref="PartitionStateCodec.WriteBase"/>, its own record, <see cref="StateLogStore"/>) is written at the first batch
/// and then every <see cref="EngineDefinition.MaxDeltas"/> + 1 batches, staggered over the partitions, so a base is never
/// more than MaxDeltas batches old and a restart replays at most that many batches.
/// State persisted before inputs (a whole checkpoint in the head, or deltas of the state, <see cref="PartitionStateDelta"/>)
/// is read and replaced by a base snapshot at the next batch. Any failure deactivates the grain, so the next call starts from
/// the persisted state (the state before the batch, or after it with its answers): a retried batch is never applied
/// twice and never half-applied. Placed by a hash of the grain id over the silos, so an engine's partitions spread
/// over the silos (the default placement would keep them next to the coordinator that activates them).
/// </summary>
[HashBasedPlacement]
internal sealed class EnginePartitionGrain : Grain, IEnginePartitionGrain
{
    private readonly IPersistentState<PartitionGrainState> _state;
    private readonly EngineRegistry _registry;
    private readonly PartitionOutput _output = new();
    private EngineDefinition? _definition;
    private EnginePartition? _partition;
    private StateLogStore? _records;
    private StateLogStore? _inputs;
    private StateLogStore? _filters;
    private BatchFaultPoints? _faults;
    private int _index;

    /// <summary>Registered on this silo's engine (<see cref="EngineDefinition.PartitionActivated"/>).</summary>
    private bool _activated;

    /// <summary>Whether the current <see cref="EvaluateAsync"/> told the silo it is done with the batch
    /// (<see cref="EngineDefinition.PartitionFinished"/>).</summary>
    private bool _finishedBatch;

    // The batch in progress under the anomaly dispersion grid (EvaluateGridAsync; 0: none), between its calls.
    private GridBatchCursor? _grid;
    private long _gridBatch;
    private string? _gridInput;
    private bool _gridPaused;
    private GridStepReply? _gridPause;
    private EngineDefinition.RoutesLease? _gridLease;
    private readonly List<GridSums> _gridApplied = [];
    private readonly GridPriorTotals _gridScratch = new();

    /// <summary>The fingerprint of the version without the grid that wrote the persisted state, while this partition
    /// still holds it unconverted (its options; 0: converted or never gridless), <see cref="PrepareGridAsync"/>.</summary>
    private ulong _gridlessFingerprint;

    /// <summary>The filter's entries before this arrival number are in the persisted segments
    /// (<see cref="PartitionGrainState.FilterSegments"/>).</summary>
    private long _segmentsEnd;
    private long _checkedBatch;
    private bool[] _checkedDecisions = [];

    /// <summary>The duplicate questions of the batch being checked (reused batch after batch).</summary>
    private DuplicateQuery[] _queryBuffer = [];

    public EnginePartitionGrain(
        [PersistentState("partition", AlertEngineClusterOptions.StorageName)] IPersistentState<PartitionGrainState> state,
        EngineRegistry registry)
    {
        _state = state;
        _registry = registry;
    }

    private EngineDefinition Definition => _definition!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (engine, index) = PartitionKey.Parse(this.GetPrimaryKeyString());
        var definition = _definition = _registry.Get(engine);
        _index = index;
        var state = _state.State;
        // State a version without the anomaly dispersion grid wrote for these policies: replayed under its options, then
        // converted (below), never replayed under the grid (its inputs' day starts would run without the exchange).
        var gridless = state.HasState && state.Partitions == definition.Partitions && state.Fingerprint != definition.Fingerprint
            ? definition.GridlessPredecessor(state.Fingerprint)
            : null;
        if (state.HasState && gridless is null && (state.Partitions != definition.Partitions || state.Fingerprint != definition.Fingerprint))
        {
            throw new InvalidOperationException(
                $"Alert engine '{engine}': partition {index} was persisted with other policies, other anomaly switches (AnomalyDispersionGrid, AnomalyProfileFitLimit) or another partition count ({state.Partitions}, now {definition.Partitions}). " +
                "Change policies, those switches or partitions through a whole-engine checkpoint: AlertEngineClient.SaveCheckpointAsync, then RestoreCheckpointAsync into an engine with the new configuration.");
        }

        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(AlertEngineClusterOptions.StorageName);
        _records = new StateLogStore(storage, GrainContext.GrainId, "partition");
        _inputs = new StateLogStore(storage, GrainFactory.GetGrain<IEngineCoordinatorGrain>(engine).GetGrainId(), "input");
        _faults = ServiceProvider.GetService<BatchFaultPoints>();
        var log = state.Log;
        _filters = new StateLogStore(storage, GrainContext.GrainId, "filter");
        var (snapshot, deltas) = await _records.ReadAsync(log);
        var partition = NewPartition(state.Checkpoint ?? snapshot, deltas, gridless);
        if (state.FilterSegments.Length > 0)
        {
            if (state.FilterSegmentETags.Length != state.FilterSegments.Length || state.FilterSegmentNewest.Length != state.FilterSegments.Length)
            {
                throw new InvalidDataException($"Alert engine '{engine}': partition {index}'s list of duplicate-filter segments is inconsistent.");
            }

            foreach (var segment in await _filters.ReadRecordsAsync(state.FilterSegments))
            {
                PartitionStateCodec.ReadFilterSegment(partition, segment.Bytes);
            }

            _segmentsEnd = partition.Duplicates.ArrivalCount;
        }
        if (log.Inputs.Length > 0)
        {
            if (log.BaseBatch + log.Inputs.Length != state.LastBatch || (log.Base is not null && log.BaseBatch == 0) || state.Checkpoint is not null)
            {
                throw new InvalidDataException(
                    $"Alert engine '{engine}': partition {index} lists {log.Inputs.Length} batch inputs after batch {log.BaseBatch}, which do not lead to its last batch {state.LastBatch}.");
            }

            var inputs = await _inputs.ReadRecordsAsync(log.Inputs);
            var scratch = new PartitionOutput();
            for (var i = 0; i < inputs.Length; i++)
            {
                BatchInput.Replay(inputs[i], log.BaseBatch + 1 + i, partition, scratch);
            }
        }

        _partition = partition;
        if (gridless is not null)
        {
            // Upgraded from a version without the grid: kept as that version had it (its options, its fingerprint) until
            // the coordinator knows whether some partition committed the next batch without the grid (a batch half
            // committed before the upgrade, which this partition must then finish the same way), PrepareGridAsync.
            _gridlessFingerprint = state.Fingerprint;
            _grid = null;
        }
        else
        {
            _grid = GridBatchCursor.Create(partition, definition.Policies.Count);
        }

        definition.PartitionActivated(index);
        _activated = true;
    }

    public Task<Immutable<bool[]>> CheckDuplicatesAsync(long batchNumber, DuplicateQueries queries)
    {
        var state = _state.State;
        if (batchNumber == state.LastBatch)
        {
            return Task.FromResult(new Immutable<bool[]>(state.LastDecisions));
        }

        ExpectNext(batchNumber);
        if (_checkedBatch == batchNumber)
        {
            // The coordinator asks again after an interruption: this activation already holds the batch's ids.
            return Task.FromResult(new Immutable<bool[]>(_checkedDecisions));
        }

        try
        {
            var decisions = new bool[queries.Count];
            _partition!.CheckDuplicates(queries.ToQueries(ref _queryBuffer), decisions);
            _checkedBatch = batchNumber;
            _checkedDecisions = decisions;
            return Task.FromResult(new Immutable<bool[]>(decisions));
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public async Task<Immutable<byte[]>> EvaluateAsync(long batchNumber, bool checkedDuplicates, Immutable<byte[]> activities, AdmittedActivities admitted, string input)
    {
        _finishedBatch = false;
        try
        {
            return await EvaluateBatchAsync(batchNumber, checkedDuplicates, activities, admitted, input);
        }
        finally
        {
            if (!_finishedBatch)
            {
                // Answered from the persisted answers, or failed: this partition needs nothing of the batch either.
                Definition.PartitionFinished(_index, input);
            }
        }
    }

    private async Task<Immutable<byte[]>> EvaluateBatchAsync(long batchNumber, bool checkedDuplicates, Immutable<byte[]> activities, AdmittedActivities admitted, string input)
    {
        var state = _state.State;
        if (batchNumber == state.LastBatch)
        {
            return new Immutable<byte[]>(state.LastOutput);
        }

        ExpectNext(batchNumber);
        if (_grid is not null)
        {
            // A coordinator without the grid (another version or configuration) would have this partition cross the
            // grid's day starts without the exchange: refused, nothing changed.
            throw OtherPath(batchNumber, "runs the anomaly dispersion grid but was asked to evaluate batch {0} without its exchange");
        }

        if (checkedDuplicates != (_checkedBatch == batchNumber))
        {
            // This activation did not answer the batch's duplicate questions (it started after them): its filter
            // lacks the batch's ids. The coordinator fails the batch and the client sends it again.
            DeactivateOnIdle();
            throw new InvalidOperationException(
                $"Alert engine '{Definition.Name}': partition {_index} was reactivated during batch {batchNumber}; send the batch again.");
        }

        try
        {
            // Routed once per silo: the partitions here share the operation lookups, conditions and key hashes.
            _output.Clear();
            using (var routes = Definition.RoutesFor(input, admitted, activities.Value))
            {
                _partition!.Evaluate(routes.Routes, _output);
            }

            var encoded = PartitionOutputCodec.Encode(_output);
            _output.Clear();
            // Nothing here refers to the batch's activities any more: once every partition on this silo is this far,
            // the silo drops the batch, before the partitions persist.
            Definition.PartitionFinished(_index, input);
            _finishedBatch = true;
            await CommitAsync(batchNumber, input, encoded, forceBase: false);
            return new Immutable<byte[]>(encoded);
        }
        catch
        {
            // Memory may be ahead of storage: start again from storage.
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>Persists the batch evaluated in memory (its input, or a base snapshot: at the first batch, at this
    /// partition's turn, when forced, …) with its answers and output.</summary>
    private async Task CommitAsync(long batchNumber, string input, byte[] encoded, bool forceBase, GridSums[]? gridSums = null)
    {
        var state = _state.State;
        var checkedHere = _checkedBatch == batchNumber;
        var log = state.Log;
        // A base snapshot at the first batch, at this partition's turn (staggered), when the inputs since the base
        // would exceed MaxDeltas, or over state persisted before inputs.
        var compact = forceBase
            || log.Base is null
            || batchNumber - log.BaseBatch > Definition.MaxDeltas
            || IsCompactionTurn(batchNumber)
            || state.Checkpoint is not null
            || log.Deltas.Length > 0
            || (log.Base is not null && log.BaseBatch == 0);
        var bytes = compact ? Compact(rewriteFilter: false) : null;
        if (_faults is { } faults)
        {
            await faults.BeforePartitionPersistAsync(Definition.Name, _index, batchNumber);
        }

        await PersistAsync(batchNumber, bytes, input, checkedHere ? _checkedDecisions : [], encoded, gridSums);
    }

    public async Task<GridStepReply> EvaluateGridAsync(long batchNumber, bool checkedDuplicates, Immutable<byte[]> activities, AdmittedActivities admitted, string input)
    {
        // Until the batch is the grid's (_gridInput, finished by AbandonGrid at its end, failure or abandon), this call
        // finishes it for the silo itself (answered, refused or failed), as EvaluateAsync does; never on a pause.
        var handed = false;
        try
        {
            var state = _state.State;
            if (batchNumber == state.LastBatch)
            {
                // Answered from the persisted answers (with the sums the batch was evaluated with, for the partitions
                // that evaluate it again): this partition needs nothing of the batch.
                return GridStepReply.Committed(state.LastOutput, state.LastGridSums);
            }

            ExpectNext(batchNumber);
            if (_grid is null)
            {
                // The coordinator and the partitions decide the path by the same rule (EngineDefinition.RunsGrid): a
                // coordinator that asks for the exchange of a partition without grid policies runs another version or
                // configuration. Refused, nothing changed.
                throw OtherPath(batchNumber, "runs no anomaly dispersion grid but was asked to evaluate batch {0} through its exchange");
            }

            if (checkedDuplicates != (_checkedBatch == batchNumber) || _gridBatch != 0)
            {
                // This activation did not answer the batch's duplicate questions, or it is in the middle of an earlier
                // attempt at the batch (its memory is ahead of storage; the coordinator abandons a failed attempt's
                // pauses, AbandonGridAsync, so this is left for an attempt the abandon did not reach): the coordinator
                // fails the batch, the client sends it again, and a new activation starts from storage.
                AbandonGrid();
                DeactivateOnIdle();
                throw new InvalidOperationException(
                    $"Alert engine '{Definition.Name}': partition {_index} was reactivated or interrupted during batch {batchNumber}; send the batch again.");
            }

            try
            {
                _output.Clear();
                // The input first: a failure from here on finishes the batch for this silo (AbandonGrid).
                (_gridBatch, _gridInput, _gridPaused) = (batchNumber, input, false);
                handed = true;
                _gridLease = Definition.RoutesFor(input, admitted, activities.Value);
                _grid?.Begin(_partition!, _gridLease.Value.Routes);
                return await RunGridAsync(batchNumber);
            }
            catch
            {
                AbandonGrid();
                DeactivateOnIdle();
                throw;
            }
        }
        finally
        {
            if (!handed)
            {
                Definition.PartitionFinished(_index, input);
            }
        }
    }

    public async Task<GridUpgradeStatus> PrepareGridAsync(long batchNumber, bool convert)
    {
        if (_gridlessFingerprint == 0)
        {
            return GridUpgradeStatus.Grid;
        }

        if (_state.State.LastBatch == batchNumber)
        {
            return GridUpgradeStatus.CommittedWithoutGrid;
        }

        if (!convert)
        {
            return GridUpgradeStatus.WithoutGrid;
        }

        try
        {
            // No partition committed the batch without the grid: the state as that version had it after its last batch,
            // restored into the grid's models (the snapshot's mix rule, as a whole-engine checkpoint restores it; every
            // partition converts the same way), and persisted as a base, so no later activation replays the old inputs
            // under the grid. The head keeps the last batch's answers for a retry of it.
            var state = _state.State;
            AbandonGrid();
            (_checkedBatch, _checkedDecisions) = (0, []);
            _partition = NewPartition(PartitionStateCodec.Write(_partition!, Definition.Policies.Count), []);
            _gridlessFingerprint = 0;
            await PersistAsync(state.LastBatch, Compact(rewriteFilter: true), input: null, state.LastDecisions, state.LastOutput, state.LastGridSums);
            _grid = GridBatchCursor.Create(_partition, Definition.Policies.Count);
            return GridUpgradeStatus.Grid;
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public Task AbandonGridAsync(long batchNumber)
    {
        if (_gridBatch == batchNumber)
        {
            // Paused in a failed attempt at the batch (memory ahead of storage): the retry starts from storage.
            AbandonGrid();
            DeactivateOnIdle();
        }

        return Task.CompletedTask;
    }

    public async Task<GridStepReply> ContinueGridAsync(long batchNumber, GridSums sums, string input)
    {
        if (batchNumber == _state.State.LastBatch)
        {
            Definition.PartitionFinished(_index, input);
            return GridStepReply.Committed(_state.State.LastOutput, _state.State.LastGridSums);
        }

        if (_gridBatch != batchNumber || _gridPause is not { } pause || !sums.Answers(pause))
        {
            AbandonGrid();
            Definition.PartitionFinished(_index, input);
            DeactivateOnIdle();
            throw new InvalidOperationException(
                $"Alert engine '{Definition.Name}': partition {_index} is not paused at that step of batch {batchNumber} (reactivated during the batch); send the batch again.");
        }

        try
        {
            if (_faults is { } faults)
            {
                await faults.BeforeGridContinueAsync(Definition.Name, _index, batchNumber);
            }

            sums.ApplyTo(_partition!, _grid!, _gridScratch);
            _gridApplied.Add(sums);
            return await RunGridAsync(batchNumber);
        }
        catch
        {
            AbandonGrid();
            DeactivateOnIdle();
            throw;
        }
    }

    /// <summary>Follows the batch's grid steps from where it is (<see cref="GridBatchCursor"/>, as the in-process
    /// <see cref="GridExchange"/> does) until a pause or the end, where it persists: a batch with a pause as a base
    /// snapshot (replaying its input would need the other partitions' totals).</summary>
    private async Task<GridStepReply> RunGridAsync(long batchNumber)
    {
        var routes = _gridLease!.Value.Routes;
        _gridPause = null;
        if (_grid is { } cursor)
        {
            while (true)
            {
                var step = cursor.Next();
                if (step == GridStep.Done)
                {
                    break;
                }

                switch (step)
                {
                    case GridStep.Evaluate:
                        _partition!.Evaluate(routes, cursor.From, cursor.To, _output);
                        break;
                    case GridStep.Exchange:
                        _gridPaused = true;
                        return _gridPause = GridStepReply.Pause(_partition!, cursor, ahead: false, failed: null);
                    case GridStep.Ahead:
                        _gridPaused = true;
                        var aheads = cursor.Aheads;
                        var failed = new bool[aheads.Count];
                        for (var j = 0; j < failed.Length; j++)
                        {
                            failed[j] = !_partition!.TryRunGridDayStartAhead(aheads[j].Policy, aheads[j].Day);
                        }

                        return _gridPause = GridStepReply.Pause(_partition!, cursor, ahead: true, failed);
                }
            }
        }
        else
        {
            _partition!.Evaluate(routes, _output);
        }

        var (input, paused, applied) = (_gridInput!, _gridPaused, _gridApplied.ToArray());
        AbandonGrid();
        var encoded = PartitionOutputCodec.Encode(_output);
        _output.Clear();
        await CommitAsync(batchNumber, input, encoded, forceBase: paused, applied);
        return GridStepReply.Finished(encoded);
    }

    /// <summary>Forgets the grid batch in progress and lets its routes go; tells the silo this partition is done with
    /// the batch (<see cref="EngineDefinition.PartitionFinished"/>: evaluated, failed or abandoned).</summary>
    private void AbandonGrid()
    {
        _grid?.End();
        _gridLease?.Dispose();
        _gridLease = null;
        if (_gridInput is { } input)
        {
            Definition.PartitionFinished(_index, input);
        }

        (_gridBatch, _gridInput, _gridPause, _gridPaused) = (0, null, null, false);
        _gridApplied.Clear();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        AbandonGrid();
        if (_activated)
        {
            _activated = false;
            Definition.PartitionDeactivated(_index);
        }

        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <remarks>Memory holds the persisted state between batches (a failed batch deactivates the grain), but not during
    /// one: after the batch's duplicate questions (phase 2) or while paused at an exchange of the anomaly dispersion grid
    /// (a failed batch left so until its retry), memory is ahead of storage. Then this refuses and deactivates, so the
    /// next call reads the persisted state.</remarks>
    /// <exception cref="InvalidOperationException">The partition is in the middle of a batch.</exception>
    public Task<Immutable<byte[]>> GetStateAsync()
    {
        if (_gridBatch != 0 || _checkedBatch > _state.State.LastBatch)
        {
            var batch = Math.Max(_gridBatch, _checkedBatch);
            AbandonGrid();
            DeactivateOnIdle();
            throw new InvalidOperationException(
                $"Alert engine '{Definition.Name}': partition {_index} is in the middle of batch {batch} (its memory is ahead of its storage); it reloads from storage: apply or send the batch again, or ask again.");
        }

        return Task.FromResult(new Immutable<byte[]>(PartitionStateCodec.Write(_partition!, Definition.Policies.Count)));
    }

    public async Task ReplaceStateAsync(long lastBatch, Immutable<byte[]> state)
    {
        try
        {
            // A batch left paused (a failed grid attempt the coordinator's abandon did not reach) or with its duplicate
            // questions answered belongs to the state replaced: forgotten, so the first batch after the restore is not
            // refused.
            AbandonGrid();
            (_checkedBatch, _checkedDecisions) = (0, []);
            _gridlessFingerprint = 0;
            _partition = NewPartition(state.Value, []);
            _grid = GridBatchCursor.Create(_partition, Definition.Policies.Count);
            await PersistAsync(lastBatch, Compact(rewriteFilter: true), input: null, [], []);
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public Task MigrateAsync()
    {
        MigrateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>A partition from persisted state, under the engine's options or <paramref name="options"/> (a version's
    /// without the grid, <see cref="EngineDefinition.GridlessPredecessor"/>).</summary>
    private EnginePartition NewPartition(byte[]? snapshot, byte[][] deltas, AlertEngineOptions? options = null)
    {
        // Kept activities as arena records (no young object per kept activity for the silo's GC; benchmarks/results/orleans.md, arena-17).
        var partition = new EnginePartition(Definition.Policies, (options ?? Definition.Options).WithActivityRecords(), _index, Definition.Partitions);
        if (snapshot is not null)
        {
            PartitionStateCodec.Restore(partition, snapshot, deltas, Definition.Policies.Count);
        }

        return partition;
    }

    /// <summary>At most this many duplicate-filter segments: one more makes the next base rewrite the live filter as one
    /// segment (so a head lists few names, and a partition whose horizon spans many bases still rewrites its filter
    /// only once every this many bases, not at every base).</summary>
    internal const int MaxFilterSegments = 32;

    /// <summary>A new base snapshot of the partition: its trigger state, and the duplicate filter's entries taken since
    /// the last segment as a new segment (all live entries when <paramref name="rewriteFilter"/>, or when there would
    /// be more than <see cref="MaxFilterSegments"/>); segments whose entries are all forgotten are dropped. So a base
    /// costs the filter's new entries, not the whole horizon's (a day of ids by default), which it used to rewrite
    /// every <see cref="EngineDefinition.MaxDeltas"/> + 1 batches.</summary>
    private Compaction Compact(bool rewriteFilter)
    {
        var partition = _partition!;
        var state = _state.State;
        var filter = partition.Duplicates;
        var newest = filter.NewestTicks;
        var limit = newest == long.MinValue ? long.MinValue : newest - Definition.Options.DuplicateHorizon.Ticks;
        var kept = new List<int>();
        var dropped = new List<(string Name, string? ETag)>();
        for (var i = 0; i < state.FilterSegments.Length; i++)
        {
            if (state.FilterSegmentNewest[i] > limit)
            {
                kept.Add(i);
            }
            else
            {
                dropped.Add((state.FilterSegments[i], state.FilterSegmentETags[i]));
            }
        }

        if (rewriteFilter || kept.Count >= MaxFilterSegments)
        {
            foreach (var i in kept)
            {
                dropped.Add((state.FilterSegments[i], state.FilterSegmentETags[i]));
            }

            kept.Clear();
        }

        var from = kept.Count == 0 ? 0 : _segmentsEnd;
        var end = filter.ArrivalCount;
        var segment = end > from ? PartitionStateCodec.WriteFilterSegment(partition, from) : null;
        var log = state.Log;
        var snapshot = PartitionStateCodec.WriteBase(partition, Definition.Policies.Count, (int)Math.Min(int.MaxValue / 2, log.BaseBytes + log.DeltaBytes), filterFrom: end);
        return new Compaction(snapshot, segment, newest, end, [.. kept], dropped);
    }

    /// <summary>A base snapshot to persist: <see cref="Segment"/> (null: none) joins the segments at
    /// <see cref="Kept"/> (indexes into the persisted list); <see cref="Dropped"/> are deleted once the head is written.</summary>
    private sealed record Compaction(byte[] Snapshot, byte[]? Segment, long SegmentNewest, long SegmentsEnd, int[] Kept, List<(string Name, string? ETag)> Dropped);

    /// <summary>Writes a new base when <paramref name="compaction"/> is given (a new filter segment first, then the base),
    /// then the head (listing the base and the segments, or the batch's <paramref name="input"/> after the previous
    /// ones): the batch is committed when the head is written. Records a new base replaced, and the filter segments it
    /// dropped, are deleted afterwards (the inputs are the coordinator's).</summary>
    private async Task PersistAsync(long batchNumber, Compaction? compaction, string? input, bool[] decisions, byte[] output, GridSums[]? gridSums = null)
    {
        var state = _state.State;
        var previous = state.Log;
        var (segments, etags, newest) = (state.FilterSegments, state.FilterSegmentETags, state.FilterSegmentNewest);
        StateLogManifest log;
        if (compaction is not null)
        {
            segments = new string[compaction.Kept.Length + (compaction.Segment is null ? 0 : 1)];
            etags = new string?[segments.Length];
            newest = new long[segments.Length];
            for (var i = 0; i < compaction.Kept.Length; i++)
            {
                segments[i] = state.FilterSegments[compaction.Kept[i]];
                etags[i] = state.FilterSegmentETags[compaction.Kept[i]];
                newest[i] = state.FilterSegmentNewest[compaction.Kept[i]];
            }

            if (compaction.Segment is { } bytes)
            {
                var (name, etag) = await _filters!.WriteRecordAsync(batchNumber, bytes, payload: null);
                segments[^1] = name;
                etags[^1] = etag;
                newest[^1] = compaction.SegmentNewest;
            }

            log = await _records!.AppendAsync(previous, batchNumber, compaction.Snapshot, isBase: true);
        }
        else
        {
            log = StateLogStore.WithInput(previous, input ?? throw new InvalidOperationException("A batch without a snapshot needs its input."));
        }

        _state.State = new PartitionGrainState
        {
            LastBatch = batchNumber,
            Log = log,
            LastDecisions = decisions,
            LastOutput = output,
            Partitions = Definition.Partitions,
            Fingerprint = _gridlessFingerprint != 0 ? _gridlessFingerprint : Definition.Fingerprint,
            FilterSegments = segments,
            FilterSegmentETags = etags,
            FilterSegmentNewest = newest,
            LastGridSums = gridSums ?? [],
        };
        await _state.WriteStateAsync();
        _checkedBatch = 0;
        _checkedDecisions = [];
        if (compaction is not null)
        {
            _segmentsEnd = compaction.SegmentsEnd;
            await _records!.DeleteReplacedAsync(previous, log);
            foreach (var (name, etag) in compaction.Dropped)
            {
                await _filters!.DeleteAsync(name, etag);
            }
        }
    }

    /// <summary>Whether this partition writes its base at <paramref name="batchNumber"/> in the staggered schedule: every
    /// <see cref="EngineDefinition.MaxDeltas"/> + 1 batches, partition p shifted by p / partitions of that period, so the
    /// partitions of an engine do not all write their base in the same batch (which made that batch's latency several
    /// times the others'). A base is never more than MaxDeltas batches old either way.</summary>
    private bool IsCompactionTurn(long batchNumber)
    {
        var period = (long)Definition.MaxDeltas + 1;
        var offset = (long)_index * period / Definition.Partitions;
        return (batchNumber + offset) % period == 0;
    }

    /// <summary>What to do when silos of different versions or configurations share an engine (docs/scale-out.md, *Upgrades*).</summary>
    internal const string UpgradeAdvice =
        "Silos of different versions, or with different policies or anomaly settings, cannot run one engine: stop every silo, then start them all on the same version and configuration (docs/scale-out.md, Upgrades); the persisted state is kept.";

    /// <summary>The refusal of a call for the path this partition's definition does not take (<paramref name="what"/>,
    /// with the batch number as {0}): a coordinator of another version or configuration.</summary>
    private InvalidOperationException OtherPath(long batchNumber, string what) => new(
        $"Alert engine '{Definition.Name}': partition {_index} {string.Format(System.Globalization.CultureInfo.InvariantCulture, what, batchNumber)}, by a coordinator of another version or configuration (silos upgraded one by one?). " +
        UpgradeAdvice);

    /// <summary><see cref="UpgradeAdvice"/> for the coordinator's refusals, where the partitions' states differ.</summary>
    internal const string MixedAdvice = UpgradeAdvice + " If every silo runs the same version and configuration, restore a whole-engine checkpoint.";

    private void ExpectNext(long batchNumber)
    {
        if (batchNumber != _state.State.LastBatch + 1)
        {
            throw new InvalidOperationException(
                $"Alert engine '{Definition.Name}': partition {_index} expected batch {_state.State.LastBatch + 1} or a retry of {_state.State.LastBatch}, got {batchNumber}.");
        }
    }
}
