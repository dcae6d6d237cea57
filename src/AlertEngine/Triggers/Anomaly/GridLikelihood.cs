using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

/// <summary>
/// Issue 15's dispersion grid: 24 values of the negative-binomial dispersion φ and one bucket's log-likelihood
/// log NB(x | m, φₑ(φ_k)) at each of them (without ln x!, common to all points), the engine form of the harness's
/// <c>DispersionGrid.Add</c> / <c>FastDispersionGrid</c> (<c>benchmarks/AlertEngine.Benchmarks/Anomaly/</c>).
/// Used by the model with <c>DispersionGrid</c> (the population model, the default) (<c>BaselineModel.Grid.cs</c>).
/// <para>
/// <b>Same bits everywhere.</b> The result feeds per-key state, checkpoints and alerts, so it must not depend on the
/// machine: the logarithms are <see cref="ReproducibleMath.Log(double)"/> (not the C runtime's or .NET's vector
/// logarithm), every operation is a separately rounded IEEE operation (no fused multiply-add in any form), and the three
/// forms perform the same operations in the same order per grid point: the 512-bit form (<see cref="Compute"/>, three
/// <see cref="Vector512{T}"/> of 8 points; AVX-512), the 256-bit form (<see cref="Compute256"/>, six
/// <see cref="Vector256{T}"/> of 4 points; AVX2) and the scalar form (<see cref="ComputeScalar"/>). <see cref="Form"/>
/// picks the fastest the machine accelerates. Tests compare them bit for bit, and pin a digest that is the same with
/// AVX-512, with AVX2 only, and without intrinsics.
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
/// <para>
/// <b>Batches (ψ).</b> Activities that share a timestamp (an audit source's batch of records) make a count's variance
/// ψm + φm² (ψ = Σb²/Σb the key's batch factor); read as x with mean m, the batch variance (ψ − 1)m would pass for
/// dispersion (φ̂ 2.4–2.7 times the truth at ψ = 3, <c>benchmarks/results/anomaly-ebmix-levels.md</c>). So the
/// likelihood is that of the count in batches, y = x/ψ with mean m/ψ (variance m/ψ + φ(m/ψ)², the level error
/// (φ + ψ/m)/n). ψ = 1 gives m/ψ = m and y = x exactly, i.e. the bits without batches. An integral y takes the paths
/// above; a non-integer one the continuous ln Γ(y + r) − ln Γ(r) by Stirling's series at y + r + 8 and r + 8 with both
/// 8-term shifts (15 vector logarithms per update), as the double-precision reference's log Γ of y + r.
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

    /// <summary>Grid values 4i … 4i + 3 as a 256-bit vector, i = 0..5: one load from the static array (a switch over six
    /// static vectors compiled to a jump table).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<double> QuarterValues(int i) => Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(ValueArray), (nuint)(4 * i));

    /// <summary>The form the dispatching methods (<see cref="GridEvidenceMath.Update"/>,
    /// <see cref="GridEvidenceMath.PosteriorMean"/>) use: <see cref="GridForm.Vector512"/> where .NET accelerates 512-bit
    /// vectors (AVX-512), else <see cref="GridForm.Vector256"/> where it accelerates 256-bit ones (AVX2), else
    /// <see cref="GridForm.Scalar"/>. A <see cref="Vector512{T}"/> without AVX-512 runs through .NET's software fallback,
    /// which measured slower than the scalar form (update ≈ 1,650 against ≈ 1,000 ns, <c>anomaly-grid-cost</c>,
    /// <c>benchmarks/results/anomaly-grid-cost.md</c>). All three forms give the same bits; this only picks the fastest.
    /// (The two <c>IsHardwareAccelerated</c> are JIT-time constants: the dispatch compiles to one direct path.)</summary>
    public static GridForm Form => Vector512.IsHardwareAccelerated ? GridForm.Vector512 : Vector256.IsHardwareAccelerated ? GridForm.Vector256 : GridForm.Scalar;

    /// <summary>The smallest expected count per batch (m/ψ) a bucket may have (2^−10). The model folds only buckets
    /// predicted at 2 or more; below this, 1/m and the shape r = 1/φₑ leave the range
    /// <see cref="ReproducibleMath.Log(double)"/> is exact for (normal numbers).</summary>
    public const double MinExpected = 1.0 / 1024;

    /// <summary>Checks a bucket's inputs: ψ ≥ 1 and finite, <see cref="MinExpected"/> ≤ m/ψ, m finite, x ≥ 0, n ≥ 1 and
    /// finite. Each failure names its parameter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckBucket(double m, int x, double n, double psi)
    {
        if (!(psi >= 1 && psi < double.PositiveInfinity && m / psi >= MinExpected && m < double.PositiveInfinity && n >= 1 && n < double.PositiveInfinity && x >= 0))
        {
            ThrowBadBucket(m, x, n, psi);
        }
    }

    /// <summary>Out of line, so that the checks inline into the update without the exception's construction.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadBucket(double m, int x, double n, double psi)
    {
        if (!(psi >= 1 && psi < double.PositiveInfinity))
        {
            throw new ArgumentOutOfRangeException(nameof(psi), psi, "The batch factor ψ must be at least 1 and finite (1 for a key whose activities never share a timestamp).");
        }

        if (!(m / psi >= MinExpected && m < double.PositiveInfinity))
        {
            throw new ArgumentOutOfRangeException(nameof(m), m, "The expected count must be finite and, divided by the batch factor ψ, at least 2^-10.");
        }

        if (!(n >= 1 && n < double.PositiveInfinity))
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "The effective samples must be at least 1 and finite.");
        }

        throw new ArgumentOutOfRangeException(nameof(x), x, "The count must not be negative.");
    }

    /// <summary>The 24 log-likelihoods, one per grid point, by the scalar form (the same bits as the vector forms).</summary>
    /// <param name="m">The bucket's expected count (&gt; 0).</param>
    /// <param name="x">The bucket's (winsorized) count (≥ 0).</param>
    /// <param name="n">The level's effective samples (≥ 1).</param>
    /// <param name="psi">The key's batch factor ψ (≥ 1; 1: activities never share a timestamp). The likelihood is
    /// that of the count in batches, y = x/ψ with mean m/ψ (see the class remarks).</param>
    /// <param name="logLikelihoods">Receives the 24 values.</param>
    public static void ComputeScalar(double m, int x, double n, double psi, Span<double> logLikelihoods)
    {
        CheckBucket(m, x, n, psi);
        var l = logLikelihoods[..Size];

        // ψ = 1: m/1 = m and x/1 = x exactly, so the integer path below with exactly the inputs (and bits) of the
        // likelihood without batches.
        var mb = m / psi;
        var y = x / psi;
        var invN = 1 / n;
        var shift = (1 / mb) / n;
        var logM = ReproducibleMath.Log(mb);
        var values = Values;
        if (y == Math.Floor(y))
        {
            var xi = (int)y;
            var xd = y;
            var xMinus8 = xd - 8.0;
            for (var k = 0; k < Size; k++)
            {
                var r = RateScalar(values[k], invN, shift);
                var value = (r * ReproducibleMath.Log(r)) + (xd * logM) - ((r + xd) * ReproducibleMath.Log(r + mb));
                if (xi <= ProductLimit)
                {
                    double a = 1, b = 1, t = r;
                    var j = 0;
                    for (; j + 1 < xi; j += 2)
                    {
                        a *= t;
                        b *= t + 1;
                        t += 2;
                    }

                    if (j < xi)
                    {
                        a *= t;
                    }

                    value += ReproducibleMath.Log(a * b);
                }
                else
                {
                    var z = xd + r;
                    var w = r + 8.0;
                    value += ((z - 0.5) * ReproducibleMath.Log(z)) - ((w - 0.5) * ReproducibleMath.Log(w)) - xMinus8 + Series(z) - Series(w) + ReproducibleMath.Log(Product8(r));
                }

                l[k] = value;
            }

            return;
        }

        for (var k = 0; k < Size; k++)
        {
            var r = RateScalar(values[k], invN, shift);
            var value = (r * ReproducibleMath.Log(r)) + (y * logM) - ((r + y) * ReproducibleMath.Log(r + mb));
            var t = y + r;
            var z = t + 8.0;
            var w = r + 8.0;
            value += ((z - 0.5) * ReproducibleMath.Log(z)) - ((w - 0.5) * ReproducibleMath.Log(w)) - y + Series(z) - Series(w) + ReproducibleMath.Log(Product8(r) / Product8(t));
            l[k] = value;
        }
    }

    /// <summary>r = 1/φₑ with φₑ = max(1e−6, φ(1 + v) + v), v = φ/n + (1/m)/n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double RateScalar(double phi, double invN, double shift)
    {
        var v = (phi * invN) + shift;
        return 1 / Math.Max(MinimumEffectiveDispersion, (phi * (1 + v)) + v);
    }

    /// <summary>Π_{i&lt;8}(r + i) as r(r + 1)(r + 4)(r + 5)·(r + 2)(r + 3)(r + 6)(r + 7) (two chains).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Product8(double r)
    {
        var u = r + 1;
        var p = r * u;
        u += 1;
        var p2 = u * (u + 1);
        u += 2.0;
        p *= u * (u + 1);
        u += 2.0;
        p2 *= u * (u + 1);
        return p * p2;
    }

    /// <summary>The 24 log-likelihoods by the 512-bit form, as three vectors (points 0–7, 8–15, 16–23).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Compute(double m, int x, double n, double psi, out Vector512<double> l1, out Vector512<double> l2)
    {
        CheckBucket(m, x, n, psi);
        var mb = m / psi;
        var y = x / psi;
        var invN = Vector512.Create(1 / n);
        var shift = Vector512.Create((1 / mb) / n);
        var r0 = Rate(Phi0, invN, shift);
        var r1 = Rate(Phi1, invN, shift);
        var r2 = Rate(Phi2, invN, shift);
        var mV = Vector512.Create(mb);
        var xV = Vector512.Create(y);
        var logM = Vector512.Create(ReproducibleMath.Log(mb));

        var l0 = (r0 * ReproducibleMath.Log(r0)) + (xV * logM) - ((r0 + xV) * ReproducibleMath.Log(r0 + mV));
        l1 = (r1 * ReproducibleMath.Log(r1)) + (xV * logM) - ((r1 + xV) * ReproducibleMath.Log(r1 + mV));
        l2 = (r2 * ReproducibleMath.Log(r2)) + (xV * logM) - ((r2 + xV) * ReproducibleMath.Log(r2 + mV));
        if (y != Math.Floor(y))
        {
            l0 += ContinuousLogGammaDifference(r0, xV);
            l1 += ContinuousLogGammaDifference(r1, xV);
            l2 += ContinuousLogGammaDifference(r2, xV);
        }
        else if (y <= ProductLimit)
        {
            var xi = (int)y;
            var one = Vector512<double>.One;
            var two = Vector512.Create(2.0);
            Vector512<double> a0 = one, a1 = one, a2 = one, b0 = one, b1 = one, b2 = one;
            var t0 = r0;
            var t1 = r1;
            var t2 = r2;
            var j = 0;
            for (; j + 1 < xi; j += 2)
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

            if (j < xi)
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
            var xs = Vector512.Create(y - 8.0);
            l0 += LogGammaDifference(r0, xV, xs);
            l1 += LogGammaDifference(r1, xV, xs);
            l2 += LogGammaDifference(r2, xV, xs);
        }

        return l0;
    }

    /// <summary>The 24 log-likelihoods by the 256-bit form (AVX2), as six vectors of four points (0–3, 4–7, …,
    /// 20–23), operation for operation the 512-bit form's (<see cref="Compute"/>) on each lane.</summary>
    /// <remarks>
    /// Not written as the 512-bit form twice over: six vectors' worth of inlined logarithms (27 inlined
    /// <see cref="ReproducibleMath.Log(Vector256{double})"/> in one method) left the JIT with more locals than it tracks,
    /// and it kept the untracked ones on the stack (a 13 KB frame, ≈ 1,000 vector loads and stores per call): 336–372 ns
    /// per update with AVX2 (<c>anomaly-grid-cost</c> under <c>DOTNET_EnableAVX512=0</c>, eleventh session). So the six
    /// vectors go through loops: the rates, the products of the count path (two loops of three vectors' interleaved
    /// chains, for the multiplier's latency), then one small out-of-line method per vector for its logarithms, which the
    /// JIT keeps in registers; the out-of-order core overlaps the loop's independent iterations. ≈ 230 ns (eleventh
    /// session). Twelfth session, ≈ 180 ns: the logarithms' latency chains (≈ 60 cycles each, a division among them)
    /// bound the time more than their operations do, so each method interleaves its three (Stirling and continuous
    /// path: three and two) logarithms step by step (<see cref="ReproducibleMath.Log(Vector256{double}, Vector256{double},
    /// Vector256{double}, out Vector256{double}, out Vector256{double}, out Vector256{double})"/>); the logarithm's
    /// reduction is integer arithmetic instead of a comparison and two selects; x·ln m is computed once; and the
    /// evidence's load, maximum and store use AVX2's conversions and <c>vmaxpd</c>/<c>vminpd</c>
    /// (<see cref="GridEvidenceMath.UpdateVector256"/>). Same operations per lane, same bits.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Compute256(
        double m, int x, double n, double psi, out Vector256<double> l1, out Vector256<double> l2, out Vector256<double> l3, out Vector256<double> l4, out Vector256<double> l5)
    {
        CheckBucket(m, x, n, psi);
        Unsafe.SkipInit(out Vectors6 l);
        ComputeChecked256(m / psi, x / psi, n, ref l);
        l1 = l[1];
        l2 = l[2];
        l3 = l[3];
        l4 = l[4];
        l5 = l[5];
        return l[0];
    }

    /// <summary>The 256-bit form on checked inputs: mb = m/ψ, y = x/ψ.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    [SkipLocalsInit] // every element of the scratch vectors is written before it is read
    private static void ComputeChecked256(double mb, double y, double n, ref Vectors6 l)
    {
        var invN = Vector256.Create(1 / n);
        var shift = Vector256.Create((1 / mb) / n);
        var mV = Vector256.Create(mb);
        var xV = Vector256.Create(y);

        // x·ln m once for the six vectors (the 512-bit form's xV * logM: the same operation on the same values).
        var xLogM = xV * Vector256.Create(ReproducibleMath.Log(mb));
        Unsafe.SkipInit(out Vectors6 rates);
        for (var i = 0; i < 6; i++)
        {
            rates[i] = Rate(QuarterValues(i), invN, shift);
        }

        if (y != Math.Floor(y))
        {
            for (var i = 0; i < 6; i++)
            {
                l[i] = ContinuousTerm256(rates[i], xV, xLogM, mV);
            }
        }
        else if (y <= ProductLimit)
        {
            Unsafe.SkipInit(out Vectors6 products);
            Products(ref rates, 0, (int)y, ref products);
            Products(ref rates, 3, (int)y, ref products);
            for (var i = 0; i < 6; i++)
            {
                l[i] = ProductTerm256(rates[i], xV, xLogM, mV, products[i]);
            }
        }
        else
        {
            var xs = Vector256.Create(y - 8.0);
            for (var i = 0; i < 6; i++)
            {
                l[i] = StirlingTerm256(rates[i], xV, xLogM, mV, xs);
            }
        }
    }

    /// <summary>Π_{j&lt;x}(r + j) per lane for three of the six vectors (first … first + 2), as the 512-bit form's two
    /// chains a (even j) and b (odd j) and their product a·b; six independent chains per iteration. (All six vectors in
    /// one loop need 20 vector registers, AVX2 has 16: the JIT kept five chains in memory, a store and a load in each
    /// chain's every step.)</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Products(ref Vectors6 rates, int first, int x, ref Vectors6 products)
    {
        var one = Vector256<double>.One;
        var two = Vector256.Create(2.0);
        Vector256<double> a0 = one, a1 = one, a2 = one;
        Vector256<double> b0 = one, b1 = one, b2 = one;
        var t0 = rates[first];
        var t1 = rates[first + 1];
        var t2 = rates[first + 2];
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

        products[first] = a0 * b0;
        products[first + 1] = a1 * b1;
        products[first + 2] = a2 * b2;
    }

    /// <summary>One vector's log-likelihood, count path (x ≤ <see cref="ProductLimit"/>): the 512-bit form's terms in its
    /// order (xLogM = x·ln m), the three logarithms interleaved. Out of line: small enough for the JIT to keep in
    /// registers (see <see cref="Compute256"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> ProductTerm256(Vector256<double> r, Vector256<double> xV, Vector256<double> xLogM, Vector256<double> mV, Vector256<double> product)
    {
        ReproducibleMath.Log(r, r + mV, product, out var logR, out var logRM, out var logProduct);
        return (r * logR) + xLogM - ((r + xV) * logRM) + logProduct;
    }

    /// <summary>One vector's log-likelihood, Stirling path (x &gt; <see cref="ProductLimit"/>): the terms of
    /// <see cref="LogGammaDifference(Vector512{double}, Vector512{double}, Vector512{double})"/> in its order, the five
    /// logarithms interleaved three and two.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> StirlingTerm256(Vector256<double> r, Vector256<double> xV, Vector256<double> xLogM, Vector256<double> mV, Vector256<double> xMinus8)
    {
        var half = Vector256.Create(0.5);
        var z = xV + r;
        var w = r + Vector256.Create(8.0);
        ReproducibleMath.Log(r, r + mV, Product8(r), out var logR, out var logRM, out var logProduct);
        ReproducibleMath.Log(z, w, out var logZ, out var logW);
        return (r * logR) + xLogM - ((r + xV) * logRM) + (((z - half) * logZ) - ((w - half) * logW) - xMinus8 + Series(z) - Series(w) + logProduct);
    }

    /// <summary>One vector's log-likelihood, continuous path (x/ψ not an integer): the terms of
    /// <see cref="ContinuousLogGammaDifference(Vector512{double}, Vector512{double})"/> in its order, the logarithms
    /// interleaved as in <see cref="StirlingTerm256"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> ContinuousTerm256(Vector256<double> r, Vector256<double> yV, Vector256<double> xLogM, Vector256<double> mV)
    {
        var half = Vector256.Create(0.5);
        var eight = Vector256.Create(8.0);
        var t = yV + r;
        var z = t + eight;
        var w = r + eight;
        ReproducibleMath.Log(r, r + mV, Product8(r) / Product8(t), out var logR, out var logRM, out var logRatio);
        ReproducibleMath.Log(z, w, out var logZ, out var logW);
        return (r * logR) + xLogM - ((r + yV) * logRM) + (((z - half) * logZ) - ((w - half) * logW) - yV + Series(z) - Series(w) + logRatio);
    }

    /// <summary>Six 256-bit vectors (the 24 points) on the stack.</summary>
    [InlineArray(6)]
    private struct Vectors6
    {
        private Vector256<double> _element;
    }

    /// <summary>The 24 log-likelihoods by the 512-bit form, written to a span (for tests and the harness).</summary>
    public static void ComputeVector(double m, int x, double n, double psi, Span<double> logLikelihoods)
    {
        var l = logLikelihoods[..Size];
        var l0 = Compute(m, x, n, psi, out var l1, out var l2);
        ref var d = ref MemoryMarshal.GetReference(l);
        l0.StoreUnsafe(ref d, 0);
        l1.StoreUnsafe(ref d, 8);
        l2.StoreUnsafe(ref d, 16);
    }

    /// <summary>The 24 log-likelihoods by the 256-bit form, written to a span (for tests and the harness).</summary>
    public static void ComputeVector256(double m, int x, double n, double psi, Span<double> logLikelihoods)
    {
        var l = logLikelihoods[..Size];
        var l0 = Compute256(m, x, n, psi, out var l1, out var l2, out var l3, out var l4, out var l5);
        ref var d = ref MemoryMarshal.GetReference(l);
        l0.StoreUnsafe(ref d, 0);
        l1.StoreUnsafe(ref d, 4);
        l2.StoreUnsafe(ref d, 8);
        l3.StoreUnsafe(ref d, 12);
        l4.StoreUnsafe(ref d, 16);
        l5.StoreUnsafe(ref d, 20);
    }

    /// <summary>r = 1/φₑ with φₑ = max(1e−6, φ(1 + v) + v), v = φ/n + (1/m)/n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Rate(Vector512<double> phi, Vector512<double> invN, Vector512<double> shift)
    {
        var v = (phi * invN) + shift;
        var phiE = Vector512.Max(Vector512.Create(MinimumEffectiveDispersion), (phi * (Vector512<double>.One + v)) + v);
        return Vector512<double>.One / phiE;
    }

    /// <summary>r = 1/φₑ, the 256-bit twin. With AVX the maximum is the instruction (<c>vmaxpd</c>; .NET's
    /// <see cref="Vector256.Max{T}(Vector256{T}, Vector256{T})"/> also orders −0 below +0 and propagates NaN, which
    /// takes a comparison and select chain on AVX2): both operands are positive numbers (φ &gt; 0, v &gt; 0), where the
    /// two agree.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Rate(Vector256<double> phi, Vector256<double> invN, Vector256<double> shift)
    {
        var v = (phi * invN) + shift;
        var phiE = (phi * (Vector256<double>.One + v)) + v;
        phiE = Avx.IsSupported ? Avx.Max(Vector256.Create(MinimumEffectiveDispersion), phiE) : Vector256.Max(Vector256.Create(MinimumEffectiveDispersion), phiE);
        return Vector256<double>.One / phiE;
    }

    /// <summary>ln Γ(x + r) − ln Γ(r) for x &gt; 32 by Stirling's series S(y) = (y − ½) ln y − y + series(1/y) at
    /// z = x + r and w = r + 8, with ln Γ(r) = S(w) − ln Π_{i&lt;8}(r + i); the ½ ln 2π terms cancel, −z + w = −(x − 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogGammaDifference(Vector512<double> r, Vector512<double> x, Vector512<double> xMinus8)
    {
        var half = Vector512.Create(0.5);
        var z = x + r;
        var w = r + Vector512.Create(8.0);
        return ((z - half) * ReproducibleMath.Log(z)) - ((w - half) * ReproducibleMath.Log(w)) - xMinus8 + Series(z) - Series(w) + ReproducibleMath.Log(Product8(r));
    }

    /// <summary>ln Γ(y + r) − ln Γ(r) for a non-integer y (a count in batches, x/ψ): Stirling's series at
    /// z = y + r + 8 and w = r + 8 with both shifts, ln Γ(y + r) − ln Γ(r) = S(z) − S(w) + ln(Π_{i&lt;8}(r + i) /
    /// Π_{i&lt;8}(y + r + i)); −z + w = −y. Both arguments are at least 8, so the series' error is below 1e−10 as the
    /// reference's log Γ; 3 logarithms per lane against the integer product's 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ContinuousLogGammaDifference(Vector512<double> r, Vector512<double> y)
    {
        var half = Vector512.Create(0.5);
        var eight = Vector512.Create(8.0);
        var t = y + r;
        var z = t + eight;
        var w = r + eight;
        return ((z - half) * ReproducibleMath.Log(z)) - ((w - half) * ReproducibleMath.Log(w)) - y + Series(z) - Series(w) + ReproducibleMath.Log(Product8(r) / Product8(t));
    }

    /// <summary>Π_{i&lt;8}(r + i) per lane, the operations of <see cref="Product8(double)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Product8(Vector512<double> r)
    {
        var one = Vector512<double>.One;
        var two = Vector512.Create(2.0);
        var u = r + one;
        var p = r * u;
        u += one;
        var p2 = u * (u + one);
        u += two;
        p *= u * (u + one);
        u += two;
        p2 *= u * (u + one);
        return p * p2;
    }

    /// <summary>Π_{i&lt;8}(r + i) per lane, the operations of <see cref="Product8(double)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Product8(Vector256<double> r)
    {
        var one = Vector256<double>.One;
        var two = Vector256.Create(2.0);
        var u = r + one;
        var p = r * u;
        u += one;
        var p2 = u * (u + one);
        u += two;
        p *= u * (u + one);
        u += two;
        p2 *= u * (u + one);
        return p * p2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Series(Vector512<double> z)
    {
        var inv = Vector512<double>.One / z;
        var inv2 = inv * inv;
        return inv * (Vector512.Create(1.0 / 12) - (inv2 * (Vector512.Create(1.0 / 360) - (inv2 * (Vector512.Create(1.0 / 1260) - (inv2 * Vector512.Create(1.0 / 1680)))))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Series(Vector256<double> z)
    {
        var inv = Vector256<double>.One / z;
        var inv2 = inv * inv;
        return inv * (Vector256.Create(1.0 / 12) - (inv2 * (Vector256.Create(1.0 / 360) - (inv2 * (Vector256.Create(1.0 / 1260) - (inv2 * Vector256.Create(1.0 / 1680)))))));
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

    /// <summary>The same sum of 8 lanes held as two halves (lanes 0–3, 4–7): the 256-bit form's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Sum(Vector256<double> lower, Vector256<double> upper)
    {
        var a = lower + upper;
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
        return Max(a);
    }

    /// <summary>The largest lane of four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double Max(Vector256<double> v)
    {
        var b = Vector128.Max(v.GetLower(), v.GetUpper());
        return Math.Max(b.ToScalar(), b.GetElement(1));
    }
}

/// <summary>The forms of the grid's computations (the same bits in each).</summary>
internal enum GridForm
{
    /// <summary>Scalar doubles.</summary>
    Scalar,

    /// <summary>Six <see cref="Vector256{T}"/> of four points (AVX2).</summary>
    Vector256,

    /// <summary>Three <see cref="Vector512{T}"/> of eight points (AVX-512).</summary>
    Vector512,
}
