using AlertEngine.Tests.Partitioning;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// The anomaly dispersion grid (issue 15's internal switch) in the cluster: every partition grain sums only its own
/// keys' posteriors at a UTC day start, and the coordinator sums the partitions' totals (<see cref="GridSums"/>) before
/// any partition applies them, as the in-process <see cref="GridExchange"/> does. On 1–3 silos and several partition
/// counts, over batches that cross one and two day starts and a clock jump over many day starts (some run ahead), the
/// alert changes are the single pipeline's, and so is the grid's state (the prior, the pending totals and every key's
/// φ̂, read from the cluster's whole-engine checkpoint). Through failures (<see cref="FaultTests.RunWithFault"/>): a
/// silo killed right after a batch that crossed a day start, a partition's silo killed while it persists such a batch
/// (others already persisted it: the retry sends the persisted sums), and the whole cluster restarted mid-stream.
/// </summary>
public class GridClusterTests(ClusterFixture clusters) : IClassFixture<ClusterFixture>
{
    /// <summary>Batch sizes in a cycle rotated by <paramref name="seed"/> (a day is ~1,700 activities): small batches,
    /// batches within a day, batches over one day start and over two or more.</summary>
    private static List<List<Activity>> Batches(IReadOnlyList<Activity> activities, int seed)
    {
        int[] sizes = [5, 150, 700, 3500, 2, 400, 1300, 60];
        var batches = new List<List<Activity>>();
        var i = 0;
        for (var n = seed; i < activities.Count; n++)
        {
            var size = Math.Min(sizes[n % sizes.Length], activities.Count - i);
            batches.Add([.. activities.Skip(i).Take(size)]);
            i += size;
        }

        return batches;
    }

    /// <summary>How many batches move the stream's clock over exactly one UTC day start, over two or more, and how many
    /// hold a clock jump over more than one day start (so a test cannot pass without exchanges to make).</summary>
    private static (int One, int Several, int Jumps) Crossings(List<List<Activity>> batches)
    {
        var (one, several, jumps) = (0, 0, 0);
        var clock = long.MinValue;
        foreach (var batch in batches)
        {
            var before = clock;
            var jumped = false;
            foreach (var activity in batch)
            {
                var t = activity.Time.UtcTicks;
                if (t > clock)
                {
                    jumped |= clock != long.MinValue && (t / TimeSpan.TicksPerDay) - (clock / TimeSpan.TicksPerDay) > 1;
                    clock = t;
                }
            }

            if (before != long.MinValue)
            {
                var days = (clock / TimeSpan.TicksPerDay) - (before / TimeSpan.TicksPerDay);
                one += days == 1 ? 1 : 0;
                several += days > 1 ? 1 : 0;
            }

            jumps += jumped ? 1 : 0;
        }

        return (one, several, jumps);
    }

    /// <summary>The stream of the grid tests: four days, a clock jump (33 days: more than the 32 day starts a jump
    /// runs; or 3), two more days.</summary>
    internal static (List<Activity> Activities, List<List<Activity>> Batches) GridStream(int seed)
    {
        var activities = GridStreams.JumpStream(seed % 2 == 0 ? 33 : 3);
        var batches = Batches(activities, seed);
        var (one, several, jumps) = Crossings(batches);
        Assert.True(one > 0 && several > 0 && jumps > 0, $"{activities.Count} activities in {batches.Count} batches: the batches cross one day start {one} times, several {several} times, jump {jumps} times: the test proves less than it says");
        return (activities, batches);
    }

    /// <summary>The single pipeline's grid state and the cluster's (its checkpoint restored into a pipeline).</summary>
    internal static async Task AssertSameGridState(AlertEngineClient engine, IReadOnlyList<AlertPolicy> policies, IReadOnlyList<Activity> activities)
    {
        using var single = new AlertPipeline(policies, GridStreams.GridOptions());
        foreach (var activity in activities)
        {
            single.Process(activity);
        }

        using var stream = new MemoryStream();
        await engine.SaveCheckpointAsync(stream, TestContext.Current.CancellationToken);
        stream.Position = 0;
        using var restored = new AlertPipeline(policies, GridStreams.GridOptions());
        restored.RestoreCheckpoint(stream);
        var expected = GridStreams.GridState(single);
        Assert.True(expected.Count > 0, "no grid policy");
        Assert.Equal(expected, GridStreams.GridState(restored));
    }

