using AlertEngine.Tests.Partitioning;
using Orleans.Concurrency;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// The rules around the anomaly dispersion grid's path in the cluster (orl-16): the coordinator and the partitions take
/// the grid path when a policy's detector runs the grid (<see cref="EngineDefinition.RunsGrid"/>), not by the switch
/// alone; a checkpoint restored into the cluster drops a pause a failed grid batch left behind; partition state written
/// by a version without the grid is replayed under that version's options and converted at the first batch after the
/// upgrade (never replayed under the grid, whose day starts would then run without the exchange), unless some partition
/// committed that batch without the grid (then all finish it without the grid first); a partition asked for the other path (a
/// coordinator of another version or configuration) refuses with what to do.
/// </summary>
public class GridUpgradeTests(ClusterFixture clusters) : IClassFixture<ClusterFixture>
{
    /// <summary>The grid tests' policies without the anomaly ones.</summary>
    private static AlertPolicy[] PlainPolicies() => [.. GridStreams.GridPolicies().Where(p => p.Trigger is not AnomalyTrigger)];

    private static EngineDefinition Define(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options)
    {
        var cluster = new AlertEngineClusterOptions { Engine = options, Partitions = 3 };
        foreach (var policy in policies)
        {
            cluster.Policies.Add(policy);
        }

        return EngineDefinition.Create("e", cluster);
    }

    private static AlertEngineOptions Gridless(double fitLimit)
    {
        var options = GridStreams.GridOptions(grid: false);
        options.AnomalyProfileFitLimit = fitLimit;
        return options;
    }

    [Fact]
    public void The_grid_path_is_taken_when_a_policy_runs_the_grid_not_by_the_switch()
    {
        Assert.True(Define(GridStreams.GridPolicies(), GridStreams.GridOptions()).RunsGrid);
        Assert.False(Define(PlainPolicies(), GridStreams.GridOptions()).RunsGrid);
        Assert.False(Define(GridStreams.GridPolicies(), GridStreams.GridOptions(grid: false)).RunsGrid);

        // The switches change the fingerprint of an engine with anomaly policies only: an engine without them keeps its
        // persisted state whatever their defaults.
        Assert.Equal(Define(PlainPolicies(), new AlertEngineOptions()).Fingerprint, Define(PlainPolicies(), GridStreams.GridOptions()).Fingerprint);
        Assert.NotEqual(Define(GridStreams.GridPolicies(), Gridless(BaselineMath.ProfileFitDefault)).Fingerprint, Define(GridStreams.GridPolicies(), GridStreams.GridOptions()).Fingerprint);

        // State of the same policies without the grid (the profile on, or off as before it) is converted; other state is not.
        var grid = Define(GridStreams.GridPolicies(), GridStreams.GridOptions());
        foreach (var fit in new[] { 0, BaselineMath.ProfileFitDefault })
        {
            var predecessor = grid.GridlessPredecessor(Define(GridStreams.GridPolicies(), Gridless(fit)).Fingerprint);
            Assert.NotNull(predecessor);
            Assert.False(predecessor.AnomalyDispersionGrid);
            Assert.Equal(fit, predecessor.AnomalyProfileFitLimit);
        }

        Assert.Null(grid.GridlessPredecessor(Define(PlainPolicies(), Gridless(0)).Fingerprint));
        Assert.Null(Define(PlainPolicies(), GridStreams.GridOptions()).GridlessPredecessor(Define(PlainPolicies(), Gridless(0)).Fingerprint));
    }

