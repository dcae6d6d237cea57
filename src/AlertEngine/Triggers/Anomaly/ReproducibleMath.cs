using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AlertEngine;

/// <summary>
/// Natural logarithm and exponential that give the same bits on every machine and on every code path (scalar,
/// <see cref="Vector512{T}"/> with AVX-512, <see cref="Vector256{T}"/> with AVX2, either through .NET's software
/// fallback without them),
/// for state that must agree across Orleans silos and checkpoints that move between machines (issue 15's dispersion
/// grid).
/// <para>
/// Why not <see cref="Math.Log(double)"/> / <see cref="Vector512.Log(Vector512{double})"/>: <see cref="Math.Log(double)"/>
/// calls the C runtime's <c>log</c>, whose last bit is not specified (glibc, musl and the Windows CRT differ), and .NET 10's
/// <c>VectorMath.LogDouble</c>/<c>ExpDouble</c> (ported from AMD's aocl-libm) evaluate their polynomials with
/// <c>MultiplyAddEstimate</c>, which is a fused multiply-add where the hardware has one and a rounded multiply and add
/// where it does not, and fall back to the scalar CRT functions for some inputs: different bits on different machines.
/// </para>
/// <para>
/// Here every step is an IEEE 754 double operation that is correctly rounded by definition (+, −, ×, ÷, comparisons,
/// exact integer/bit manipulation, conversions of small integers), written as separate operations (no fused
/// multiply-add: RyuJIT does not contract <c>a * b + c</c> on its own), in the same order in the scalar and the vector
/// form. The algorithms are the classic fdlibm ones (Sun, 1993: <c>e_log.c</c>, <c>e_exp.c</c>), without their
/// special-case branches: the callers' arguments are positive normal numbers (log) and finite numbers at most 0 (exp).
/// Accuracy is about 1 ulp; the point is not the last bit's correctness but that it is the same everywhere.
/// </para>
/// </summary>
internal static class ReproducibleMath
{
    private const double Ln2Hi = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000: k·Ln2Hi is exact for |k| < 2^11
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double InvLn2 = 1.44269504088896338700e+00;
    private const double Sqrt2 = 1.4142135623730951;

    private const double Lg1 = 6.666666666666735130e-01;
    private const double Lg2 = 3.999999999940941908e-01;
    private const double Lg3 = 2.857142874366239149e-01;
    private const double Lg4 = 2.222219843214978396e-01;
    private const double Lg5 = 1.818357216161805012e-01;
    private const double Lg6 = 1.531383769920937332e-01;
    private const double Lg7 = 1.479819860511658591e-01;

    private const double P1 = 1.66666666666666019037e-01;
    private const double P2 = -2.77777777770155933842e-03;
    private const double P3 = 6.61375632143793436117e-05;
    private const double P4 = -1.65339022054652515390e-06;
    private const double P5 = 4.13813679705723846039e-08;

    /// <summary>The smallest argument of <see cref="Exp(double)"/>: below it the result is taken at this argument
    /// (e^−700 ≈ 1e−304, still a normal number, so the scaling by 2^k below stays exact).</summary>
    public const double ExpFloor = -700;

    private const ulong ExponentMask = 0x7FF0_0000_0000_0000;

    /// <summary>The mantissa bits of √2 (0x3FF6A09E667F3BCD without its exponent).</summary>
    private const ulong Sqrt2Mantissa = 0x0006_A09E_667F_3BCD;

    /// <summary>The exponent bits of 0.5 (1022·2^52).</summary>
    private const ulong HalfBits = 0x3FE0_0000_0000_0000;
    private const ulong MantissaMask = 0x000F_FFFF_FFFF_FFFF;
    private const ulong OneBits = 0x3FF0_0000_0000_0000;

