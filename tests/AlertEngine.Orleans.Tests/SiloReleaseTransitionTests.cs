using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// A silo's release of its batch (<see cref="EngineDefinition.PartitionFinished"/>, <see cref="EngineDefinition.PartitionActivated"/>,
/// <see cref="EngineDefinition.PartitionDeactivated"/>) through the transitions the cluster tests reach only by chance:
/// a partition that activates after the others finished the batch, a stale call's finish, a partition deactivating
/// mid-batch. Each ends with the silo holding nothing (<see cref="EngineDefinition.HoldsBatch"/>).
/// </summary>
[Collection(nameof(SharedRoutingTests))]
public class SiloReleaseTransitionTests
{
    private static (AdmittedActivities Wire, byte[] Bytes) Batch(int n)
    {
        var batch = new Activity[n];
        var admitted = new List<AdmittedActivity>();
        for (var i = 0; i < n; i++)
        {
            batch[i] = new Activity("a" + i, Start.AddSeconds(i), Operations[i % Operations.Length]) { UserId = Users[i % Users.Length] };
            admitted.Add(new AdmittedActivity(1 + i, batch[i], true));
        }

        return (AdmittedActivities.From(admitted, 1), ActivityBatchCodec.Encode(batch));
    }

    private static void Evaluate(EngineDefinition definition, int partition, string input, AdmittedActivities wire, byte[] bytes)
    {
        using (definition.RoutesFor(input, wire, bytes))
        {
        }

        definition.PartitionFinished(partition, input);
    }

    /// <summary>Partition 0 finishes the batch alone (the silo releases it); partition 1 activates only then (its first
    /// call of the batch activated it), routes the batch again and finishes it: the silo releases it again instead of
    /// holding it until the next batch.</summary>
    [Fact]
    public void A_partition_activating_after_the_others_finished_the_batch_releases_it_again()
    {
        var (wire, bytes) = Batch(40);
        var definition = new EngineDefinition("e", AllPolicies(), Options(), 2);
        var decodes = 0;
        definition.Decoded = _ => decodes++;
        definition.PartitionActivated(0);
        Evaluate(definition, 0, "input-1", wire, bytes.ToArray());
        Assert.False(definition.HoldsBatch);
        Assert.Equal(1, definition.ReleasedBatches);

        definition.PartitionActivated(1);
        Evaluate(definition, 1, "input-1", wire, bytes.ToArray());
        Assert.Equal(2, decodes); // routed again after the release
        Assert.False(definition.HoldsBatch, $"held; released {definition.ReleasedBatches}");
        Assert.Equal(2, definition.ReleasedBatches);

        // The next batch: both partitions active, released once both finished.
        Evaluate(definition, 1, "input-2", wire, bytes.ToArray());
        Assert.True(definition.HoldsBatch);
        Evaluate(definition, 0, "input-2", wire, bytes.ToArray());
        Assert.False(definition.HoldsBatch);
        Assert.Equal(3, definition.ReleasedBatches);
    }

    /// <summary>A stale call of the batch (an earlier coordinator attempt's input, queued at partition 0 before its
    /// retry call) finishes after partition 1 finished the retry: it neither replaces the retry's routes (routed once)
    /// nor keeps the silo from releasing the retry once partition 0 finishes it.</summary>
    [Fact]
    public void A_stale_finish_of_another_input_neither_replaces_nor_holds_the_current_batch()
    {
        var (wire, bytes) = Batch(40);
        var definition = new EngineDefinition("e", AllPolicies(), Options(), 2);
        var decodes = 0;
        definition.Decoded = _ => decodes++;
        definition.PartitionActivated(0);
        definition.PartitionActivated(1);
        Evaluate(definition, 1, "input-7-retry", wire, bytes.ToArray());
        definition.PartitionFinished(0, "input-7-stale");
        Assert.True(definition.HoldsBatch); // partition 0 has not finished the retry
        Evaluate(definition, 0, "input-7-retry", wire, bytes.ToArray());
        Assert.Equal(1, decodes);
        Assert.False(definition.HoldsBatch, $"held; released {definition.ReleasedBatches}");
        Assert.Equal(1, definition.ReleasedBatches);
    }

