using Orleans.Concurrency;

namespace AlertEngine;

/// <summary>
/// Sends batches of activities to an engine hosted in an Orleans cluster. Batches are numbered 1, 2, 3, … by the
/// caller; each is evaluated exactly once, in number order, and <see cref="ProcessAsync"/> returns when the batch is
/// durably evaluated (its alert changes are in the cluster's <see cref="IAlertStore"/> and the state after it is
/// persisted). When a call fails (a silo died, a timeout), send the same batch with the same number again: a batch
/// applied before is not applied twice, and a batch interrupted half-way is evaluated again from the state before it,
/// with the same alerts as if nothing had failed. Re-delivering activities in a new batch is also safe: the duplicate
/// filter does not evaluate an id seen within the duplicate horizon again.
/// </summary>
/// <remarks>Thread-safe, but batches of one engine must be sent one at a time, in order (a batch numbered above the
/// next expected one is refused).</remarks>
public sealed class AlertEngineClient
{
    private readonly IEngineCoordinatorGrain _coordinator;

    internal AlertEngineClient(IEngineCoordinatorGrain coordinator, string name)
    {
        _coordinator = coordinator;
        Name = name;
    }

    /// <summary>The engine's name.</summary>
    public string Name { get; }

    /// <summary>Evaluates one batch of activities, in order, exactly once.</summary>
    /// <param name="batchNumber">The batch's number: 1 for the first, then one more each time; a number already
    /// applied returns at once with <see cref="AlertBatchResult.AlreadyApplied"/>.</param>
    /// <param name="activities">The activities, in order (may be empty).</param>
    /// <param name="cancellationToken">Cancels the wait; the batch may still be applied, so send it again.</param>
    /// <returns>What the batch did.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchNumber"/> is below 1.</exception>
    /// <exception cref="ArgumentException">An activity is null, or <paramref name="batchNumber"/> skips a batch (the
    /// message names the next expected number).</exception>
    public Task<AlertBatchResult> ProcessAsync(long batchNumber, IReadOnlyList<Activity> activities, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchNumber, 1);
        ArgumentNullException.ThrowIfNull(activities);
        for (var i = 0; i < activities.Count; i++)
        {
            if (activities[i] is null)
            {
                throw new ArgumentException($"activities[{i}] is null.", nameof(activities));
            }
        }

        return _coordinator.ProcessAsync(batchNumber, new Immutable<byte[]>(ActivityBatchCodec.Encode(activities)), cancellationToken);
    }

    /// <summary>The number of the last batch applied (0 before the first), to resume a stream after a client restart.</summary>
    /// <returns>The number.</returns>
    public Task<long> GetLastBatchNumberAsync() => _coordinator.GetLastBatchNumberAsync();

    /// <summary>
    /// Writes one checkpoint of the whole engine (coordinator and every partition, as of the last batch applied) in
    /// the single engine's format (docs/restart-safety.md): an <c>AlertPipeline</c>, a <c>PartitionedAlertPipeline</c>
    /// or another cluster engine, with any partition count, can restore it. Do not send batches meanwhile.
    /// </summary>
    /// <param name="stream">A writable stream (left open).</param>
    /// <param name="cancellationToken">Cancels writing to <paramref name="stream"/>.</param>
    /// <returns>A task that completes when the checkpoint is written.</returns>
    public async Task SaveCheckpointAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var checkpoint = await _coordinator.SaveCheckpointAsync().ConfigureAwait(false);
        await stream.WriteAsync(checkpoint.Value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replaces the whole engine's state with a checkpoint in the single engine's format (written by an
    /// <c>AlertPipeline</c>, a <c>PartitionedAlertPipeline</c> or <see cref="SaveCheckpointAsync"/>), split over this
    /// engine's partitions and persisted; per policy as <c>AlertPipeline.RestoreCheckpoint</c> (a changed, added or
    /// removed policy starts empty). The batch numbering goes on from <see cref="GetLastBatchNumberAsync"/>. Do not
    /// send batches meanwhile.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the checkpoint (read to its end, left open).</param>
    /// <param name="cancellationToken">Cancels reading <paramref name="stream"/>.</param>
    /// <returns>The policies whose state was restored and the ones that start empty, with reasons.</returns>
    /// <exception cref="InvalidDataException">The data is not an engine checkpoint of a supported version, or is
    /// truncated or corrupt; the engine's state is unchanged.</exception>
    public async Task<CheckpointRestoreResult> RestoreCheckpointAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var reply = await _coordinator.RestoreCheckpointAsync(new Immutable<byte[]>(buffer.ToArray())).ConfigureAwait(false);
        return reply.ToResult();
    }

    /// <summary>
    /// Asks every partition grain to move to the silo Orleans placement picks now, e.g. after silos were added
    /// (Orleans does not move running activations by itself). Each partition's state goes with it or is read again
    /// from storage: nothing is lost. A batch running meanwhile may fail and is then sent again by the caller.
    /// </summary>
    /// <returns>A task that completes when every partition has been asked.</returns>
    public Task RebalanceAsync() => _coordinator.RebalanceAsync();
}
