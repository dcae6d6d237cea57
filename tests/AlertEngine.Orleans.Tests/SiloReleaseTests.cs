using System.Runtime.CompilerServices;
using Orleans.Runtime;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// No silo keeps a batch beyond it: on clusters whose silos each have their own engine definition (as separate
/// processes do, <see cref="EngineCluster.StartWithSiloRegistriesAsync"/>), once a batch is processed every silo has
/// dropped its decoded batch and its routes (<see cref="EngineDefinition.PartitionFinished"/>), the silos without the
/// coordinator included, whose only release used to be the next batch; and the batch's activities are garbage after
/// a full collection. The alerts stay the single node's.
/// </summary>
[Collection(nameof(SharedRoutingTests))] // no other test's batches in flight while a test collects and counts
public class SiloReleaseTests
{
    /// <summary>Policies whose state keeps no activity (threshold triggers keep arena records in a partition; an
    /// every-time trigger keeps nothing), so every activity of a processed batch must be garbage.</summary>
    private static IReadOnlyList<AlertPolicy> RecordPolicies() =>
        [.. AllPolicies().Where(p => p.Trigger is ThresholdTrigger || p.Id == "every-none")];

    [Theory]
    [InlineData(2, 6, 40)]
    [InlineData(3, 8, 25)]
    [InlineData(3, 3, 200)]
    public async Task Every_silo_drops_the_batch_once_its_partitions_are_done_and_its_activities_are_garbage(short silos, int partitions, int batchSize)
    {
        await using var cluster = await EngineCluster.StartWithSiloRegistriesAsync(silos);
        var activities = FaultTests.Stream(seed: 3);
        var (engine, policies) = cluster.AddEngine(RecordPolicies(), Options(), partitions);
        var name = engine.Name;
        var definitions = cluster.DefinitionsOf(name);
        var decoded = new List<(SiloAddress Silo, WeakReference Batch, WeakReference[] Activities)>();
        var gate = new Lock();
        foreach (var (silo, definition) in definitions)
        {
            definition.Decoded = batch =>
            {
                lock (gate)
                {
                    decoded.Add((silo, new WeakReference(batch), [.. batch.Select(a => new WeakReference(a))]));
                }
            };
        }

        var otherSilosRouted = 0;
        long number = 0;
        foreach (var batch in Oracle.Batches(activities, batchSize))
        {
            await engine.ProcessAsync(++number, batch, TestContext.Current.CancellationToken);
            var coordinator = CoordinatorSilo(cluster, name);
            foreach (var (silo, definition) in definitions)
            {
                Assert.False(definition.HoldsBatch, $"silo {silo} (coordinator on {coordinator}, {definition.LocalPartitions} partitions there) holds batch {number}");
            }

            List<(SiloAddress Silo, WeakReference Batch, WeakReference[] Activities)> made;
            lock (gate)
            {
                made = [.. decoded];
                decoded.Clear();
            }

            otherSilosRouted += made.Count(d => !d.Silo.Equals(coordinator));
            AssertCollected(made, number);
        }

        // The test proves something only if silos without the coordinator hosted partitions and decoded batches.
        Assert.True(otherSilosRouted >= number, $"silos without the coordinator decoded {otherSilosRouted} of {number} batches");
        var released = definitions.Where(d => d.Definition.LocalPartitions > 0).Select(d => d.Definition.ReleasedBatches).ToList();
        // Not "spread over two silos or more": placement may put 3 partitions on one silo of 3 (1 in 9; it failed a
        // Debug run), and the check above already proves that silos without the coordinator released batches.
        Assert.NotEmpty(released);
        Assert.All(released, r => Assert.Equal(number, r));
        Assert.Equal(
            Oracle.Describe(Oracle.Changes(policies, Options(), activities)),
            Oracle.Describe(cluster.UpsertsOf(policies)));
    }

