using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Partitioning;

/// <summary>
/// One activity that jumps several grid policies' clocks by different lengths (<see cref="GridStep.Ahead"/>, grouped
/// steps: the jumps of all the policies advance together, one day each per step), with a day start that fails in
/// every copy of one policy only: that policy's jump stops there (<see cref="GridBatchCursor.FailedEverywhere"/>), the
/// others go on. Compared with the single engine: alerts, diagnostics and the grid's state (review of orl-16, item 3:
/// the mutation "one policy's failure stops every policy's jump" survived every other test).
/// </summary>
public class PartitionedGridJumps
{
    /// <summary>The grid tests' policies and two more grid policies of a few users, whose clocks lag behind.</summary>
    private static IReadOnlyList<AlertPolicy> Policies() =>
    [
        .. GridStreams.GridPolicies(),
        Policy("grid-sparse", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None))
            with { Conditions = new UsersCondition(["user1@contoso.com", "user2@contoso.com"]) },
        Policy("grid-sparse2", "FileDownloaded", new AnomalyTrigger(TriggerScope.Organization, TimeSpan.FromDays(1), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None))
            with { Conditions = new UsersCondition(["user1@contoso.com", "user5@contoso.com"]) },
    ];

    /// <summary>Six days; user1 and user2 quiet for the last three (grid-sparse's clock lags), user5 for the last one
    /// and a half (grid-sparse2's lags less); then one activity of user1 <paramref name="jump"/> days later, which
    /// moves every policy's clock by a different length; then three more days.</summary>
    private static List<Activity> Stream(int jump)
    {
        var head = GridStreams.Stream(5, hours: 6 * 24, jumps: false);
        var end = head[^1].Time;
        head = [.. head.Where(a => !((a.UserId is "user1@contoso.com" or "user2@contoso.com") && a.Time > end.AddDays(-3))
                             && !(a.UserId == "user5@contoso.com" && a.Time > end.AddDays(-1.5)))];
        var first = new Activity("jump", end.AddDays(jump), "FileDownloaded") { UserId = "user1@contoso.com" };
        var tail = GridStreams.Stream(6, hours: 3 * 24, jumps: false)
            .Select(a => new Activity("t" + a.Id, a.Time + TimeSpan.FromDays(6 + jump) + TimeSpan.FromHours(2), a.Operation) { UserId = a.UserId });
        return [.. head, first, .. tail];
    }

    /// <summary>Makes every later day start of the model throw (pending totals of a day no day start comes after).</summary>
    private static void Break(BaselineModel<Activity> model)
    {
        var prior = model.GridPriorState!;
        prior.Restore(prior.Current, new GridPriorTotals(), int.MaxValue);
    }

    private static string Describe(AlertChange change) => change.Detection.PolicyId + "|" + Checkpoints.CheckpointStreams.Describe(change);

    [Theory]
    [InlineData(2, 3, 100_000, null)]
    [InlineData(5, 3, 100_000, null)]
    [InlineData(31, 2, 100_000, null)]
    [InlineData(40, 4, 700, null)]
    [InlineData(5, 3, 100_000, "grid-sparse")]
    [InlineData(31, 3, 1, "grid-sparse")]
    [InlineData(5, 2, 100_000, "grid-downloads")]
    [InlineData(40, 3, 333, "grid-downloads")]
    [InlineData(31, 3, 100_000, "grid-sparse2")]
    public void Jumps_of_different_lengths_in_one_activity_give_the_single_engines_answer(int jump, int partitions, int batchSize, string? broken)
    {
        var activities = Stream(jump);
        var cut = activities.FindIndex(a => a.Id == "jump") - 50;
        var policies = Policies();
        var expected = new List<string>();
        var expectedDiagnostics = new List<string>();
        List<string> grid;
        using (var single = new AlertPipeline(policies, GridStreams.GridOptions()))
        using (single.Diagnostics.Subscribe(d => expectedDiagnostics.Add($"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}")))
        {
            var models = policies.Select(p => (single.DetectorOf(p.Id) as AnomalyDetector)?.Model).ToList();
            Assert.True(models.Count(m => m is { HasGrid: true }) >= 5, "fewer grid policies than the test means");
            expected.AddRange(activities.Take(cut).SelectMany(single.Process).Select(Describe));
            if (broken is not null)
            {
                Break(((AnomalyDetector)single.DetectorOf(broken)!).Model);
            }

            expected.AddRange(activities.Skip(cut).SelectMany(single.Process).Select(Describe));
            grid = GridStreams.GridState(single);
        }

        var actual = new List<string>();
        var diagnostics = new List<string>();
        using var pipeline = new PartitionedAlertPipeline(policies, partitions, GridStreams.GridOptions());
        using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics.Add($"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}"));
        foreach (var batch in activities.Take(cut).Chunk(batchSize))
        {
            actual.AddRange(pipeline.Process(batch).Select(Describe));
        }

        if (broken is not null)
        {
            // Broken in every copy: its day starts fail everywhere, an evaluation error as in the single engine.
            var index = pipeline.Policies.Select((p, i) => (p, i)).First(x => x.p.Id == broken).i;
            for (var p = 0; p < partitions; p++)
            {
                Break(pipeline.PartitionAt(p).GridModelAt(index)!);
            }
        }

        foreach (var batch in activities.Skip(cut).Chunk(batchSize))
        {
            actual.AddRange(pipeline.Process(batch).Select(Describe));
        }

        Assert.Equal(expected, actual);
        Assert.Equal(expectedDiagnostics, diagnostics);
        var partitionedGrid = GridStreams.GridState(pipeline.Policies, i => pipeline.PartitionAt(0).GridModelAt(i) is null
            ? []
            : [.. Enumerable.Range(0, pipeline.Partitions).Select(p => pipeline.PartitionAt(p).GridModelAt(i)!)]);
        Assert.Equal(grid, partitionedGrid);
        if (broken is not null)
        {
            Assert.Contains(expectedDiagnostics, d => d.Contains("|" + broken + "|", StringComparison.Ordinal));
        }
    }

    /// <summary>The stream does what the theory above needs: before the jump, grid-sparse's clock lags the others' by
    /// more than a day, so one activity jumps the policies by different lengths.</summary>
    [Theory]
    [InlineData(5)]
    [InlineData(31)]
    public void The_sparse_policys_clock_lags_before_the_jump(int jump)
    {
        var activities = Stream(jump);
        var policies = Policies();
        using var pipeline = new PartitionedAlertPipeline(policies, 1, GridStreams.GridOptions());
        var i = activities.FindIndex(a => a.Id == "jump");
        pipeline.Process([.. activities.Take(i)]);
        var partition = pipeline.PartitionAt(0);
        var sparse = pipeline.Policies.Select((p, k) => (p, k)).First(x => x.p.Id == "grid-sparse").k;
        var downloads = pipeline.Policies.Select((p, k) => (p, k)).First(x => x.p.Id == "grid-downloads").k;
        Assert.True(
            partition.GridModelAt(sparse)!.WatermarkTicks / TimeSpan.TicksPerDay < partition.GridModelAt(downloads)!.WatermarkTicks / TimeSpan.TicksPerDay - 1,
            "grid-sparse's clock does not lag: the jumps have the same length");
    }
}
