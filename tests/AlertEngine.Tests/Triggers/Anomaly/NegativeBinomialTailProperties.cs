using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The dispersion grid's detection decision (issue 15): the negative binomial's upper quantile and tail
/// (<see cref="NegativeBinomialTail"/>) against a naive oracle (the probability mass summed from 0 with
/// <see cref="Math.Pow(double, double)"/> and the recurrence, the tail as 1 − the sum below), and the grid's threshold
/// (<see cref="BaselineMath.GridThreshold"/>) as the larger of the gates and that quantile.
/// </summary>
public class NegativeBinomialTailProperties
{
    private static Arbitrary<int> Seeds() => Arb.From(Gen.Choose(0, int.MaxValue));

    /// <summary>The naive oracle: pmf(0) = (r/(r + μ))^r, pmf(k + 1) = pmf(k)·p·(k + r)/(k + 1), P(Y ≥ y) = 1 − Σ_{k&lt;y}.</summary>
    private static double OracleTail(int y, double mean, double size)
    {
        var p = mean / (mean + size);
        var pmf = Math.Pow(size / (mean + size), size);
        var below = 0.0;
        for (var k = 0; k < y; k++)
        {
            below += pmf;
            pmf *= p * (k + size) / (k + 1);
        }

        return 1 - below;
    }

    /// <summary>The smallest y with the oracle's P(Y ≥ y) ≤ α.</summary>
    private static int OracleQuantile(double mean, double size, double alpha)
    {
        var y = 0;
        while (OracleTail(y, mean, size) > alpha)
        {
            y++;
        }

        return y;
    }

    [Fact]
    public void Examples_of_the_quantile_at_the_medium_tail()
    {
        var alpha = NegativeBinomialTail.NormalUpperTail(3.8);
        Assert.Equal(7.2348044e-5, alpha, 2e-11);

        // φ 0.13 (a steady key): m 12 → 44, m 4 → 19 (the Cornish–Fisher expansion gives 41.9 and 18.2 at φ 0.12).
        Assert.Equal(44, NegativeBinomialTail.UpperQuantile(12, 1 / 0.13, alpha, 30));
        Assert.Equal(19, NegativeBinomialTail.UpperQuantile(4, 1 / 0.13, alpha, 0));

        // The start is only a guess: far below or above, the same answer.
        Assert.Equal(44, NegativeBinomialTail.UpperQuantile(12, 1 / 0.13, alpha, 200));
        Assert.Equal(44, NegativeBinomialTail.UpperQuantile(12, 1 / 0.13, alpha, -5));
    }

    [Fact]
    public void Examples_of_the_normal_tail_and_log_gamma()
    {
        Assert.Equal(0.022750131948179, NegativeBinomialTail.NormalUpperTail(2), 5e-9);
        Assert.Equal(1.0779973e-4, NegativeBinomialTail.NormalUpperTail(3.7), 2e-11);
        Assert.Equal(0.5 * Math.Log(Math.PI), NegativeBinomialTail.LogGamma(0.5), 1e-10);
        Assert.Equal(0, NegativeBinomialTail.LogGamma(1), 1e-10);
        Assert.Equal(Math.Log(362880), NegativeBinomialTail.LogGamma(10), 1e-10);
        Assert.Equal(Math.Log(120), NegativeBinomialTail.LogGamma(6), 1e-10);
    }

    [Fact]
    public void Past_the_term_limit_there_is_no_answer_and_the_threshold_keeps_the_expansion()
    {
        // μ 10⁶ with r 0.6: a Gamma scale of ~1.7·10⁶ counts, far more terms than the limit.
        Assert.Equal(-1, NegativeBinomialTail.UpperQuantile(1e6, 0.6, 1e-4, 0));
        var thresholds = AnomalyThresholds.Medium;
        var grid = BaselineMath.GridThreshold(1e6, 1, 1.6, 120, 3.7, NegativeBinomialTail.NormalUpperTail(3.7), thresholds, out var scale);
        var expansion = BaselineMath.PredictiveThresholdOfSamples(1e6, 1, 1.6, 120, 3.7, thresholds, out var expansionScale);
        Assert.Equal(expansion, grid);
        Assert.Equal(expansionScale, scale);
    }

    [Property(MaxTest = 300)]
    public Property The_quantile_and_the_tail_equal_the_naive_sum() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var mean = Math.Exp(random.NextDouble() * Math.Log(2000)) * 0.05; // 0.05 … 100
            var phi = 0.025 * Math.Pow(1.7 / 0.025, random.NextDouble()); // the grid's range, 0.025 … 1.7
            if (mean * phi > 25)
            {
                phi = 25 / mean; // a Gamma scale the sum covers within its term limit
            }

            var size = 1 / phi;
            var alpha = NegativeBinomialTail.NormalUpperTail(2 + (3 * random.NextDouble())); // Z 2 … 5
            var expected = OracleQuantile(mean, size, alpha);
            var start = random.Next(3) switch
            {
                0 => expected,
                1 => Math.Max(0, expected - random.Next(0, 60)),
                _ => expected + random.Next(0, 60),
            };

            var actual = NegativeBinomialTail.UpperQuantile(mean, size, alpha, start);

