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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> Log(Vector512<double> x)
    {
        var bits = x.AsUInt64();

        // k as a double without an int64 → double conversion (AVX2 has none, .NET would emulate it element by
        // element): the exponent field placed in the low bits of 2^52's mantissa, minus 2^52 + 1023. Exact.
        var dk = ((bits >> 52) | Vector512.Create(Magic)).AsDouble() - Vector512.Create(MagicDouble + 1023);
        var y = ((bits & Vector512.Create(MantissaMask)) | Vector512.Create(OneBits)).AsDouble();
        var high = Vector512.GreaterThanOrEqual(y, Vector512.Create(Sqrt2));
        y = Vector512.ConditionalSelect(high, y * Vector512.Create(0.5), y);
        dk = Vector512.ConditionalSelect(high, dk + Vector512<double>.One, dk);
        var f = y - Vector512<double>.One;

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
        var bits = x.AsUInt64();
        var dk = ((bits >> 52) | Vector256.Create(Magic)).AsDouble() - Vector256.Create(MagicDouble + 1023);
        var y = ((bits & Vector256.Create(MantissaMask)) | Vector256.Create(OneBits)).AsDouble();
        var high = Vector256.GreaterThanOrEqual(y, Vector256.Create(Sqrt2));
        y = Vector256.ConditionalSelect(high, y * Vector256.Create(0.5), y);
        dk = Vector256.ConditionalSelect(high, dk + Vector256<double>.One, dk);
        var f = y - Vector256<double>.One;

        var s = f / (Vector256.Create(2.0) + f);
        var z = s * s;
        var w = z * z;
        var t1 = w * (Vector256.Create(Lg2) + (w * (Vector256.Create(Lg4) + (w * Vector256.Create(Lg6)))));
        var t2 = z * (Vector256.Create(Lg1) + (w * (Vector256.Create(Lg3) + (w * (Vector256.Create(Lg5) + (w * Vector256.Create(Lg7)))))));
        var r = t2 + t1;
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
