using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Partitioning;

/// <summary>
/// The partitioned engine against the single one (the oracle): for generated streams over every trigger kind,
/// aggregation on and off, duplicates and late activities, any partition count and any batching, the alert changes,
/// diagnostics, statistics and clock are the single engine's; checkpoints move between the two at any cut.
/// </summary>
public class PartitionedPipelineProperties
{
    private static Gen<int> PartitionCounts() => Gen.Elements(1, 2, 3, 5, 8);

    [Property(MaxTest = 150)]
    public Property Any_partition_count_and_batching_gives_the_single_engines_changes_and_diagnostics() =>
        Prop.ForAll(Scenarios(), PartitionCounts().ToArbitrary(), Gen.Choose(1, 40).ToArbitrary(), (scenario, partitions, batchSize) =>
        {
            var (expected, expectedDiagnostics, expectedStatistics, expectedWatermark) = RunSingle(scenario.Activities);

            using var pipeline = new PartitionedAlertPipeline(AllPolicies(), partitions, Options());
            var diagnostics = new List<string>();
            using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics.Add(DescribeDiagnostic(d)));
            var streamed = new List<string>();
            using var changes = pipeline.Changes.Subscribe(c => streamed.Add(Describe(c)));
            var actual = new List<string>();
            foreach (var batch in scenario.Activities.Chunk(batchSize))
            {
                actual.AddRange(pipeline.Process(batch).Select(Describe));
            }

            Assert.Equal(expected, actual);
            Assert.Equal(expected, streamed);
            Assert.Equal(expectedDiagnostics, diagnostics);
            Assert.Equal(expectedStatistics, pipeline.Statistics);
            Assert.Equal(expectedWatermark, pipeline.Watermark);
        });

    [Property(MaxTest = 150)]
    public Property Checkpoints_move_between_the_single_engine_and_any_partition_count_at_any_cut() =>
        Prop.ForAll(Scenarios(), PartitionCounts().ToArbitrary(), PartitionCounts().ToArbitrary(), (scenario, before, after) =>
        {
            var (expected, _, expectedStatistics, _) = RunSingle(scenario.Activities);
            var actual = new List<string>();

            // Before the cut: partitioned (or single when the count is 1, to cover both directions).
            using var checkpoint = new MemoryStream();
            if (before == 1)
            {
                using var single = new AlertPipeline(AllPolicies(), Options());
                foreach (var activity in scenario.Activities.Take(scenario.Cut))
                {
                    actual.AddRange(single.Process(activity).Select(Describe));
                }

                single.SaveCheckpoint(checkpoint);
            }
            else
            {
                using var partitioned = new PartitionedAlertPipeline(AllPolicies(), before, Options());
                foreach (var batch in scenario.Activities.Take(scenario.Cut).Chunk(7))
                {
                    actual.AddRange(partitioned.Process(batch).Select(Describe));
                }

                partitioned.SaveCheckpoint(checkpoint);
            }

            checkpoint.Position = 0;
            var rest = scenario.Activities.Skip(scenario.Cut - scenario.Overlap).ToList();
            if (after == 1)
            {
                using var single = new AlertPipeline(AllPolicies(), Options());
                Assert.Empty(single.RestoreCheckpoint(checkpoint).Skipped);
                foreach (var activity in rest)
                {
                    actual.AddRange(single.Process(activity).Select(Describe));
                }
            }
            else
            {
                using var partitioned = new PartitionedAlertPipeline(AllPolicies(), after, Options());
                Assert.Empty(partitioned.RestoreCheckpoint(checkpoint).Skipped);
                foreach (var batch in rest.Chunk(5))
                {
                    actual.AddRange(partitioned.Process(batch).Select(Describe));
                }

                if (scenario.Overlap == 0)
                {
                    Assert.Equal(expectedStatistics, partitioned.Statistics);
                }
            }

            Assert.Equal(expected, actual);
        });

    [Property(MaxTest = 150)]
    public Property Staged_phases_of_overlapping_batches_give_the_single_engines_changes_diagnostics_and_final_alerts() =>
        Prop.ForAll(Scenarios(), PartitionCounts().ToArbitrary(), Gen.Choose(1, 40).ToArbitrary(), (scenario, partitions, batchSize) =>
        {
            // The oracle, batch by batch: every change, and whether its alert is final once the whole batch is processed.
            var batches = scenario.Activities.Chunk(batchSize).ToList();
            using var single = new AlertPipeline(AllPolicies(), Options());
            var expectedDiagnostics = new List<string>();
            using var singleSubscription = single.Diagnostics.Subscribe(d => expectedDiagnostics.Add(DescribeDiagnostic(d)));
            var expected = new List<string>();
            foreach (var batch in batches)
            {
                var changes = batch.SelectMany(single.Process).ToList();
                expected.AddRange(changes.Select(c => Describe(c) + (single.IsFinal(c.Alert) ? " final" : "")));
            }

            using var pipeline = new PartitionedAlertPipeline(AllPolicies(), partitions, Options());
            var diagnostics = new List<string>();
            using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics.Add(DescribeDiagnostic(d)));
            var actual = new List<string>();
            PartitionedBatch[] inFlight = [pipeline.NewStagedBatch(), pipeline.NewStagedBatch(), pipeline.NewStagedBatch()];
            pipeline.BeginStaged();

            // Tick t: plan, duplicate answers (last partition first) and admission of batch t, evaluation of batch t - 1,
            // apply of batch t - 2, so the apply runs after two later batches moved the clock and filled the filters.
            for (var t = 0; t < batches.Count + 2; t++)
            {
                if (t < batches.Count)
                {
                    var next = inFlight[t % 3];
                    next.Activities.AddRange(batches[t]);
                    pipeline.StagePlan(next);
                    for (var p = partitions - 1; p >= 0; p--)
                    {
                        pipeline.StageCheckDuplicates(next, p);
                    }

                    pipeline.StageAdmit(next);
                }

                if (t >= 1 && t - 1 < batches.Count)
                {
                    for (var p = 0; p < partitions; p++)
                    {
                        pipeline.StageEvaluate(inFlight[(t - 1) % 3], p);
                    }
                }

                if (t >= 2)
                {
                    var applied = inFlight[(t - 2) % 3];
                    var watermark = applied.WatermarkTicks;
                    var changes = pipeline.StageApply(applied) ?? [];
                    Assert.Empty(applied.Activities);
                    actual.AddRange(changes.Select(c => Describe(c) + (pipeline.IsFinal(c.Alert, watermark) ? " final" : "")));
                }
            }

            Assert.Equal(expected, actual);
            Assert.Equal(expectedDiagnostics, diagnostics);
            Assert.Equal(single.Statistics, pipeline.Statistics);
            Assert.Equal(single.Watermark, pipeline.Watermark);
        });

    private static (List<string> Changes, List<string> Diagnostics, EngineStatistics Statistics, DateTimeOffset? Watermark) RunSingle(IReadOnlyList<Activity> activities)
    {
        using var pipeline = new AlertPipeline(AllPolicies(), Options());
        var diagnostics = new List<string>();
        using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics.Add(DescribeDiagnostic(d)));
        var changes = new List<string>();
        foreach (var activity in activities)
        {
            changes.AddRange(pipeline.Process(activity).Select(Describe));
        }

        return (changes, diagnostics, pipeline.Statistics, pipeline.Watermark);
    }

    private static string DescribeDiagnostic(EngineDiagnostic d) => $"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}";
}