    [Theory]
    [InlineData(1, 2, 0)]
    [InlineData(1, 3, 1)]
    [InlineData(2, 2, 2)]
    [InlineData(2, 5, 3)]
    [InlineData(3, 4, 4)]
    [InlineData(3, 8, 5)]
    public async Task Any_silo_and_partition_count_gives_the_single_pipelines_alerts_and_grid_state(int silos, int partitions, int seed)
    {
        var (activities, batches) = GridStream(seed);
        var cluster = await clusters.GetAsync(silos);
        var (engine, policies) = cluster.AddEngine(GridStreams.GridPolicies(), GridStreams.GridOptions(), partitions);
        var expected = Oracle.Describe(Oracle.Changes(policies, GridStreams.GridOptions(), activities));
        long number = 0;
        var detections = 0;
        foreach (var batch in batches)
        {
            var result = await engine.ProcessAsync(++number, batch, TestContext.Current.CancellationToken);
            Assert.False(result.AlreadyApplied);
            detections += result.Detections;
        }

        Assert.True(expected.Count > 0, "the stream fired nothing: the comparison proves nothing");
        Assert.Equal(expected, Oracle.Describe(cluster.UpsertsOf(policies)));
        Assert.Equal(expected.Count, detections);
        await AssertSameGridState(engine, policies, activities);
    }

    [Fact]
    public async Task Killing_a_silo_right_after_a_batch_that_crossed_a_day_start_gives_the_same_alerts()
    {
        var (activities, batches) = GridStream(6);
        var crossed = DayStartBatches(batches);
        var kills = 0;
        await FaultTests.RunWithFault(0, async (cluster, engine, number, send) =>
        {
            if (crossed.Contains(number - 1) && cluster.Cluster.GetActiveSilos().Count() > 1)
            {
                kills++;
                await cluster.Cluster.KillSiloAsync(FaultTests.Secondary(cluster));
                await cluster.Cluster.StartAdditionalSiloAsync();
            }

            await send();
            await AssertSameGridStateAtTheEnd(engine, number, activities, batches);
        }, grid: (activities, batches, GridStreams.GridPolicies(), GridStreams.GridOptions()));
        Assert.True(kills >= 2, $"{kills} kills");
    }

