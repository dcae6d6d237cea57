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
    internal const int Partitions = 8;
    internal const int BatchSize = 8;

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
            var first = await engine.ProcessAsync(++number, batch, TestContext.Current.CancellationToken);
            var upserts = cluster.UpsertsOf(policies).Count;

            // The reply was lost: the client sends the same batch again.
            var again = await engine.ProcessAsync(number, batch, TestContext.Current.CancellationToken);
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
                var redelivered = await engine.ProcessAsync(++number, previous, TestContext.Current.CancellationToken);
                Assert.Equal(0, redelivered.Detections);
                Assert.Equal(previous.Count, redelivered.Duplicates + redelivered.Late);
            }

            await engine.ProcessAsync(++number, batch, TestContext.Current.CancellationToken);
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
        var (restarted, _, _) = await RestartMidStream(AllPolicies(), Options(), activities, batches, batches.Count / 2, 3);
        await restarted.DisposeAsync();
    }

    /// <summary>With a partition base snapshot every <see cref="MaxDeltas"/> + 1 batches (staggered: batches 4, 8, … for
    /// partitions 0 and 1, 3, 7, … for 2 and 3, and so on), a silo killed right after some partitions' compaction (they
    /// reload a base alone) and between others' (a base, then the coordinator's inputs since replayed) makes its partitions and perhaps the
    /// coordinator reload from grain storage; the alerts are the single node's.</summary>
    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(10)]
    public async Task Killing_a_silo_right_after_a_compaction_or_between_deltas_gives_the_same_alerts(int afterBatch)
    {
        var (_, silos) = await RunWithFault(2, async (cluster, engine, number, send) =>
        {
            if (number == afterBatch + 1)
            {
                // The state log is as expected: every partition has its base and no state deltas; the coordinator
                // keeps the inputs of the last MaxDeltas batches (a partition's base is never older).
                var keys = cluster.Storage.Keys.Where(k => k.Contains(engine.Name, StringComparison.Ordinal)).ToList();
                Assert.Equal(Partitions, keys.Count(k => k.StartsWith("partition.base.", StringComparison.Ordinal)));
                Assert.Equal(0, keys.Count(k => k.StartsWith("partition.delta.", StringComparison.Ordinal)));
                Assert.Equal(MaxDeltas, keys.Count(k => k.StartsWith("input.", StringComparison.Ordinal)));
                // Staggered: the partitions do not all write their base in the same batch, and none is older than
                // MaxDeltas batches.
                var baseBatches = keys.Where(k => k.StartsWith("partition.base.", StringComparison.Ordinal))
                    .Select(k => long.Parse(k.Split('.')[2], System.Globalization.CultureInfo.InvariantCulture)).ToList();
                Assert.True(baseBatches.Distinct().Count() > 1, "every partition wrote its base in the same batch: " + string.Join(", ", baseBatches));
                Assert.All(baseBatches, b => Assert.InRange(b, afterBatch - MaxDeltas, afterBatch));
                await cluster.Cluster.KillSiloAsync(Secondary(cluster));
            }

            await send();
        }, maxDeltas: MaxDeltas);
        Assert.Equal(2, silos);
    }

    /// <summary>The whole cluster restarted right after a compaction or between deltas: every grain reloads its base
    /// and deltas from grain storage.</summary>
    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    public async Task Restarting_the_whole_cluster_right_after_a_compaction_or_between_deltas_gives_the_same_alerts(int afterBatch)
    {
        var activities = Stream(3);
        var batches = Oracle.Batches(activities, BatchSize).ToList();
        var (restarted, _, _) = await RestartMidStream(AllPolicies(), Options(), activities, batches, afterBatch, 2, MaxDeltas);
        await restarted.DisposeAsync();
    }

    /// <summary>Runs the first <paramref name="stop"/> batches on a 2-silo cluster, restarts the whole cluster with
    /// <paramref name="silosAfter"/> silos from the persisted state, runs the others, and checks the alert changes
    /// against the single pipeline's; returns the restarted cluster (dispose it), the engine and its policies.</summary>
    internal static async Task<(EngineCluster Restarted, AlertEngineClient Engine, IReadOnlyList<AlertPolicy> Policies)> RestartMidStream(
        IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, List<Activity> activities, List<List<Activity>> batches, int stop, short silosAfter, int? maxDeltas = null)
    {
        var cluster = await EngineCluster.StartAsync(2);
        var (engine, renamed) = cluster.AddEngine(policies, options, Partitions, maxDeltas: maxDeltas);
        var name = engine.Name;
        for (var i = 0; i < stop; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        var (registry, store, storage) = (cluster.Registry, cluster.Store, cluster.Storage);
        await cluster.DisposeAsync();

        var restarted = await EngineCluster.StartAsync(silosAfter, registry, store, storage);
        try
        {
            engine = restarted.Cluster.Client.GetAlertEngine(name);
            Assert.Equal(stop, await engine.GetLastBatchNumberAsync());
            for (var i = stop; i < batches.Count; i++)
            {
                await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
            }

            Assert.Equal(
                Oracle.Describe(Oracle.Changes(renamed, options, activities)),
                Oracle.Describe(restarted.UpsertsOf(renamed)));
            return (restarted, engine, renamed);
        }
        catch
        {
            await restarted.DisposeAsync();
            throw;
        }
    }

    /// <summary>Deterministically mid-batch: a partition has evaluated the batch in memory (others may have persisted
    /// it already) when its silo is killed; the coordinator's call fails, the client sends the same batch again, and
    /// the partitions that persisted answer from their saved answers while the killed one starts again from storage.</summary>
    [Theory]
    [InlineData(2, null)]
    [InlineData(6, MaxDeltas)]
    [InlineData(8, MaxDeltas)]
    public async Task Killing_the_silo_of_a_partition_that_is_evaluating_a_batch_then_retrying_gives_the_same_alerts(int atBatch, int? maxDeltas)
    {
        var killed = 0;
        var (retries, silos) = await RunWithFault(5, async (cluster, engine, number, send) =>
        {
            if (number != atBatch)
            {
                await send();
                return;
            }

            await KillAPartitionsSiloBeforeItPersists(cluster, engine, number, send);
            killed++;
        }, maxDeltas);
        Assert.Equal(1, killed);
        Assert.True(retries > 0, "the batch did not fail: the kill did not land mid-batch");
        Assert.Equal(2, silos);
    }

    internal const int MaxDeltas = 3;

    /// <summary>Sends batch <paramref name="number"/> (<paramref name="send"/> retries it until it succeeds) and kills the
    /// silo of a partition (not on the first silo) that has evaluated it in memory and is about to persist it; the
    /// paused call fails.</summary>
    internal static async Task KillAPartitionsSiloBeforeItPersists(EngineCluster cluster, AlertEngineClient engine, long number, Func<Task> send)
    {
        cluster.Faults.PausePartition(engine.Name, number, cluster.Cluster.GetActiveSilos().First().SiloAddress);
        var paused = cluster.Faults.Paused;
        var pending = send();
        var pause = await paused;
        var victim = cluster.Cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(pause.Silo));
        await cluster.Cluster.KillSiloAsync(victim);
        cluster.Faults.Fail();
        await pending;
    }

    /// <summary>Runs the stream in batches on a 3-silo cluster; <paramref name="step"/> decides what happens around
    /// each batch and calls <c>send</c>, which sends it, retrying the same batch number until it succeeds.</summary>
    /// <remarks>With <paramref name="grid"/>, the stream, its batches, the policies and the options are those given
    /// (the anomaly dispersion grid's, <c>GridFaultTests</c>).</remarks>
    internal static async Task<(int Retries, int Silos)> RunWithFault(int seed, Func<EngineCluster, AlertEngineClient, long, Func<Task>, Task> step, int? maxDeltas = null, string? redis = null,
        (List<Activity> Activities, List<List<Activity>> Batches, IReadOnlyList<AlertPolicy> Policies, AlertEngineOptions Options)? grid = null)
    {
        await using var cluster = redis is null ? await EngineCluster.StartAsync(3) : await EngineCluster.StartAsync(3, redis);
        var activities = grid?.Activities ?? Stream(seed);
        var options = grid?.Options ?? Options();
        var (engine, policies) = cluster.AddEngine(grid?.Policies ?? AllPolicies(), options, Partitions, maxDeltas: maxDeltas);
        long number = 0;
        long detections = 0, duplicates = 0, late = 0;
        var retries = 0;
        foreach (var batch in grid?.Batches ?? Oracle.Batches(activities, BatchSize))
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

        using var pipeline = new AlertPipeline(policies, options);
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

    internal static global::Orleans.TestingHost.InProcessSiloHandle Secondary(EngineCluster cluster) =>
        cluster.Cluster.GetActiveSilos().Last();

    internal static List<Activity> Stream(int seed = 0) =>
        Scenarios().Generator.Sample(100, 10 + seed).MaxBy(s => s.Activities.Count)!.Activities;
}
