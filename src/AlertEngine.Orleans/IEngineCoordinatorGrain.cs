using Orleans;
using Orleans.Concurrency;

namespace AlertEngine;

/// <summary>
/// The coordinator of one engine (key: the engine's name): the sequential phases of each batch (future check,
/// lateness and watermark, the merge of the partitions' events in single-node order, aggregation, counters), and
/// the fan-out to the partition grains, one call per partition and phase.
/// </summary>
internal interface IEngineCoordinatorGrain : IGrainWithStringKey
{
    Task<AlertBatchResult> ProcessAsync(long batchNumber, Immutable<byte[]> activities, CancellationToken cancellationToken);

    Task<long> GetLastBatchNumberAsync();

    /// <summary>The whole engine's checkpoint, in the single engine's format.</summary>
    Task<Immutable<byte[]>> SaveCheckpointAsync();

    /// <summary>Replaces the whole engine's state with a checkpoint in the single engine's format.</summary>
    Task<CheckpointRestoreReply> RestoreCheckpointAsync(Immutable<byte[]> checkpoint);

    /// <summary>Asks every partition grain to move when idle (Orleans placement picks the silo, e.g. a new one).</summary>
    Task RebalanceAsync();
}
