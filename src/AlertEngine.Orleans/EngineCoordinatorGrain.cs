using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Concurrency;
using Orleans.Runtime;
using Orleans.Storage;

namespace AlertEngine;

/// <summary>
/// Hosts the coordinator of one engine (an <see cref="AlertPipeline"/> whose detectors and duplicate filter stay
/// empty: the partition grains hold that state) and drives each batch through the five phases: plan the duplicate
/// questions, ask the partitions that own the ids (one call each, in parallel), admit, have every partition evaluate
/// its keys (one call each, in parallel; each persists its state), apply the partitions' events in the single
/// engine's order (aggregation), write the alert changes to the <see cref="IAlertStore"/>, persist (incrementally:
/// the counters and the open alerts that changed, <see cref="CoordinatorStateDelta"/>, on top of a whole checkpoint
/// written now and then, <see cref="StateLogStore"/>). Before phase 4 it persists the batch's input for the partitions
/// (<see cref="BatchInput"/>), which they replay on activation; it keeps each input while a partition may still need
/// it: a partition's base snapshot is never more than <see cref="EngineDefinition.MaxDeltas"/> batches old, so after
/// batch N the inputs of batches up to N - MaxDeltas are deleted. Any failure
/// deactivates the grain so that the next call (the client's retry) starts again from the persisted state.
/// </summary>
internal sealed class EngineCoordinatorGrain : Grain, IEngineCoordinatorGrain
{
    private readonly IPersistentState<CoordinatorGrainState> _state;
    private readonly EngineRegistry _registry;
    private readonly IAlertStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<EngineCoordinatorGrain> _logger;
    private readonly Dictionary<string, string> _open = new(StringComparer.Ordinal);
    private EngineDefinition? _definition;
    private AlertPipeline? _pipeline;
    private IEnginePartitionGrain[] _partitions = [];
    private List<DuplicateQuery>[] _queries = [];
    private EmptyPartitionState? _none;
    private StateLogStore? _records;
    private StateLogStore? _inputs;
    private BatchFaultPoints? _faults;
    private readonly CoordinatorStateDelta _delta = new();
    private readonly List<AdmittedActivity> _admitted = [];
    private PartitionOutput[] _outputs = [];
    private AlertPipeline.Admission[] _admission = [];
    private DateTimeOffset[] _futureNow = [];
    private long[] _lateAgainst = [];
    private bool[] _isDuplicate = [];
    private readonly GridTotalsSum _gridSum = new();

    public EngineCoordinatorGrain(
        [PersistentState("coordinator", AlertEngineClusterOptions.StorageName)] IPersistentState<CoordinatorGrainState> state,
        EngineRegistry registry,
        IAlertStore store,
        TimeProvider time,
        ILogger<EngineCoordinatorGrain> logger)
    {
        _state = state;
        _registry = registry;
        _store = store;
        _time = time;
        _logger = logger;
    }

    private EngineDefinition Definition => _definition!;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var definition = _definition = _registry.Get(this.GetPrimaryKeyString());
        var state = _state.State;
        if (state.HasState && state.Partitions != definition.Partitions)
        {
            throw new InvalidOperationException(
                $"Alert engine '{definition.Name}' was persisted with {state.Partitions} partitions and is configured with {definition.Partitions}. " +
                "Change the partition count through a whole-engine checkpoint: AlertEngineClient.SaveCheckpointAsync, then RestoreCheckpointAsync into an engine with the new count.");
        }

        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(AlertEngineClusterOptions.StorageName);
        _records = new StateLogStore(storage, GrainContext.GrainId, "coordinator");
        _inputs = new StateLogStore(storage, GrainContext.GrainId, "input");
        _faults = ServiceProvider.GetService<BatchFaultPoints>();
        var (snapshot, deltas) = await _records.ReadAsync(state.Log);
        var pipeline = _pipeline = NewPipeline(state.Checkpoint ?? snapshot);
        foreach (var delta in deltas)
        {
            CoordinatorStateDelta.Apply(pipeline, delta);
        }

