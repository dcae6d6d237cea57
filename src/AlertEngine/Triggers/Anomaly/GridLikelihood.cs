using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AlertEngine;

/// <summary>
/// Issue 15's dispersion grid: 24 values of the negative-binomial dispersion φ and one bucket's log-likelihood
/// log NB(x | m, φₑ(φ_k)) at each of them (without ln x!, common to all points), the engine form of the harness's
/// <c>DispersionGrid.Add</c> / <c>FastDispersionGrid</c> (<c>benchmarks/AlertEngine.Benchmarks/Anomaly/</c>).
/// Not wired into the model yet.
/// <para>
/// <b>Same bits everywhere.</b> The result feeds per-key state, checkpoints and alerts, so it must not depend on the
/// machine: the logarithms are <see cref="ReproducibleMath.Log(double)"/> (not the C runtime's or .NET's vector
/// logarithm), every operation is a separately rounded IEEE operation, and the vector form
/// (<see cref="Vector512{T}"/>, three vectors of 8 lanes; .NET runs it natively with AVX-512 and through its software
/// fallback without) and the scalar form (<see cref="ComputeScalar"/>) perform the same operations in the same
/// order per grid point. Tests compare them bit for bit.
/// </para>
/// <para>
/// <b>The fast form.</b> The effective dispersion φₑ = φ(1 + v) + v with v = (φ + 1/m)/n (the level's relative error,
/// n its effective samples) depends on the bucket, so r = 1/φₑ is not a per-point constant and no table of
/// Σ ln(r + j) applies. Instead ln Γ(x + r) − ln Γ(r) = ln Π_{j&lt;x}(r + j): one product per lane (two interleaved
/// chains for latency) and one logarithm, for x ≤ <see cref="ProductLimit"/> (r ≤ 40 because φₑ ≥ φ ≥ 0.025, so the
/// product stays below 72^32 ≈ 2^197); above it Stirling's series at x + r and at r + 8 with the 8-term product for the
/// shift (absolute error below 1e−10, as the reference's log Γ). The rest of the log-likelihood,
/// r·ln(r/(r + m)) + x·ln(m/(r + m)), is r·ln r + x·ln m − (r + x)·ln(r + m). So 9 vector logarithms per update for
/// x ≤ 32 (15 above) instead of 48 scalar ones and two log Γ per point.
/// </para>
/// </summary>
internal static class GridLikelihood
{
    /// <summary>Number of grid points.</summary>
    public const int Size = 24;

    /// <summary>The largest count whose ln Γ difference is taken as a product.</summary>
    public const int ProductLimit = 32;

    /// <summary>The smallest effective dispersion (guards r = 1/φₑ).</summary>
    private const double MinimumEffectiveDispersion = 1e-6;

    /// <summary>
    /// The grid values φ_k = 0.025·1.2^k, k = 0..23 (0.025 … 1.656), as literals: <see cref="Math.Pow"/> comes from the
    /// C runtime and need not give the same last bit on every machine. (These are glibc's, equal to the harness's.)
    /// </summary>
    /// <remarks>Kept in a static array: a collection expression returned as a span allocated on every read in a Debug
    /// build of the library (72 B, found by the steady-state allocation test in CI, which tests Debug).</remarks>
    public static ReadOnlySpan<double> Values => ValueArray;

    private static readonly double[] ValueArray =
    [
        0.025, 0.03, 0.036, 0.043199999999999995, 0.05184, 0.062207999999999986, 0.07464959999999998,
        0.08957951999999998, 0.10749542399999996, 0.12899450879999996, 0.15479341055999996, 0.18575209267199994,
        0.22290251120639992, 0.2674830134476799, 0.3209796161372158, 0.385175539364659, 0.4622106472375908,
        0.5546527766851089, 0.6655833320221307, 0.7986999984265568, 0.9584399981118681, 1.1501279977342418,
        1.38015359728109, 1.6561843167373078,
    ];

    private static readonly Vector512<double> Phi0 = Vector512.Create(Values[..8]);
    private static readonly Vector512<double> Phi1 = Vector512.Create(Values[8..16]);
    private static readonly Vector512<double> Phi2 = Vector512.Create(Values[16..]);

    /// <summary>The grid values as three vectors (points 0–7, 8–15, 16–23).</summary>
    internal static (Vector512<double> P0, Vector512<double> P1, Vector512<double> P2) VectorValues => (Phi0, Phi1, Phi2);