    /// <summary>Every trigger kind (whose state may keep activities, so only the decoded arrays are checked): each
    /// silo drops its batch, and the alerts are the single node's.</summary>
    [Fact]
    public async Task Every_trigger_kind_on_three_silos_drops_every_batch_and_gives_the_single_node_alerts()
    {
        await using var cluster = await EngineCluster.StartWithSiloRegistriesAsync(3);
        var activities = FaultTests.Stream(seed: 5);
        var (engine, policies) = cluster.AddEngine(AllPolicies(), Options(), 7);
        var definitions = cluster.DefinitionsOf(engine.Name);
        var decoded = new List<(SiloAddress Silo, WeakReference Batch)>();
        var gate = new Lock();
        foreach (var (silo, definition) in definitions)
        {
            definition.Decoded = batch =>
            {
                lock (gate)
                {
                    decoded.Add((silo, new WeakReference(batch)));
                }
            };
        }

        long number = 0;
        var otherSilosDecoded = 0;
        var counted = 0;
        foreach (var batch in Oracle.Batches(activities, 30))
        {
            await engine.ProcessAsync(++number, batch, TestContext.Current.CancellationToken);
            Assert.All(definitions, d => Assert.False(d.Definition.HoldsBatch, $"silo {d.Silo} holds batch {number}"));
            var coordinator = CoordinatorSilo(cluster, engine.Name);
            lock (gate)
            {
                otherSilosDecoded += decoded.Skip(counted).Count(d => !d.Silo.Equals(coordinator));
                counted = decoded.Count;
            }
        }

        Collect();
        lock (gate)
        {
            // The test proves something only if silos without the coordinator decoded (and so released) batches.
            Assert.True(otherSilosDecoded >= number, $"silos without the coordinator decoded {otherSilosDecoded} of {number} batches");
            Assert.All(decoded, d => Assert.False(d.Batch.IsAlive));
        }

        Assert.Equal(
            Oracle.Describe(Oracle.Changes(policies, Options(), activities)),
            Oracle.Describe(cluster.UpsertsOf(policies)));
    }

    /// <summary>Through faults: a silo killed while one of its partitions evaluates a batch (the coordinator's call fails,
    /// the client retries the batch with a new input, the killed silo's partitions activate again on the others, some
    /// only at their evaluation, after the partitions there answered from their persisted answers), or between batches.
    /// After every batch that succeeded no silo holds it, and the alerts are the single node's.</summary>
    [Theory]
    [InlineData(2, false)]
    [InlineData(5, false)]
    [InlineData(3, true)]
    public async Task Every_silo_drops_the_batch_after_a_silo_is_killed_and_the_batch_retried(int atBatch, bool betweenBatches)
    {
        await using var cluster = await EngineCluster.StartWithSiloRegistriesAsync(4);
        var activities = FaultTests.Stream(seed: 5);
        var (engine, policies) = cluster.AddEngine(AllPolicies(), Options(), FaultTests.Partitions);
        var failures = new List<string>();
        var retries = 0;
        long number = 0;
        foreach (var batch in Oracle.Batches(activities, FaultTests.BatchSize))
        {
            var current = ++number;
            async Task Send()
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        await engine.ProcessAsync(current, batch, TestContext.Current.CancellationToken);
                        return;
                    }
                    catch (Exception) when (attempt < 30)
                    {
                        retries++;
                        await Task.Delay(200);
                    }
                }
            }

            if (current == atBatch && betweenBatches)
            {
                await cluster.Cluster.KillSiloAsync(FaultTests.Secondary(cluster), TestContext.Current.CancellationToken);
                await Send();
            }
            else if (current == atBatch)
            {
                cluster.Faults.PausePartition(engine.Name, current, cluster.Cluster.GetActiveSilos().First().SiloAddress);
                var paused = cluster.Faults.Paused;
                var pending = Send();
                var pause = await paused;
                await cluster.Cluster.KillSiloAsync(cluster.Cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(pause.Silo)), TestContext.Current.CancellationToken);
                cluster.Faults.Fail();
                await pending;
            }
            else
            {
                await Send();
            }

            foreach (var (silo, definition) in cluster.DefinitionsOf(engine.Name))
            {
                if (definition.HoldsBatch)
                {
                    failures.Add($"batch {current}: silo {silo} ({definition.LocalPartitions} partitions, released {definition.ReleasedBatches}) holds it");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join("; ", failures));
        Assert.True(betweenBatches || retries > 0, "the batch did not fail: the kill did not land mid-batch");
        Assert.Equal(3, cluster.Cluster.GetActiveSilos().Count());
        Assert.Equal(
            Oracle.Describe(Oracle.Changes(policies, Options(), activities)),
            Oracle.Describe(cluster.UpsertsOf(policies)));
    }

    private static SiloAddress CoordinatorSilo(EngineCluster cluster, string name)
    {
        var id = cluster.Cluster.Client.GetGrain<IEngineCoordinatorGrain>(name).GetGrainId();
        Assert.True(cluster.Cluster.TryGetGrainContext(id, out var context));
        return context!.Address.SiloAddress!;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AssertCollected(List<(SiloAddress Silo, WeakReference Batch, WeakReference[] Activities)> decoded, long number)
    {
        Collect();
        foreach (var (silo, batch, activities) in decoded)
        {
            Assert.False(batch.IsAlive, $"batch {number}'s decode on silo {silo} is alive");
            var alive = activities.Count(a => a.IsAlive);
            Assert.True(alive == 0, $"{alive} of batch {number}'s {activities.Length} activities decoded on silo {silo} are alive");
        }
    }

    private static void Collect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}
