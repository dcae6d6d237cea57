using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>The recent-activity update against its documented formula.</summary>
public class RecentFactorProperties
{
    private static readonly double[] Specials = [0, -0.0, 1e-300, 0.5, 1, 1.5, 3, 1e30, 1e300, double.MaxValue, double.PositiveInfinity, double.NaN, -1, -1e300];

    private static Gen<double> AnyDouble() => Gen.Frequency(
        (3, Gen.Elements(Specials)),
        (6, Gen.Choose(0, 100_000).Select(x => x / 1000.0)),
        (1, Gen.Choose(-1000, 1000).Select(x => x / 7.0)));

    private static Gen<float> AnyFloat() => Gen.Frequency(
        (2, Gen.Elements(0f, 0.001f, 1f, 40f, 1e30f, float.MaxValue, float.PositiveInfinity, float.NaN)),
        (6, Gen.Choose(0, 100_000).Select(x => x / 1000f)));

    /// <summary>
    /// <see cref="BaselineMath.UpdateRecent"/> gives bit for bit what its rule says, observed ← 0.8·observed + 0.2·min(count,
    /// predicted + 2.5·σ) with σ = <see cref="BaselineMath.ClipScale"/>(predicted), expected ← 0.8·expected + 0.2·level: the
    /// empty bucket's shortcut (no square root) included, with zeros, NaNs, infinities and negative inputs.
    /// </summary>
    [Property(MaxTest = 2000)]
    public Property The_update_equals_the_rule_bit_for_bit_empty_buckets_included() =>
        Prop.ForAll(
            (from observed in AnyFloat()
             from expected in AnyFloat()
             from level in AnyDouble()
             from count in Gen.Frequency((4, Gen.Constant(0.0)), (2, AnyDouble()))
             from batch in Gen.Frequency((4, Gen.Elements(1.0, 1.5, 3.0)), (1, AnyDouble()))
             from dispersion in Gen.Frequency((4, Gen.Elements(0.0, 0.1, 0.5, 2.0)), (1, AnyDouble()))
             select (observed, expected, level, count, batch, dispersion)).ToArbitrary(),
            input =>
            {
                var (observed, expected, level, count, batch, dispersion) = input;
                var predicted = level * BaselineMath.RecentFactor(observed, expected);
                var clipped = Math.Min(count, predicted + (BaselineMath.Huber * BaselineMath.ClipScale(predicted, batch, dispersion)));
                var wantObserved = (float)(((1 - BaselineMath.RecentWeight) * observed) + (BaselineMath.RecentWeight * clipped));
                var wantExpected = (float)(((1 - BaselineMath.RecentWeight) * expected) + (BaselineMath.RecentWeight * level));

                BaselineMath.UpdateRecent(ref observed, ref expected, level, count, batch, dispersion);

                Assert.Equal(BitConverter.SingleToInt32Bits(wantObserved), BitConverter.SingleToInt32Bits(observed));
                Assert.Equal(BitConverter.SingleToInt32Bits(wantExpected), BitConverter.SingleToInt32Bits(expected));
            });
}
