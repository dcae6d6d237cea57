using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

public class BaselineModelProperties
{
    private static readonly TimeSpan[] Buckets = [TimeSpan.FromMinutes(10), TimeSpan.FromHours(1), TimeSpan.FromDays(1)];
    private static readonly TimeSpan[] LearningPeriods = [TimeSpan.Zero, TimeSpan.FromHours(5), TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    /// <summary>Any input: keys 0–2, gaps up to 3 hours, groups of 1–300 observations at one time.</summary>
    private static Arbitrary<(int Bucket, int Learning, AnomalySensitivity Sensitivity, (int Key, int Gap, int Count)[] Steps)> AnyInput() =>
        Arb.From(
            from bucket in Gen.Choose(0, Buckets.Length - 1)
            from learning in Gen.Choose(0, LearningPeriods.Length - 1)
            from sensitivity in Gen.Elements(AnomalySensitivity.Low, AnomalySensitivity.Medium, AnomalySensitivity.High)
            from steps in Gen.ArrayOf(
                from key in Gen.Choose(0, 2)
                from gap in Gen.Frequency((3, Gen.Choose(0, 10)), (2, Gen.Choose(0, 180)))
                from count in Gen.Frequency((10, Gen.Constant(1)), (1, Gen.Choose(2, 300)))
                select (key, gap, count))
            select (bucket, learning, sensitivity, steps));

    /// <summary>
    /// Keys retire exactly as the rule says, restated naively: whenever the newest time enters a new bucket, every key whose
    /// newest bucket ended at least the retention before that time is dropped (and learns again when it comes back). Keys
    /// 0–4, gaps up to 3 hours, hourly buckets, retention 1–6 hours, so retirements are frequent and the oldest key changes.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Keys_retire_when_idle_beyond_the_retention_as_an_oracle_of_the_rule_says() =>
        Prop.ForAll(
            (from retention in Gen.Choose(1, 6)
             from steps in Gen.ArrayOf(
                 from key in Gen.Choose(0, 4)
                 from gap in Gen.Frequency((3, Gen.Choose(0, 30)), (2, Gen.Choose(0, 180)))
                 select (key, gap))
             select (retention, steps)).ToArbitrary(),
            input =>
            {
                var bucket = TimeSpan.FromHours(1).Ticks;
                var retention = TimeSpan.FromHours(input.retention).Ticks;
                var model = new BaselineModel<int>(
                    new AnomalyTrigger(TriggerScope.User, TimeSpan.Zero, AnomalySensitivity.Medium, TimeSpan.FromHours(1)),
                    new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Retention = TimeSpan.FromTicks(retention) });
                var newest = new Dictionary<string, long>();
                var watermark = long.MinValue;
                var nextSweep = long.MinValue;
                var t = Start;
                foreach (var (keyIndex, gap) in input.steps)
                {
                    t = t.AddMinutes(gap);
                    var ticks = t.UtcTicks;
                    if (ticks > watermark)
                    {
                        watermark = ticks;
                        if (ticks >= nextSweep)
                        {
                            if (nextSweep != long.MinValue)
                            {
                                foreach (var idle in newest.Where(p => watermark - ((p.Value + 1) * bucket) >= retention).Select(p => p.Key).ToList())
                                {
                                    newest.Remove(idle);
                                }
                            }

                            nextSweep = ((ticks / bucket) + 1) * bucket;
                        }
                    }

                    var key = "k" + keyIndex;
                    newest[key] = Math.Max(newest.GetValueOrDefault(key, long.MinValue), ticks / bucket);
                    model.Observe(key, t, 0, out _);
                    Assert.Equal(newest.Count, model.KeyCount);
                    for (var k = 0; k <= 4; k++)
                    {
                        Assert.Equal(newest.ContainsKey("k" + k), model.GetBaseline("k" + k, t) is not null);
                    }
                }
            });

    [Property(MaxTest = 200)]
    public Property No_detection_fires_before_the_keys_learning_period_is_over() =>
        Prop.ForAll(AnyInput(), input =>
        {
            var trigger = new AnomalyTrigger(TriggerScope.User, LearningPeriods[input.Learning], input.Sensitivity, Buckets[input.Bucket]);
            var model = new BaselineModel<int>(trigger, AnomalyStreams.PerKey());
            var firstSeen = new Dictionary<string, DateTimeOffset>();
            var t = Start;
            foreach (var (keyIndex, gap, count) in input.Steps)
            {
                t = t.AddMinutes(gap);
                var key = "k" + keyIndex;
                firstSeen.TryAdd(key, t);
                for (var i = 0; i < count; i++)
                {
                    if (model.Observe(key, t, i, out var d) == AnomalyOutcome.Detected)
                    {
                        if (t < firstSeen[key] + trigger.LearningPeriod || d!.BucketStart < firstSeen[key] + trigger.LearningPeriod)
                        {
                            return false;
                        }
                    }
                }
            }

            return true;
        });

