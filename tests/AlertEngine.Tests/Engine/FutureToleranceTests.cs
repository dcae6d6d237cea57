using System.Reactive.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Engine;

/// <summary>An activity dated more than the future tolerance ahead of the wall clock is invalid and never moves the clock.</summary>
public class FutureToleranceTests
{
    private static readonly DateTimeOffset EndOfTime = new(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);

    private static AlertPolicy NoAggregation(string id = "p1") => EveryTime(id) with { Aggregation = new(AggregationMode.None) };

    private static Activity At(string id, DateTimeOffset time) => new(id, time, "FileDeleted") { UserId = "alice@contoso.com" };

    [Fact]
    public void One_activity_dated_at_the_end_of_time_does_not_make_later_activities_late()
    {
        // The issue's example: before the guard, the clock jumped to 9999-12-31 and every later activity was late.
        using var pipeline = new AlertPipeline([NoAggregation()], timeProvider: new FakeTimeProvider(T0));

        Assert.Single(pipeline.Process(Act("a1", 0)));
        Assert.Empty(pipeline.Process(At("bad", EndOfTime)));
        Assert.Single(pipeline.Process(Act("a2", 10)));
        Assert.Single(pipeline.Process(Act("a3", 20)));

        Assert.Equal(0, pipeline.Statistics.Late);
        Assert.Equal(3, pipeline.Statistics.Detections);
        Assert.Equal(T0.AddSeconds(20), pipeline.Watermark);
    }

