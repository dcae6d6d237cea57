namespace AlertEngine;

/// <summary>
/// Where a batch can be interrupted on purpose: the grains await these, when the silo's services hold an instance
/// (tests register one to kill a silo at a known point of a batch; production registers none). Thread-safe
/// implementations only (every grain of the silo calls them).
/// </summary>
internal class BatchFaultPoints
{
    /// <summary>A partition evaluated the batch in memory and is about to persist its state and answers.</summary>
    public virtual Task BeforePartitionPersistAsync(string engine, int partition, long batchNumber) => Task.CompletedTask;

    /// <summary>A partition paused at a grid exchange got the sums and is about to go on with the batch.</summary>
    public virtual Task BeforeGridContinueAsync(string engine, int partition, long batchNumber) => Task.CompletedTask;

    /// <summary>The coordinator applied the batch and wrote the alerts, and is about to persist its state.</summary>
    public virtual Task BeforeCoordinatorPersistAsync(string engine, long batchNumber) => Task.CompletedTask;
}