    /// <summary>Anomaly engines whose policies cannot run the grid (daily buckets, a key time zone) keep their
    /// fingerprint whatever the grid switch (review of orl-16: the switch was hashed for every anomaly engine, so
    /// flipping its default refused their persisted state with no conversion).</summary>
    [Theory]
    [InlineData("daily-bucket")]
    [InlineData("key-zone")]
    public void An_anomaly_engine_that_runs_no_grid_keeps_its_fingerprint_whatever_the_switch(string variant)
    {
        AlertPolicy[] policies =
        [
            new AlertPolicy
            {
                Id = "a", Name = "a", Operations = ["FileDownloaded"],
                Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.High, variant == "daily-bucket" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1)),
            },
        ];
        AlertEngineOptions Options(bool grid)
        {
            var options = GridStreams.GridOptions(grid: grid);
            if (variant == "key-zone")
            {
                options.AnomalyKeyTimeZone = _ => null;
            }

            return options;
        }

        var on = Define(policies, Options(true));
        var off = Define(policies, Options(false));
        Assert.False(on.RunsGrid);
        Assert.Equal(off.Fingerprint, on.Fingerprint);

        // The same policy in hourly buckets, with the profile, runs the grid: the switch counts there.
        if (variant == "daily-bucket")
        {
            AlertPolicy[] hourly = [new AlertPolicy { Id = "a", Name = "a", Operations = ["FileDownloaded"], Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.High, TimeSpan.FromHours(1)) }];
            Assert.True(Define(hourly, Options(true)).RunsGrid);
            Assert.NotEqual(Define(hourly, Options(false)).Fingerprint, Define(hourly, Options(true)).Fingerprint);
        }
    }

    /// <summary>With the grid switch on, a definition with grid policies runs the exchange and one without them the plain
    /// path; both give the single pipeline's alerts (a partition refuses the path its definition does not take).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Definitions_with_and_without_grid_policies_give_the_single_pipelines_alerts(bool gridPolicies)
    {
        var (activities, batches) = GridClusterTests.GridStream(2);
        var cluster = await clusters.GetAsync(2);
        var (engine, policies) = cluster.AddEngine(gridPolicies ? GridStreams.GridPolicies() : PlainPolicies(), GridStreams.GridOptions(), 4);
        Assert.Equal(gridPolicies, cluster.Registry.Get(engine.Name).RunsGrid);
        long number = 0;
        foreach (var batch in batches)
        {
            await engine.ProcessAsync(++number, batch, TestContext.Current.CancellationToken);
        }

        var expected = Oracle.Describe(Oracle.Changes(policies, GridStreams.GridOptions(), activities));
        Assert.True(expected.Count > 0, "the stream fired nothing: the comparison proves nothing");
        Assert.Equal(expected, Oracle.Describe(cluster.UpsertsOf(policies)));
        if (gridPolicies)
        {
            await GridClusterTests.AssertSameGridState(engine, policies, activities);
        }
    }

    /// <summary>A partition left paused in a batch (a failed grid attempt whose abandon did not reach it: the coordinator's
    /// silo killed mid-batch) has memory ahead of storage; restoring a whole-engine checkpoint replaces its state and
    /// must forget that batch, so the first call after the restore is not refused.</summary>
    [Fact]
    public async Task Restoring_a_checkpoint_drops_a_pause_left_by_a_failed_grid_batch()
    {
        var (activities, batches) = GridClusterTests.GridStream(6);
        var target = (int)GridClusterTests.DayStartBatches(batches).Where(b => b > 3).Min();
        var cluster = await clusters.GetAsync(2);
        var (engine, policies) = cluster.AddEngine(GridStreams.GridPolicies(), GridStreams.GridOptions(), 4);
        for (var i = 0; i < target - 1; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        using var checkpoint = new MemoryStream();
        await engine.SaveCheckpointAsync(checkpoint, TestContext.Current.CancellationToken);

        // Partition 1 evaluates batch `target` up to its first grid exchange and stays paused there, as in an attempt
        // that failed and whose abandon never reached it.
        var batch = batches[target - 1];
        var partition = cluster.Cluster.Client.GetGrain<IEnginePartitionGrain>(PartitionKey.Of(engine.Name, 1));
        var admitted = new AdmittedActivities { FirstSequence = 1_000_000, Indexes = [.. Enumerable.Range(0, batch.Count)], MovesClock = new bool[batch.Count] };
        var clock = batches.Take(target - 1).SelectMany(b => b).Max(a => a.Time);
        for (var i = 0; i < batch.Count; i++)
        {
            admitted.MovesClock[i] = batch[i].Time > clock;
            clock = batch[i].Time > clock ? batch[i].Time : clock;
        }

        var pause = await partition.EvaluateGridAsync(target, false, new Immutable<byte[]>(ActivityBatchCodec.Encode(batch)), admitted, "input.test." + Guid.NewGuid().ToString("N"));
        Assert.False(pause.Done);

        checkpoint.Position = 0;
        await engine.RestoreCheckpointAsync(checkpoint, TestContext.Current.CancellationToken);

        // The first attempt after the restore goes through (before the fix the paused partition refused it once).
        for (var i = target - 1; i < batches.Count; i++)
        {
            var result = await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
            Assert.False(result.AlreadyApplied);
        }

        Assert.Equal(Oracle.Describe(Oracle.Changes(policies, GridStreams.GridOptions(), activities)), Oracle.Describe(cluster.UpsertsOf(policies)));
        await GridClusterTests.AssertSameGridState(engine, policies, activities);
    }

    /// <summary>An engine persisted by a version without the grid (its partitions' bases and the batch inputs since,
    /// which cross UTC day starts), restarted on a version whose definition runs the grid: each partition replays its
    /// inputs under the old options and, at the first batch, converts the state as a whole-engine checkpoint restore does
    /// and persists it as a base; the alerts and the grid's state are then the single pipeline's that ran without the grid up to the cut,
    /// saved a checkpoint and restored it under the grid. Replaying the inputs under the grid (no exchange) gives each
    /// partition a prior of its own keys only.</summary>
    [Theory]
    [InlineData(0.0)]
    [InlineData(BaselineMath.ProfileFitDefault)]
    public async Task State_written_without_the_grid_is_converted_at_activation(double fitBefore)
    {
        var (activities, batches) = GridClusterTests.GridStream(2);
        var stop = batches.Count / 2;
        Assert.True(GridClusterTests.DayStartBatches(batches).Count(b => b > 1 && b <= stop) >= 2, "the replayed inputs cross no day start: the test proves less than it says");
        var before = Gridless(fitBefore);
        var cluster = await EngineCluster.StartAsync(2);
        // No base after batch 1: a restart replays every input since.
        var (engine, policies) = cluster.AddEngine(GridStreams.GridPolicies(), before, 4, maxDeltas: 1000);
        var name = engine.Name;
        for (var i = 0; i < stop; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        var (store, storage) = (cluster.Store, cluster.Storage);
        await cluster.DisposeAsync();

        await using var upgraded = await EngineCluster.StartAsync(2, new EngineRegistry([]), store, storage);
        (engine, _) = upgraded.AddEngine(GridStreams.GridPolicies(), GridStreams.GridOptions(), 4, name, maxDeltas: 1000);
        Assert.True(upgraded.Registry.Get(name).RunsGrid);
        for (var i = stop; i < batches.Count; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        // The single engine: without the grid up to the cut, then its checkpoint restored under the grid.
        await AssertLikeTheSingleEngineUpgradedAt(batches.Take(stop).Sum(b => b.Count), activities, policies, before, upgraded, engine);
    }

    /// <summary>A stop-all upgrade while a batch is half committed by the version without the grid (review of orl-16):
    /// batch N crosses a UTC day start, 3 of 4 partitions commit it, the 4th fails before it persists, every silo stops
    /// and starts on the grid version. The retry of N finishes it in the 4th partition as the old version would have
    /// (the 3 answer from their persisted answers, made without the grid), and every partition converts at N + 1: the
    /// single engine's answer without the grid through N, then its checkpoint restored under the grid. Before the fix
    /// each partition converted at activation, the 4th evaluated N under the grid and paused while the others had no
    /// sums: every retry failed ("1 of 4 paused"), and so did SaveCheckpointAsync.</summary>
    [Fact]
    public async Task An_upgrade_with_a_batch_half_committed_without_the_grid_finishes_it_without_the_grid()
    {
        var (activities, batches) = GridClusterTests.GridStream(2);
        var stop = (int)GridClusterTests.DayStartBatches(batches).Where(b => b > 3).Min();
        var before = GridStreams.GridOptions(grid: false);
        var cluster = await EngineCluster.StartAsync(2);
        var (engine, policies) = cluster.AddEngine(GridStreams.GridPolicies(), before, 4);
        var name = engine.Name;
        for (var i = 0; i < stop - 1; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        // Batch `stop`: one partition fails before it persists, the others commit; then every silo is stopped.
        cluster.Faults.PausePartition(name, stop, cluster.Cluster.GetActiveSilos().First().SiloAddress);
        var paused = cluster.Faults.Paused;
        var pending = engine.ProcessAsync(stop, batches[stop - 1], TestContext.Current.CancellationToken);
        await paused;
        await Task.Delay(2000, TestContext.Current.CancellationToken); // lets the others commit (checked below)
        cluster.Faults.Fail();
        await Assert.ThrowsAnyAsync<Exception>(() => pending);
        var (store, storage) = (cluster.Store, cluster.Storage);
        await cluster.DisposeAsync();

        await using var upgraded = await EngineCluster.StartAsync(2, new EngineRegistry([]), store, storage);
        (engine, _) = upgraded.AddEngine(GridStreams.GridPolicies(), GridStreams.GridOptions(), 4, name);
        var statuses = new List<GridUpgradeStatus>();
        for (var p = 0; p < 4; p++)
        {
            statuses.Add(await upgraded.Cluster.Client.GetGrain<IEnginePartitionGrain>(PartitionKey.Of(name, p)).PrepareGridAsync(stop, convert: false));
        }

        Assert.Equal(3, statuses.Count(s => s == GridUpgradeStatus.CommittedWithoutGrid));
        Assert.Equal(1, statuses.Count(s => s == GridUpgradeStatus.WithoutGrid));

        // The retry goes through at once, and so does a checkpoint.
        Assert.False((await engine.ProcessAsync(stop, batches[stop - 1], TestContext.Current.CancellationToken)).AlreadyApplied);
        using (var checkpoint = new MemoryStream())
        {
            await engine.SaveCheckpointAsync(checkpoint, TestContext.Current.CancellationToken);
        }

        for (var i = stop; i < batches.Count; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        for (var p = 0; p < 4; p++)
        {
            Assert.Equal(GridUpgradeStatus.Grid, await upgraded.Cluster.Client.GetGrain<IEnginePartitionGrain>(PartitionKey.Of(name, p)).PrepareGridAsync(batches.Count, convert: false));
        }

        // The single engine: without the grid through batch `stop`, then its checkpoint restored under the grid.
        await AssertLikeTheSingleEngineUpgradedAt(batches.Take(stop).Sum(b => b.Count), activities, policies, before, upgraded, engine);
    }

    /// <summary>Silos of different versions or configurations: a partition asked for the path its definition does not
    /// take (the grid's by a coordinator without it, or the plain one by a coordinator with it) refuses, saying to stop
    /// every silo and start them on one version.</summary>
    [Fact]
    public async Task A_partition_asked_for_the_other_path_refuses_with_what_to_do()
    {
        var (_, batches) = GridClusterTests.GridStream(0);
        var cluster = await clusters.GetAsync(1);
        var batch = batches[0];
        var bytes = new Immutable<byte[]>(ActivityBatchCodec.Encode(batch));
        var admitted = new AdmittedActivities { FirstSequence = 0, Indexes = [.. Enumerable.Range(0, batch.Count)], MovesClock = new bool[batch.Count] };

        var (grid, _) = cluster.AddEngine(GridStreams.GridPolicies(), GridStreams.GridOptions(), 2);
        var gridPartition = cluster.Cluster.Client.GetGrain<IEnginePartitionGrain>(PartitionKey.Of(grid.Name, 0));
        var plainPath = await Assert.ThrowsAnyAsync<Exception>(() => gridPartition.EvaluateAsync(1, false, bytes, admitted, "input.a"));
        Assert.Contains("without its exchange", plainPath.Message, StringComparison.Ordinal);
        Assert.Contains("stop every silo", plainPath.Message, StringComparison.Ordinal);

        var (plain, _) = cluster.AddEngine(PlainPolicies(), GridStreams.GridOptions(), 2);
        var plainPartition = cluster.Cluster.Client.GetGrain<IEnginePartitionGrain>(PartitionKey.Of(plain.Name, 0));
        var gridPath = await Assert.ThrowsAnyAsync<Exception>(() => plainPartition.EvaluateGridAsync(1, false, bytes, admitted, "input.b"));
        Assert.Contains("runs no anomaly dispersion grid", gridPath.Message, StringComparison.Ordinal);
        Assert.Contains("stop every silo", gridPath.Message, StringComparison.Ordinal);

        // Nothing changed: both engines then evaluate the batch.
        Assert.False((await grid.ProcessAsync(1, batch, TestContext.Current.CancellationToken)).AlreadyApplied);
        Assert.False((await plain.ProcessAsync(1, batch, TestContext.Current.CancellationToken)).AlreadyApplied);
    }

    /// <summary>The single engine without the grid through the first <paramref name="cut"/> activities, then its checkpoint
    /// restored under the grid for the rest, against the upgraded cluster: the same alerts, and the cluster's checkpoint
    /// holds the single engine's grid state.</summary>
    private static async Task AssertLikeTheSingleEngineUpgradedAt(int cut, List<Activity> activities, IReadOnlyList<AlertPolicy> policies, AlertEngineOptions before, EngineCluster upgraded, AlertEngineClient engine)
    {
        var expected = new List<Alert>();
        using var first = new AlertPipeline(policies, before);
        foreach (var activity in activities.Take(cut))
        {
            expected.AddRange(first.Process(activity).Select(c => c.Alert));
        }

        using var saved = new MemoryStream();
        first.SaveCheckpoint(saved);
        saved.Position = 0;
        using var single = new AlertPipeline(policies, GridStreams.GridOptions());
        single.RestoreCheckpoint(saved);
        foreach (var activity in activities.Skip(cut))
        {
            expected.AddRange(single.Process(activity).Select(c => c.Alert));
        }

        Assert.True(expected.Count > 0, "the stream fired nothing: the comparison proves nothing");
        Assert.Equal(Oracle.Describe(expected), Oracle.Describe(upgraded.UpsertsOf(policies)));
        using var state = new MemoryStream();
        await engine.SaveCheckpointAsync(state, TestContext.Current.CancellationToken);
        state.Position = 0;
        using var restored = new AlertPipeline(policies, GridStreams.GridOptions());
        restored.RestoreCheckpoint(state);
        var grid = GridStreams.GridState(single);
        Assert.True(grid.Count > 0, "no grid policy");
        Assert.Equal(grid, GridStreams.GridState(restored));
    }
}