    /// <summary>Whether the vector form is used: only when .NET accelerates 512-bit vectors (AVX-512). Without it .NET
    /// runs a <see cref="Vector512{T}"/> through its software fallback, which measured slower than the scalar form on
    /// this machine with AVX-512 turned off (update ≈ 1,650 against ≈ 1,000 ns, <c>anomaly-grid-cost</c>,
    /// <c>benchmarks/results/anomaly-grid-cost.md</c>); a 256-bit form is not written yet. Both forms give the same
    /// bits; this only picks the faster.</summary>
    public static bool UseVectors => Vector512.IsHardwareAccelerated;

    /// <summary>The smallest expected count a bucket may have (2^−10). The model folds only buckets predicted at 2 or
    /// more; below this, 1/m and the shape r = 1/φₑ leave the range <see cref="ReproducibleMath.Log(double)"/> is exact
    /// for (normal numbers).</summary>
    public const double MinExpected = 1.0 / 1024;

    /// <summary>Checks a bucket's inputs: <see cref="MinExpected"/> ≤ m, finite, x ≥ 0, n ≥ 1 and finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckBucket(double m, int x, double n)
    {
        if (!(m >= MinExpected && m < double.PositiveInfinity && n >= 1 && n < double.PositiveInfinity && x >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(m), "The expected count must be at least 2^-10 and finite, the count non-negative and the effective samples at least 1 and finite.");
        }
    }

    /// <summary>The 24 log-likelihoods, one per grid point, by the scalar form (the same bits as <see cref="Compute"/>).</summary>
    /// <param name="m">The bucket's expected count (&gt; 0).</param>
    /// <param name="x">The bucket's (winsorized) count (≥ 0).</param>
    /// <param name="n">The level's effective samples (≥ 1).</param>
    /// <param name="logLikelihoods">Receives the 24 values.</param>
    public static void ComputeScalar(double m, int x, double n, Span<double> logLikelihoods)
    {
        CheckBucket(m, x, n);
        var l = logLikelihoods[..Size];
        var invN = 1 / n;
        var shift = (1 / m) / n;
        var logM = ReproducibleMath.Log(m);
        var xd = (double)x;
        var xMinus8 = x - 8.0;
        var values = Values;
        for (var k = 0; k < Size; k++)
        {
            var phi = values[k];
            var v = (phi * invN) + shift;
            var r = 1 / Math.Max(MinimumEffectiveDispersion, (phi * (1 + v)) + v);
            var value = (r * ReproducibleMath.Log(r)) + (xd * logM) - ((r + xd) * ReproducibleMath.Log(r + m));
            if (x <= ProductLimit)
            {
                double a = 1, b = 1, t = r;
                var j = 0;
                for (; j + 1 < x; j += 2)
                {
                    a *= t;
                    b *= t + 1;
                    t += 2;
                }

                if (j < x)
                {
                    a *= t;
                }

                value += ReproducibleMath.Log(a * b);
            }
            else
            {
                var z = xd + r;
                var w = r + 8.0;
                var u = r + 1;
                var p = r * u;
                u += 1;
                var p2 = u * (u + 1);
                u += 2.0;
                p *= u * (u + 1);
                u += 2.0;
                p2 *= u * (u + 1);
                p *= p2;
                value += ((z - 0.5) * ReproducibleMath.Log(z)) - ((w - 0.5) * ReproducibleMath.Log(w)) - xMinus8 + Series(z) - Series(w) + ReproducibleMath.Log(p);
            }

            l[k] = value;
        }
    }

    /// <summary>The 24 log-likelihoods by the vector form, as three vectors (points 0–7, 8–15, 16–23).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Compute(double m, int x, double n, out Vector512<double> l1, out Vector512<double> l2)
    {
        CheckBucket(m, x, n);
        var invN = Vector512.Create(1 / n);
        var shift = Vector512.Create((1 / m) / n);
        var r0 = Rate(Phi0, invN, shift);
        var r1 = Rate(Phi1, invN, shift);
        var r2 = Rate(Phi2, invN, shift);
        var mV = Vector512.Create(m);
        var xV = Vector512.Create((double)x);
        var logM = Vector512.Create(ReproducibleMath.Log(m));

        var l0 = (r0 * ReproducibleMath.Log(r0)) + (xV * logM) - ((r0 + xV) * ReproducibleMath.Log(r0 + mV));
        l1 = (r1 * ReproducibleMath.Log(r1)) + (xV * logM) - ((r1 + xV) * ReproducibleMath.Log(r1 + mV));
        l2 = (r2 * ReproducibleMath.Log(r2)) + (xV * logM) - ((r2 + xV) * ReproducibleMath.Log(r2 + mV));
        if (x <= ProductLimit)
        {
            var one = Vector512<double>.One;
            var two = Vector512.Create(2.0);
            Vector512<double> a0 = one, a1 = one, a2 = one, b0 = one, b1 = one, b2 = one;
            var t0 = r0;
            var t1 = r1;
            var t2 = r2;
            var j = 0;
            for (; j + 1 < x; j += 2)
            {
                a0 *= t0;
                a1 *= t1;
                a2 *= t2;
                b0 *= t0 + one;
                b1 *= t1 + one;
                b2 *= t2 + one;
                t0 += two;
                t1 += two;
                t2 += two;
            }

            if (j < x)
            {
                a0 *= t0;
                a1 *= t1;
                a2 *= t2;
            }

            l0 += ReproducibleMath.Log(a0 * b0);
            l1 += ReproducibleMath.Log(a1 * b1);
            l2 += ReproducibleMath.Log(a2 * b2);
        }
        else
        {
            var xs = Vector512.Create(x - 8.0);
            l0 += LogGammaDifference(r0, xV, xs);
            l1 += LogGammaDifference(r1, xV, xs);
            l2 += LogGammaDifference(r2, xV, xs);
        }

        return l0;
    }