    [Fact]
    public void A_future_activity_is_counted_reported_with_a_clear_reason_and_not_evaluated()
    {
        using var pipeline = new AlertPipeline([NoAggregation()], timeProvider: new FakeTimeProvider(T0));
        var diagnostics = new List<EngineDiagnostic>();
        using var sub = pipeline.Diagnostics.Subscribe(diagnostics.Add);

        Assert.Empty(pipeline.Process(At("bad", EndOfTime)));

        var statistics = pipeline.Statistics;
        Assert.Equal(1, statistics.Future);
        Assert.Equal(1, statistics.ActivitiesProcessed);
        Assert.Equal(0, statistics.Detections);
        Assert.Equal(1, statistics.Diagnostics);
        Assert.Null(pipeline.Watermark);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticKind.Future, diagnostic.Kind);
        Assert.Equal("bad", diagnostic.ActivityId);
        Assert.Null(diagnostic.PolicyId);
        Assert.Equal(
            "activity bad at 9999-12-31T23:59:59.0000000+00:00 is more than the future tolerance (1.00:00:00) ahead of the wall clock (2026-03-01T09:00:00.0000000+00:00); invalid, not evaluated",
            diagnostic.Message);
    }

    [Fact]
    public void A_future_activity_does_not_enter_the_duplicate_filter()
    {
        using var pipeline = new AlertPipeline([NoAggregation()], timeProvider: new FakeTimeProvider(T0));

        pipeline.Process(At("a1", EndOfTime));
        var corrected = pipeline.Process(Act("a1", 0));

        Assert.Single(corrected);
        Assert.Equal(0, pipeline.Statistics.Duplicates);
        Assert.Equal(1, pipeline.Statistics.Future);
    }

    [Fact]
    public void A_future_activity_is_rejected_even_when_its_id_was_already_seen()
    {
        using var pipeline = new AlertPipeline([NoAggregation()], timeProvider: new FakeTimeProvider(T0));

        pipeline.Process(Act("a1", 0));
        pipeline.Process(At("a1", EndOfTime));

        Assert.Equal(1, pipeline.Statistics.Future);
        Assert.Equal(0, pipeline.Statistics.Duplicates);
    }

    [Fact]
    public void Exactly_the_tolerance_ahead_is_accepted_and_one_tick_more_is_not()
    {
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.FromHours(1) };
        using var pipeline = new AlertPipeline([NoAggregation()], options, new FakeTimeProvider(T0));

        Assert.Empty(pipeline.Process(At("over", T0.AddHours(1).AddTicks(1))));
        Assert.Single(pipeline.Process(At("edge", T0.AddHours(1))));

        Assert.Equal(1, pipeline.Statistics.Future);
        Assert.Equal(T0.AddHours(1), pipeline.Watermark);
    }

    [Fact]
    public void The_default_tolerance_is_one_day()
    {
        Assert.Equal(TimeSpan.FromDays(1), new AlertEngineOptions().FutureTolerance);
        using var pipeline = new AlertPipeline([NoAggregation()], timeProvider: new FakeTimeProvider(T0));

        Assert.Single(pipeline.Process(At("day", T0.AddDays(1))));
        Assert.Empty(pipeline.Process(At("later", T0.AddDays(1).AddSeconds(1))));
        Assert.Equal(TimeSpan.FromDays(1), pipeline.Options.FutureTolerance);
    }

    [Fact]
    public void Times_are_compared_in_utc_whatever_the_offset()
    {
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.FromHours(1) };
        using var pipeline = new AlertPipeline([NoAggregation()], options, new FakeTimeProvider(T0));

        // 12:30 at +03:00 is 09:30 UTC: within the hour. 11:00 at +01:00 is 10:00 UTC: exactly one hour.
        Assert.Single(pipeline.Process(At("east", new DateTimeOffset(2026, 3, 1, 12, 30, 0, TimeSpan.FromHours(3)))));
        Assert.Single(pipeline.Process(At("edge", new DateTimeOffset(2026, 3, 1, 11, 0, 0, TimeSpan.FromHours(1)))));
        Assert.Empty(pipeline.Process(At("west", new DateTimeOffset(2026, 3, 1, 5, 0, 1, TimeSpan.FromHours(-5)))));
    }

    [Fact]
    public void The_wall_clock_is_read_from_the_pipelines_time_provider_when_the_activity_arrives()
    {
        var time = new FakeTimeProvider(T0);
        using var pipeline = new AlertPipeline([NoAggregation()], timeProvider: time);

        Assert.Empty(pipeline.Process(At("early", T0.AddDays(2))));
        time.Advance(TimeSpan.FromDays(1));
        Assert.Single(pipeline.Process(At("in-time", T0.AddDays(2))));
    }

    [Fact]
    public void The_wall_clock_is_not_read_for_every_activity_of_a_live_stream()
    {
        var time = new CountingTimeProvider(T0);
        using var pipeline = new AlertPipeline([NoAggregation()], timeProvider: time);

        for (var i = 0; i < 1000; i++)
        {
            pipeline.Process(Act("a" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), i));
        }

        Assert.Equal(1000, pipeline.Statistics.Detections);
        Assert.Equal(1, time.Reads);
    }

    [Fact]
    public void Zero_tolerance_accepts_the_wall_clock_time_and_nothing_after_it()
    {
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.Zero };
        Assert.Empty(options.Validate());
        using var pipeline = new AlertPipeline([NoAggregation()], options, new FakeTimeProvider(T0));

        Assert.Single(pipeline.Process(At("now", T0)));
        Assert.Empty(pipeline.Process(At("next", T0.AddTicks(1))));
    }

    [Fact]
    public void The_largest_tolerance_turns_the_check_off()
    {
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.MaxValue };
        using var pipeline = new AlertPipeline([NoAggregation()], options, new FakeTimeProvider(T0));

        Assert.Single(pipeline.Process(At("end", EndOfTime)));
        Assert.Equal(0, pipeline.Statistics.Future);
    }

    [Fact]
    public void A_negative_tolerance_is_invalid()
    {
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.FromTicks(-1) };

        var error = Assert.Single(options.Validate());
        Assert.Equal("FutureTolerance: must not be negative", error.ToString());
        var ex = Assert.Throws<ArgumentException>(() => new AlertPipeline([NoAggregation()], options));
        Assert.Contains("FutureTolerance", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Activities_from_the_stream_operator_are_guarded_too()
    {
        using var pipeline = new AlertPipeline([NoAggregation()], timeProvider: new FakeTimeProvider(T0));
        var changes = new List<AlertChange>();

        using var sub = pipeline.Run(new[] { Act("a1", 0), At("bad", EndOfTime), Act("a2", 1) }.ToObservable()).Subscribe(changes.Add);

        Assert.Equal(["p1:a1", "p1:a2"], changes.Select(c => c.Alert.Id));
        Assert.Equal(1, pipeline.Statistics.Future);
    }

    [Fact]
    public void The_future_and_observer_error_counts_are_saved_in_the_checkpoint_and_the_clock_is_unmoved()
    {
        using var before = new AlertPipeline([NoAggregation()], timeProvider: new FakeTimeProvider(T0));
        using (before.Changes.Subscribe(_ => throw new InvalidOperationException("observer broke")))
        {
            before.Process(Act("a1", 0));
        }

        before.Process(At("bad", EndOfTime));
        using var checkpoint = new MemoryStream();
        before.SaveCheckpoint(checkpoint);

        using var after = new AlertPipeline([NoAggregation()], timeProvider: new FakeTimeProvider(T0));
        checkpoint.Position = 0;
        after.RestoreCheckpoint(checkpoint);

        Assert.Equal(before.Statistics, after.Statistics);
        Assert.Equal((1L, 1L), (after.Statistics.Future, after.Statistics.ObserverErrors));
        Assert.Equal(T0, after.Watermark);
        Assert.Single(after.Process(Act("a2", 1)));
    }

    /// <summary>
    /// Oracle: future-dated activities inserted anywhere in a stream change nothing. The pipeline with them gives the
    /// same changes, late and duplicate counts as the pipeline fed only the other activities.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Future_activities_anywhere_in_a_stream_change_nothing_but_their_count(byte[] offsets, bool[] future)
    {
        var count = Math.Min(offsets.Length, future.Length);
        var stream = new List<Activity>(count);
        for (var i = 0; i < count; i++)
        {
            var id = "a" + (i % 7).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var user = (offsets[i] & 1) == 0 ? "alice" : "bob";
            stream.Add(future[i]
                ? new Activity(id, T0.AddDays(2).AddSeconds(offsets[i]), "FileDeleted") { UserId = user }
                : Act(id, offsets[i], user: user));
        }

        var (withFuture, withStatistics) = Run(stream);
        var (without, withoutStatistics) = Run(stream.Where(a => a.Time <= T0.AddDays(1)).ToList());
        var expectedFuture = future.Take(count).Count(f => f);

        return (withFuture.SequenceEqual(without)
                && withStatistics.Future == expectedFuture
                && withStatistics.Late == withoutStatistics.Late
                && withStatistics.Duplicates == withoutStatistics.Duplicates
                && withStatistics.Detections == withoutStatistics.Detections)
            .Label($"with: {string.Join(" ", withFuture)} / {withStatistics}\nwithout: {string.Join(" ", without)} / {withoutStatistics}");

        static (List<string> Changes, EngineStatistics Statistics) Run(List<Activity> activities)
        {
            var options = new AlertEngineOptions { AllowedLateness = TimeSpan.FromSeconds(30), DuplicateHorizon = TimeSpan.FromSeconds(100) };
            var threshold = EveryTime("t") with { Trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(1), TriggerScope.User) };
            using var pipeline = new AlertPipeline([EveryTime("e"), threshold], options, new FakeTimeProvider(T0));
            var changes = new List<string>();
            foreach (var activity in activities)
            {
                foreach (var change in pipeline.Process(activity))
                {
                    changes.Add($"{change.Kind}:{change.Alert.Id}:{change.Alert.HitCount}:{string.Join(",", change.Alert.Activities.Select(a => a.Id))}");
                }
            }

            return (changes, pipeline.Statistics);
        }
    }

    private sealed class CountingTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public int Reads { get; private set; }

        public override DateTimeOffset GetUtcNow()
        {
            Reads++;
            return now;
        }
    }
}
