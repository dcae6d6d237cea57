using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// Issue 15, ninth session: a fast form of <see cref="DispersionGrid.Add"/> and <see cref="DispersionGrid.Posterior"/>
/// with <see cref="DispersionGrid.Mean"/>, the same numbers to far below the planned 16-bit state's step (1/1024 nats;
/// <c>anomaly-grid-cost --check</c> compares them). Double precision throughout (float would lose ≈ 1e-5 nats on
/// log-likelihoods of a few hundred, too close to the step once the 0.99 discount has summed a hundred updates), the
/// 24 grid points as three <see cref="Vector512{T}"/> of 8 doubles, logarithms and exponentials by
/// <see cref="Vector512.Log(Vector512{double})"/> / <see cref="Vector512.Exp(Vector512{double})"/>.
/// The effective dispersion φₑ depends on the bucket's m and n, so r = 1/φₑ is not a fixed per-grid-point number and a
/// precomputed table of Σ_{j&lt;x} ln(r + j) does not apply; instead ln Γ(x + r) − ln Γ(r) is ln Π_{j&lt;x}(r + j),
/// one product over the 24 lanes and one logarithm, for x ≤ <see cref="ProductLimit"/> (r ≤ 40 since φₑ ≥ φ ≥ 0.025, so
/// the product stays below 72^32 ≈ 2^197), and Stirling's series at x + r and at r + 8 (with the 8-term product for
/// the shift) above it, as the reference's <see cref="DispersionGrid.LogGamma"/> computes it.
/// </summary>
internal static class FastDispersionGrid
{
    /// <summary>The largest count whose ln Γ difference is taken as a product.</summary>
    public static readonly int ProductLimit = int.TryParse(Environment.GetEnvironmentVariable("GRID_PRODUCT_LIMIT"), out var limit) && limit is >= 8 and <= 96 ? limit : 32;

    private static readonly Vector512<double> Phi0 = Vector512.Create(DispersionGrid.Values.AsSpan(0, 8));
    private static readonly Vector512<double> Phi1 = Vector512.Create(DispersionGrid.Values.AsSpan(8, 8));
    private static readonly Vector512<double> Phi2 = Vector512.Create(DispersionGrid.Values.AsSpan(16, 8));

    /// <summary>As <see cref="DispersionGrid.Add"/>: adds one bucket's log NB(x | m, φₑ(φ_k)) (without ln x!) at every
    /// grid point to the discounted sums and shifts them so that their maximum is 0.</summary>
    public static void Add(double[] sums, double keep, double m, int x, double n)
    {
        if (sums.Length < DispersionGrid.Size)
        {
            throw new ArgumentException("Too few sums.", nameof(sums));
        }

        ref var s = ref MemoryMarshal.GetArrayDataReference(sums);
        var l0 = LogLikelihood(m, x, n, out var l1, out var l2);
        var keepV = Vector512.Create(keep);
        var s0 = (keepV * Vector512.LoadUnsafe(ref s, 0)) + l0;
        var s1 = (keepV * Vector512.LoadUnsafe(ref s, 8)) + l1;
        var s2 = (keepV * Vector512.LoadUnsafe(ref s, 16)) + l2;
        var max = Vector512.Create(HorizontalMax(Vector512.MaxNative(s0, Vector512.MaxNative(s1, s2))));
        (s0 - max).StoreUnsafe(ref s, 0);
        (s1 - max).StoreUnsafe(ref s, 8);
        (s2 - max).StoreUnsafe(ref s, 16);
    }

