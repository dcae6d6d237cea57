using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The population profile's weight W as an internal option (issue 15, exploration of the level estimate:
/// <see cref="AnomalyDetectorOptions.ProfileWeight"/>, the evaluation's <c>--profile-weight</c>): validated, null and
/// <see cref="BaselineMath.ProfileWeight"/> give the same model, another W reaches the model's predictions, and
/// <see cref="BaselineMath.ShrinkToProfile(double, int, double, double, double, double, out double)"/> against a naive
/// oracle.
/// </summary>
public class ProfileWeightTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_weight_that_is_not_a_positive_finite_number_is_refused(double weight)
    {
        var errors = new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, DispersionGrid = false, ProfileWeight = weight }.Validate();
        Assert.Contains(errors, e => e.Path == nameof(AnomalyDetectorOptions.ProfileWeight));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(100.0)]
    public void A_positive_finite_weight_is_accepted(double weight) =>
        Assert.Empty(new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, DispersionGrid = false, ProfileWeight = weight }.Validate());

    [Fact]
    public void The_default_weight_is_the_constant_and_another_weight_moves_the_predictions()
    {
        var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.Medium, TimeSpan.FromHours(1));
        BaselineModel<int> Model(double? weight) => new(trigger, new AnomalyDetectorOptions
        {
            ProfileFitLimit = BaselineMath.ProfileFitDefault,
            DispersionGrid = true,
            MaxActivitiesPerDetection = 0,
            ProfileWeight = weight,
        });

        var models = new[] { Model(null), Model(BaselineMath.ProfileWeight), Model(1) };
        var origin = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(11);
        string[] keys = ["u1", "u2", "u3"];
        for (var hour = 0; hour < 24 * 10; hour++)
        {
            foreach (var key in keys)
            {
                // Every key with the same shape and its own noise, so a key's slot levels differ from R × the profile.
                var count = 10 + random.Next(-4, 5);
                for (var i = 0; i < count; i++)
                {
                    foreach (var model in models)
                    {
                        model.Observe(key, origin.AddHours(hour).AddSeconds(i * 60), 0, out _);
                    }
                }
            }
        }

        var moved = false;
        for (var hour = 0; hour < 24; hour++)
        {
            var at = origin.AddHours((24 * 10) + hour);
            foreach (var key in keys)
            {
                var byDefault = models[0].GetBaseline(key, at)!;
                var explicit100 = models[1].GetBaseline(key, at)!;
                var one = models[2].GetBaseline(key, at)!;
                Assert.True(byDefault.Learned);
                Assert.Equal(byDefault.Expected, explicit100.Expected);
                Assert.Equal(byDefault.Threshold, explicit100.Threshold);
                moved |= one.Expected != byDefault.Expected;
            }
        }

        Assert.True(moved, "W 1 predicted every hour as W 100 did");
    }

    [Property(MaxTest = 300)]
    public Property Shrinking_toward_the_profile_matches_the_oracle() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var random = new Random(seed);
            var samples = random.Next(0, 41);
            var level = random.NextDouble() * 100;
            var p = random.NextDouble() * 5;
            var w = Math.Exp(random.NextDouble() * Math.Log(1e4)) * 0.1; // 0.1 … 1000
            var numerator = 0.1 + (random.NextDouble() * 300);
            var denominator = 0.1 + (random.NextDouble() * 30);
            var got = BaselineMath.ShrinkToProfile(level, samples, p, numerator, denominator, w, out var effective);
            var fixedWeight = BaselineMath.ShrinkToProfile(level, samples, p, numerator, denominator, out var fixedEffective);
            var withConstant = BaselineMath.ShrinkToProfile(level, samples, p, numerator, denominator, BaselineMath.ProfileWeight, out var constantEffective);
            if (samples == 0)
            {
                return (double.IsNaN(got) && effective == 0 && double.IsNaN(fixedWeight)).Label("no samples");
            }

            var n = Math.Min(samples, BaselineMath.MaxEffectiveSamples);
            var oracle = ((n * level) + (w * numerator / denominator * p)) / (n + w);
            return (Math.Abs(got - oracle) <= 1e-12 * Math.Max(1, Math.Abs(oracle))
                && effective == n + w
                && fixedWeight.Equals(withConstant) && fixedEffective == constantEffective)
                .Label($"n {samples} level {level:R} p {p:R} W {w:R}: {got:R} (effective {effective:R}), oracle {oracle:R}");
        });
}