    [Fact]
    public async Task Killing_the_silo_of_a_partition_persisting_a_day_start_batch_then_retrying_gives_the_same_alerts()
    {
        var (activities, batches) = GridStream(8);
        var crossed = DayStartBatches(batches);
        var killed = 0;
        var (retries, _) = await FaultTests.RunWithFault(0, async (cluster, engine, number, send) =>
        {
            if (!crossed.Contains(number) || killed >= 2)
            {
                await send();
                await AssertSameGridStateAtTheEnd(engine, number, activities, batches);
                return;
            }

            // The partition pauses before it persists the batch (after every exchange of the batch): others may have
            // persisted it already, so the retry must send the same sums to the partitions that evaluate it again.
            await FaultTests.KillAPartitionsSiloBeforeItPersists(cluster, engine, number, send);
            killed++;
            await cluster.Cluster.StartAdditionalSiloAsync();
        }, grid: (activities, batches, GridStreams.GridPolicies(), GridStreams.GridOptions()));
        Assert.Equal(2, killed);
        Assert.True(retries > 0, "no batch failed: the kills did not land mid-batch");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public async Task Restarting_the_whole_cluster_mid_stream_gives_the_same_alerts_and_grid_state(int seed)
    {
        var (activities, batches) = GridStream(seed);
        var crossed = DayStartBatches(batches);
        // Right after a batch that crossed a day start, in the middle of the stream.
        var stop = (int)crossed.Where(b => b >= batches.Count / 3).Min();
        var (restarted, engine, policies) = await FaultTests.RestartMidStream(GridStreams.GridPolicies(), GridStreams.GridOptions(), activities, batches, stop, 3);
        await using (restarted)
        {
            await AssertSameGridState(engine, policies, activities);
        }
    }

    /// <summary>A partition's call that goes on after the first exchange of a batch that crosses two or more day starts
    /// fails (its silo gone, a timeout, a deactivation: <see cref="FaultPoints.FailContinueOnce"/>) while the others go
    /// on to the next exchange and pause there, memory ahead of storage. The coordinator abandons the failed attempt in
    /// every partition (<c>AbandonGridAsync</c>), so the client's retry starts them all from storage; before that, the
    /// paused ones refused each retry while the failed one paused in their place, retry after retry.</summary>
    [Theory]
    [InlineData(6)]
    [InlineData(1)]
    public async Task A_partition_lost_between_two_grid_pauses_then_retries_gives_the_same_alerts(int seed)
    {
        var (activities, batches) = GridStream(seed);
        var target = SeveralDayStartBatches(batches).Min();
        var failed = 0;
        var (retries, _) = await FaultTests.RunWithFault(0, async (cluster, engine, number, send) =>
        {
            if (number == target)
            {
                cluster.Faults.FailContinueOnce(engine.Name, number, 1);
            }

            await send();
            failed = cluster.Faults.ContinueFailures;
            await AssertSameGridStateAtTheEnd(engine, number, activities, batches);
        }, grid: (activities, batches, GridStreams.GridPolicies(), GridStreams.GridOptions()));
        Assert.Equal(1, failed);
        Assert.InRange(retries, 1, 2);
    }

    /// <summary>A partition that answered a batch's duplicate questions (phase 2) in an attempt that then failed has
    /// memory ahead of storage (the batch's ids in its filter) until the retry: a whole-engine checkpoint asked then is
    /// refused (the partition reloads from storage) instead of saving a half-evaluated state; asked again, it saves the
    /// persisted state, and the stream goes on with the single pipeline's alerts and grid state. (A partition paused at
    /// a grid exchange is refused by the same rule.)</summary>
    [Fact]
    public async Task A_checkpoint_asked_in_the_middle_of_a_batch_is_refused_then_saves_the_persisted_state()
    {
        var (activities, batches) = GridStream(6);
        var target = SeveralDayStartBatches(batches).Min();
        await using var cluster = await EngineCluster.StartAsync(2);
        var (engine, policies) = cluster.AddEngine(GridStreams.GridPolicies(), GridStreams.GridOptions(), 4);
        for (var i = 0; i < target - 1; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        // Partition 2 answers batch `target`'s duplicate questions, as in an attempt that failed after phase 2.
        var partition = cluster.Cluster.Client.GetGrain<IEnginePartitionGrain>(PartitionKey.Of(engine.Name, 2));
        await partition.CheckDuplicatesAsync(target, DuplicateQueries.From([]));
        using (var refused = new MemoryStream())
        {
            var error = await Assert.ThrowsAnyAsync<Exception>(() => engine.SaveCheckpointAsync(refused, TestContext.Current.CancellationToken));
            Assert.Contains("in the middle of batch", error.Message, StringComparison.Ordinal);
        }

        using (var saved = new MemoryStream())
        {
            await engine.SaveCheckpointAsync(saved, TestContext.Current.CancellationToken);
        }

        for (var i = (int)target - 1; i < batches.Count; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        Assert.Equal(Oracle.Describe(Oracle.Changes(policies, GridStreams.GridOptions(), activities)), Oracle.Describe(cluster.UpsertsOf(policies)));
        await AssertSameGridState(engine, policies, activities);
    }

    /// <summary>The numbers (from 1) of the batches that move the clock over two or more UTC day starts (two or more
    /// exchanges).</summary>
    private static List<long> SeveralDayStartBatches(List<List<Activity>> batches)
    {
        var several = new List<long>();
        var clock = long.MinValue;
        for (var b = 0; b < batches.Count; b++)
        {
            var before = clock;
            foreach (var activity in batches[b])
            {
                clock = Math.Max(clock, activity.Time.UtcTicks);
            }

            if (before != long.MinValue && (clock / TimeSpan.TicksPerDay) - (before / TimeSpan.TicksPerDay) >= 2)
            {
                several.Add(b + 1);
            }
        }

        Assert.NotEmpty(several);
        return several;
    }

    /// <summary>After the last batch: the grid's state is the single pipeline's (alerts alone may not show a prior that
    /// differs).</summary>
    private static async Task AssertSameGridStateAtTheEnd(AlertEngineClient engine, long number, List<Activity> activities, List<List<Activity>> batches)
    {
        if (number == batches.Count)
        {
            var policies = GridStreams.GridPolicies().Select(p => p with { Id = engine.Name + "-" + p.Id }).ToArray();
            await AssertSameGridState(engine, policies, activities);
        }
    }

    /// <summary>The numbers (from 1) of the batches that move the clock over a UTC day start.</summary>
    internal static HashSet<long> DayStartBatches(List<List<Activity>> batches)
    {
        var crossed = new HashSet<long>();
        var clock = long.MinValue;
        for (var b = 0; b < batches.Count; b++)
        {
            var before = clock;
            foreach (var activity in batches[b])
            {
                clock = Math.Max(clock, activity.Time.UtcTicks);
            }

            if (before != long.MinValue && clock / TimeSpan.TicksPerDay > before / TimeSpan.TicksPerDay)
            {
                crossed.Add(b + 1);
            }
        }

        return crossed;
    }
}
