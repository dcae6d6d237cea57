using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The effect-size gate against a second level (issue 15, fifteenth session; internal:
/// <see cref="AnomalyDetectorOptions.LevelGate"/>, <see cref="AnomalyDetectorOptions.LevelGateRatio"/>, the evaluation's
/// <c>--level-gate</c>): validated; off by default and then the model is unchanged; where a slot's level is shrunk toward
/// the population profile, a bucket's threshold is raised to ⌈ratio × the largest chosen alternative level × the recent
/// factor⌉ (<see cref="BaselineMath.GateAgainst"/> against a naive oracle, the model against its own alternative levels),
/// so the gate only removes detections; a restart from a snapshot at a random cut equals the uninterrupted run.
/// </summary>
public class LevelGateTests
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero); // a Monday

    private static AnomalyTrigger Trigger() => new(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.Medium, TimeSpan.FromHours(1));

    private static BaselineModel<int> Model(AnomalyLevelGate gate, double? ratio = null, double fit = double.PositiveInfinity) => new(Trigger(), new AnomalyDetectorOptions
    {
        ProfileFitLimit = fit,
        DispersionGrid = true,
        MaxActivitiesPerDetection = 0,
        LevelGate = gate,
        LevelGateRatio = ratio,

        // The gates these tests were written for (MinRatio 3; the population model's medium is 3.35 since the fifteenth session).
        Thresholds = AnomalyThresholds.Medium,
    });

    [Theory]
    [InlineData(0.99)]
    [InlineData(0.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_ratio_below_one_or_not_finite_is_refused(double ratio)
    {
        var errors = new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, LevelGate = AnomalyLevelGate.Own, LevelGateRatio = ratio }.Validate();
        Assert.Contains(errors, e => e.Path == nameof(AnomalyDetectorOptions.LevelGateRatio));
    }

    [Fact]
    public void An_undefined_alternative_is_refused_and_the_defined_ones_are_accepted()
    {
        var errors = new AnomalyDetectorOptions { LevelGate = (AnomalyLevelGate)8 }.Validate();
        Assert.Contains(errors, e => e.Path == nameof(AnomalyDetectorOptions.LevelGate));
        Assert.Empty(new AnomalyDetectorOptions { LevelGate = AnomalyLevelGate.All, LevelGateRatio = 1 }.Validate());
        Assert.Empty(new AnomalyDetectorOptions { LevelGate = AnomalyLevelGate.Own | AnomalyLevelGate.Profile, LevelGateRatio = 3.5 }.Validate());
    }

    [Property(MaxTest = 500)]
    public Property The_gate_raises_the_threshold_to_the_smallest_count_at_least_ratio_times_the_alternative() =>
        Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var random = new Random(seed);
            var threshold = random.Next(0, 4) == 0 ? random.Next(int.MaxValue - 3, int.MaxValue) : random.Next(1, 2000);
            var ratio = 1 + (random.NextDouble() * 4);
            var alternative = random.Next(0, 8) switch
            {
                0 => double.NaN,
                1 => -random.NextDouble(),
                2 => 0,
                3 => double.PositiveInfinity,
                4 => 1e12 * random.NextDouble(), // far beyond int's range
                5 => Math.Round(random.NextDouble() * 400) / 4, // often ratio × it is an integer
                _ => random.NextDouble() * 600,
            };

            var got = BaselineMath.GateAgainst(threshold, alternative, ratio);

            // Naive: count up from the threshold to the first count that is at least ratio × the alternative (a known,
            // positive, finite level), never past int.MaxValue − 1.
            long oracle = threshold;
            if (alternative > 0 && !double.IsInfinity(alternative))
            {
                var bound = ratio * alternative;
                if (bound > oracle)
                {
                    oracle = Math.Max(oracle, (long)Math.Floor(Math.Min(bound, int.MaxValue)) - 2);
                    while (oracle < bound && oracle < int.MaxValue - 1)
                    {
                        oracle++;
                    }
                }
            }

            return (got == oracle).Label($"threshold {threshold} alternative {alternative:R} ratio {ratio:R}: {got}, oracle {oracle}");
        });

    [Fact]
    public void Off_by_default_and_with_no_alternative_the_model_is_the_model_without_the_option()
    {
        var models = new[]
        {
            new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { ProfileFitLimit = double.PositiveInfinity, DispersionGrid = true, MaxActivitiesPerDetection = 0, Thresholds = AnomalyThresholds.Medium }),
            Model(AnomalyLevelGate.None),
            Model(AnomalyLevelGate.None, ratio: 5),
        };

        var detections = new int[models.Length];
        foreach (var (key, time) in Traffic(7, keys: 6, days: 9, burstyKey: "k2"))
        {
            for (var i = 0; i < models.Length; i++)
            {
                detections[i] += models[i].Observe(key, time, 0, out _) == AnomalyOutcome.Detected ? 1 : 0;
            }
        }

        Assert.True(detections[0] > 0, "the traffic fired nothing");
        Assert.All(detections, d => Assert.Equal(detections[0], d));
        for (var hour = 0; hour < 24; hour++)
        {
            var at = Origin.AddDays(9).AddHours(hour);
            var baseline = models[0].GetBaseline("k1", at)!;
            Assert.All(models, m => Assert.Equal(baseline, m.GetBaseline("k1", at)));
        }
    }

    [Theory]
    [InlineData(1, 3.0)] // own
    [InlineData(2, 3.0)] // pooled
    [InlineData(4, 3.0)] // profile
    [InlineData(5, 3.5)] // own and profile
    [InlineData(7, 4.0)] // all
    public void Each_alternative_sets_the_threshold_where_it_is_the_larger_level(int gates, double ratio)
    {
        var gate = (AnomalyLevelGate)gates;
        // Twin models on the same traffic, one without the gate: until the first bucket where their detections differ
        // their states are the same, so the gated threshold must be the ungated one raised by the rule.
        var plain = Model(AnomalyLevelGate.None);
        var gated = Model(gate, ratio);
        var raised = 0;
        foreach (var (key, time) in Traffic(3, keys: 8, days: 10, burstyKey: "k0"))
        {
            var before = plain.GetBaseline(key, time);
            var expect = before is { Threshold: { } t } ? Oracle(plain, key, time, t, gate, ratio) : (int?)null;
            var got = gated.GetBaseline(key, time);
            Assert.Equal(expect, got?.Threshold);
            raised += expect is not null && expect != before!.Threshold ? 1 : 0;
            if (plain.Observe(key, time, 0, out _) != gated.Observe(key, time, 0, out _))
            {
                break;
            }
        }

        Assert.True(raised > 0, "the alternative never raised a threshold");
    }

    [Fact]
    public void A_count_between_the_two_ratios_fires_without_the_gate_and_not_with_it()
    {
        // k0's hour 10 runs at twice its other hours: its slot's own level is far above the level shrunk toward the
        // key's rate × the population profile, so MinRatio × m (3 × m) is below 3 × the own level.
        var plain = Model(AnomalyLevelGate.None);
        var gated = Model(AnomalyLevelGate.Own);
        foreach (var (key, time) in Traffic(5, keys: 8, days: 10, burstyKey: null, busyHour: 10))
        {
            plain.Observe(key, time, 0, out _);
            gated.Observe(key, time, 0, out _);
        }

        // The bucket's first activity closes the hours before it (their folds move the state), then its thresholds hold.
        var at = Origin.AddDays(10).AddHours(10);
        Assert.Equal(AnomalyOutcome.Counted, plain.Observe("k0", at, 0, out _));
        Assert.Equal(AnomalyOutcome.Counted, gated.Observe("k0", at, 0, out _));
        var levels = plain.GateLevels("k0", at)!.Value;
        var m = levels.Predicted * levels.Recent;
        var own = levels.Own * levels.Recent;
        Assert.True(own > 1.3 * m, $"own {own} against m {m}");
        var plainThreshold = plain.GetBaseline("k0", at)!.Threshold!.Value;
        var gatedThreshold = gated.GetBaseline("k0", at)!.Threshold!.Value;
        Assert.Equal((int)Math.Ceiling(3 * own), gatedThreshold);
        Assert.True(plainThreshold < gatedThreshold);

        // A bucket with a count just below the gated threshold: the plain model fires, the gated one does not; one more
        // activity and the gated one fires too.
        AnomalyOutcome plainOutcome = default, gatedOutcome = default;
        for (var i = 1; i < gatedThreshold - 1; i++)
        {
            var t = at.AddSeconds(i);
            var p = plain.Observe("k0", t, 0, out _);
            plainOutcome = p == AnomalyOutcome.Detected ? p : plainOutcome;
            gatedOutcome = gated.Observe("k0", t, 0, out _);
            Assert.NotEqual(AnomalyOutcome.Detected, gatedOutcome);
        }

        Assert.Equal(AnomalyOutcome.Detected, plainOutcome);
        Assert.Equal(AnomalyOutcome.Detected, gated.Observe("k0", at.AddSeconds(gatedThreshold), 0, out _));
    }

    [Fact]
    public void Where_the_slot_is_not_shrunk_toward_the_profile_the_gate_does_nothing()
    {
        // A fit limit no key passes: every slot keeps the neighbour pooling, so there is no second level to gate against.
        var plain = Model(AnomalyLevelGate.None, fit: 1e-9);
        var gated = Model(AnomalyLevelGate.All, ratio: 10, fit: 1e-9);
        foreach (var (key, time) in Traffic(9, keys: 6, days: 9, burstyKey: "k1", busyHour: 10))
        {
            Assert.Equal(plain.Observe(key, time, 0, out _), gated.Observe(key, time, 0, out _));
        }

        Assert.Equal(plain.GetBaseline("k0", Origin.AddDays(9).AddHours(10)), gated.GetBaseline("k0", Origin.AddDays(9).AddHours(10)));
    }

    [Property(MaxTest = 20)]
    public Property Restart_from_a_snapshot_at_a_random_cut_equals_the_uninterrupted_run() =>
        Prop.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from cut in Gen.Choose(0, int.MaxValue)
             from gate in Gen.Elements(AnomalyLevelGate.Own, AnomalyLevelGate.Profile, AnomalyLevelGate.All)
             select (seed, cut, gate)).ToArbitrary(),
            c =>
        {
            var traffic = Traffic(c.seed, keys: 5, days: 8, burstyKey: "k3", busyHour: 10).ToList();
            var at = c.cut % traffic.Count;
            var whole = Model(c.gate, 3.5);
            var expected = traffic.Select(a => whole.Observe(a.Key, a.Time, 0, out _)).ToList();
            var first = Model(c.gate, 3.5);
            var actual = traffic.Take(at).Select(a => first.Observe(a.Key, a.Time, 0, out _)).ToList();
            var restored = Model(c.gate, 3.5);
            restored.Restore(first.CreateSnapshot());
            actual.AddRange(traffic.Skip(at).Select(a => restored.Observe(a.Key, a.Time, 0, out _)));
            return expected.SequenceEqual(actual).Label($"cut {at} of {traffic.Count}");
        });

    /// <summary>The gated threshold by the rule, from the ungated twin's state: ⌈ratio × max(chosen alternatives) ×
    /// the recent factor⌉ if that is above the ungated threshold <paramref name="threshold"/>, and only where the slot is
    /// shrunk toward the profile (there the profile's level R × p is known).</summary>
    private static int Oracle(BaselineModel<int> plain, string key, DateTimeOffset time, int threshold, AnomalyLevelGate gate, double ratio)
    {
        var g = plain.GateLevels(key, time)!.Value;
        if (!g.Shrunk)
        {
            return threshold;
        }

        var alternatives = new List<double>();
        if (gate.HasFlag(AnomalyLevelGate.Own))
        {
            alternatives.Add(g.Own);
        }

        if (gate.HasFlag(AnomalyLevelGate.Pooled))
        {
            alternatives.Add(g.Pooled);
        }

        if (gate.HasFlag(AnomalyLevelGate.Profile))
        {
            alternatives.Add(g.Profile);
        }

        var bound = ratio * (alternatives.Max() * g.Recent);
        for (var x = threshold; ; x++)
        {
            if (x >= bound)
            {
                return x;
            }
        }
    }

    /// <summary>Hourly traffic of <paramref name="keys"/> keys with one day shape (busy 8–17 UTC, quiet otherwise) and
    /// their own noise, in time order; <paramref name="burstyKey"/> gets an occasional hour at 4–6 times its rate and
    /// <paramref name="busyHour"/> runs at twice the rate for key k0.</summary>
    private static IEnumerable<(string Key, DateTimeOffset Time)> Traffic(int seed, int keys, int days, string? burstyKey, int busyHour = -1) =>
        Unordered(seed, keys, days, burstyKey, busyHour).OrderBy(a => a.Time);

    private static IEnumerable<(string Key, DateTimeOffset Time)> Unordered(int seed, int keys, int days, string? burstyKey, int busyHour)
    {
        var random = new Random(seed);
        var names = Enumerable.Range(0, keys).Select(k => "k" + k.ToString(CultureInfo.InvariantCulture)).ToArray();
        for (var hour = 0; hour < 24 * days; hour++)
        {
            var h = hour % 24;
            foreach (var key in names)
            {
                var rate = h is >= 8 and <= 17 ? 10.0 : 1.0;
                rate *= key == "k0" && h == busyHour ? 2 : 1;
                rate *= key == burstyKey && random.Next(40) == 0 ? 4 + random.Next(3) : 1;
                var count = Math.Max(0, (int)Math.Round(rate * (0.7 + (0.6 * random.NextDouble()))));
                for (var i = 0; i < count; i++)
                {
                    yield return (key, Origin.AddHours(hour).AddSeconds((i * 3600.0 / (count + 1)) + 1));
                }
            }
        }
    }
}
