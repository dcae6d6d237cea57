using FsCheck.Fluent;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// Exactly once through failures: silos killed between batches and during a batch, a silo added mid-stream, the
/// whole cluster restarted from persisted state, and client retries. Each run is compared with the single-node
/// pipeline: the final version of every alert is the same (a retried batch may write the same alert versions to the
/// store again, which an upsert makes harmless), and the counters add up to the single node's.
/// </summary>
public class FaultTests
{
    private const int Partitions = 8;
    private const int BatchSize = 8;

    [Fact]
    public async Task A_retried_batch_that_was_applied_is_not_applied_again()
    {
        await using var cluster = await EngineCluster.StartAsync(2);
        var activities = Stream();
        var (engine, policies) = cluster.AddEngine(AllPolicies(), Options(), Partitions);
        var batches = Oracle.Batches(activities, BatchSize).ToList();
        long number = 0;
        foreach (var batch in batches)
        {
            var first = await engine.ProcessAsync(++number, batch);
            var upserts = cluster.UpsertsOf(policies).Count;

            // The reply was lost: the client sends the same batch again.
            var again = await engine.ProcessAsync(number, batch);
            Assert.True(again.AlreadyApplied);
            Assert.Equal(first.Detections, again.Detections);
            Assert.Equal(upserts, cluster.UpsertsOf(policies).Count);
        }

        Assert.Equal(
            Oracle.Describe(Oracle.Changes(policies, Options(), activities)),
            Oracle.Describe(cluster.UpsertsOf(policies)));
        Assert.Equal(number, await engine.GetLastBatchNumberAsync());
    }

    [Fact]
    public async Task Activities_delivered_again_in_a_new_batch_are_duplicates()
    {
        await using var cluster = await EngineCluster.StartAsync(2);
        var activities = Stream();
        var (engine, policies) = cluster.AddEngine(AllPolicies(), Options(), Partitions);
        long number = 0;
        List<Activity>? previous = null;
        foreach (var batch in Oracle.Batches(activities, BatchSize))
        {
            if (previous is not null)
            {
                // An at-least-once source delivers the previous batch again, as a new batch.
                var redelivered = await engine.ProcessAsync(++number, previous);
                Assert.Equal(0, redelivered.Detections);
                Assert.Equal(previous.Count, redelivered.Duplicates + redelivered.Late);
            }

            await engine.ProcessAsync(++number, batch);
            previous = batch;
        }

        Assert.Equal(
            Oracle.Describe(Oracle.Changes(policies, Options(), activities)),
            Oracle.Describe(cluster.UpsertsOf(policies)));
    }

    [Fact]
    public async Task Killing_a_silo_between_batches_loses_nothing_and_counts_nothing_twice()
    {
        var (_, silos) = await RunWithFault(3, async (cluster, engine, number, send) =>
        {
            if (number % 7 == 3 && cluster.Cluster.GetActiveSilos().Count() > 1)
            {
                await cluster.Cluster.KillSiloAsync(Secondary(cluster));
            }

            await send();
        });
        Assert.Equal(1, silos);
    }

    [Fact]
    public async Task Killing_a_silo_during_a_batch_then_retrying_it_gives_the_same_alerts()
    {
        var (_, silos) = await RunWithFault(4, async (cluster, engine, number, send) =>
        {
            if (number % 5 == 2 && cluster.Cluster.GetActiveSilos().Count() > 1)
            {
                var victim = Secondary(cluster);
                var pending = send();
                await Task.Yield();
                await cluster.Cluster.KillSiloAsync(victim);
                await pending;
                return;
            }

            await send();
        });
        Assert.Equal(1, silos);
    }

