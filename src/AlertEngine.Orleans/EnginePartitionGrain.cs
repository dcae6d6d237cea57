using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Concurrency;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Storage;

namespace AlertEngine;

/// <summary>
/// Hosts one <see cref="EnginePartition"/>. State is persisted once per batch, at the end of phase 4, together with
/// the batch's answers; phase 2 only changes memory. The state is persisted incrementally: a base snapshot and, per
/// batch, a delta of what the batch changed (<see cref="PartitionStateDelta"/>), each in its own storage record
/// (<see cref="StateLogStore"/>), then the head record (answers and the list of records), which commits the batch; a
/// new base replaces the deltas now and then (<see cref="EngineDefinition.MaxDeltas"/>). Any failure deactivates the grain, so the next call starts from
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
    private PartitionStateDelta? _delta;
    private StateLogStore? _records;
    private BatchFaultPoints? _faults;
    private int _index;
    private long _checkedBatch;
    private bool[] _checkedDecisions = [];
    private DuplicateQueries? _checkedQueries;

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

        _records = new StateLogStore(ServiceProvider.GetRequiredKeyedService<IGrainStorage>(AlertEngineClusterOptions.StorageName), GrainContext.GrainId, "partition");
        _faults = ServiceProvider.GetService<BatchFaultPoints>();
        _delta = new PartitionStateDelta(definition.Policies.Count);
        var (snapshot, deltas) = await _records.ReadAsync(state.Log);
        _partition = NewPartition(state.Checkpoint ?? snapshot, deltas);
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
            _checkedQueries = queries;
            return Task.FromResult(new Immutable<bool[]>(decisions));
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public async Task<Immutable<byte[]>> EvaluateAsync(long batchNumber, bool checkedDuplicates, Immutable<byte[]> activities, AdmittedActivities admitted)
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
            var batch = ActivityBatchCodec.Decode(activities.Value);
            var evaluated = admitted.Resolve(batch);
            _output.Clear();
            _delta!.Begin(_partition!, evaluated);
            _partition!.Evaluate(evaluated, _output);
            var encoded = PartitionOutputCodec.Encode(_output);
            _output.Clear();
            var checkedHere = _checkedBatch == batchNumber;
            var delta = _delta.Write(_partition, checkedHere ? _checkedQueries : null, 1024);
            var log = state.Log;
            var compact = StateLogStore.ShouldCompact(log, delta.Length, Definition.MaxDeltas, Definition.CompactionFraction);
            var bytes = compact ? PartitionStateCodec.Write(_partition, Definition.Policies.Count, (int)Math.Min(int.MaxValue / 2, log.BaseBytes + log.DeltaBytes)) : delta;
            if (_faults is { } faults)
            {
                await faults.BeforePartitionPersistAsync(Definition.Name, _index, batchNumber);
            }

            await PersistAsync(batchNumber, bytes, compact, checkedHere ? _checkedDecisions : [], encoded);
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
            await PersistAsync(lastBatch, PartitionStateCodec.Write(_partition, Definition.Policies.Count), isBase: true, [], []);
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

    /// <summary>Writes the state record (a delta, or a new base), then the head: the batch is committed when the head
    /// is written. Records a new base replaced are deleted afterwards.</summary>
    private async Task PersistAsync(long batchNumber, byte[] bytes, bool isBase, bool[] decisions, byte[] output)
    {
        var previous = _state.State.Log;
        var log = await _records!.AppendAsync(previous, batchNumber, bytes, isBase);
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
        _checkedQueries = null;
        if (isBase)
        {
            await _records.DeleteReplacedAsync(previous, log);
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
