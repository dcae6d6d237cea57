using System.Runtime.Intrinsics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// Issue 15's grid log-likelihood and its reproducible logarithm/exponential: the vector form equals the scalar form
/// bit for bit (run this class also with <c>DOTNET_EnableAVX512=0</c> — .NET 10's switch, <c>DOTNET_EnableAVX512F=0</c>
/// no longer turns AVX-512 off —, <c>DOTNET_EnableAVX2=0</c> and <c>DOTNET_EnableHWIntrinsic=0</c>, where a
/// <see cref="Vector512{T}"/> runs through .NET's software fallback), and both equal the naive
/// double-precision reference (the harness's log Γ) within the stated tolerances.
/// </summary>
public class GridLikelihoodProperties
{
    private static Arbitrary<int> Seeds() => Arb.From(Gen.Choose(0, int.MaxValue));

    private static bool SameBits(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    [Fact]
    public void The_grid_values_are_0_025_times_1_2_to_the_k()
    {
        Assert.Equal(GridReference.Size, GridLikelihood.Values.Length);
        for (var k = 0; k < GridReference.Size; k++)
        {
            // The literals are glibc's Math.Pow; another C runtime may differ in the last bit, hence 2 ulp.
            Assert.True(Math.Abs(GridLikelihood.Values[k] - GridReference.Value(k)) <= 4.5e-16 * GridReference.Value(k), $"point {k}");
        }
    }

    [Property(MaxTest = 200)]
    public Property The_logarithm_is_the_same_in_both_forms_and_within_2_ulp_of_the_C_runtime() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var x = new double[8];
            for (var i = 0; i < 8; i++)
            {
                // Log-uniform over the normal range, with a share near 1 (where ln x is small and relative error is hardest).
                x[i] = random.Next(4) == 0 ? 1 + ((random.NextDouble() - 0.5) * Math.Pow(2, -random.Next(1, 50))) : Math.Exp((random.NextDouble() - 0.5) * 1400);
            }

            var vector = ReproducibleMath.Log(Vector512.Create(x));
            for (var i = 0; i < 8; i++)
            {
                var scalar = ReproducibleMath.Log(x[i]);
                var libm = Math.Log(x[i]);
                if (!SameBits(vector[i], scalar))
                {
                    return false.Label($"ln {x[i]:R}: vector {vector[i]:R}, scalar {scalar:R}");
                }

                if (Math.Abs(scalar - libm) > 2 * (Math.BitIncrement(Math.Abs(libm)) - Math.Abs(libm)))
                {
                    return false.Label($"ln {x[i]:R}: {scalar:R}, C runtime {libm:R}");
                }
            }

            return true.ToProperty();
        });

    [Property(MaxTest = 200)]
    public Property The_exponential_is_the_same_in_both_forms_and_within_2_ulp_of_the_C_runtime() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var x = new double[8];
            for (var i = 0; i < 8; i++)
            {
                x[i] = random.Next(3) switch
                {
                    0 => -random.NextDouble(),
                    1 => -80 * random.NextDouble(),
                    _ => -700 * random.NextDouble(),
                };
            }

            x[0] = random.Next(2) == 0 ? 0 : -800; // 0 and the floor
            var vector = ReproducibleMath.Exp(Vector512.Create(x));
            for (var i = 0; i < 8; i++)
            {
                var scalar = ReproducibleMath.Exp(x[i]);
                var libm = Math.Exp(Math.Max(x[i], ReproducibleMath.ExpFloor));
                if (!SameBits(vector[i], scalar))
                {
                    return false.Label($"exp {x[i]:R}: vector {vector[i]:R}, scalar {scalar:R}");
                }

                if (Math.Abs(scalar - libm) > 4.5e-16 * libm)
                {
                    return false.Label($"exp {x[i]:R}: {scalar:R}, C runtime {libm:R}");
                }
            }

            return true.ToProperty();
        });

    /// <summary>400 random buckets per case (the ninth session's distribution: m 2–5,000, n 1–300, x gamma-Poisson or
    /// 0–64 around the product/Stirling switch).</summary>
    [Property(MaxTest = 100)]
    public Property The_log_likelihoods_are_the_same_in_both_forms_and_within_1e_8_nats_of_the_reference() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var vector = new double[GridReference.Size];
            var scalar = new double[GridReference.Size];
            for (var c = 0; c < 400; c++)
            {
                var (m, x, n) = GridReference.Bucket(random, GridReference.Value(random.Next(GridReference.Size)));
                GridLikelihood.ComputeVector(m, x, n, vector);
                GridLikelihood.ComputeScalar(m, x, n, scalar);
                for (var k = 0; k < GridReference.Size; k++)
                {
                    if (!SameBits(vector[k], scalar[k]))
                    {
                        return false.Label($"m {m:R}, x {x}, n {n:R}, point {k}: vector {vector[k]:R}, scalar {scalar[k]:R}");
                    }

                    var reference = GridReference.LogLikelihood(k, m, x, n);
                    if (!(Math.Abs(scalar[k] - reference) <= 1e-8))
                    {
                        return false.Label($"m {m:R}, x {x}, n {n:R}, point {k}: {scalar[k]:R}, reference {reference:R}");
                    }
                }
            }

            return true.ToProperty();
        });

    [Fact]
    public void Invalid_bucket_inputs_are_rejected()
    {
        var l = new double[GridReference.Size];
        Assert.Throws<ArgumentOutOfRangeException>(() => GridLikelihood.ComputeScalar(0, 1, 1, l));
        Assert.Throws<ArgumentOutOfRangeException>(() => GridLikelihood.ComputeScalar(double.NaN, 1, 1, l));
        Assert.Throws<ArgumentOutOfRangeException>(() => GridLikelihood.ComputeScalar(1, -1, 1, l));
        Assert.Throws<ArgumentOutOfRangeException>(() => GridLikelihood.ComputeVector(1, 1, 0.5, l));
        Assert.Throws<ArgumentOutOfRangeException>(() => GridLikelihood.ComputeVector(1, 1, double.PositiveInfinity, l));
    }
}