    /// <summary>A partition that answered the batch from its persisted answers finishes it before any partition on the
    /// silo routes it: the silo releases the batch once the one that routes it finishes too.</summary>
    [Fact]
    public void A_finish_before_the_batch_is_routed_counts_once_it_is()
    {
        var (wire, bytes) = Batch(40);
        var definition = new EngineDefinition("e", AllPolicies(), Options(), 3);
        definition.PartitionActivated(0);
        definition.PartitionActivated(2);
        definition.PartitionFinished(2, "input-1");
        Assert.False(definition.HoldsBatch);
        Evaluate(definition, 0, "input-1", wire, bytes.ToArray());
        Assert.False(definition.HoldsBatch, $"held; released {definition.ReleasedBatches}");
        Assert.Equal(1, definition.ReleasedBatches);
    }

    /// <summary>A partition that deactivates before finishing the batch (its silo moved it) no longer keeps the silo's
    /// batch: the others' finish, or its deactivation when they had finished, releases it; a partition that has not
    /// finished keeps it, and one that activates again must finish the next batch too.</summary>
    [Fact]
    public void Deactivations_release_a_batch_the_partitions_left_have_finished()
    {
        var (wire, bytes) = Batch(40);
        var definition = new EngineDefinition("e", AllPolicies(), Options(), 3);
        for (var p = 0; p < 3; p++)
        {
            definition.PartitionActivated(p);
        }

        Evaluate(definition, 0, "input-1", wire, bytes.ToArray());
        Assert.True(definition.HoldsBatch);
        definition.PartitionDeactivated(2); // never asked for the batch here
        Assert.True(definition.HoldsBatch); // partition 1 has not finished it
        Assert.Equal(0, definition.ReleasedBatches);
        definition.PartitionDeactivated(1);
        Assert.False(definition.HoldsBatch);
        Assert.Equal(1, definition.ReleasedBatches);
        Assert.Equal(1, definition.LocalPartitions);

        definition.PartitionActivated(1);
        Evaluate(definition, 0, "input-2", wire, bytes.ToArray());
        Assert.True(definition.HoldsBatch); // the reactivated partition 1 must finish batch 2 too
        Evaluate(definition, 1, "input-2", wire, bytes.ToArray());
        Assert.False(definition.HoldsBatch);
        Assert.Equal(2, definition.ReleasedBatches);

        // The last partition leaves before the next batch began here: nothing was finished, nothing to release.
        definition.PartitionDeactivated(0);
        definition.PartitionDeactivated(1);
        Assert.Equal(0, definition.LocalPartitions);
        Assert.False(definition.HoldsBatch);
        Assert.Equal(2, definition.ReleasedBatches);
    }

    /// <summary>A silo without the coordinator: each partition's call carries its own copy of the buffer, and four
    /// partitions route each batch at the same time (the one that starts the routing round, the one that joins it and
    /// the first to enter may differ): every batch is released, its decode included.</summary>
    [Fact]
    public async Task Concurrent_partitions_with_their_own_buffer_copies_release_every_batch()
    {
        var (wire, bytes) = Batch(40);
        var definition = new EngineDefinition("e", AllPolicies(), Options(), 4);
        for (var p = 0; p < 4; p++)
        {
            definition.PartitionActivated(p);
        }

        var held = 0;
        const int rounds = 2000;
        var random = new Random(1);
        for (var b = 0; b < rounds; b++)
        {
            var input = "input-" + b;
            var copies = Enumerable.Range(0, 4).Select(_ => bytes.ToArray()).ToArray();
            var spins = Enumerable.Range(0, 4).Select(_ => random.Next(200)).ToArray();
            using var barrier = new Barrier(4);
            await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Factory.StartNew(
                () =>
                {
                    barrier.SignalAndWait();
                    Thread.SpinWait(spins[p]);
                    Evaluate(definition, p, input, wire, copies[p]);
                },
                TestContext.Current.CancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default)));
            held += definition.HoldsBatch ? 1 : 0;
        }

        Assert.True(held == 0, $"held after {held} of {rounds} batches; released {definition.ReleasedBatches}");
        Assert.Equal(rounds, definition.ReleasedBatches);
    }
}
