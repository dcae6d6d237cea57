using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>The slot level's update against its documented rule.</summary>
public class LevelUpdateProperties
{
    private static readonly double[] Specials = [0, -0.0, 1e-300, 0.5, 1, 1.5, 2.5, 3, 1e30, 1e300, double.MaxValue, double.PositiveInfinity, double.NaN, -1, -2.5, -1e300];

    private static Gen<double> AnyDouble() => Gen.Frequency(
        (3, Gen.Elements(Specials)),
        (6, Gen.Choose(0, 100_000).Select(x => x / 1000.0)),
        (1, Gen.Choose(-1000, 1000).Select(x => x / 7.0)));

    private static Gen<float> AnyLevel() => Gen.Frequency(
        (2, Gen.Elements(0f, -0f, 0.001f, 1f, 1.5f, 2.5f, 3.9f, 40f, 1e30f, float.MaxValue, float.PositiveInfinity, float.NaN, -1f)),
        (6, Gen.Choose(0, 10_000).Select(x => x / 1000f)));

    /// <summary>
    /// <see cref="BaselineMath.Update"/> gives bit for bit what its rule says: the first sample sets the level; later,
    /// level ← max(0, m + max(α, 1/(n + 1))·r) with r = x − m, clamped to [−1.5σ, 2.5σ] (σ = <see cref="BaselineMath.ClipScale"/>)
    /// once the slot has 3 samples; the sample count grows up to 255. Its shortcuts (no square root when the residual
    /// cannot be clipped, the weights from a table) included, with zeros, NaNs, infinities and negative inputs.
    /// </summary>
    [Property(MaxTest = 3000)]
    public Property The_update_equals_the_rule_bit_for_bit() =>
        Prop.ForAll(
            (from level in AnyLevel()
             from samples in Gen.Frequency((2, Gen.Elements<byte>(0, 1, 2, 3, 254, 255)), (6, Gen.Choose(0, 255).Select(x => (byte)x)))
             from count in Gen.Frequency((4, Gen.Constant(0.0)), (3, Gen.Choose(0, 6).Select(x => (double)x)), (2, AnyDouble()))
             from batch in Gen.Frequency((4, Gen.Elements(1.0, 1.5, 3.0)), (1, AnyDouble()))
             from dispersion in Gen.Frequency((4, Gen.Elements(0.0, 0.1, 0.5, 2.0)), (1, AnyDouble()))
             select (level, samples, count, batch, dispersion)).ToArbitrary(),
            input =>
            {
                var (level, samples, count, batch, dispersion) = input;
                float wantLevel;
                byte wantSamples;
                if (samples == 0)
                {
                    (wantLevel, wantSamples) = ((float)count, 1);
                }
                else
                {
                    double m = level;
                    var scale = BaselineMath.ClipScale(m, batch, dispersion);
                    var r = samples < BaselineMath.WarmUpSamples ? count - m : Math.Clamp(count - m, -BaselineMath.HuberDown * scale, BaselineMath.Huber * scale);
                    wantLevel = (float)Math.Max(0.0, m + (Math.Max(BaselineMath.Alpha, 1.0 / (samples + 1)) * r));
                    wantSamples = samples == byte.MaxValue ? samples : (byte)(samples + 1);
                }

                BaselineMath.Update(ref level, ref samples, count, batch, dispersion);

                Assert.Equal(BitConverter.SingleToInt32Bits(wantLevel), BitConverter.SingleToInt32Bits(level));
                Assert.Equal(wantSamples, samples);
            });
}
