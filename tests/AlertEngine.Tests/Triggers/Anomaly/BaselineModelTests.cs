using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

public class BaselineModelTests
{
    private static readonly int LearningHours = 7 * 24;

    [Fact]
    public void A_spike_inside_the_learning_period_never_fires_and_the_same_spike_after_it_does()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        var during = Feed(model, "k", Steady(Start, 3 * 24, 5).Concat(Burst(Start.AddHours(3 * 24 + 10), 500)));
        Assert.Empty(during);

        var after = Feed(model, "k", Steady(Start.AddHours(3 * 24 + 11), LearningHours, 5).Concat(Burst(Start.AddHours(10 * 24 + 12), 500)));
        var d = Assert.Single(after);
        Assert.Equal(Start.AddHours(10 * 24 + 12), d.BucketStart);
    }

    [Fact]
    public void Learning_runs_on_each_keys_own_clock_from_its_first_activity()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(model, "early", Steady(Start, 3 * 24, 5));

        // From day 3 both keys are active; "late" is first seen on day 3.
        var both = Steady(Start.AddDays(3), 6 * 24, 5).SelectMany(t => new[] { ("early", t), ("late", t) })
            .Concat(Burst(Start.AddDays(9).AddHours(1), 300).SelectMany(t => new[] { ("early", t), ("late", t) }));
        var found = FeedMany(model, both);
        Assert.Equal(["early"], found.Select(d => d.Key));
        Assert.False(model.GetBaseline("late", Start.AddDays(9).AddHours(2))!.Learned);
        Assert.True(model.GetBaseline("late", Start.AddDays(10))!.Learned);

        var later = Steady(Start.AddDays(9).AddHours(2), 47, 5).Select(t => ("late", t)).Concat(Burst(Start.AddDays(11).AddHours(1), 300).Select(t => ("late", t)));
        Assert.Equal(["late"], FeedMany(model, later).Select(d => d.Key));
    }

    [Fact]
    public void At_most_one_detection_per_key_per_bucket_and_it_fires_on_the_activity_that_reaches_the_threshold()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(model, "k", Steady(Start, 8 * 24, 4));
        var hour = Start.AddDays(8);
        var threshold = model.GetBaseline("k", hour)!.Threshold!.Value;
        var found = Feed(model, "k", Burst(hour, threshold * 3));
        var d = Assert.Single(found);
        Assert.Equal(threshold, d.Observed);
        Assert.Equal(threshold, d.Items.Count);
        Assert.True(d.Score > 0);
        Assert.True(d.Expected > 0 && d.Expected < threshold);
    }

    [Fact]
    public void Detection_items_are_capped_but_the_observed_count_is_not()
    {
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxActivitiesPerDetection = 3 });
        Feed(model, "k", Steady(Start, 8 * 24, 4));
        var d = Assert.Single(Feed(model, "k", Burst(Start.AddDays(8), 200)));
        Assert.Equal(3, d.Items.Count);
        Assert.True(d.Observed > 3);
        Assert.Equal([0, 1, 2], d.Items.Select(i => i - d.Items[0]));
    }

    [Fact]
    public void A_key_whose_baseline_is_zero_does_not_alert_below_the_minimum_count()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        // One activity a day at 09:00, nothing else: every other slot learns zero.
        Feed(model, "k", Enumerable.Range(0, 9).Select(d => Start.AddDays(d).AddHours(9)));
        var quiet = Start.AddDays(9).AddHours(3);
        Assert.Empty(Feed(model, "k", Burst(quiet, AnomalyThresholds.Medium.MinCount - 1)));
        Assert.Single(Feed(model, "k", Burst(quiet.AddDays(1), AnomalyThresholds.Medium.MinCount)));
    }

    [Fact]
    public void Empty_buckets_count_as_zero_when_event_time_moves_past_them()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(model, "k", Steady(Start, 14 * 24, 10));
        var before = model.GetBaseline("k", Start.AddDays(14).AddHours(10))!.Expected;

        // Two silent days, then one activity: the silent buckets are folded in as zeros without any timer.
        Feed(model, "k", [Start.AddDays(16).AddHours(23)]);
        var after = model.GetBaseline("k", Start.AddDays(17).AddHours(10))!.Expected;
        Assert.True(after < before, $"{after} < {before}");
    }

    [Fact]
    public void A_spike_moves_the_baseline_by_a_bounded_amount() => SpikeIsBounded(withPopulation: false);

    /// <summary>With the population profile (switched on; a second key with the same steady rate; the spike in the
    /// profile's counts too), the fit test keeps the key's level off a profile the spike has distorted.</summary>
    [Fact]
    public void A_spike_moves_the_baseline_by_a_bounded_amount_with_the_population_profile() => SpikeIsBounded(withPopulation: true);

    private static void SpikeIsBounded(bool withPopulation)
    {
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, ProfileFitLimit = BaselineMath.ProfileFitDefault });
        IEnumerable<(string, DateTimeOffset)> Of(IEnumerable<DateTimeOffset> times, DateTimeOffset from, int hours)
        {
            var own = times.Select(t => ("k", t));
            return withPopulation ? own.Concat(Steady(from, hours, 10).Select(t => ("k2", t))).OrderBy(x => x.Item2) : own;
        }

        FeedMany(model, Of(Steady(Start, 14 * 24, 10), Start, 14 * 24));
        Assert.Equal(withPopulation, model.Profile!.Usable);
        var before = model.GetBaseline("k", Start.AddDays(15).AddHours(10))!.Expected;
        FeedMany(model, Of(Burst(Start.AddDays(14).AddHours(10), 10_000).Concat(Steady(Start.AddDays(14).AddHours(11), 24, 10)), Start.AddDays(14).AddHours(10), 25));
        var after = model.GetBaseline("k", Start.AddDays(15).AddHours(10))!.Expected;
        Assert.InRange(after, before, before * 1.5);
    }

    [Fact]
    public void Seasonality_separates_office_hours_from_nights()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        // 30 an hour from 09:00 to 17:00 on weekdays, nothing otherwise, for two weeks.
        var times = Enumerable.Range(0, 14)
            .Where(d => Start.AddDays(d).DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            .SelectMany(d => Steady(Start.AddDays(d).AddHours(9), 8, 30));
        Assert.Empty(Feed(model, "k", times));

        // A normal office hour does not fire; the same 30 at 03:00 does.
        Assert.Empty(Feed(model, "k", Steady(Start.AddDays(14).AddHours(9), 1, 30)));
        Assert.Single(Feed(model, "k", Burst(Start.AddDays(15).AddHours(3), 30)));
    }

    [Fact]
    public void Activities_older_than_the_allowed_lateness_are_late_and_not_counted()
    {
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, AllowedLateness = TimeSpan.FromMinutes(5) });
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("k", Start.AddMinutes(30), 0, out _));
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("k", Start.AddMinutes(25), 1, out _));
        Assert.Equal(AnomalyOutcome.Late, model.Observe("k", Start.AddMinutes(24), 2, out _));
        Assert.Equal(AnomalyOutcome.Late, model.Observe("other", Start, 3, out _));
    }

    [Fact]
    public void An_out_of_order_activity_within_the_lateness_counts_in_its_own_bucket_and_can_fire_it()
    {
        var options = new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, AllowedLateness = TimeSpan.FromMinutes(30) };
        var model = new BaselineModel<int>(Trigger(), options);
        Feed(model, "k", Steady(Start, 8 * 24, 4));
        var hour = Start.AddDays(8).AddHours(10);
        var threshold = model.GetBaseline("k", hour)!.Threshold!.Value;

        // threshold − 1 activities in 10:00–11:00, then one at 11:10, then a late one stamped 10:50.
        Assert.Empty(Feed(model, "k", Steady(hour, 1, threshold - 1)));
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("k", hour.AddMinutes(70), -1, out _));
        Assert.Equal(AnomalyOutcome.Detected, model.Observe("k", hour.AddMinutes(50), -2, out var d));
        Assert.Equal(hour, d!.BucketStart);
        Assert.Equal(threshold, d.Observed);
        Assert.Contains(-2, d.Items);
        Assert.DoesNotContain(-1, d.Items); // 11:10 belongs to the next bucket

        // The bucket fired once: more late activities of it do not fire again.
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("k", hour.AddMinutes(55), -3, out _));
    }

    [Fact]
    public void New_keys_beyond_the_cap_are_refused_and_known_keys_still_count()
    {
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxTrackedKeys = 2 });
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("a", Start, 0, out _));
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("b", Start, 0, out _));
        Assert.Equal(AnomalyOutcome.KeyCapExceeded, model.Observe("c", Start, 0, out _));
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("a", Start, 0, out _));
        Assert.Equal(2, model.KeyCount);
    }

    [Fact]
    public void Idle_keys_retire_after_the_retention_and_learn_again_when_they_return()
    {
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Retention = TimeSpan.FromDays(10) });
        Feed(model, "idle", Steady(Start, 8 * 24, 5));
        Feed(model, "busy", Steady(Start, 20 * 24, 1));
        Assert.Equal(1, model.KeyCount);
        Assert.Null(model.GetBaseline("idle", Start.AddDays(20)));

        Feed(model, "idle", [Start.AddDays(20).AddHours(1)]);
        Assert.False(model.GetBaseline("idle", Start.AddDays(21))!.Learned);
    }

    [Fact]
    public void The_bucket_key_and_time_of_a_detection_are_reported()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(model, "k", Steady(Start, 8 * 24, 2));
        var d = Assert.Single(Feed(model, "k", Burst(Start.AddDays(8).AddHours(4), 100)));
        Assert.Equal("k", d.Key);
        Assert.Equal(TimeSpan.FromHours(1), d.BucketLength);
        Assert.Equal(Start.AddDays(8).AddHours(4), d.BucketStart);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void An_invalid_bucket_is_a_programmer_error(int minutes) =>
        Assert.Throws<ArgumentException>(() => new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromMinutes(minutes) }, AnomalyStreams.PerKey()));

    [Fact]
    public void Invalid_options_list_every_problem()
    {
        var errors = new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, AllowedLateness = TimeSpan.FromSeconds(-1), Retention = TimeSpan.Zero, MaxTrackedKeys = 0, MaxActivitiesPerDetection = -1, Thresholds = new(0, 0, 0.5) }.Validate();
        Assert.Equal(["AllowedLateness", "Retention", "MaxTrackedKeys", "MaxActivitiesPerDetection", "Thresholds.Z", "Thresholds.MinCount", "Thresholds.MinRatio"], errors.Select(e => e.Path));
        Assert.Throws<ArgumentException>(() => new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxTrackedKeys = 0 }));
    }

    [Fact]
    public void Sensitivities_map_to_the_documented_thresholds()
    {
        Assert.Equal(new AnomalyThresholds(4.6, 20, 4), AnomalyThresholds.For(AnomalySensitivity.Low));
        Assert.Equal(new AnomalyThresholds(4.0, 15, 3), AnomalyThresholds.For(AnomalySensitivity.Medium));
        Assert.Equal(new AnomalyThresholds(3.4, 8, 2), AnomalyThresholds.For(AnomalySensitivity.High));
        Assert.Equal(AnomalyThresholds.High, new BaselineModel<int>(Trigger(AnomalySensitivity.High), AnomalyStreams.PerKey()).Thresholds);
    }

    [Fact]
    public void Slots_are_hour_of_day_by_weekday_or_weekend_for_hourly_buckets_and_fewer_for_longer_ones()
    {
        Assert.Equal(48, new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey()).SlotCount);
        Assert.Equal(24, new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromHours(2) }, AnomalyStreams.PerKey()).SlotCount);
        Assert.Equal(48, new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromMinutes(10) }, AnomalyStreams.PerKey()).SlotCount);
        Assert.Equal(2, new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromDays(1) }, AnomalyStreams.PerKey()).SlotCount);
        Assert.Equal(1, new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromDays(7) }, AnomalyStreams.PerKey()).SlotCount);
    }
}
