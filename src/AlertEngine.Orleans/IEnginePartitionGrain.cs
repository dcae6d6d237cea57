using Orleans;
using Orleans.Concurrency;

namespace AlertEngine;

/// <summary>
/// One partition of one engine (key: <c>{engine}/{partition}</c>, see <see cref="PartitionKey"/>): the duplicate-filter
/// entries of the activity ids and the trigger state of the scope keys that hash to it. Each call answers for a whole
/// batch; the answers for the last batch applied are persisted with the state, so a coordinator that retries the
/// batch gets the same answers and nothing is applied twice.
/// </summary>
internal interface IEnginePartitionGrain : IGrainWithStringKey
{
    /// <summary>Phase 2: duplicate decisions for this partition's ids in the batch, in query order.</summary>
    Task<Immutable<bool[]>> CheckDuplicatesAsync(long batchNumber, DuplicateQueries queries);

    /// <summary>Phase 4: evaluates the admitted activities for this partition's keys, persists the state, and returns
    /// the tagged events (<see cref="PartitionOutputCodec"/>).</summary>
    /// <param name="batchNumber">The batch.</param>
    /// <param name="checkedDuplicates">Whether this partition was asked for duplicate decisions in this batch (its
    /// filter then holds the batch's ids: an activation that did not answer them must not go on).</param>
    /// <param name="activities">The batch, as the client sent it (<see cref="ActivityBatchCodec"/>).</param>
    /// <param name="admitted">Which activities of the batch were admitted.</param>
    /// <param name="input">The name of the coordinator's record of this input (<see cref="BatchInput"/>), which the
    /// partition persists instead of its state and replays on activation.</param>
    Task<Immutable<byte[]>> EvaluateAsync(long batchNumber, bool checkedDuplicates, Immutable<byte[]> activities, AdmittedActivities admitted, string input);

    /// <summary>Phase 4 under the anomaly dispersion grid (issue 15): as <see cref="EvaluateAsync"/>, but the partition
    /// evaluates the batch in the parts of its <see cref="GridBatchCursor"/> and pauses (not persisted) wherever the
    /// grid's totals must be summed over the partitions, replying with its share; the coordinator answers each pause with
    /// <see cref="ContinueGridAsync"/>. The reply that is <see cref="GridStepReply.Done"/> carries the output, persisted.</summary>
    Task<GridStepReply> EvaluateGridAsync(long batchNumber, bool checkedDuplicates, Immutable<byte[]> activities, AdmittedActivities admitted, string input);

    /// <summary>Before a batch under the grid, after an upgrade from a version without it: whether this partition still
    /// holds the state that version wrote (<see cref="GridUpgradeStatus"/>); with <paramref name="convert"/>, converts
    /// it into the grid's models first (when no partition committed <paramref name="batchNumber"/> without the grid).</summary>
    Task<GridUpgradeStatus> PrepareGridAsync(long batchNumber, bool convert);

    /// <summary>Goes on with the batch paused by <see cref="EvaluateGridAsync"/> with the partitions' sums.</summary>
    Task<GridStepReply> ContinueGridAsync(long batchNumber, GridSums sums, string input);

    /// <summary>The coordinator's attempt at the batch failed: if paused in it (memory ahead of storage), forgets it and
    /// deactivates, so the retry starts from storage; otherwise nothing.</summary>
    Task AbandonGridAsync(long batchNumber);

    /// <summary>The partition's state after the last batch (<see cref="PartitionStateCodec"/>).</summary>
    Task<Immutable<byte[]>> GetStateAsync();

    /// <summary>Replaces the state (a restored engine checkpoint's share) and persists it, as of <paramref name="lastBatch"/>.</summary>
    Task ReplaceStateAsync(long lastBatch, Immutable<byte[]> state);

    /// <summary>Moves this activation when idle; the state moves with it (or is read again from storage).</summary>
    Task MigrateAsync();
}
