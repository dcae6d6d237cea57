using AlertEngine.Tests.Partitioning;
using Orleans.Concurrency;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// The rules around the anomaly dispersion grid's path in the cluster (orl-16): the coordinator and the partitions take
/// the grid path when a policy's detector runs the grid (<see cref="EngineDefinition.RunsGrid"/>), not by the switch
/// alone; a checkpoint restored into the cluster drops a pause a failed grid batch left behind; partition state written
/// by a version without the grid is replayed under that version's options and converted at activation (never replayed
/// under the grid, whose day starts would then run without the exchange); a partition asked for the other path (a
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
    /// inputs under the old options, converts the state as a whole-engine checkpoint restore does, and persists it as a
    /// base; the alerts and the grid's state are then the single pipeline's that ran without the grid up to the cut,
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
        var expected = new List<Alert>();
        using var first = new AlertPipeline(policies, before);
        foreach (var activity in activities.Take(batches.Take(stop).Sum(b => b.Count)))
        {
            expected.AddRange(first.Process(activity).Select(c => c.Alert));
        }

        using var saved = new MemoryStream();
        first.SaveCheckpoint(saved);
        saved.Position = 0;
        using var single = new AlertPipeline(policies, GridStreams.GridOptions());
        single.RestoreCheckpoint(saved);
        foreach (var activity in activities.Skip(batches.Take(stop).Sum(b => b.Count)))
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
}
