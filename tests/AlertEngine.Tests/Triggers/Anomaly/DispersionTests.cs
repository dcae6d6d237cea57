using AlertEngine.Testing;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>Example tests of the documented dispersion rules (docs/anomaly.md, "Dispersion").</summary>
public class DispersionTests
{
    [Fact]
    public void A_steady_key_learns_a_small_dispersion_and_a_bursty_key_a_large_one_and_a_higher_threshold()
    {
        var steady = Learned(1 / (0.35 * 0.35));
        var bursty = Learned(1 / (0.71 * 0.71));

        // True CV² 0.12 and 0.50: each key's estimate is near its own.
        Assert.InRange(steady, 0.05, 0.22);
        Assert.InRange(bursty, 0.30, 0.75);
        var t = AnomalyThresholds.Medium;
        Assert.True(BaselineMath.PredictiveThreshold(20, 1, bursty, 19, t, out _) > BaselineMath.PredictiveThreshold(20, 1, steady, 19, t, out _) + 20);
    }

    [Fact]
    public void A_bucket_that_fired_leaves_the_dispersion_as_it_was_and_one_that_did_not_moves_it()
    {
        var (firedBefore, firedAfter, fired) = AroundOneBucket(200);
        var (quietBefore, quietAfter, quiet) = AroundOneBucket(14);

        Assert.Single(fired);
        Assert.Equal(firedBefore, firedAfter);
        Assert.Empty(quiet);
        Assert.NotEqual(quietBefore, quietAfter);
    }

    [Fact]
    public void The_two_buckets_after_a_fired_one_leave_the_dispersion_as_it_was_and_the_third_moves_it()
    {
        var model = Learned8Days();
        var hour = Start.AddHours((8 * 24) + 12);
        Assert.Single(Feed(model, "k", Burst(hour, 200)));
        var before = State(model);

        // The rest of a burst: the next two hours stay high but below their thresholds (the recent-activity factor
        // has risen), then one ordinary hour.
        Assert.Empty(Feed(model, "k", Burst(hour.AddHours(1), 20)));
        Assert.Empty(Feed(model, "k", Burst(hour.AddHours(2), 20)));
        Assert.Empty(Feed(model, "k", Burst(hour.AddHours(3), 8)));
        var afterTwo = State(model);
        Feed(model, "k", [hour.AddHours(4)]);

        Assert.Equal(before, afterTwo);
        Assert.NotEqual(afterTwo, State(model));
    }