    /// <summary>The engine's planned state: the sums as unsigned 16-bit fixed point, q = round(−sum·1024), 0 at the
    /// maximum, clamped at 65535 (64 nats). Decodes, adds as <see cref="Add"/>, rounds back.</summary>
    public static void AddQuantized(ushort[] state, double keep, double m, int x, double n)
    {
        if (state.Length < DispersionGrid.Size)
        {
            throw new ArgumentException("Too few sums.", nameof(state));
        }

        ref var q = ref MemoryMarshal.GetArrayDataReference(state);
        var l0 = LogLikelihood(m, x, n, out var l1, out var l2);
        var keepV = Vector512.Create(keep * (-1.0 / 1024));
        var s0 = (keepV * Decode(ref q, 0)) + l0;
        var s1 = (keepV * Decode(ref q, 8)) + l1;
        var s2 = (keepV * Decode(ref q, 16)) + l2;
        var max = Vector512.Create(HorizontalMax(Vector512.MaxNative(s0, Vector512.MaxNative(s1, s2))));
        Encode(s0 - max, ref q, 0);
        Encode(s1 - max, ref q, 8);
        Encode(s2 - max, ref q, 16);
    }

    /// <summary>Decodes a 16-bit state to doubles (the sums, in nats, as q; the caller scales by −1/1024).</summary>
    public static void Decode(ushort[] state, double[] sums)
    {
        for (var k = 0; k < DispersionGrid.Size; k++)
        {
            sums[k] = -state[k] / 1024.0;
        }
    }

    /// <summary>Encodes sums (maximum 0) as the 16-bit state.</summary>
    public static void Encode(double[] sums, ushort[] state)
    {
        for (var k = 0; k < DispersionGrid.Size; k++)
        {
            state[k] = (ushort)Math.Min(65535, Math.Round(-sums[k] * 1024));
        }
    }

    /// <summary>As <see cref="DispersionGrid.Posterior"/> followed by <see cref="DispersionGrid.Mean"/>: writes the
    /// posterior under the prior (log weights; null: log-uniform) and returns its mean φ.</summary>
    public static double PosteriorMean(double[] sums, double[]? logPrior, double[] posterior)
    {
        if (sums.Length < DispersionGrid.Size || posterior.Length < DispersionGrid.Size || (logPrior is not null && logPrior.Length < DispersionGrid.Size))
        {
            throw new ArgumentException("Too few grid values.");
        }

        ref var s = ref MemoryMarshal.GetArrayDataReference(sums);
        var p0 = Vector512.LoadUnsafe(ref s, 0);
        var p1 = Vector512.LoadUnsafe(ref s, 8);
        var p2 = Vector512.LoadUnsafe(ref s, 16);
        if (logPrior is not null)
        {
            ref var w = ref MemoryMarshal.GetArrayDataReference(logPrior);
            p0 += Vector512.LoadUnsafe(ref w, 0);
            p1 += Vector512.LoadUnsafe(ref w, 8);
            p2 += Vector512.LoadUnsafe(ref w, 16);
        }

        var max = Vector512.Create(HorizontalMax(Vector512.MaxNative(p0, Vector512.MaxNative(p1, p2))));
        p0 = Vector512.Exp(p0 - max);
        p1 = Vector512.Exp(p1 - max);
        p2 = Vector512.Exp(p2 - max);
        var total = p0 + p1 + p2;
        var inverse = Vector512.Create(1 / Vector512.Sum(total));
        var mean = (p0 * Phi0) + (p1 * Phi1) + (p2 * Phi2);
        ref var o = ref MemoryMarshal.GetArrayDataReference(posterior);
        (p0 * inverse).StoreUnsafe(ref o, 0);
        (p1 * inverse).StoreUnsafe(ref o, 8);
        (p2 * inverse).StoreUnsafe(ref o, 16);
        return Vector512.Sum(mean) * inverse.ToScalar();
    }