    /// <summary>The 24 log-likelihoods by the vector form, written to a span (for tests and the harness).</summary>
    public static void ComputeVector(double m, int x, double n, Span<double> logLikelihoods)
    {
        var l = logLikelihoods[..Size];
        var l0 = Compute(m, x, n, out var l1, out var l2);
        ref var d = ref MemoryMarshal.GetReference(l);
        l0.StoreUnsafe(ref d, 0);
        l1.StoreUnsafe(ref d, 8);
        l2.StoreUnsafe(ref d, 16);
    }

    /// <summary>r = 1/φₑ with φₑ = max(1e−6, φ(1 + v) + v), v = φ/n + (1/m)/n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Rate(Vector512<double> phi, Vector512<double> invN, Vector512<double> shift)
    {
        var v = (phi * invN) + shift;
        var phiE = Vector512.Max(Vector512.Create(MinimumEffectiveDispersion), (phi * (Vector512<double>.One + v)) + v);
        return Vector512<double>.One / phiE;
    }

    /// <summary>ln Γ(x + r) − ln Γ(r) for x &gt; 32 by Stirling's series S(y) = (y − ½) ln y − y + series(1/y) at
    /// z = x + r and w = r + 8, with ln Γ(r) = S(w) − ln Π_{i&lt;8}(r + i); the ½ ln 2π terms cancel, −z + w = −(x − 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogGammaDifference(Vector512<double> r, Vector512<double> x, Vector512<double> xMinus8)
    {
        var one = Vector512<double>.One;
        var half = Vector512.Create(0.5);
        var two = Vector512.Create(2.0);
        var z = x + r;
        var w = r + Vector512.Create(8.0);
        var u = r + one;
        var p = r * u;
        u += one;
        var p2 = u * (u + one);
        u += two;
        p *= u * (u + one);
        u += two;
        p2 *= u * (u + one);
        p *= p2;
        return ((z - half) * ReproducibleMath.Log(z)) - ((w - half) * ReproducibleMath.Log(w)) - xMinus8 + Series(z) - Series(w) + ReproducibleMath.Log(p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Series(Vector512<double> z)
    {
        var inv = Vector512<double>.One / z;
        var inv2 = inv * inv;
        return inv * (Vector512.Create(1.0 / 12) - (inv2 * (Vector512.Create(1.0 / 360) - (inv2 * (Vector512.Create(1.0 / 1260) - (inv2 * Vector512.Create(1.0 / 1680)))))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Series(double z)
    {
        var inv = 1 / z;
        var inv2 = inv * inv;
        return inv * ((1.0 / 12) - (inv2 * ((1.0 / 360) - (inv2 * ((1.0 / 1260) - (inv2 * (1.0 / 1680)))))));
    }

    /// <summary>The sum of 8 lanes in a fixed order, the same for the vector and the scalar form:
    /// ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Sum(Vector512<double> v)
    {
        var a = v.GetLower() + v.GetUpper();
        var b = a.GetLower() + a.GetUpper();
        return b.ToScalar() + b.GetElement(1);
    }

    /// <summary>The scalar twin of <see cref="Sum(Vector512{double})"/> over lanes t[0..8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Sum(ReadOnlySpan<double> t)
    {
        var a0 = t[0] + t[4];
        var a1 = t[1] + t[5];
        var a2 = t[2] + t[6];
        var a3 = t[3] + t[7];
        return (a0 + a2) + (a1 + a3);
    }

    /// <summary>The largest lane (IEEE maximum: exact and independent of the order for numbers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Max(Vector512<double> v)
    {
        var a = Vector256.Max(v.GetLower(), v.GetUpper());
        var b = Vector128.Max(a.GetLower(), a.GetUpper());
        return Math.Max(b.ToScalar(), b.GetElement(1));
    }
}