    [Fact]
    public void The_fired_history_survives_a_snapshot_so_a_restored_key_leaves_the_same_buckets_out()
    {
        var model = Learned8Days();
        var hour = Start.AddHours((8 * 24) + 12);
        Assert.Single(Feed(model, "k", Burst(hour, 200)));
        Feed(model, "k", Burst(hour.AddHours(1), 20));
        var bytes = new MemoryStream();
        model.CreateSnapshot().WriteTo(bytes);
        bytes.Position = 0;
        var restored = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, InitialState = BaselineSnapshot.ReadFrom(bytes) });
        var before = State(restored);

        Feed(restored, "k", Burst(hour.AddHours(2), 20));
        Feed(restored, "k", [hour.AddHours(3)]);

        Assert.Equal(before, State(restored));
    }

    [Fact]
    public void One_burst_moves_the_dispersion_by_a_bounded_amount()
    {
        float phi1 = 0.1f, sum1 = 0, weight1 = 0, phi2 = 0.1f, sum2 = 0, weight2 = 0;
        BaselineMath.UpdateDispersion(ref phi1, ref sum1, ref weight1, 10, 1_000, 1, 19);
        BaselineMath.UpdateDispersion(ref phi2, ref sum2, ref weight2, 10, 1_000_000, 1, 19);

        Assert.Equal(phi1, phi2);
        Assert.Equal(sum1, sum2);

        // The squared residual is capped at 9 variances (V = 10 + 0.1·100 = 20): the moment is (9·20 − 10) / 100 plus the
        // cap's expected loss (0.2·0.028 at skewness 0.67) ≈ 1.71, worth one bucket against the prior's five.
        Assert.InRange(phi1, 0.1, (5 * 0.1 + 1.71) / 6 + 1e-3);
    }

    [Fact]
    public void The_third_cumulant_is_the_negative_binomials_for_single_activities()
    {
        foreach (var (m, phi) in new[] { (3.0, 0.0), (10.0, 0.12), (25.0, 0.5) })
        {
            Assert.Equal(m * (1 + (phi * m)) * (1 + (2 * phi * m)), BaselineMath.ThirdCumulant(m, 1, phi), 9);
        }
    }

    [Fact]
    public void A_version_1_snapshot_without_dispersion_sums_is_still_read()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(model, "k", Steady(Start, 8 * 24, 6));
        var bytes = new MemoryStream();
        model.CreateSnapshot().WriteTo(bytes);
        var v2 = bytes.ToArray();

        // Version 1: the same record without the two floats that end it.
        var v1 = v2[..^8];
        BitConverter.GetBytes(1).CopyTo(v1, 4);
        var read = BaselineSnapshot.ReadFrom(new MemoryStream(v1)).Keys[0];
        var saved = model.CreateSnapshot().Keys[0];

        Assert.Equal(saved.Dispersion, read.Dispersion);
        Assert.True(read.DispersionWeight > 0);
        Assert.Equal(read.Dispersion, read.DispersionSum / read.DispersionWeight, 5);
        var restored = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, InitialState = BaselineSnapshot.ReadFrom(new MemoryStream(v1)) });
        Assert.Equal(1, restored.KeyCount);
    }

    [Fact]
    public void An_unknown_snapshot_version_is_an_invalid_data_error_naming_the_versions_read()
    {
        var bytes = new MemoryStream();
        new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey()).CreateSnapshot().WriteTo(bytes);
        var data = bytes.ToArray();
        BitConverter.GetBytes(5).CopyTo(data, 4);

        var e = Assert.Throws<InvalidDataException>(() => BaselineSnapshot.ReadFrom(new MemoryStream(data)));
        Assert.Contains("expected 1 to 4", e.Message, StringComparison.Ordinal);
    }

    /// <summary>The dispersion a key learns from four weeks of gamma-Poisson traffic (several users, median).</summary>
    private static double Learned(double hourShape)
    {
        var estimates = new List<double>();
        for (var seed = 1; seed <= 9; seed++)
        {
            var trace = AnomalyStreamGenerator.Generate(seed, new ActivityStreamOptions { DayShape = 0, HourShape = hourShape });
            var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
            Feed(model, trace.Key, trace.Events.Select(e => e.Time));
            estimates.Add(model.CreateSnapshot().Keys[0].Dispersion);
        }

        estimates.Sort();
        return estimates[estimates.Count / 2];
    }

    /// <summary>A key learned on 8 days of alternating 4 and 8 an hour; then <paramref name="count"/> in one hour: the
    /// dispersion state before and after that hour closes, and the detections.</summary>
    private static ((float, float, float) Before, (float, float, float) After, List<BaselineDetection<int>> Found) AroundOneBucket(int count)
    {
        var model = Learned8Days();
        var hour = Start.AddHours((8 * 24) + 12);
        var found = Feed(model, "k", Burst(hour, count));
        var before = State(model);
        Feed(model, "k", [hour.AddHours(1)]);
        return (before, State(model), found);
    }

    /// <summary>A key learned on 8 days and 12 hours of alternating 4 and 8 an hour.</summary>
    private static BaselineModel<int> Learned8Days()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        var times = new List<DateTimeOffset>();
        for (var h = 0; h < (8 * 24) + 12; h++)
        {
            times.AddRange(Steady(Start.AddHours(h), 1, h % 2 == 0 ? 4 : 8));
        }

        Feed(model, "k", times);
        return model;
    }

    private static (float, float, float) State(BaselineModel<int> model)
    {
        var k = model.CreateSnapshot().Keys[0];
        return (k.Dispersion, k.DispersionSum, k.DispersionWeight);
    }
}
