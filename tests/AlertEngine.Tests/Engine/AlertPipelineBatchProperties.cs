using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Engine;

/// <summary>
/// <see cref="AlertPipeline.Process(ReadOnlySpan{Activity})"/> against <see cref="AlertPipeline.Process(Activity)"/>
/// for each activity in turn (the oracle): for generated streams over every trigger kind with duplicates, late and
/// future activities, duplicate filter on or off, cut into batches of any size, the same changes (returned and pushed), diagnostics, statistics,
/// clock and checkpoint; and a checkpoint saved between two batches restores exactly once.
/// </summary>
public class AlertPipelineBatchProperties
{
    private static Gen<int[]> BatchSizes() =>
        NonEmpty(Gen.Frequency((3, Gen.Choose(1, 6)), (3, Gen.Choose(7, 64)), (1, Gen.Choose(65, 1500))));

    /// <summary>The wall clock: far ahead (no activity is in the future), or fixed inside the stream with a short
    /// tolerance, so that its later activities are invalid (and never enter the duplicate filter).</summary>
    private static Gen<int?> ClockMinutes() => Gen.Frequency((1, Gen.Constant<int?>(null)), (1, Gen.Choose(150, 400).Select(m => (int?)m)));

    /// <summary>The clock, and whether the duplicate filter is on (mostly).</summary>
    private static Gen<(int? Clock, bool Filter)> ClockAndFilter() =>
        from clock in ClockMinutes()
        from filter in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
        select (clock, filter);

    private static AlertPipeline NewPipeline(int? clockMinutes, bool filter = true)
    {
        var options = Options();
        options.FutureTolerance = TimeSpan.FromMinutes(1);
        if (!filter)
        {
            options.DuplicateHorizon = TimeSpan.Zero;
        }

        var now = clockMinutes is { } m ? Start.AddMinutes(m) : Start.AddYears(10);
        return new AlertPipeline(AllPolicies(), options, new FakeTimeProvider(now));
    }

    [Property(MaxTest = 150)]
    public Property Any_batching_gives_what_one_activity_at_a_time_gives() =>
        Prop.ForAll(Scenarios(), BatchSizes().ToArbitrary(), ClockAndFilter().ToArbitrary(), (scenario, sizes, setting) =>
        {
            var (clock, filter) = setting;
            var expected = Run(clock, filter, scenario.Activities, batch: null);
            var actual = Run(clock, filter, scenario.Activities, sizes);
            Assert.Equal(expected.Changes, actual.Changes);
            Assert.Equal(expected.Changes, actual.Streamed);
            Assert.Equal(expected.Diagnostics, actual.Diagnostics);
            Assert.Equal(expected.Statistics, actual.Statistics);
            Assert.Equal(expected.Watermark, actual.Watermark);
            Assert.Equal(expected.Checkpoint, actual.Checkpoint);
        });

    [Property(MaxTest = 150)]
    public Property A_checkpoint_between_two_batches_restores_exactly_once() =>
        Prop.ForAll(Scenarios(), BatchSizes().ToArbitrary(), (scenario, sizes) =>
        {
            var expected = Run(null, true, scenario.Activities, batch: null);
            var actual = new List<string>();
            using var checkpoint = new MemoryStream();
            using (var before = NewPipeline(null))
            {
                actual.AddRange(ProcessInBatches(before, scenario.Activities.Take(scenario.Cut).ToArray(), sizes));
                before.SaveCheckpoint(checkpoint);
            }

            checkpoint.Position = 0;
            using var after = NewPipeline(null);
            Assert.Empty(after.RestoreCheckpoint(checkpoint).Skipped);

            // The re-delivered activities before the cut are all duplicates.
            var again = scenario.Activities.Skip(scenario.Cut - scenario.Overlap).Take(scenario.Overlap).ToArray();
            Assert.Empty(after.Process(again.AsSpan()));
            actual.AddRange(ProcessInBatches(after, scenario.Activities.Skip(scenario.Cut).ToArray(), sizes));
            Assert.Equal(expected.Changes, actual);
        });

    [Fact]
    public void A_null_activity_is_refused_before_anything_is_evaluated()
    {
        using var pipeline = NewPipeline(null);
        var activity = new Activity("a1", Start, "FileDeleted") { UserId = Users[0] };
        Assert.Throws<ArgumentException>(() => pipeline.Process([activity, null!]));
        Assert.Equal(0, pipeline.Statistics.ActivitiesProcessed);
        Assert.NotEmpty(pipeline.Process([activity]));
    }

    [Fact]
    public void An_empty_batch_changes_nothing_and_a_disposed_pipeline_refuses_batches()
    {
        var pipeline = NewPipeline(null);
        Assert.Empty(pipeline.Process(ReadOnlySpan<Activity>.Empty));
        Assert.Equal(0, pipeline.Statistics.ActivitiesProcessed);
        pipeline.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pipeline.Process([new Activity("a1", Start, "FileDeleted")]));
    }

    private static List<string> ProcessInBatches(AlertPipeline pipeline, Activity[] activities, int[] sizes)
    {
        var changes = new List<string>();
        var at = 0;
        var s = 0;
        while (at < activities.Length)
        {
            var size = Math.Min(sizes[s++ % sizes.Length], activities.Length - at);
            changes.AddRange(pipeline.Process(activities.AsSpan(at, size)).Select(Describe));
            at += size;
        }

        return changes;
    }

    private static Outcome Run(int? clock, bool filter, List<Activity> activities, int[]? batch)
    {
        using var pipeline = NewPipeline(clock, filter);
        var diagnostics = new List<string>();
        using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics.Add($"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}"));
        var streamed = new List<string>();
        using var pushed = pipeline.Changes.Subscribe(c => streamed.Add(Describe(c)));
        List<string> changes;
        if (batch is null)
        {
            changes = [];
            foreach (var activity in activities)
            {
                changes.AddRange(pipeline.Process(activity).Select(Describe));
            }
        }
        else
        {
            changes = ProcessInBatches(pipeline, [.. activities], batch);
        }

        using var checkpoint = new MemoryStream();
        pipeline.SaveCheckpoint(checkpoint);
        return new Outcome(changes, streamed, diagnostics, pipeline.Statistics, pipeline.Watermark, checkpoint.ToArray());
    }

    private sealed record Outcome(List<string> Changes, List<string> Streamed, List<string> Diagnostics, EngineStatistics Statistics, DateTimeOffset? Watermark, byte[] Checkpoint);

    private static Gen<int[]> NonEmpty(Gen<int> sizes) =>
        from first in sizes
        from rest in Gen.ArrayOf(sizes)
        select (int[])[first, .. rest];
}