    /// <summary>2^52 as bits and as a double: an integer 0 ≤ i &lt; 2^52 in the low mantissa bits of 2^52's bits is the
    /// double 2^52 + i, so integer ↔ double conversions become an OR/add and a subtraction (exact).</summary>
    internal const ulong Magic = 0x4330_0000_0000_0000;

    /// <summary>2^52.</summary>
    internal const double MagicDouble = 4503599627370496.0;

    /// <summary>ln x for a positive normal finite x (other inputs: unspecified result).</summary>
    /// <remarks>
    /// x = 2^k·y with y in [√2/2, √2) (the exponent field read, the mantissa given exponent 0 and halved when it is
    /// at least √2), f = y − 1 (exact), s = f/(2 + f), ln y = 2 atanh s = f − s(f − R(s²)) written as
    /// f − (hf² − s(hf² + R)) with hf² = f²/2, R fdlibm's degree-14 minimax polynomial in s; ln x = k·ln2_hi +
    /// (ln y + k·ln2_lo), the two-part ln 2 keeping k·ln 2 exact to the working precision.
    /// </remarks>
    public static double Log(double x)
    {
        var bits = BitConverter.DoubleToUInt64Bits(x);
        var k = (long)(bits >> 52) - 1023;
        var y = BitConverter.UInt64BitsToDouble((bits & MantissaMask) | OneBits);
        if (y >= Sqrt2)
        {
            y *= 0.5;
            k += 1;
        }

        return LogCore(y - 1, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double LogCore(double f, double dk)
    {
        var s = f / (2.0 + f);
        var z = s * s;
        var w = z * z;
        var t1 = w * (Lg2 + (w * (Lg4 + (w * Lg6))));
        var t2 = z * (Lg1 + (w * (Lg3 + (w * (Lg5 + (w * Lg7))))));
        var r = t2 + t1;
        var hfsq = 0.5 * f * f;
        return (dk * Ln2Hi) - ((hfsq - ((s * (hfsq + r)) + (dk * Ln2Lo))) - f);
    }

    /// <summary>ln x per lane, the same bits as <see cref="Log(double)"/> on each lane.</summary>
    /// <remarks>
    /// The reduction without a comparison and select: subtracting √2's mantissa bits from x's borrows from the exponent
    /// field exactly when the mantissa is below √2's, so that field of u = bits(x) − mantissa(√2) is e (mantissa at least
    /// √2's: y = 1.m/2, k = e − 1022) or e − 1 (y = 1.m, k = e − 1023), i.e. k = field(u) − 1022 and bits(y) =
    /// bits(x) − (u's exponent bits) + 1022·2^52: the same y and k as the scalar form's y ≥ √2 test (for y in [1, 2)
    /// the double comparison and the comparison of the mantissa bits agree), three integer operations instead of a
    /// comparison, a multiplication and two selects (twelfth session). This holds for positive normal x, which is every
    /// argument the grid passes (rates and products ≥ ~1e−6); for +0 and subnormals the borrow reaches the sign bit and
    /// the lane differs from the scalar form (ln(+0) gives NaN, not its −1023·ln 2 floor).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x)
    {
        var bits = x.AsUInt64();
        var u = bits - Vector512.Create(Sqrt2Mantissa);

        // k as a double without an int64 → double conversion (AVX2 has none, .NET would emulate it element by
        // element): the exponent field placed in the low bits of 2^52's mantissa, minus 2^52 + 1022. Exact.
        var dk = ((u >> 52) | Vector512.Create(Magic)).AsDouble() - Vector512.Create(MagicDouble + 1022);
        var f = (bits - (u & Vector512.Create(ExponentMask)) + Vector512.Create(HalfBits)).AsDouble() - Vector512<double>.One;

        var s = f / (Vector512.Create(2.0) + f);
        var z = s * s;
        var w = z * z;
        var t1 = w * (Vector512.Create(Lg2) + (w * (Vector512.Create(Lg4) + (w * Vector512.Create(Lg6)))));
        var t2 = z * (Vector512.Create(Lg1) + (w * (Vector512.Create(Lg3) + (w * (Vector512.Create(Lg5) + (w * Vector512.Create(Lg7)))))));
        var r = t2 + t1;
        var hfsq = Vector512.Create(0.5) * f * f;
        return (dk * Vector512.Create(Ln2Hi)) - ((hfsq - ((s * (hfsq + r)) + (dk * Vector512.Create(Ln2Lo)))) - f);
    }

    /// <summary>ln x per lane, the same bits as <see cref="Log(double)"/> on each lane: the 256-bit twin of
    /// <see cref="Log(Vector512{double})"/>, operation for operation (AVX2 machines without AVX-512).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Log(Vector256<double> x)
    {
        Reduce(x, out var f, out var dk);
        var s = Ratio(f);
        return Combine(f, s, Polynomial(s), dk);
    }

    /// <summary>ln a and ln b per lane, the bits of <see cref="Log(Vector256{double})"/>, the two evaluations interleaved
    /// step by step (the 256-bit grid form: two independent chains next to each other in program order let the core
    /// overlap their latencies, twelfth session).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Log(Vector256<double> a, Vector256<double> b, out Vector256<double> logA, out Vector256<double> logB)
    {
        Reduce(a, out var fa, out var ka);
        Reduce(b, out var fb, out var kb);
        var sa = Ratio(fa);
        var sb = Ratio(fb);
        var ra = Polynomial(sa);
        var rb = Polynomial(sb);
        logA = Combine(fa, sa, ra, ka);
        logB = Combine(fb, sb, rb, kb);
    }

    /// <summary>ln a, ln b and ln c per lane, interleaved as <see cref="Log(Vector256{double}, Vector256{double}, out
    /// Vector256{double}, out Vector256{double})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Log(Vector256<double> a, Vector256<double> b, Vector256<double> c, out Vector256<double> logA, out Vector256<double> logB, out Vector256<double> logC)
    {
        Reduce(a, out var fa, out var ka);
        Reduce(b, out var fb, out var kb);
        Reduce(c, out var fc, out var kc);
        var sa = Ratio(fa);
        var sb = Ratio(fb);
        var sc = Ratio(fc);
        var ra = Polynomial(sa);
        var rb = Polynomial(sb);
        var rc = Polynomial(sc);
        logA = Combine(fa, sa, ra, ka);
        logB = Combine(fb, sb, rb, kb);
        logC = Combine(fc, sc, rc, kc);
    }

    /// <summary>x = 2^k·(1 + f) with 1 + f in [√2/2, √2): f and k (as a double), as in <see cref="Log(Vector512{double})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce(Vector256<double> x, out Vector256<double> f, out Vector256<double> dk)
    {
        var bits = x.AsUInt64();
        var u = bits - Vector256.Create(Sqrt2Mantissa);
        dk = ((u >> 52) | Vector256.Create(Magic)).AsDouble() - Vector256.Create(MagicDouble + 1022);
        f = (bits - (u & Vector256.Create(ExponentMask)) + Vector256.Create(HalfBits)).AsDouble() - Vector256<double>.One;
    }

    /// <summary>s = f/(2 + f).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Ratio(Vector256<double> f) => f / (Vector256.Create(2.0) + f);

    /// <summary>fdlibm's R(s²) = t2 + t1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Polynomial(Vector256<double> s)
    {
        var z = s * s;
        var w = z * z;
        var t1 = w * (Vector256.Create(Lg2) + (w * (Vector256.Create(Lg4) + (w * Vector256.Create(Lg6)))));
        var t2 = z * (Vector256.Create(Lg1) + (w * (Vector256.Create(Lg3) + (w * (Vector256.Create(Lg5) + (w * Vector256.Create(Lg7)))))));
        return t2 + t1;
    }

    /// <summary>k·ln2_hi + (ln(1 + f) + k·ln2_lo) from f, s and R.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Combine(Vector256<double> f, Vector256<double> s, Vector256<double> r, Vector256<double> dk)
    {
        var hfsq = Vector256.Create(0.5) * f * f;
        return (dk * Vector256.Create(Ln2Hi)) - ((hfsq - ((s * (hfsq + r)) + (dk * Vector256.Create(Ln2Lo)))) - f);
    }

    /// <summary>e^x for a finite x ≤ 0 (below <see cref="ExpFloor"/>: e^<see cref="ExpFloor"/>; above 0: unspecified).</summary>
    /// <remarks>
    /// k = round-half-even(x/ln 2), r = x − k·ln2_hi − k·ln2_lo (|r| ≤ ln2/2, the product k·ln2_hi exact), e^r by fdlibm's
    /// rational form 1 − ((lo − r·c/(2 − c)) − hi) with c = r − r²·P(r²), then the exact scaling by 2^k built from
    /// the exponent bits (k ≥ −1010, so 2^k and the result are normal).
    /// </remarks>
    public static double Exp(double x)
    {
        x = Math.Max(x, ExpFloor);
        var k = Math.Round(x * InvLn2, MidpointRounding.ToEven);
        var hi = x - (k * Ln2Hi);
        var lo = k * Ln2Lo;
        var r = hi - lo;
        var t = r * r;
        var c = r - (t * (P1 + (t * (P2 + (t * (P3 + (t * (P4 + (t * P5)))))))));
        var y = 1.0 - ((lo - ((r * c) / (2.0 - c))) - hi);
        return y * BitConverter.UInt64BitsToDouble((ulong)((long)k + 1023) << 52);
    }

    /// <summary>e^x per lane, the same bits as <see cref="Exp(double)"/> on each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Exp(Vector512<double> x)
    {
        x = Vector512.Max(x, Vector512.Create(ExpFloor));
        var k = Vector512.Round(x * Vector512.Create(InvLn2));
        var hi = x - (k * Vector512.Create(Ln2Hi));
        var lo = k * Vector512.Create(Ln2Lo);
        var r = hi - lo;
        var t = r * r;
        var c = r - (t * (Vector512.Create(P1) + (t * (Vector512.Create(P2) + (t * (Vector512.Create(P3) + (t * (Vector512.Create(P4) + (t * Vector512.Create(P5))))))))));
        var y = Vector512<double>.One - ((lo - ((r * c) / (Vector512.Create(2.0) - c))) - hi);
        // 2^k from the bits of k + 1023 (an integer in 13..1023) held in the low mantissa bits of 2^52 + k + 1023,
        // shifted into the exponent field: no double → int64 conversion (none on AVX2). Exact.
        var scale = ((k + Vector512.Create(MagicDouble + 1023)).AsUInt64() << 52).AsDouble();
        return y * scale;
    }

    /// <summary>e^x per lane, the same bits as <see cref="Exp(double)"/> on each lane: the 256-bit twin of
    /// <see cref="Exp(Vector512{double})"/>, operation for operation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Exp(Vector256<double> x)
    {
        x = Vector256.Max(x, Vector256.Create(ExpFloor));
        var k = Vector256.Round(x * Vector256.Create(InvLn2));
        var hi = x - (k * Vector256.Create(Ln2Hi));
        var lo = k * Vector256.Create(Ln2Lo);
        var r = hi - lo;
        var t = r * r;
        var c = r - (t * (Vector256.Create(P1) + (t * (Vector256.Create(P2) + (t * (Vector256.Create(P3) + (t * (Vector256.Create(P4) + (t * Vector256.Create(P5))))))))));
        var y = Vector256<double>.One - ((lo - ((r * c) / (Vector256.Create(2.0) - c))) - hi);
        var scale = ((k + Vector256.Create(MagicDouble + 1023)).AsUInt64() << 52).AsDouble();
        return y * scale;
    }
}
