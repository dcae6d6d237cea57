using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The default anomaly model (<see cref="AnomalyModel.Population"/>, issue 15: the population day profile with the
/// per-key dispersion grid and the lagged empirical-Bayes mixture prior): where its operating point is and that it is the
/// evaluated one, the option and its validation, where it applies (and where a detector keeps the per-key model), and
/// the documented rules (no detection while learning, the minimum count) on the default path (docs/anomaly.md, "Which
/// model").
/// </summary>
public class PopulationModelTests
{
    /// <summary>The evaluated operating point (docs/anomaly.md; benchmarks/results/anomaly-grid-engine.md): with the
    /// profile and the grid the quantile where a slot is predicted with the profile is 4.5 / 3.78 / 3.5, the gates and the
    /// fallback Z are the per-key thresholds except medium's MinRatio 3.35 (fifteenth session). When a row of <see cref="BaselineMath.PopulationOperatingPoint"/> changes,
    /// change this test with it (and the docs' table).</summary>
    [Fact]
    public void The_operating_point_is_the_evaluated_one()
    {
        Assert.Equal((AnomalyThresholds.Low, 4.5), BaselineMath.PopulationOperatingPoint(AnomalySensitivity.Low));
        Assert.Equal((AnomalyThresholds.Medium with { MinRatio = 3.35 }, 3.78), BaselineMath.PopulationOperatingPoint(AnomalySensitivity.Medium));
        Assert.Equal((AnomalyThresholds.High, 3.5), BaselineMath.PopulationOperatingPoint(AnomalySensitivity.High));
        foreach (var (sensitivity, z) in new[] { (AnomalySensitivity.Low, 4.5), (AnomalySensitivity.Medium, 3.78), (AnomalySensitivity.High, 3.5) })
        {
            // The default model runs it: the library's model, the operator's (DetectAnomalies builds the same model) and
            // the engine's detector.
            var model = new BaselineModel<int>(Trigger(sensitivity));
            Assert.Equal(AnomalyModel.Population, model.ModelInUse);
            Assert.Equal(BaselineMath.PopulationOperatingPoint(sensitivity).Thresholds, model.Thresholds);
            Assert.Equal(z, model.ProfileZ, 12);

            var policy = TestData.EveryTime("unusual") with { Trigger = Trigger(sensitivity) };
            var detector = new AnomalyDetector(policy, Trigger(sensitivity), new AlertEngineOptions(), _ => { });
            Assert.Equal(AnomalyModel.Population, detector.Model.ModelInUse);
            Assert.Equal(z, detector.Model.ProfileZ, 12);
        }
    }

    /// <summary>Custom thresholds keep working with the population model: their Z moves by the operating point's offset
    /// where the profile predicts (ProfileZ − Z: low −0.1, medium −0.22, high +0.1), so a stricter Z is stricter for
    /// every key; the per-key model has no such quantile.</summary>
    [Fact]
    public void A_custom_Z_is_moved_by_the_operating_points_offset_so_a_stricter_Z_is_stricter_for_every_key()
    {
        double ProfileZ(AnomalySensitivity sensitivity, AnomalyThresholds thresholds) =>
            new BaselineModel<int>(Trigger(sensitivity), new AnomalyDetectorOptions { Thresholds = thresholds }).ProfileZ;

        Assert.Equal(5.78, ProfileZ(AnomalySensitivity.Medium, AnomalyThresholds.Medium with { Z = 6 }), 12);
        Assert.Equal(5.9, ProfileZ(AnomalySensitivity.Low, AnomalyThresholds.Low with { Z = 6 }), 12);
        Assert.Equal(6.1, ProfileZ(AnomalySensitivity.High, AnomalyThresholds.High with { Z = 6 }), 12);
        Assert.Equal(3.78, ProfileZ(AnomalySensitivity.Medium, AnomalyThresholds.Medium), 12);

        var custom = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Thresholds = AnomalyThresholds.Medium with { Z = 6, MinCount = 3 } });
        Assert.Equal(AnomalyThresholds.Medium with { Z = 6, MinCount = 3 }, custom.Thresholds);
        Assert.Equal(AnomalyModel.Population, custom.ModelInUse);
    }

    /// <summary>A custom Z whose quantile with the profile would not be positive is refused by Validate, with every other
    /// problem (not late, when the model is built); the most negative offset of the sensitivities decides (medium −0.22),
    /// since the options do not know the trigger's sensitivity. The per-key model has no such limit.</summary>
    [Fact]
    public void Validate_refuses_a_custom_Z_whose_quantile_with_the_profile_is_not_positive_and_lists_every_problem()
    {
        var errors = new AnomalyDetectorOptions { Retention = TimeSpan.Zero, Thresholds = AnomalyThresholds.Medium with { Z = 0.22 } }.Validate();
        Assert.Equal(["Retention", "Thresholds.Z"], errors.Select(e => e.Path));
        Assert.Contains("greater than 0.22 with the population model", errors[1].Message, StringComparison.Ordinal);
        var thrown = Assert.Throws<ArgumentException>(() => new BaselineModel<int>(Trigger(AnomalySensitivity.High), new AnomalyDetectorOptions { Thresholds = AnomalyThresholds.High with { Z = 0.15 } }));
        Assert.Contains("Thresholds.Z", thrown.Message, StringComparison.Ordinal);

        Assert.Empty(new AnomalyDetectorOptions { Thresholds = AnomalyThresholds.Medium with { Z = 0.25 } }.Validate());
        Assert.Empty(new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Thresholds = AnomalyThresholds.Medium with { Z = 0.2 } }.Validate());

        // An invalid Z is listed once (as the thresholds' own problem), not again as a quantile.
        Assert.Equal(["Thresholds.Z"], new AnomalyDetectorOptions { Thresholds = AnomalyThresholds.Medium with { Z = 0 } }.Validate().Select(e => e.Path));
    }

    [Fact]
    public void An_undefined_model_is_refused_by_both_options()
    {
        var detector = Assert.Single(new AnomalyDetectorOptions { Model = (AnomalyModel)7 }.Validate());
        Assert.Equal("Model", detector.Path);
        Assert.Contains("Population, PerKey", detector.Message, StringComparison.Ordinal);
        var engine = Assert.Single(new AlertEngineOptions { AnomalyModel = (AnomalyModel)7 }.Validate());
        Assert.Equal("AnomalyModel", engine.Path);
        Assert.Throws<ArgumentException>(() => new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = (AnomalyModel)7 }));
    }

    /// <summary>For(sensitivity, model) is what a model uses when Thresholds is unset, so setting it explicitly changes
    /// nothing (medium under the population model: MinRatio 3.35, not <see cref="AnomalyThresholds.Medium"/>'s 3).</summary>
    [Fact]
    public void For_a_sensitivity_and_model_is_the_model_default()
    {
        foreach (var sensitivity in Enum.GetValues<AnomalySensitivity>())
        {
            var trigger = Trigger() with { Sensitivity = sensitivity };
            Assert.Equal(new BaselineModel<int>(trigger).Thresholds, AnomalyThresholds.For(sensitivity, AnomalyModel.Population));
            Assert.Equal(new BaselineModel<int>(trigger, PerKey()).Thresholds, AnomalyThresholds.For(sensitivity, AnomalyModel.PerKey));
            Assert.Equal(AnomalyThresholds.For(sensitivity), AnomalyThresholds.For(sensitivity, AnomalyModel.PerKey));
            var explicitly = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { Thresholds = AnomalyThresholds.For(sensitivity, AnomalyModel.Population) });
            Assert.Equal(new BaselineModel<int>(trigger).ProfileZ, explicitly.ProfileZ);
        }

        Assert.Equal(new AnomalyThresholds(4.0, 15, 3.35), AnomalyThresholds.For(AnomalySensitivity.Medium, AnomalyModel.Population));
        Assert.Throws<ArgumentOutOfRangeException>(() => AnomalyThresholds.For(AnomalySensitivity.Medium, (AnomalyModel)7));
        Assert.Throws<ArgumentOutOfRangeException>(() => AnomalyThresholds.For((AnomalySensitivity)7, AnomalyModel.Population));
    }

    /// <summary>Where the population model does not apply — per-key zones, buckets longer than an hour — a detector runs
    /// the per-key model with its thresholds, whatever the option says (docs/anomaly.md, "Which model").</summary>
    [Fact]
    public void Per_key_zones_and_buckets_longer_than_an_hour_keep_the_per_key_model_and_its_thresholds()
    {
        var zoned = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { KeyTimeZone = _ => null });
        var twoHours = new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromHours(2) });
        var daily = new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromDays(1) });
        var minutes61 = new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromMinutes(61) }); // 48 slots, still over an hour
        var minutes62 = new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromMinutes(62) });
        Assert.Equal(48, minutes62.SlotCount);
        foreach (var model in new[] { zoned, twoHours, daily, minutes61, minutes62 })
        {
            Assert.Equal(AnomalyModel.PerKey, model.ModelInUse);
            Assert.Null(model.Profile);
            Assert.False(model.HasGrid);
            Assert.Equal(AnomalyThresholds.Medium, model.Thresholds);
        }

        Assert.Equal(AnomalyModel.Population, new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromMinutes(15) }).ModelInUse);
        Assert.Equal(AnomalyModel.PerKey, new BaselineModel<int>(Trigger(), PerKey()).ModelInUse);

        var policy = TestData.EveryTime("unusual") with { Trigger = Trigger() };
        var engineZoned = new AnomalyDetector(policy, Trigger(), new AlertEngineOptions { AnomalyKeyTimeZone = _ => null }, _ => { });
        Assert.Equal(AnomalyModel.PerKey, engineZoned.Model.ModelInUse);
        Assert.False(engineZoned.CountsInPass);
    }

    /// <summary>The engine's default: an hourly policy's detector runs the profile and the grid, counts in Pass, and
    /// writes the grid's anomaly state (format 3); with the per-key option it writes format 1, as before issue 15.</summary>
    [Fact]
    public void By_default_the_engine_runs_an_hourly_policy_on_the_population_model()
    {
        var policy = TestData.EveryTime("unusual") with { Trigger = Trigger() };
        var detector = new AnomalyDetector(policy, Trigger(), new AlertEngineOptions(), _ => { });
        Assert.True(detector.Model.HasGrid);
        Assert.NotNull(detector.Model.Profile);
        Assert.True(detector.CountsInPass);
        Assert.Equal(-3, BitConverter.ToInt64(GridModelProperties.State(detector), 0));

        var perKey = new AnomalyDetector(policy, Trigger(), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, _ => { });
        Assert.False(perKey.Model.HasGrid);
        Assert.Null(perKey.Model.Profile);
        Assert.Equal(TimeSpan.FromHours(1).Ticks, BitConverter.ToInt64(GridModelProperties.State(perKey), 0));
    }

    /// <summary>The documented rules on the default model, with the profile and grid path taken: four keys with office
    /// hours (five activities an hour 09:00–17:00 on weekdays). A burst during the learning period never fires; after it,
    /// at a quiet hour (expected ≈ 0), 14 activities do not fire and the 15th (medium's minimum count) does; a key's
    /// prediction uses the profile (its cached rate against it is set) and the grid has informed the keys.</summary>
    [Fact]
    public void The_default_model_learns_before_it_detects_and_needs_the_minimum_count()
    {
        var model = new BaselineModel<int>(Trigger());
        string[] keys = ["a", "b", "c", "d"];
        IEnumerable<(string, DateTimeOffset)> Office(int fromDay, int days)
        {
            for (var day = fromDay; day < fromDay + days; day++)
            {
                var date = Start.AddDays(day);
                if (date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
                {
                    continue;
                }

                foreach (var t in Steady(date.AddHours(9), 8, 5))
                {
                    foreach (var key in keys)
                    {
                        yield return (key, t);
                    }
                }
            }
        }

        // Learning (first seen Monday 09:00, learning 7 days): a burst of 200 on day 3 fires nothing.
        Assert.Empty(FeedMany(model, Office(0, 3)));
        Assert.Empty(FeedMany(model, Burst(Start.AddDays(3).AddHours(11), 200).Select(t => ("a", t))));
        Assert.Empty(FeedMany(model, Office(4, 10)));

        // After learning: 14 at 02:00 of day 15 (a Tuesday) do not fire, the 15th does.
        var night = Start.AddDays(15).AddHours(2);
        var estimate = model.GetBaseline("a", night)!;
        Assert.True(estimate.Learned);
        Assert.True(estimate.Expected < 1, $"expected {estimate.Expected}");
        var times = Burst(night, 15).ToList();
        Assert.Empty(FeedMany(model, times.Take(14).Select(t => ("a", t))));
        Assert.Equal(15L, Assert.Single(FeedMany(model, times.Skip(14).Select(t => ("a", t)))).Observed);

        // The profile and the grid were used: the key's rate against the profile was computed for a prediction, and
        // the grid has informed the keys (their office hours are informative buckets).
        Assert.Equal(AnomalyModel.Population, model.ModelInUse);
        Assert.True(model.Profile!.Usable);
        Assert.True(model.CachedProfileRate("b") is > 0 || model.CachedProfileRate("a") is > 0, "no key was predicted with the profile");
        Assert.All(keys, k => Assert.True(model.GridStateOf(k)!.Value.Informed, k));
    }
}
