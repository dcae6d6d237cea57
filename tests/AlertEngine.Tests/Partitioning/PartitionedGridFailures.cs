using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Partitioning;

/// <summary>
/// Failures in the anomaly dispersion grid's exchange (<see cref="GridExchange"/>): a day start that throws in every
/// copy is a policy's evaluation error, reported as the single engine reports it (also when it is run ahead of a clock
/// jump); copies that disagree fault the pipeline, which then refuses every later batch.
/// </summary>
public class PartitionedGridFailures
{
    private static AlertEngineOptions GridOptions() => new()
    {
        AllowedLateness = TimeSpan.FromMinutes(30),
        MaxActivitiesPerAlert = 3,
        AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault,
        AnomalyDispersionGrid = true,
    };

    private static IReadOnlyList<AlertPolicy> GridPolicies() =>
    [
        .. AllPolicies(),
        Policy("grid-downloads", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None)),
    ];

    /// <summary>Makes every later day start of the model throw (pending totals of a day no day start comes after).</summary>
    private static void BreakDayStarts(BaselineModel<Activity> model)
    {
        var prior = model.GridPriorState!;
        prior.Restore(prior.Current, new GridPriorTotals(), int.MaxValue);
    }

    private static string D(AlertChange c) => c.Detection.PolicyId + "|" + Describe(c);

    private static int GridIndex(IReadOnlyList<AlertPolicy> policies) => policies.Select((p, i) => (p, i)).First(x => x.p.Id == "grid-downloads").i;

    [Theory]
    [InlineData(2, 500)]
    [InlineData(3, 100_000)]
    [InlineData(5, 1)]
    public void A_day_start_that_throws_in_every_copy_is_reported_as_the_single_engines_evaluation_error(int partitions, int batchSize)
    {
        var activities = GridStreams.JumpStream();
        var cut = activities.Count / 3;
        var expectedDiagnostics = new List<string>();
        var expected = new List<string>();
        using (var single = new AlertPipeline(GridPolicies(), GridOptions()))
        using (single.Diagnostics.Subscribe(d => expectedDiagnostics.Add($"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}")))
        {
            expected.AddRange(activities.Take(cut).SelectMany(single.Process).Select(D));
            BreakDayStarts(((AnomalyDetector)single.DetectorOf("grid-downloads")!).Model);
            expected.AddRange(activities.Skip(cut).SelectMany(single.Process).Select(D));
        }

        Assert.Contains(expectedDiagnostics, d => d.Contains("|grid-downloads|", StringComparison.Ordinal) && d.Split('|')[1].StartsWith('t'));
        var diagnostics = new List<string>();
        var actual = new List<string>();
        using var pipeline = new PartitionedAlertPipeline(GridPolicies(), partitions, GridOptions());
        using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics.Add($"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}"));
        actual.AddRange(pipeline.Process(activities.Take(cut).ToList()).Select(D));
        var index = GridIndex(pipeline.Policies);
        for (var p = 0; p < partitions; p++)
        {
            BreakDayStarts(pipeline.PartitionAt(p).GridModelAt(index)!);
        }

        foreach (var batch in activities.Skip(cut).Chunk(batchSize))
        {
            actual.AddRange(pipeline.Process(batch).Select(D));
        }

        Assert.Equal(expected, actual);
        Assert.Equal(expectedDiagnostics, diagnostics);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(500)]
    public void Copies_that_disagree_fault_the_pipeline_and_later_batches_throw_naming_the_first_failure(int batchSize)
    {
        var activities = GridStreams.JumpStream();
        var cut = activities.Count / 3;
        using var pipeline = new PartitionedAlertPipeline(GridPolicies(), 3, GridOptions());
        pipeline.Process(activities.Take(cut).ToList());
        BreakDayStarts(pipeline.PartitionAt(1).GridModelAt(GridIndex(pipeline.Policies))!);
        Exception? first = null;
        foreach (var batch in activities.Skip(cut).Chunk(batchSize))
        {
            first = Record.Exception(() => pipeline.Process(batch));
            if (first is not null)
            {
                break;
            }
        }

        Assert.NotNull(first);
        var last = activities[^1];
        var later = Assert.Throws<InvalidOperationException>(() => pipeline.Process([new Activity("later", last.Time, last.Operation) { UserId = last.UserId }]));
        Assert.Contains("faulted", later.Message, StringComparison.Ordinal);
        Assert.Contains(first.Message, later.Message, StringComparison.Ordinal);
        Assert.Same(first, later.InnerException);
        Assert.Throws<InvalidOperationException>(() => pipeline.Process([]));
        using var stream = new MemoryStream();
        Assert.Throws<InvalidOperationException>(() => pipeline.SaveCheckpoint(stream));
    }

    [Fact]
    public void Copies_that_disagree_fault_the_pipeline_in_the_staged_phases_too()
    {
        var activities = GridStreams.JumpStream();
        var cut = activities.Count / 3;
        using var pipeline = new PartitionedAlertPipeline(GridPolicies(), 3, GridOptions());
        PartitionedGridProperties.RunStaged(pipeline, [[.. activities.Take(cut)]], 1);
        BreakDayStarts(pipeline.PartitionAt(1).GridModelAt(GridIndex(pipeline.Policies))!);
        var first = Record.Exception(() => PartitionedGridProperties.RunStaged(pipeline, [.. activities.Skip(cut).Chunk(500)], 2));
        Assert.NotNull(first);
        var later = Assert.Throws<InvalidOperationException>(pipeline.BeginStaged);
        Assert.Contains("faulted", later.Message, StringComparison.Ordinal);
        Assert.Same(first, later.InnerException);
        using var stream = new MemoryStream();
        Assert.Throws<InvalidOperationException>(() => pipeline.SaveCheckpoint(stream));

        // A batch already planned and admitted when the pipeline faulted (in flight) is neither evaluated nor applied.
        var inFlight = pipeline.NewStagedBatch();
        inFlight.Activities.AddRange(activities.Skip(cut).Take(50));
        pipeline.StagePlan(inFlight);
        for (var p = 0; p < pipeline.Partitions; p++)
        {
            pipeline.StageCheckDuplicates(inFlight, p);
        }

        pipeline.StageAdmit(inFlight);
        for (var p = 0; p < pipeline.Partitions; p++)
        {
            Assert.Same(first, Assert.Throws<InvalidOperationException>(() => pipeline.StageEvaluate(inFlight, p)).InnerException);
        }

        Assert.Same(first, Assert.Throws<InvalidOperationException>(() => pipeline.StageApply(inFlight)).InnerException);
    }
}
