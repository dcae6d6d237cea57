using System.Collections.Concurrent;
using Orleans.Runtime;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// Pauses a batch at a known point so a test can kill the silo it runs on mid-batch: <see cref="PausePartition"/> arms
/// the next partition of an engine that reaches <see cref="BatchFaultPoints.BeforePartitionPersistAsync"/> in a batch
/// on a silo other than the excluded one; the test awaits <see cref="Paused"/> (which silo, which partition), kills
/// that silo, then <see cref="Fail"/>s the paused call (so it never persists: its silo is dead). Thread-safe.
/// </summary>
internal sealed class FaultPoints
{
    private readonly Lock _gate = new();
    private Armed? _armed;

    public sealed record Pause(SiloAddress Silo, int Partition);

    private sealed class Armed(string engine, long batch, SiloAddress spare)
    {
        public string Engine { get; } = engine;
        public long Batch { get; } = batch;
        public SiloAddress Spare { get; } = spare;
        public TaskCompletionSource<Pause> Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public Task<Pause> Paused => _armed?.Reached.Task ?? throw new InvalidOperationException("Nothing armed.");

    public void PausePartition(string engine, long batchNumber, SiloAddress spare)
    {
        lock (_gate)
        {
            _armed = new Armed(engine, batchNumber, spare);
        }
    }

    public void Fail()
    {
        Armed? armed;
        lock (_gate)
        {
            (armed, _armed) = (_armed, null);
        }

        armed?.Release.TrySetException(new InvalidOperationException("The silo of this call was killed."));
    }

    private (string Engine, long Batch, int Partition)? _failContinue;

    public int ContinueFailures;

    public void FailContinueOnce(string engine, long batch, int partition)
    {
        lock (_gate)
        {
            _failContinue = (engine, batch, partition);
        }
    }

    private Task Continue(string engine, int partition, long batch)
    {
        lock (_gate)
        {
            if (_failContinue is { } f && f.Engine == engine && f.Batch == batch && f.Partition == partition)
            {
                _failContinue = null;
                ContinueFailures++;
                throw new InvalidOperationException("Simulated: partition's silo gone during a grid pause.");
            }
        }

        return Task.CompletedTask;
    }

    public BatchFaultPoints For(SiloAddress silo) => new Points(this, silo);

    private Task Reach(string engine, int partition, long batchNumber, SiloAddress silo)
    {
        Armed? armed;
        lock (_gate)
        {
            armed = _armed;
            if (armed is null || armed.Engine != engine || armed.Batch != batchNumber || armed.Spare.Equals(silo) || armed.Reached.Task.IsCompleted)
            {
                return Task.CompletedTask;
            }

            armed.Reached.SetResult(new Pause(silo, partition));
        }

        return armed.Release.Task;
    }

    private sealed class Points(FaultPoints owner, SiloAddress silo) : BatchFaultPoints
    {
        public override Task BeforePartitionPersistAsync(string engine, int partition, long batchNumber) =>
            owner.Reach(engine, partition, batchNumber, silo);

        public override Task BeforeGridContinueAsync(string engine, int partition, long batchNumber) =>
            owner.Continue(engine, partition, batchNumber);
    }
}