        _delta.Reset(pipeline);
        for (var i = 0; i < state.OpenAlertIds.Length; i++)
        {
            _open[state.OpenAlertIds[i]] = state.OpenAlertPolicyIds[i];
        }

        _partitions = new IEnginePartitionGrain[definition.Partitions];
        _queries = new List<DuplicateQuery>[definition.Partitions];
        for (var p = 0; p < _partitions.Length; p++)
        {
            _partitions[p] = GrainFactory.GetGrain<IEnginePartitionGrain>(PartitionKey.Of(definition.Name, p));
            _queries[p] = [];
        }

        _outputs = new PartitionOutput[definition.Partitions];
        for (var p = 0; p < _outputs.Length; p++)
        {
            _outputs[p] = new PartitionOutput();
        }
    }

    public Task<long> GetLastBatchNumberAsync() => Task.FromResult(_state.State.LastBatch);

    public async Task<AlertBatchResult> ProcessAsync(long batchNumber, Immutable<byte[]> activities, CancellationToken cancellationToken)
    {
        var last = _state.State.LastBatch;
        if (batchNumber <= last)
        {
            return batchNumber == last && _state.State.LastResult is { } result
                ? Copy(result, alreadyApplied: true)
                : new AlertBatchResult { BatchNumber = batchNumber, AlreadyApplied = true };
        }

        if (batchNumber != last + 1)
        {
            throw new ArgumentException($"Alert engine '{Definition.Name}': batch {batchNumber} skips a batch; the next batch is {last + 1}.", nameof(batchNumber));
        }

        try
        {
            return await ApplyAsync(batchNumber, activities, cancellationToken);
        }
        catch
        {
            // Memory may be ahead of storage (phases 1 and 3 moved the clocks): start again from storage.
            DeactivateOnIdle();
            throw;
        }
    }

    public async Task<Immutable<byte[]>> SaveCheckpointAsync()
    {
        var partitions = await LoadPartitionsAsync();
        var pipeline = _pipeline!;
        pipeline.PartitionedState = new MergedPartitions(partitions);
        try
        {
            using var stream = new MemoryStream();
            pipeline.SaveCheckpoint(stream);
            return new Immutable<byte[]>(stream.ToArray());
        }
        finally
        {
            pipeline.PartitionedState = _none;
        }
    }

    public async Task<CheckpointRestoreReply> RestoreCheckpointAsync(Immutable<byte[]> checkpoint)
    {
        try
        {
            var definition = Definition;
            var pipeline = NewPipeline(null);
            CheckpointRestoreResult result;
            using (var stream = new MemoryStream(checkpoint.Value, writable: false))
            {
                result = pipeline.RestoreCheckpoint(stream);
            }

            // Split the restored filter and trigger states over the partitions, as the in-process partitioned engine does.
            var partitions = new EnginePartition[definition.Partitions];
            for (var p = 0; p < partitions.Length; p++)
            {
                partitions[p] = new EnginePartition(definition.Policies, definition.Options, p, partitions.Length);
            }

            pipeline.SplitRestoredStateInto(partitions);

            var last = _state.State.LastBatch;
            var writes = new Task[partitions.Length];
            for (var p = 0; p < partitions.Length; p++)
            {
                writes[p] = _partitions[p].ReplaceStateAsync(last, new Immutable<byte[]>(PartitionStateCodec.Write(partitions[p], definition.Policies.Count)));
            }

            await Task.WhenAll(writes);
            _pipeline = pipeline;
            _open.Clear();
            await PersistAsync(last, _state.State.LastResult, forceBase: true);
            return CheckpointRestoreReply.From(result);
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public Task RebalanceAsync()
    {
        var moves = new Task[_partitions.Length];
        for (var p = 0; p < moves.Length; p++)
        {
            moves[p] = _partitions[p].MigrateAsync();
        }

        return Task.WhenAll(moves);
    }

    private async Task<AlertBatchResult> ApplyAsync(long batchNumber, Immutable<byte[]> activities, CancellationToken cancellationToken)
    {
        var pipeline = _pipeline!;
        var before = pipeline.Statistics;
        var batch = Definition.Decode(activities.Value);
        // Per-activity scratch, kept between batches (a grain runs one batch at a time; a failure deactivates it).
        var n = batch.Length;
        if (_admission.Length < n)
        {
            _admission = new AlertPipeline.Admission[n];
            _futureNow = new DateTimeOffset[n];
            _lateAgainst = new long[n];
            _isDuplicate = new bool[n];
        }

        var (admission, futureNow, lateAgainst, isDuplicate) = (_admission, _futureNow, _lateAgainst, _isDuplicate);
        Array.Clear(admission, 0, n);
        Array.Clear(futureNow, 0, n);
        Array.Clear(lateAgainst, 0, n);
        Array.Clear(isDuplicate, 0, n);

        // Before phase 2 (a partition converting its state must not hold the batch's ids yet).
        var runsGrid = Definition.RunsGrid && await PrepareGridAsync(batchNumber);

        // Phases 1 and 2: the future check here, duplicate decisions from the partitions that own the ids.
        foreach (var list in _queries)
        {
            list.Clear();
        }

        var first = pipeline.PlanBatch(batch, admission.AsSpan(0, n), futureNow.AsSpan(0, n), _queries);
        var asked = new bool[_partitions.Length];
        var sent = new DuplicateQueries?[_partitions.Length];
        var answers = new Task<Immutable<bool[]>>?[_partitions.Length];
        for (var p = 0; p < _partitions.Length; p++)
        {
            if (_queries[p].Count > 0)
            {
                asked[p] = true;
                sent[p] = DuplicateQueries.From(_queries[p]);
                answers[p] = _partitions[p].CheckDuplicatesAsync(batchNumber, sent[p]!);
            }
        }

        for (var p = 0; p < _partitions.Length; p++)
        {
            if (answers[p] is not { } answer)
            {
                continue;
            }

            var decisions = (await answer).Value;
            var queries = _queries[p];
            if (decisions.Length != queries.Count)
            {
                throw new InvalidOperationException($"Alert engine '{Definition.Name}': partition {p} answered {decisions.Length} duplicate questions of {queries.Count}.");
            }

            for (var i = 0; i < decisions.Length; i++)
            {
                isDuplicate[queries[i].Index] = decisions[i];
            }
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Phases 3 and 4: lateness and the clock here, evaluation of each partition's keys there.
        var admitted = _admitted;
        admitted.Clear();
        pipeline.Admit(batch, admission.AsSpan(0, n), isDuplicate.AsSpan(0, n), first, admitted, lateAgainst.AsSpan(0, n));
        var wire = AdmittedActivities.From(admitted, first);
        admitted.Clear();
        var input = await _inputs!.WriteRecordAsync(batchNumber, BatchInput.Encode(batchNumber, batch, wire, _queries), activities.Value);
        var evaluations = new Task<Immutable<byte[]>>[_partitions.Length];
        try
        {
            if (runsGrid)
            {
                await EvaluateGridAsync(batchNumber, asked, activities, wire, input.Name, evaluations);
            }
            else
            {
                for (var p = 0; p < _partitions.Length; p++)
                {
                    evaluations[p] = _partitions[p].EvaluateAsync(batchNumber, asked[p], activities, wire, input.Name);
                }
            }

            await Task.WhenAll(evaluations);
        }
        finally
        {
            Definition.ReleaseBatch(); // every call has ended (evaluated or failed): this silo's partitions are done with the batch
        }

        var outputs = _outputs;
        for (var p = 0; p < outputs.Length; p++)
        {
            outputs[p].Clear();
            PartitionOutputCodec.Decode((await evaluations[p]).Value, Definition.Policies, outputs[p]);
        }

        // Phase 5: the events in the single engine's order; then the store, then the state.
        var changes = pipeline.ApplyBatch(batch, admission.AsSpan(0, n), futureNow.AsSpan(0, n), lateAgainst.AsSpan(0, n), first, outputs);
        foreach (var output in outputs)
        {
            output.Clear(); // the events' activities and detections are not kept until the next batch
        }
        if (changes is not null)
        {
            foreach (var change in changes)
            {
                await _store.UpsertAsync(change.Alert, CancellationToken.None);
                _open[change.Alert.Id] = change.Alert.PolicyId;
            }
        }

        var open = OpenAlerts(pipeline);
        var after = pipeline.Statistics;
        var result = new AlertBatchResult
        {
            BatchNumber = batchNumber,
            Activities = batch.Length,
            Duplicates = (int)(after.Duplicates - before.Duplicates),
            Late = (int)(after.Late - before.Late),
            Future = (int)(after.Future - before.Future),
            Detections = (int)(after.Detections - before.Detections),
            AlertsCreated = (int)(after.AlertsCreated - before.AlertsCreated),
            AlertsUpdated = (int)(after.AlertsUpdated - before.AlertsUpdated),
            Watermark = pipeline.Watermark,
            OpenAlertIds = open,
        };
        if (_faults is { } faults)
        {
            await faults.BeforeCoordinatorPersistAsync(Definition.Name, batchNumber);
        }

        await PersistAsync(batchNumber, result, forceBase: false, input);
        return result;
    }

    /// <summary>Whether every partition runs the grid's models (checked once per activation, until a batch finds them all
    /// so; <see cref="PrepareGridAsync"/>).</summary>
    private bool _gridPrepared;

    /// <summary>After an upgrade from a version without the grid (a stop-all upgrade: the partitions hold that version's
    /// state until asked, <see cref="IEnginePartitionGrain.PrepareGridAsync"/>), whether batch <paramref name="batchNumber"/>
    /// runs under the grid: not when some partition committed it without the grid (the batch was half committed when
    /// the silos stopped) — then every partition finishes it as that version did, the exact answer, and converts at
    /// the next batch; otherwise the partitions that still hold the old state convert now. Once every partition runs the
    /// grid, no more calls.</summary>
    private async Task<bool> PrepareGridAsync(long batchNumber)
    {
        if (_gridPrepared)
        {
            return true;
        }

        var statuses = new Task<GridUpgradeStatus>[_partitions.Length];
        for (var p = 0; p < _partitions.Length; p++)
        {
            statuses[p] = _partitions[p].PrepareGridAsync(batchNumber, convert: false);
        }

        await Task.WhenAll(statuses);
        var unconverted = false;
        for (var p = 0; p < _partitions.Length; p++)
        {
            var status = await statuses[p];
            if (status == GridUpgradeStatus.CommittedWithoutGrid)
            {
                return false;
            }

            unconverted |= status == GridUpgradeStatus.WithoutGrid;
        }

        if (unconverted)
        {
            for (var p = 0; p < _partitions.Length; p++)
            {
                statuses[p] = _partitions[p].PrepareGridAsync(batchNumber, convert: true);
            }

            await Task.WhenAll(statuses);
        }

        _gridPrepared = true;
        return true;
    }

    /// <summary>Phase 4 under the anomaly dispersion grid (issue 15): every partition follows the batch's grid steps
    /// (<see cref="GridBatchCursor"/>, as the in-process <see cref="GridExchange"/>) and pauses where the prior's totals
    /// must be summed over the partitions; the coordinator sums their shares (<see cref="GridTotalsSum"/>) and sends them
    /// back, until every partition is done: one more round of calls per step that crossed a UTC day start (or ran one
    /// ahead), no state write (each partition persists the sums it applied with the batch,
    /// <see cref="PartitionGrainState.LastGridSums"/>). A retry of the batch: partitions that already persisted it answer
    /// from their saved output with those sums, which the coordinator sends to the others, which evaluate it again.</summary>
    /// <exception cref="InvalidOperationException">The partitions disagree (a day start failed in some only, totals of
    /// different days, different steps): their detector-wide states differ; every retry of the batch fails the same way.</exception>
    private async Task EvaluateGridAsync(long batchNumber, bool[] asked, Immutable<byte[]> activities, AdmittedActivities wire, string input, Task<Immutable<byte[]>>[] evaluations)
    {
        try
        {
            await RunGridRoundsAsync(batchNumber, asked, activities, wire, input, evaluations);
        }
        catch
        {
            // A failed round (a partition's silo gone, a timeout, a refusal) leaves the other partitions paused with memory
            // ahead of storage: each would refuse the retry of the batch while the failed one pauses in its place, retry
            // after retry. Every partition paused in the batch forgets it and deactivates, so the retry starts them all
            // from storage. Best effort: a partition this does not reach refuses the retry once and deactivates then.
            var abandons = new Task[_partitions.Length];
            for (var p = 0; p < _partitions.Length; p++)
            {
                abandons[p] = _partitions[p].AbandonGridAsync(batchNumber);
            }

            try
            {
                await Task.WhenAll(abandons);
            }
            catch (Exception)
            {
                // Reported by the batch's own failure, rethrown below.
            }

            throw;
        }
    }

    private async Task RunGridRoundsAsync(long batchNumber, bool[] asked, Immutable<byte[]> activities, AdmittedActivities wire, string input, Task<Immutable<byte[]>>[] evaluations)
    {
        // The sums of an earlier attempt at the batch: those of a partition that committed it (it answers the retry with
        // the sums it applied, GridStepReply.Recorded), or those a coordinator of an earlier version persisted. Without
        // either, no partition has persisted the batch, and every one evaluates it again from storage: the same shares,
        // so the same sums, computed again (nothing to persist per step).
        var state = _state.State;
        var recorded = state.GridBatch == batchNumber ? state.GridSums : [];
        var steps = 0;
        var replies = new Task<GridStepReply>[_partitions.Length];
        for (var p = 0; p < _partitions.Length; p++)
        {
            replies[p] = _partitions[p].EvaluateGridAsync(batchNumber, asked[p], activities, wire, input);
        }

        var pauses = new List<GridStepReply>(_partitions.Length);
        var paused = new List<int>(_partitions.Length);
        while (true)
        {
            await Task.WhenAll(replies);
            pauses.Clear();
            paused.Clear();
            for (var p = 0; p < _partitions.Length; p++)
            {
                var reply = await replies[p];
                if (reply.Done)
                {
                    evaluations[p] ??= Task.FromResult(new Immutable<byte[]>(reply.Output));
                    recorded = Adopt(batchNumber, recorded, reply.Recorded);
                }
                else
                {
                    pauses.Add(reply);
                    paused.Add(p);
                }
            }

            if (pauses.Count == 0)
            {
                return;
            }

            if (steps == 0 && pauses.Count == _partitions.Length)
            {
                // No partition has committed the batch: every one evaluates it from storage, and the sums are computed
                // again (an earlier version's persisted sums, whose steps may be cut differently, are not needed).
                recorded = [];
            }

            GridSums sums;
            if (steps < recorded.Length)
            {
                // A retry: the sums this step had (some partitions persisted the batch with them).
                sums = recorded[steps];
                foreach (var pause in pauses)
                {
                    if (!sums.Answers(pause))
                    {
                        throw new InvalidOperationException(
                            $"Alert engine '{Definition.Name}': batch {batchNumber} paused at another step of the anomaly dispersion grid's exchange than when it was first evaluated: the partitions' detector-wide states differ. " +
                            EnginePartitionGrain.MixedAdvice);
                    }
                }
            }
            else
            {
                if (pauses.Count != _partitions.Length || !pauses.TrueForAll(pause => pause.SameStep(pauses[0])))
                {
                    throw new InvalidOperationException(
                        $"Alert engine '{Definition.Name}': in batch {batchNumber} the partitions reached different steps of the anomaly dispersion grid's exchange " +
                        $"({pauses.Count} of {_partitions.Length} paused{(pauses.Count == _partitions.Length ? ", at different steps" : ", the others finished the batch without the exchange")}): their detector-wide states differ, " +
                        "typically because some silos run a version or configuration without the grid. " +
                        EnginePartitionGrain.MixedAdvice);
                }

                sums = GridSums.Combine([.. pauses], _gridSum);
            }

            steps++;
            for (var i = 0; i < paused.Count; i++)
            {
                replies[paused[i]] = _partitions[paused[i]].ContinueGridAsync(batchNumber, sums, input);
            }

            for (var p = 0; p < _partitions.Length; p++)
            {
                if (evaluations[p] is not null)
                {
                    replies[p] = Task.FromResult(GridStepReply.Finished([]));
                }
            }
        }
    }

    /// <summary>The sums of an earlier attempt at batch <paramref name="batchNumber"/>: <paramref name="known"/>, or a
    /// committed partition's <paramref name="committed"/> (every partition that committed the batch applied the same
    /// sums: checked).</summary>
    private GridSums[] Adopt(long batchNumber, GridSums[] known, GridSums[] committed)
    {
        if (committed.Length == 0)
        {
            return known;
        }

        var common = Math.Min(known.Length, committed.Length);
        for (var i = 0; i < common; i++)
        {
            if (!known[i].SameAs(committed[i]))
            {
                throw new InvalidOperationException(
                    $"Alert engine '{Definition.Name}': partitions committed batch {batchNumber} with different sums of the anomaly dispersion grid (step {i + 1}): their states differ; restore a whole-engine checkpoint.");
            }
        }

        return committed.Length > known.Length ? committed : known;
    }

    /// <summary>Forgets the alerts that became final; returns the ids of the others.</summary>
    private string[] OpenAlerts(AlertPipeline pipeline)
    {
        List<string>? final = null;
        foreach (var (id, policyId) in _open)
        {
            if (pipeline.IsFinal(Stub(id, policyId)))
            {
                (final ??= []).Add(id);
            }
        }

        if (final is not null)
        {
            foreach (var id in final)
            {
                _open.Remove(id);
            }
        }

        var ids = new string[_open.Count];
        _open.Keys.CopyTo(ids, 0);
        Array.Sort(ids, StringComparer.Ordinal);
        return ids;
    }

    /// <summary>An alert with only its ids: <see cref="AlertPipeline.IsFinal"/> looks at nothing else.</summary>
    private static Alert Stub(string id, string policyId) => new()
    {
        Id = id,
        PolicyId = policyId,
        PolicyName = "",
        CreatedAt = default,
        FirstActivityAt = default,
        LastActivityAt = default,
        HitCount = 0,
        Users = [],
        Activities = ImmutableList<AlertActivity>.Empty,
    };

    /// <summary>Writes the state record (a delta, or the whole checkpoint as a new base), then the head, which commits
    /// the batch; records a new base replaced are deleted afterwards.</summary>
    private async Task PersistAsync(long batchNumber, AlertBatchResult? result, bool forceBase, (string Name, string? ETag)? input = null)
    {
        var previous = _state.State.Log;
        var (inputBatches, inputs, inputETags, dropped) = RetainInputs(_state.State, batchNumber, input);
        var delta = _delta.Write(_pipeline!);
        var isBase = forceBase || StateLogStore.ShouldCompact(previous, delta.Length, Definition.MaxDeltas, Definition.CompactionFraction);
        byte[] bytes;
        if (isBase)
        {
            using var checkpoint = new MemoryStream((int)Math.Clamp(previous.BaseBytes, 256, int.MaxValue / 2));
            _pipeline!.SaveCheckpoint(checkpoint);
            bytes = checkpoint.ToArray();
            _delta.Reset(_pipeline);
        }
        else
        {
            bytes = delta;
        }

        var log = await _records!.AppendAsync(previous, batchNumber, bytes, isBase);
        var ids = new string[_open.Count];
        var policyIds = new string[_open.Count];
        var n = 0;
        foreach (var (id, policyId) in _open)
        {
            ids[n] = id;
            policyIds[n++] = policyId;
        }

        _state.State = new CoordinatorGrainState
        {
            LastBatch = batchNumber,
            Log = log,
            LastResult = result,
            Partitions = Definition.Partitions,
            OpenAlertIds = ids,
            OpenAlertPolicyIds = policyIds,
            InputBatches = inputBatches,
            Inputs = inputs,
            InputETags = inputETags,
        };
        await _state.WriteStateAsync();
        if (isBase)
        {
            await _records.DeleteReplacedAsync(previous, log);
        }

        foreach (var (name, etag) in dropped)
        {
            await _inputs!.DeleteAsync(name, etag);
        }
    }

    /// <summary>The inputs kept after batch <paramref name="batchNumber"/> (the new one added) and the ones no partition
    /// needs any more: a partition's base is at most <see cref="EngineDefinition.MaxDeltas"/> batches old.</summary>
    private (long[] Batches, string[] Names, string?[] ETags, List<(string Name, string? ETag)> Dropped) RetainInputs(
        CoordinatorGrainState state, long batchNumber, (string Name, string? ETag)? input)
    {
        var oldest = batchNumber - Definition.MaxDeltas;
        var batches = new List<long>(state.InputBatches.Length + 1);
        var names = new List<string>(state.InputBatches.Length + 1);
        var etags = new List<string?>(state.InputBatches.Length + 1);
        var dropped = new List<(string Name, string? ETag)>();
        for (var i = 0; i < state.InputBatches.Length; i++)
        {
            if (state.InputBatches[i] <= oldest)
            {
                dropped.Add((state.Inputs[i], state.InputETags[i]));
            }
            else
            {
                batches.Add(state.InputBatches[i]);
                names.Add(state.Inputs[i]);
                etags.Add(state.InputETags[i]);
            }
        }

        if (input is { } added)
        {
            if (batchNumber <= oldest)
            {
                dropped.Add(added);
            }
            else
            {
                batches.Add(batchNumber);
                names.Add(added.Name);
                etags.Add(added.ETag);
            }
        }

        return ([.. batches], [.. names], [.. etags], dropped);
    }

    /// <summary>A coordinator pipeline, from the coordinator's own persisted checkpoint when there is one.</summary>
    private AlertPipeline NewPipeline(byte[]? checkpoint)
    {
        var definition = Definition;
        var pipeline = new AlertPipeline(definition.Policies, definition.Options, _time, _logger)
        {
            PartitionedState = _none ??= EmptyPartitionState.None(definition.Policies, definition.Options),
        };
        if (checkpoint is not null)
        {
            using var stream = new MemoryStream(checkpoint, writable: false);
            pipeline.RestoreCheckpoint(stream);
            pipeline.TakeRestoredState(); // empty: the partitions hold the filter and trigger state
        }

        return pipeline;
    }

    /// <summary>Every partition's state, read back into local partitions (for a whole-engine checkpoint).</summary>
    private async Task<EnginePartition[]> LoadPartitionsAsync()
    {
        var definition = Definition;
        var states = new Task<Immutable<byte[]>>[_partitions.Length];
        for (var p = 0; p < states.Length; p++)
        {
            states[p] = _partitions[p].GetStateAsync();
        }

        await Task.WhenAll(states);
        var partitions = new EnginePartition[states.Length];
        for (var p = 0; p < partitions.Length; p++)
        {
            partitions[p] = new EnginePartition(definition.Policies, definition.Options, p, partitions.Length);
            PartitionStateCodec.Read(partitions[p], (await states[p]).Value, definition.Policies.Count);
        }

        return partitions;
    }

    private static AlertBatchResult Copy(AlertBatchResult r, bool alreadyApplied) => new()
    {
        BatchNumber = r.BatchNumber,
        AlreadyApplied = alreadyApplied,
        Activities = r.Activities,
        Duplicates = r.Duplicates,
        Late = r.Late,
        Future = r.Future,
        Detections = r.Detections,
        AlertsCreated = r.AlertsCreated,
        AlertsUpdated = r.AlertsUpdated,
        Watermark = r.Watermark,
        OpenAlertIds = r.OpenAlertIds,
    };
}