    [Fact]
    public async Task Adding_a_silo_mid_stream_and_rebalancing_keeps_the_state()
    {
        var (_, silos) = await RunWithFault(1, async (cluster, engine, number, send) =>
        {
            if (number % 6 == 3 && cluster.Cluster.GetActiveSilos().Count() < 4)
            {
                await cluster.Cluster.StartAdditionalSiloAsync();
                await cluster.Cluster.WaitForLivenessToStabilizeAsync();
                await engine.RebalanceAsync();
            }

            await send();
        });
        Assert.Equal(4, silos);
    }

    [Fact]
    public async Task Restarting_the_whole_cluster_resumes_from_the_persisted_state()
    {
        var activities = Stream();
        var batches = Oracle.Batches(activities, BatchSize).ToList();
        var cluster = await EngineCluster.StartAsync(2);
        var (engine, policies) = cluster.AddEngine(AllPolicies(), Options(), Partitions);
        var name = engine.Name;
        var half = batches.Count / 2;
        for (var i = 0; i < half; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i]);
        }

        var (registry, store, storage) = (cluster.Registry, cluster.Store, cluster.Storage);
        await cluster.DisposeAsync();

        await using var restarted = await EngineCluster.StartAsync(3, registry, store, storage);
        engine = restarted.Cluster.Client.GetAlertEngine(name);
        var last = await engine.GetLastBatchNumberAsync();
        Assert.Equal(half, last);
        for (var i = (int)last; i < batches.Count; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i]);
        }

        Assert.Equal(
            Oracle.Describe(Oracle.Changes(policies, Options(), activities)),
            Oracle.Describe(restarted.UpsertsOf(policies)));
    }

    /// <summary>Runs the stream in batches on a 3-silo cluster; <paramref name="step"/> decides what happens around
    /// each batch and calls <c>send</c>, which sends it, retrying the same batch number until it succeeds.</summary>
    private static async Task<(int Retries, int Silos)> RunWithFault(int seed, Func<EngineCluster, AlertEngineClient, long, Func<Task>, Task> step)
    {
        await using var cluster = await EngineCluster.StartAsync(3);
        var activities = Stream(seed);
        var (engine, policies) = cluster.AddEngine(AllPolicies(), Options(), Partitions);
        long number = 0;
        long detections = 0, duplicates = 0, late = 0;
        var retries = 0;
        foreach (var batch in Oracle.Batches(activities, BatchSize))
        {
            var current = ++number;
            await step(cluster, engine, current, async () =>
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        var result = await engine.ProcessAsync(current, batch);
                        if (!result.AlreadyApplied || attempt > 1)
                        {
                            detections += result.Detections;
                            duplicates += result.Duplicates;
                            late += result.Late;
                        }

                        return;
                    }
                    catch (Exception) when (attempt < 30)
                    {
                        retries++;
                        await Task.Delay(200);
                    }
                }
            });
        }

        using var pipeline = new AlertPipeline(policies, Options());
        var expected = new List<Alert>();
        foreach (var activity in activities)
        {
            expected.AddRange(pipeline.Process(activity).Select(c => c.Alert));
        }

        Assert.Equal(Oracle.Final(expected), Oracle.Final(cluster.UpsertsOf(policies)));
        Assert.Equal(pipeline.Statistics.Detections, detections);
        Assert.Equal(pipeline.Statistics.Duplicates, duplicates);
        Assert.Equal(pipeline.Statistics.Late, late);
        Assert.True(expected.Count > 0, "the stream fired nothing: the comparison proves nothing");
        var silos = cluster.Cluster.GetActiveSilos().Count();
        TestContext.Current.TestOutputHelper?.WriteLine($"{number} batches, {retries} retries, {silos} silos at the end, {expected.Count} changes");
        return (retries, silos);
    }

    private static global::Orleans.TestingHost.InProcessSiloHandle Secondary(EngineCluster cluster) =>
        cluster.Cluster.GetActiveSilos().Last();

    private static List<Activity> Stream(int seed = 0) =>
        Scenarios().Generator.Sample(100, 10 + seed).MaxBy(s => s.Activities.Count)!.Activities;
}