    /// <summary>The 24 log-likelihoods (three vectors of 8), without ln x!.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogLikelihood(double m, int x, double n, out Vector512<double> l1, out Vector512<double> l2)
    {
        var invN = Vector512.Create(1 / n);
        var shift = Vector512.Create((1 / m) / n);
        var r0 = Rate(Phi0, invN, shift);
        var r1 = Rate(Phi1, invN, shift);
        var r2 = Rate(Phi2, invN, shift);
        var mV = Vector512.Create(m);
        var xV = Vector512.Create((double)x);
        var logM = Vector512.Create(Math.Log(m));

        // r·ln(r/(r + m)) + x·ln(m/(r + m)) = r·ln r + x·ln m − (r + x)·ln(r + m).
        var l0 = (r0 * Vector512.Log(r0)) + (xV * logM) - ((r0 + xV) * Vector512.Log(r0 + mV));
        l1 = (r1 * Vector512.Log(r1)) + (xV * logM) - ((r1 + xV) * Vector512.Log(r1 + mV));
        l2 = (r2 * Vector512.Log(r2)) + (xV * logM) - ((r2 + xV) * Vector512.Log(r2 + mV));
        if (x <= ProductLimit)
        {
            // ln Γ(x + r) − ln Γ(r) = ln Π_{j<x} (r + j); two interleaved products per vector for latency.
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

            l0 += Vector512.Log(a0 * b0);
            l1 += Vector512.Log(a1 * b1);
            l2 += Vector512.Log(a2 * b2);
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

    /// <summary>r = 1/φₑ with φₑ = max(1e-6, φ(1 + v) + v), v = (φ + 1/m)/n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Rate(Vector512<double> phi, Vector512<double> invN, Vector512<double> shift)
    {
        var v = (phi * invN) + shift;
        var phiE = Vector512.Max(Vector512.Create(1e-6), (phi * (Vector512<double>.One + v)) + v);
        return Vector512<double>.One / phiE;
    }

    /// <summary>ln Γ(x + r) − ln Γ(r) for x + r ≥ 8 by Stirling's series at x + r and at r + 8 (the reference's series,
    /// absolute error below 1e-10): ln Γ(r) = S(r + 8) − ln Π_{i&lt;8}(r + i). The ½ ln 2π terms cancel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> LogGammaDifference(Vector512<double> r, Vector512<double> x, Vector512<double> xMinus8)
    {
        var one = Vector512<double>.One;
        var half = Vector512.Create(0.5);
        var z = x + r;
        var w = r + Vector512.Create(8.0);
        var t = r + one;
        var p = r * t;
        t += one;
        var p2 = t * (t + one);
        t += Vector512.Create(2.0);
        p *= t * (t + one);
        t += Vector512.Create(2.0);
        p2 *= t * (t + one);
        p *= p2;

        // S(z) − S(w) with S(y) = (y − ½) ln y − y + series(1/y); −z + w = −(x − 8).
        return ((z - half) * Vector512.Log(z)) - ((w - half) * Vector512.Log(w)) - xMinus8 + Series(z) - Series(w) + Vector512.Log(p);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Series(Vector512<double> z)
    {
        var inv = Vector512<double>.One / z;
        var inv2 = inv * inv;
        return inv * (Vector512.Create(1.0 / 12) - (inv2 * (Vector512.Create(1.0 / 360) - (inv2 * (Vector512.Create(1.0 / 1260) - (inv2 * Vector512.Create(1.0 / 1680)))))));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double HorizontalMax(Vector512<double> v)
    {
        var a = Vector256.MaxNative(v.GetLower(), v.GetUpper());
        var b = Vector128.MaxNative(a.GetLower(), a.GetUpper());
        return Math.Max(b.GetElement(0), b.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Decode(ref ushort q, int offset)
    {
        var u = Vector128.LoadUnsafe(ref q, (nuint)offset);
        var (lo, hi) = Vector128.Widen(u);
        var (a, b) = Vector256.Widen(Vector256.Create(lo, hi));
        return Vector512.ConvertToDouble(Vector512.Create(a, b));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Encode(Vector512<double> sums, ref ushort q, int offset)
    {
        var scaled = Vector512.Min(Vector512.Create(65535.0), Vector512.Round(sums * Vector512.Create(-1024.0)));
        var integers = Vector512.ConvertToUInt64(scaled);
        if (Avx512F.IsSupported)
        {
            Avx512F.ConvertToVector128UInt16(integers).StoreUnsafe(ref q, (nuint)offset);
            return;
        }

        for (var k = 0; k < 8; k++)
        {
            Unsafe.Add(ref q, offset + k) = (ushort)integers.GetElement(k);
        }
    }
}
