using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>Properties of the dispersion estimator and the thresholds it sets.</summary>
public class DispersionProperties
{
    /// <summary>Buckets: expected count 2–60, count 0–300 (sometimes far above), batch factor, slot samples.</summary>
    private static Arbitrary<(double Level, int Count, double Batch, int Samples)[]> AnyBuckets() =>
        Arb.From(Gen.ArrayOf(
            from level in Gen.Choose(20, 600).Select(x => x / 10.0)
            from count in Gen.Frequency((8, Gen.Choose(0, 60)), (1, Gen.Choose(0, 300)))
            from batch in Gen.Elements(1.0, 1.5, 3.0)
            from samples in Gen.Choose(1, 30)
            select (level, count, batch, samples)));

    /// <summary>
    /// The incremental estimate (float sums, discounted in place) equals a naive oracle that keeps every bucket's
    /// moment and weight and recomputes the discounted sums from the full history at each step, in double precision.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property The_incremental_dispersion_equals_the_estimate_recomputed_from_the_full_history() =>
        Prop.ForAll(AnyBuckets(), buckets =>
        {
            float phi = BaselineMath.InitialDispersion, sum = 0, weight = 0;
            var oracle = (double)BaselineMath.InitialDispersion;
            var history = new List<(double U, double W)>();
            foreach (var (level, count, batch, samples) in buckets)
            {
                BaselineMath.UpdateDispersion(ref phi, ref sum, ref weight, level, count, batch, samples);

                // The documented rule, restated: u = (min((x − m)² / (1 + 1/n), 9V) − ψm) / m² + (V / m²)·L(γ), with
                // V = ψm + φm², γ the negative binomial's skewness (at most 2) and L(γ) = 0.005 + 0.016γ + 0.028γ² the
                // cap's expected loss; weight 1 / (φ + ψ/m)², discount 0.99 per bucket, prior 0.1 worth 5 buckets of m = 10.
                var n = Math.Clamp(samples, 1, (2 - 0.1) / 0.1);
                var poisson = batch / level;
                var variance = (batch * level) + (oracle * level * level);
                var skew = Math.Min(2, level * ((batch * batch) + (3 * batch * oracle * level) + (2 * oracle * oracle * level * level)) / Math.Pow(variance, 1.5));
                var squared = (count - level) * (count - level) / (1 + (1 / n));
                var u = ((Math.Min(squared, 9 * variance) - (batch * level)) / (level * level))
                    + (variance / (level * level) * (0.005 + (0.016 * skew) + (0.028 * skew * skew)));
                history.Add((u, 1 / ((oracle + poisson) * (oracle + poisson))));
                double s = 0, w = 0;
                for (var i = 0; i < history.Count; i++)
                {
                    var d = Math.Pow(0.99, history.Count - 1 - i);
                    s += d * history[i].W * history[i].U;
                    w += d * history[i].W;
                }

                var prior = 5 / ((oracle + 0.1) * (oracle + 0.1));
                oracle = Math.Clamp((s + (prior * 0.1)) / (w + prior), 0, 10);
                if (Math.Abs(phi - oracle) > 1e-4 + (1e-3 * oracle))
                {
                    return false.Label($"step {history.Count}: incremental {phi}, oracle {oracle}");
                }
            }

            return true.ToProperty();
        });

    /// <summary>A larger dispersion never lowers the threshold; more samples of the slot never raise it.</summary>
    [Property(MaxTest = 500)]
    public Property The_threshold_grows_with_the_dispersion_and_shrinks_with_the_samples() =>
        Prop.ForAll(
            Arb.From(
                from level in Gen.Choose(0, 2000).Select(x => x / 10.0)
                from phi in Gen.Choose(0, 200).Select(x => x / 100.0)
                from more in Gen.Choose(0, 100).Select(x => x / 100.0)
                from samples in Gen.Choose(1, 40)
                from sensitivity in Gen.Elements(AnomalySensitivity.Low, AnomalySensitivity.Medium, AnomalySensitivity.High)
                select (level, phi, more, samples, sensitivity)),
            x =>
            {
                var t = AnomalyThresholds.For(x.sensitivity);
                var at = BaselineMath.PredictiveThreshold(x.level, 1, x.phi, x.samples, t, out _);
                return (BaselineMath.PredictiveThreshold(x.level, 1, x.phi + x.more, x.samples, t, out _) >= at
                    && BaselineMath.PredictiveThreshold(x.level, 1, x.phi, x.samples + 1, t, out _) <= at).ToProperty();
            });

    /// <summary>
    /// Saving a gamma-Poisson key's state at a random cut, restoring it into a new model and going on gives the
    /// detections and the dispersion state of one uninterrupted run.
    /// </summary>
    [Property(MaxTest = 25)]
    public Property A_restart_from_a_snapshot_at_any_cut_continues_the_dispersion_and_the_detections() =>
        Prop.ForAll(
            Arb.From(
                from seed in Gen.Choose(1, 10_000)
                from cut in Gen.Choose(0, 1000).Select(x => x / 1000.0)
                select (seed, cut)),
            x =>
            {
                var trace = AnomalyStreamGenerator.Generate(
                    x.seed,
                    new ActivityStreamOptions { Weeks = 3, DayShape = 0, HourShape = 2, Bursts = [BurstSpec.Times(10)] });
                var times = trace.Events.Select(e => e.Time).ToList();
                var cut = (int)(x.cut * times.Count);

                var whole = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
                var expected = Feed(whole, "k", times);

                var first = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
                var found = Feed(first, "k", times.Take(cut));
                var bytes = new MemoryStream();
                first.CreateSnapshot().WriteTo(bytes);
                bytes.Position = 0;
                var second = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, InitialState = BaselineSnapshot.ReadFrom(bytes) });
                found.AddRange(Feed(second, "k", times.Skip(cut)));

                var a = whole.CreateSnapshot().Keys[0];
                var b = second.CreateSnapshot().Keys[0];
                return (expected.Select(d => (d.BucketStart, d.Observed)).SequenceEqual(found.Select(d => (d.BucketStart, d.Observed)))
                    && a.Dispersion == b.Dispersion && a.DispersionSum == b.DispersionSum && a.DispersionWeight == b.DispersionWeight)
                    .Label($"cut {cut} of {times.Count}: {expected.Count} vs {found.Count} detections, φ̂ {a.Dispersion} vs {b.Dispersion}");
            });
}
