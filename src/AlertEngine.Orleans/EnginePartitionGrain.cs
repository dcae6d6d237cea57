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
/// (<see cref="PartitionStateCodec"/>, its own record, <see cref="StateLogStore"/>) is written at the first batch and
/// when the base would be more than <see cref="EngineDefinition.MaxDeltas"/> batches old, so a restart replays at most
/// that many batches.
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
    private BatchFaultPoints? _faults;
    private int _index;
    private long _checkedBatch;
    private bool[] _checkedDecisions = [];

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
        if (state.HasState && (state.Partitions != definition.Partitions || state.Fingerprint != definition.Fingerprint))
        {
            throw new InvalidOperationException(
                $"Alert engine '{engine}': partition {index} was persisted with other policies or another partition count ({state.Partitions}, now {definition.Partitions}). " +
                "Change policies or partitions through a whole-engine checkpoint: AlertEngineClient.SaveCheckpointAsync, then RestoreCheckpointAsync into an engine with the new configuration.");
        }

        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(AlertEngineClusterOptions.StorageName);
        _records = new StateLogStore(storage, GrainContext.GrainId, "partition");
        _inputs = new StateLogStore(storage, GrainFactory.GetGrain<IEngineCoordinatorGrain>(engine).GetGrainId(), "input");
        _faults = ServiceProvider.GetService<BatchFaultPoints>();
        var log = state.Log;
        var (snapshot, deltas) = await _records.ReadAsync(log);
        var partition = NewPartition(state.Checkpoint ?? snapshot, deltas);
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
            _partition!.CheckDuplicates(queries.ToQueries(), decisions);
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
        var state = _state.State;
        if (batchNumber == state.LastBatch)
        {
            return new Immutable<byte[]>(state.LastOutput);
        }

        ExpectNext(batchNumber);
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
            var routes = Definition.RoutesFor(input, admitted, activities.Value);
            _output.Clear();
            _partition!.Evaluate(routes, _output);
            var encoded = PartitionOutputCodec.Encode(_output);
            _output.Clear();
            var checkedHere = _checkedBatch == batchNumber;
            var log = state.Log;
            // A base snapshot at the first batch, when the inputs since the base would exceed MaxDeltas, or over
            // state persisted before inputs.
            var compact = log.Base is null
                || batchNumber - log.BaseBatch > Definition.MaxDeltas
                || state.Checkpoint is not null
                || log.Deltas.Length > 0
                || (log.Base is not null && log.BaseBatch == 0);
            var bytes = compact ? PartitionStateCodec.Write(_partition, Definition.Policies.Count, (int)Math.Min(int.MaxValue / 2, log.BaseBytes + log.DeltaBytes)) : null;
            if (_faults is { } faults)
            {
                await faults.BeforePartitionPersistAsync(Definition.Name, _index, batchNumber);
            }

            await PersistAsync(batchNumber, bytes, input, checkedHere ? _checkedDecisions : [], encoded);
            return new Immutable<byte[]>(encoded);
        }
        catch
        {
            // Memory may be ahead of storage: start again from storage.
            DeactivateOnIdle();
            throw;
        }
    }

    /// <remarks>Memory holds the persisted state between batches (a failed batch deactivates the grain).</remarks>
    public Task<Immutable<byte[]>> GetStateAsync() =>
        Task.FromResult(new Immutable<byte[]>(PartitionStateCodec.Write(_partition!, Definition.Policies.Count)));

    public async Task ReplaceStateAsync(long lastBatch, Immutable<byte[]> state)
    {
        try
        {
            _partition = NewPartition(state.Value, []);
            await PersistAsync(lastBatch, PartitionStateCodec.Write(_partition, Definition.Policies.Count), input: null, [], []);
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

    private EnginePartition NewPartition(byte[]? snapshot, byte[][] deltas)
    {
        var partition = new EnginePartition(Definition.Policies, Definition.Options, _index, Definition.Partitions);
        if (snapshot is not null)
        {
            PartitionStateCodec.Restore(partition, snapshot, deltas, Definition.Policies.Count);
        }

        return partition;
    }

    /// <summary>Writes a new base when <paramref name="snapshot"/> is given, then the head (listing the base, or the
    /// batch's <paramref name="input"/> after the previous ones): the batch is committed when the head is written.
    /// Records a new base replaced are deleted afterwards (the inputs are the coordinator's).</summary>
    private async Task PersistAsync(long batchNumber, byte[]? snapshot, string? input, bool[] decisions, byte[] output)
    {
        var previous = _state.State.Log;
        var isBase = snapshot is not null;
        var log = isBase
            ? await _records!.AppendAsync(previous, batchNumber, snapshot!, isBase: true)
            : StateLogStore.WithInput(previous, input ?? throw new InvalidOperationException("A batch without a snapshot needs its input."));
        _state.State = new PartitionGrainState
        {
            LastBatch = batchNumber,
            Log = log,
            LastDecisions = decisions,
            LastOutput = output,
            Partitions = Definition.Partitions,
            Fingerprint = Definition.Fingerprint,
        };
        await _state.WriteStateAsync();
        _checkedBatch = 0;
        _checkedDecisions = [];
        if (isBase)
        {
            await _records!.DeleteReplacedAsync(previous, log);
        }
    }

    private void ExpectNext(long batchNumber)
    {
        if (batchNumber != _state.State.LastBatch + 1)
        {
            throw new InvalidOperationException(
                $"Alert engine '{Definition.Name}': partition {_index} expected batch {_state.State.LastBatch + 1} or a retry of {_state.State.LastBatch}, got {batchNumber}.");
        }
    }
}