    [Property(MaxTest = 30)]
    public Property Scaling_every_count_of_a_normal_stream_raises_no_detection_at_low_sensitivity() =>
        Prop.ForAll(Arb.From(Gen.Choose(1, 100_000)), Arb.From(Gen.Choose(1, 8)), (seed, factor) =>
        {
            var trace = AnomalyStreamGenerator.Generate(seed, new ActivityStreamOptions { Weeks = 3 });
            var model = new BaselineModel<int>(Trigger(AnomalySensitivity.Low), AnomalyStreams.PerKey());
            foreach (var e in trace.Events)
            {
                for (var c = 0; c < factor; c++)
                {
                    if (model.Observe(trace.Key, e.Time, c, out var d) == AnomalyOutcome.Detected)
                    {
                        return false.Label(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"seed {seed} x{factor}: {d!.BucketStart:ddd HH} {(d.BucketStart - trace.Start).TotalDays:0.0}d obs {d.Observed} exp {d.Expected:0.0} score {d.Score:0.0} true {trace.SeasonalExpectation(d.BucketStart) * factor:0.0}"));
                    }
                }
            }

            return true.Label("ok");
        });

    [Property(MaxTest = 60)]
    public Property A_spike_of_k_times_a_steady_expectation_fires_above_the_documented_bound_and_never_below_the_gates() =>
        Prop.ForAll(
            Arb.From(Gen.Choose(1, 300)),
            Arb.From(Gen.Elements(AnomalySensitivity.Low, AnomalySensitivity.Medium, AnomalySensitivity.High)),
            Arb.From(Gen.Choose(0, 100)),
            (expected, sensitivity, extraPercent) =>
            {
                var thresholds = AnomalyThresholds.For(sensitivity);
                var bound = SpikeBound(expected, thresholds);
                var above = (int)Math.Ceiling(bound * expected * (1 + (extraPercent / 100.0)));
                var below = (int)Math.Ceiling(Math.Max(thresholds.MinCount, thresholds.MinRatio * expected)) - 1;

                var fires = SpikeDetected(expected, above, sensitivity);
                var quiet = below < 1 || !SpikeDetected(expected, below, sensitivity);
                return (fires && quiet).Label($"bound {bound:0.00}, above {above} fires {fires}, below {below} quiet {quiet}");
            });

    /// <summary>
    /// The documented bound (docs/anomaly.md): after 14 days of exactly E per hour, a bucket of k·E fires for
    /// k ≥ max(MinRatio, MinCount / E, 1 + σ·(Z + (Z² − 1)·γ/6) / E) with σ = √(E + 0.04E²)·√1.25 and γ the
    /// negative-binomial skewness at φ = 0.04 (the initial dispersion, which steady input only lowers).
    /// </summary>
    private static double SpikeBound(int e, AnomalyThresholds t)
    {
        const double phi = 0.04;
        var variance = e + (phi * e * e);
        var sigma = Math.Max(Math.Sqrt(variance), 1) * Math.Sqrt(1.25);
        var skew = Math.Min(2, (e + (2 * phi * e * e)) / (variance * Math.Sqrt(variance)));
        var statistical = 1 + (sigma * (t.Z + (((t.Z * t.Z) - 1) * skew / 6)) / e);
        return Math.Max(Math.Max(t.MinRatio, (double)t.MinCount / e), statistical);
    }

    private static bool SpikeDetected(int expected, int spike, AnomalySensitivity sensitivity)
    {
        // Steady up to the spike's hour: a silent morning before it would be learned too (the spike's hour borrows
        // from its neighbours, docs/anomaly.md), and the expectation would no longer be exactly E.
        var model = new BaselineModel<int>(Trigger(sensitivity), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxActivitiesPerDetection = 0 });
        if (Feed(model, "k", Steady(Start, (14 * 24) + 10, expected)).Count != 0)
        {
            throw new InvalidOperationException("A steady stream fired.");
        }

        return Feed(model, "k", Burst(Start.AddDays(14).AddHours(10), spike)).Count == 1;
    }
}
