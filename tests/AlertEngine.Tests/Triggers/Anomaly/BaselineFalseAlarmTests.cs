using AlertEngine.Testing;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The false detection of issue 5 (anomaly-free seed 626 at medium sensitivity) and the two causes behind it, each
/// reduced to a small deterministic stream: a recent-activity factor still held down by yesterday's quiet day, and an
/// hour whose own short history sits far below its neighbours'. See docs/anomaly.md.
/// </summary>
public class BaselineFalseAlarmTests
{
    /// <summary>Weekdays of two weeks from <see cref="AnomalyStreams.Start"/>, <paramref name="perHour"/> activities an hour
    /// from <paramref name="fromHour"/> to <paramref name="toHour"/> (exclusive), with <paramref name="hourCounts"/>
    /// overriding single hours.</summary>
    private static List<DateTimeOffset> TwoOfficeWeeks(int fromHour, int toHour, int perHour, params (int Hour, int Count)[] hourCounts)
    {
        var times = new List<DateTimeOffset>();
        for (var d = 0; d < 14; d++)
        {
            var day = Start.AddDays(d);
            if (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                continue;
            }

            for (var h = fromHour; h < toHour; h++)
            {
                var count = perHour;
                foreach (var (hour, c) in hourCounts)
                {
                    count = hour == h ? c : count;
                }

                times.AddRange(Burst(day.AddHours(h), count));
            }
        }

        return times;
    }

    [Fact]
    public void The_anomaly_free_stream_that_used_to_false_alarm_at_medium_raises_no_detection()
    {
        // Seed 626 of the committed evaluation: three holidays in three weeks and an unlucky 11:00 slot made the model
        // expect 2.5 activities where 5.7 were normal, and 15 (the minimum count) fired on Tuesday 20 January 11:00.
        var trace = AnomalyStreamGenerator.Generate(626, new ActivityStreamOptions { Weeks = 4 });
        var model = new BaselineModel<int>(Trigger(AnomalySensitivity.Medium), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxActivitiesPerDetection = 0 });

        var detections = Feed(model, trace.Key, trace.Events.Select(e => e.Time));

        Assert.Empty(detections);
        var tuesday = new DateTimeOffset(2026, 1, 20, 11, 0, 0, TimeSpan.Zero);
        Assert.Equal(15, trace.Events.Count(e => e.Time >= tuesday && e.Time < tuesday.AddHours(1)));
        Assert.True(model.GetBaseline(trace.Key, tuesday)!.Threshold > 15);
    }

    [Fact]
    public void After_a_quiet_day_the_first_busy_hours_of_the_next_day_raise_the_expectation()
    {
        // Two office weeks of 6 an hour (07–18), a silent Monday (a holiday), then Tuesday morning at 9 an hour. The
        // recent-activity factor forgets per bucket of time, so overnight the holiday is forgotten and Tuesday's
        // morning lifts the factor; before, the holiday's deficit held it at its floor of 1 all morning.
        // One key (an organization-scope policy): the population profile is not used (its own counts would fit it).
        var model = new BaselineModel<int>(Trigger(AnomalySensitivity.Medium), AnomalyStreams.PerKey());
        var tuesday = Start.AddDays(15);
        Assert.Empty(Feed(model, "k", TwoOfficeWeeks(7, 18, 6).Concat(Steady(tuesday.AddHours(7), 4, 9))));

        var eleven = model.GetBaseline("k", tuesday.AddHours(11))!;

        // The slot level is ≈ 5.7 after the holiday's clipped zero; the factor lifts it by more than 15 %.
        Assert.InRange(eleven.Expected, 6.5, 7.5);
        Assert.Empty(Feed(model, "k", Burst(tuesday.AddHours(11), 21))); // the threshold before the fix
    }

    [Fact]
    public void An_hours_expectation_is_pooled_toward_its_adjacent_hours_so_one_unlucky_hour_does_not_set_a_low_threshold()
    {
        // 11:00 saw 2 an hour on all 10 weekdays, its neighbours 6: 11:00 predicts (10·2 + 10·6) / (10 + 10) and,
        // symmetrically, 10:00 predicts (10·6 + 10·(6 + 2)/2) / 20 (times a recent-activity factor within 1 %).
        var model = new BaselineModel<int>(Trigger(AnomalySensitivity.Medium), AnomalyStreams.PerKey());
        Feed(model, "k", TwoOfficeWeeks(7, 18, 6, (11, 2)));
        var monday = Start.AddDays(14);

        var eleven = model.GetBaseline("k", monday.AddHours(11))!;

        Assert.Equal(10, eleven.Samples);
        Assert.InRange(eleven.Expected / (((10 * 2.0) + (10 * 6.0)) / 20), 1, 1.01);
        Assert.InRange(model.GetBaseline("k", monday.AddHours(10))!.Expected / (((10 * 6.0) + (10 * 4.0)) / 20), 1, 1.01);
        Assert.Equal(6.0, model.GetBaseline("k", monday.AddHours(8))!.Expected, 1);

        // The threshold is the documented one for the pooled expectation, and a count just below it does not fire.
        var dispersion = model.CreateSnapshot().Keys[0].Dispersion;
        Assert.Equal(BaselineMath.PredictiveThreshold(eleven.Expected, 1, dispersion, eleven.Samples, AnomalyThresholds.Medium, out _), eleven.Threshold);
        Assert.Empty(Feed(model, "k", Steady(monday.AddHours(7), 4, 6).Concat(Burst(monday.AddHours(11), eleven.Threshold!.Value - 1))));
    }

    [Fact]
    public void Pooling_uses_only_adjacent_hours_of_the_same_day_type_that_have_samples()
    {
        var levels = new float[48];
        var samples = new byte[48];
        for (var s = 0; s < 48; s++)
        {
            levels[s] = 10;
            samples[s] = 10;
        }

        levels[5] = 4;
        Assert.Equal(((10 * 4.0) + (10 * 10.0)) / 20, BaselineMath.PredictedLevel(levels, samples, 5), 6);

        // Hours 0 and 23 are not pooled (their neighbours across midnight may be of the other day type).
        levels[0] = 4;
        levels[23] = 4;
        levels[24] = 4;
        Assert.Equal(4, BaselineMath.PredictedLevel(levels, samples, 0));
        Assert.Equal(4, BaselineMath.PredictedLevel(levels, samples, 23));
        Assert.Equal(4, BaselineMath.PredictedLevel(levels, samples, 24));

        // A neighbour without samples is left out; without any, the own level stands.
        levels[30] = 4;
        samples[29] = 0;
        levels[29] = 0;
        Assert.Equal(((10 * 4.0) + (10 * 10.0)) / 20, BaselineMath.PredictedLevel(levels, samples, 30), 6);
        samples[31] = 0;
        Assert.Equal(4, BaselineMath.PredictedLevel(levels, samples, 30));

        // The own level weighs at most the EWMA's effective sample size (19).
        samples[5] = 200;
        Assert.Equal(((19 * 4.0) + (10 * 10.0)) / 29, BaselineMath.PredictedLevel(levels, samples, 5), 6);

        // Other calendars (buckets longer than an hour) predict with the own level.
        Assert.Equal(4, BaselineMath.PredictedLevel(new float[] { 4, 10 }, new byte[] { 10, 10 }, 0));
    }
}
