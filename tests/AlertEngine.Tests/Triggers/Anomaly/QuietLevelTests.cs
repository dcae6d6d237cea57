using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The quiet-spell rule for the levels (issue 15, level-16; internal, on by default in the population model at q 0.5 and c 0.5, off in the per-key model:
/// <see cref="AnomalyDetectorOptions.QuietLevelFactor"/>, <see cref="AnomalyDetectorOptions.QuietLevelDown"/>): while the
/// key's unfloored recent-activity factor, the closed bucket included, is below q, the bucket lowers its slot's level by at
/// most c scales from the slot's second sample on. Validation, the cores against naive oracles, a model's levels against
/// a naive fold of every closed bucket, and an example per rule.
/// </summary>
public class QuietLevelTests
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero); // a Monday

    [Theory]
    [InlineData(-0.1, 0.0, nameof(AnomalyDetectorOptions.QuietLevelFactor))]
    [InlineData(double.NaN, 0.0, nameof(AnomalyDetectorOptions.QuietLevelFactor))]
    [InlineData(2.5, 0.0, nameof(AnomalyDetectorOptions.QuietLevelFactor))]
    [InlineData(0.5, -0.1, nameof(AnomalyDetectorOptions.QuietLevelDown))]
    [InlineData(0.5, 1.6, nameof(AnomalyDetectorOptions.QuietLevelDown))]
    [InlineData(0.5, double.NaN, nameof(AnomalyDetectorOptions.QuietLevelDown))]
    public void Out_of_range_settings_are_refused(double factor, double down, string path)
    {
        var errors = new AnomalyDetectorOptions { QuietLevelFactor = factor, QuietLevelDown = down }.Validate();
        Assert.Contains(errors, e => e.Path == path);
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 0.0)]
    [InlineData(2.0, 1.5)]
    public void Settings_in_range_are_accepted(double factor, double down) =>
        Assert.Empty(new AnomalyDetectorOptions { QuietLevelFactor = factor, QuietLevelDown = down }.Validate());

    private static Gen<float> Level() => Gen.Frequency(
        (1, Gen.Elements(0f, 0.5f, 1f, 12f, 400f)),
        (6, Gen.Choose(0, 60_000).Select(x => x / 1000f)));

    /// <summary><see cref="BaselineMath.UpdateQuiet"/> equals its rule bit for bit: the first sample sets the level; later
    /// level ← max(0, m + max(α, 1/(n + 1))·r) with r = x − m raised to −c·σ when below it (any n ≥ 1) and, from the
    /// fourth sample on, lowered to 2.5σ when above it (σ = <see cref="BaselineMath.ClipScale"/>).</summary>
    [Property(MaxTest = 2000)]
    public Property The_quiet_update_equals_its_rule() =>
        Prop.ForAll(
            (from level in Level()
             from samples in Gen.Frequency((2, Gen.Elements<byte>(0, 1, 2, 3, 4, 255)), (5, Gen.Choose(0, 255).Select(x => (byte)x)))
             from count in Gen.Frequency((4, Gen.Constant(0.0)), (4, Gen.Choose(0, 80).Select(x => (double)x)))
             from batch in Gen.Elements(1.0, 1.5, 3.0)
             from dispersion in Gen.Elements(0.0, 0.1, 0.5, 2.0)
             from down in Gen.Elements(0.0, 0.25, 0.5, 1.5)
             select (level, samples, count, batch, dispersion, down)).ToArbitrary(),
            input =>
            {
                var (level, samples, count, batch, dispersion, down) = input;
                float wantLevel;
                byte wantSamples;
                if (samples == 0)
                {
                    (wantLevel, wantSamples) = ((float)count, 1);
                }
                else
                {
                    double m = level;
                    var scale = Math.Sqrt(Math.Max((batch * m) + (dispersion * m * m), batch));
                    var r = count - m;
                    if (r < -down * scale)
                    {
                        r = -down * scale;
                    }

                    if (samples >= 3 && r > 2.5 * scale)
                    {
                        r = 2.5 * scale;
                    }

                    wantLevel = (float)Math.Max(0.0, m + (Math.Max(0.1, 1.0 / (samples + 1)) * r));
                    wantSamples = samples == byte.MaxValue ? samples : (byte)(samples + 1);
                }

                BaselineMath.UpdateQuiet(ref level, ref samples, count, batch, dispersion, down);
                return (BitConverter.SingleToInt32Bits(wantLevel) == BitConverter.SingleToInt32Bits(level) && wantSamples == samples)
                    .Label($"want {wantLevel:R}/{wantSamples}, got {level:R}/{samples}");
            });

    /// <summary><see cref="BaselineMath.IsQuiet"/>: (observed + 5) / (expected + 5) &lt; q, never with q = 0.</summary>
    [Property(MaxTest = 1000)]
    public Property Quiet_is_the_unfloored_factor_below_q() =>
        Prop.ForAll(
            (from observed in Gen.Choose(0, 100_000).Select(x => x / 1000f)
             from expected in Gen.Choose(0, 100_000).Select(x => x / 1000f)
             from q in Gen.Elements(0.0, 0.3, 0.5, 0.8, 2.0)
             select (observed, expected, q)).ToArbitrary(),
            input =>
            {
                var (observed, expected, q) = input;
                var want = q > 0 && ((observed + 5.0) / (expected + 5.0)) < q;
                return (BaselineMath.IsQuiet(observed, expected, q) == want).Label($"obs {observed} exp {expected} q {q}");
            });

    private static BaselineModel<int> Model(double factor, double down) => new(
        new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.Medium, TimeSpan.FromHours(1)),
        new AnomalyDetectorOptions
        {
            // The naive fold below is the per-key model's prediction (the population model's is PopulationModelTests').
            Model = AnomalyModel.PerKey,
            MaxActivitiesPerDetection = 0,
            QuietLevelFactor = factor,
            QuietLevelDown = down,

            // Nothing fires, so every closed bucket is learned (the oracle below has no fired bits).
            Thresholds = AnomalyThresholds.Medium with { Z = 60, MinCount = 1_000_000, MinRatio = 1_000 },
        });

    /// <summary>Feeds hourly counts (activities spread over the hour, distinct times) from <see cref="Origin"/>; an hour
    /// with no activity is left out, so runs of empty hours take the model's empty-run path.</summary>
    private static void Feed(BaselineModel<int> model, string key, IReadOnlyList<int> counts)
    {
        for (var hour = 0; hour < counts.Count; hour++)
        {
            for (var i = 0; i < counts[hour]; i++)
            {
                model.Observe(key, Origin.AddHours(hour).AddSeconds(1 + (i * 3599.0 / Math.Max(1, counts[hour]))), 0, out _);
            }
        }
    }

    /// <summary>The documented fold of a closed bucket without the profile, the grid or firings, written out: the
    /// prediction pooled with the adjacent hours, the dispersion's update at the recent-scaled prediction when it is at
    /// least 2, the recent-activity update, then the level by the quiet rule when the updated unfloored factor is below q,
    /// else by <see cref="BaselineMath.Update"/>.</summary>
    private static (float[] Levels, byte[] Samples) Oracle(IReadOnlyList<int> counts, int lastFolded, double q, double down)
    {
        var levels = new float[48];
        var samples = new byte[48];
        float phi = (float)BaselineMath.InitialDispersion, sum = 0, weight = 0, observed = 0, expected = 0;
        var first = -1;
        for (var hour = 0; hour < counts.Count && first < 0; hour++)
        {
            first = counts[hour] > 0 ? hour : -1;
        }

        for (var hour = first; hour <= lastFolded; hour++)
        {
            var t = Origin.AddHours(hour);
            var j = t.Hour + (t.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 24 : 0);
            var count = counts[hour];
            var level = levels[j];
            var n = samples[j];
            if (n != 0)
            {
                var predicted = BaselineMath.PredictedLevel(levels, samples, j);
                if (predicted >= BaselineMath.DispersionMinLevel)
                {
                    BaselineMath.UpdateDispersion(ref phi, ref sum, ref weight, predicted * BaselineMath.RecentFactor(observed, expected), count, 1, n);
                }

                BaselineMath.UpdateRecent(ref observed, ref expected, predicted, count, 1, phi);
                if (q > 0 && (observed + 5.0) / (expected + 5.0) < q)
                {
                    BaselineMath.UpdateQuiet(ref level, ref n, count, 1, phi, down);
                    (levels[j], samples[j]) = (level, n);
                    continue;
                }
            }

            BaselineMath.Update(ref level, ref n, count, 1, phi);
            (levels[j], samples[j]) = (level, n);
        }

        return (levels, samples);
    }

    private static Gen<int[]> Days() =>
        from days in Gen.Choose(4, 12)
        from peak in Gen.Choose(2, 30)
        from quiet in Gen.ArrayOf(Gen.Frequency((5, Gen.Constant(1.0)), (2, Gen.Elements(0.0, 0.05, 0.2, 0.4))), days)
        from noise in Gen.ArrayOf(Gen.Choose(0, 1000), days * 24)
        select Enumerable.Range(0, days * 24).Select(h =>
        {
            var shape = h % 24 is >= 8 and <= 17 ? 1.0 : 0.05;
            var mean = peak * shape * quiet[h / 24];
            return (int)Math.Round(mean * (0.5 + (noise[h] / 1000.0)));
        }).ToArray();

    /// <summary>A model's levels and samples after random days (quiet days at 0–40 % of the rate, empty nights) equal a
    /// naive fold of every closed bucket in time order, with the rule off and on (q 0.5 and 0.8, c 0 and 0.5): both the
    /// fold of a bucket with activity and the fold of a run of empty buckets apply it.</summary>
    [Property(MaxTest = 60)]
    public Property The_levels_equal_a_naive_fold_of_every_bucket() =>
        Prop.ForAll(
            (from counts in Days()
             from q in Gen.Elements(0.0, 0.5, 0.8)
             from down in Gen.Elements(0.0, 0.5)
             select (counts, q, down)).ToArbitrary(),
            input =>
            {
                var (counts, q, down) = input;
                var last = Array.FindLastIndex(counts, c => c > 0);
                if (last < 0)
                {
                    return true.Label("no activity");
                }

                var model = Model(q, down);
                Feed(model, "u", counts);
                var key = model.CreateSnapshot().Keys.Single();
                var (levels, samples) = Oracle(counts, last - 1, q, down);
                for (var j = 0; j < 48; j++)
                {
                    if (BitConverter.SingleToInt32Bits(levels[j]) != BitConverter.SingleToInt32Bits(key.Levels[j]) || samples[j] != key.Samples[j])
                    {
                        return false.Label($"slot {j}: model {key.Levels[j]:R}/{key.Samples[j]}, oracle {levels[j]:R}/{samples[j]}");
                    }
                }

                return true.Label("equal");
            });

    private static int[] Steady(int days, int peak, Func<int, double> dayFactor) =>
        Enumerable.Range(0, days * 24).Select(h => (int)Math.Round((h % 24 is >= 8 and <= 17 ? peak : 1) * dayFactor(h / 24))).ToArray();

    [Fact]
    public void A_holiday_does_not_lower_the_busy_levels_with_the_rule_and_does_without_it()
    {
        // Monday to Thursday at 20 an hour, Friday a holiday at 1 an hour, Monday again (day 7): the levels at 11:00.
        var counts = Steady(8, 20, day => day == 4 ? 0.05 : 1);
        var off = Model(0, 0);
        var on = Model(0.5, 0);
        Feed(off, "u", counts);
        Feed(on, "u", counts);
        var levelOff = off.CreateSnapshot().Keys.Single().Levels[11];
        var levelOn = on.CreateSnapshot().Keys.Single().Levels[11];
        Assert.Equal(20f, levelOn);
        Assert.True(levelOff < 19, $"without the rule the holiday should lower 11:00's level: {levelOff}");
    }

    [Fact]
    public void One_low_hour_on_a_busy_day_is_learned_as_without_the_rule()
    {
        // A busy day with 2 activities at 11:00 (a tenth of its level): the recent factor stays above q = 0.5 (the
        // rule looks at the key's recent hours, not at one bucket), so 11:00 learns the drop in both models.
        var counts = Steady(5, 20, _ => 1);
        counts[(3 * 24) + 11] = 2;
        var off = Model(0, 0);
        var on = Model(0.5, 0);
        Feed(off, "u", counts);
        Feed(on, "u", counts);
        Assert.Equal(off.CreateSnapshot().Keys.Single().Levels, on.CreateSnapshot().Keys.Single().Levels);
        Assert.True(on.CreateSnapshot().Keys.Single().Levels[11] < 20f);
    }

    [Fact]
    public void A_permanent_drop_is_learned_with_a_positive_clip_and_never_with_zero()
    {
        // Three weekdays at 20 an hour, then 2 an hour for two weeks (weekends too, at 1 an hour off hours).
        var counts = Steady(21, 20, day => day < 3 ? 1 : 0.1);
        var zero = Model(0.5, 0);
        var half = Model(0.5, 0.5);
        Feed(zero, "u", counts);
        Feed(half, "u", counts);
        Assert.Equal(20f, zero.CreateSnapshot().Keys.Single().Levels[11]);
        Assert.True(half.CreateSnapshot().Keys.Single().Levels[11] < 12f, $"c 0.5 should learn the drop: {half.CreateSnapshot().Keys.Single().Levels[11]}");
    }

    [Fact]
    public void The_rule_off_is_the_per_key_model_default_whatever_the_clip()
    {
        var counts = Steady(9, 15, day => day == 2 ? 0.05 : 1);
        var byDefault = new BaselineModel<int>(
            new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.Medium, TimeSpan.FromHours(1)),
            new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxActivitiesPerDetection = 0, Thresholds = AnomalyThresholds.Medium with { Z = 60, MinCount = 1_000_000, MinRatio = 1_000 } });
        var offWithClip = Model(0, 1.5);
        Feed(byDefault, "u", counts);
        Feed(offWithClip, "u", counts);
        Assert.Equal(byDefault.CreateSnapshot().Keys.Single().Levels, offWithClip.CreateSnapshot().Keys.Single().Levels);
    }

    /// <summary>The population model runs the quiet-spell rule by default at its constants (q 0.5, clip 0.5σ:
    /// <see cref="BaselineMath.PopulationQuietLevelFactor"/>, <see cref="BaselineMath.PopulationQuietLevelDown"/>); the
    /// per-key model does not run it unless asked. Checked on the levels after a holiday.</summary>
    [Fact]
    public void The_population_model_runs_the_rule_by_default_and_the_per_key_model_does_not()
    {
        var counts = Steady(8, 20, day => day == 4 ? 0.05 : 1);
        float[] Levels(AnomalyModel model, double? q, double? down)
        {
            var m = new BaselineModel<int>(
                new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.Medium, TimeSpan.FromHours(1)),
                new AnomalyDetectorOptions
                {
                    Model = model,
                    MaxActivitiesPerDetection = 0,
                    QuietLevelFactor = q,
                    QuietLevelDown = down,
                    Thresholds = AnomalyThresholds.Medium with { Z = 60, MinCount = 1_000_000, MinRatio = 1_000 },
                });
            Assert.Equal(model, m.ModelInUse);
            Feed(m, "u", counts);
            return m.CreateSnapshot().Keys.Single().Levels.ToArray();
        }

        Assert.Equal(0.5, BaselineMath.PopulationQuietLevelFactor);
        Assert.Equal(0.5, BaselineMath.PopulationQuietLevelDown);
        var population = Levels(AnomalyModel.Population, null, null);
        Assert.Equal(Levels(AnomalyModel.Population, 0.5, 0.5), population);
        Assert.NotEqual(Levels(AnomalyModel.Population, 0, 0), population);
        Assert.NotEqual(Levels(AnomalyModel.Population, 0.5, 0), population);

        var perKey = Levels(AnomalyModel.PerKey, null, null);
        Assert.Equal(Levels(AnomalyModel.PerKey, 0, 0), perKey);
        Assert.NotEqual(Levels(AnomalyModel.PerKey, 0.5, 0.5), perKey);
    }
}