            // A quantile whose tail is within 1e−9 (relative) of α may fall either way of it in the two sums; the tails agree
            // within ln Γ's 1e−10 and the oracle's cancellation (1 − a sum near 1: up to ~2e−16 per term summed).
            var tie = Math.Abs(OracleTail(expected, mean, size) - alpha) <= 1e-9 * alpha
                || Math.Abs(OracleTail(expected - 1, mean, size) - alpha) <= 1e-9 * alpha;
            var tail = NegativeBinomialTail.Tail(expected, mean, size);
            var oracleTail = OracleTail(expected, mean, size);
            return ((actual == expected || (tie && Math.Abs(actual - expected) == 1))
                && Math.Abs(tail - oracleTail) <= (1e-8 * oracleTail) + (4e-16 * (expected + 8)))
                .Label($"μ {mean:R} r {size:R} α {alpha:R} start {start}: quantile {actual}, oracle {expected}; tail {tail:R}, oracle {oracleTail:R}");
        });

    [Property(MaxTest = 300)]
    public Property The_grid_threshold_is_the_larger_of_the_gates_and_the_posterior_predictive_quantile() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var level = 0.2 + (random.NextDouble() * 60);
            var phi = Math.Min(0.025 + (random.NextDouble() * 1.2), 25 / level); // within the sum's term limit
            var n = 1 + (random.NextDouble() * 150);
            var z = 3 + (1.8 * random.NextDouble());
            var alpha = NegativeBinomialTail.NormalUpperTail(z);
            var thresholds = random.Next(3) switch { 0 => AnomalyThresholds.Low, 1 => AnomalyThresholds.Medium, _ => AnomalyThresholds.High };
            var threshold = BaselineMath.GridThreshold(level, 1, phi, n, z, alpha, thresholds, out var scale);

            // φₑ = φ(1 + v) + v, v = (φ + 1/m)/n: the grid likelihood's effective dispersion.
            var v = (phi + (1 / level)) / n;
            var quantile = OracleQuantile(level, 1 / ((phi * (1 + v)) + v), alpha);
            var gates = Math.Max(thresholds.MinCount, (int)Math.Ceiling(thresholds.MinRatio * level));
            BaselineMath.PredictiveQuantileOfSamples(level, 1, phi, n, z, out var expansionScale);
            var size = 1 / ((phi * (1 + v)) + v);
            var tie = Math.Abs(OracleTail(quantile, level, size) - alpha) <= 1e-9 * alpha
                || Math.Abs(OracleTail(quantile - 1, level, size) - alpha) <= 1e-9 * alpha;
            return ((threshold == Math.Max(gates, quantile) || (tie && Math.Abs(threshold - Math.Max(gates, quantile)) <= 1)) && scale == expansionScale)
                .Label($"m {level:R} φ {phi:R} n {n:R} z {z:R}: threshold {threshold}, gates {gates}, oracle quantile {quantile}, NB {NegativeBinomialTail.UpperQuantile(level, size, alpha, 0)}");
        });

    [Fact]
    public void With_batches_the_threshold_is_the_quantile_of_the_count_in_batches_times_psi()
    {
        // ψ 2 (every action recorded twice): the count in batches has mean m/ψ; the quantile is ψ times its quantile.
        var alpha = NegativeBinomialTail.NormalUpperTail(3.7);
        var threshold = BaselineMath.GridThreshold(20, 2, 0.12, 120, 3.7, alpha, AnomalyThresholds.Medium, out _);
        var v = (0.12 + (2.0 / 20)) / 120;
        var y = OracleQuantile(10, 1 / ((0.12 * (1 + v)) + v), alpha);
        Assert.Equal(Math.Max(Math.Max(30, 60), 2 * y), threshold);
    }

    [Fact]
    public void A_grid_model_sets_its_thresholds_by_the_tail_and_a_model_without_the_grid_by_the_expansion()
    {
        // The same steady key, with and without the grid: once learned, the grid model's threshold for a busy hour is
        // GridThreshold of what the model believes, the other model's the expansion's.
        var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.Medium, TimeSpan.FromHours(1));
        var grid = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, DispersionGrid = true, MaxActivitiesPerDetection = 0 });
        var plain = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, MaxActivitiesPerDetection = 0 });
        var origin = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(7);
        for (var hour = 0; hour < 24 * 10; hour++)
        {
            var count = 10 + random.Next(-3, 4);
            for (var i = 0; i < count; i++)
            {
                var t = origin.AddHours(hour).AddSeconds(i * 60);
                grid.Observe("u1", t, 0, out _);
                grid.Observe("u2", t, 0, out _);
                plain.Observe("u1", t, 0, out _);
                plain.Observe("u2", t, 0, out _);
            }
        }

        var at = origin.AddHours(24 * 10);
        var g = grid.GetBaseline("u1", at)!;
        var p = plain.GetBaseline("u1", at)!;
        Assert.True(g.Learned && p.Learned);
        Assert.NotNull(g.Threshold);
        Assert.NotNull(p.Threshold);

        // The grid's threshold is at least the expansion's at the same φ̂ (the exact tail sits above it at these counts).
        var phi = grid.DispersionOf("u1")!.Value;
        var expansion = BaselineMath.PredictiveThresholdOfSamples(g.Expected, 1, phi, BaselineMath.ProfileWeight + Math.Min(g.Samples, BaselineMath.MaxEffectiveSamples), grid.ProfileZ, AnomalyThresholds.Medium, out _);
        var exact = BaselineMath.GridThreshold(g.Expected, 1, phi, BaselineMath.ProfileWeight + Math.Min(g.Samples, BaselineMath.MaxEffectiveSamples), grid.ProfileZ, NegativeBinomialTail.NormalUpperTail(grid.ProfileZ), AnomalyThresholds.Medium, out _);
        Assert.Equal(exact, g.Threshold);
        Assert.True(exact >= expansion, $"exact {exact}, expansion {expansion}");
    }
}
