using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

/// <summary>
/// A key's evidence about its dispersion φ (issue 15): the 24 discounted log-likelihood sums of
/// <see cref="GridLikelihood"/>, kept relative to their maximum and stored as unsigned 16-bit fixed point,
/// q_k = round(−(sum_k − max)·1024): 0 at the most likely point, 1/1024 nats per step, at most 65535 (63.999 nats
/// below the maximum: a posterior weight of e^−64 ≈ 1.6e−28, nothing). 48 bytes per key. Used by the model with <c>DispersionGrid</c> (the population model, the default) (<c>BaselineModel.Grid.cs</c>).
/// <para>
/// <b>Update</b> (<see cref="GridEvidenceMath.Update"/>): decode (q·(−1/1024), exact), discount, add the bucket's
/// log-likelihoods (computed in double), subtract the new maximum, round to nearest (ties to even) and clamp at 65535.
/// The state is a deterministic function of the key's own buckets, the same bits on every machine.
/// </para>
/// <para>
/// <b>Error against a double-precision run.</b> Each update rounds by at most 1/2048 nats per point; the 0.99 discount
/// shrinks old errors, so the error is a damped random walk: ≈ 0.002 nats typically and, measured by the ninth session
/// over 24 million point-buckets, at most 0.013 nats (the tests hold 0.02 over long streams).
/// </para>
/// <para>
/// <b>The clamp.</b> A point more than 64 nats below the maximum is stored at 65535, i.e. raised to −63.999: the clamp
/// only ever errs toward that point (its stored sum is never below the exact one by more than the rounding), and the
/// excess then decays with the discount (×0.99 per update). A point clamped deep (say at −200 nats) that the data
/// later favour again comes back into the posterior's range (above ≈ −20 nats) too high by up to about a nat (the
/// ninth session saw 1.1 nats in 149 of 5.7 million clamped point-buckets). Raising the clamp would cost bits, not
/// fix the principle; the effect is a slightly faster forgetting of very strong evidence against a φ.
/// </para>
/// </summary>
[InlineArray(GridLikelihood.Size)]
internal struct GridEvidence
{
    private ushort _element;

    /// <summary>The state's size in bytes.</summary>
    public const int Bytes = 2 * GridLikelihood.Size;

    /// <summary>Whether the state is one that <see cref="GridEvidenceMath.Update"/> can produce: some point at 0 (the
    /// maximum). The all-zero state (no evidence yet, a flat likelihood) is one.</summary>
    public readonly bool IsNormalized
    {
        get
        {
            for (var k = 0; k < GridLikelihood.Size; k++)
            {
                if (this[k] == 0)
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>The update and the posterior of <see cref="GridEvidence"/>, in a 512-bit, a 256-bit and a scalar form that
/// give the same bits (see <see cref="GridLikelihood"/>); <see cref="Update"/> and <see cref="PosteriorMean"/> pick the
/// fastest the machine accelerates (<see cref="GridLikelihood.Form"/>).
/// <para>
/// <b>0 B per call.</b> Nothing here may allocate, in Release or Debug: the scratch of the scalar forms is
/// <c>stackalloc</c>, the grid values a static array exposed as a span (a collection expression of doubles returned as
/// a <see cref="ReadOnlySpan{T}"/> allocated 72 B per read in a Debug build of the library, which passed every Release
/// run and failed CI's Debug test run) and static readonly vectors, and the vector forms work on locals. The
/// steady-state allocation test of <c>GridEvidenceProperties</c> covers every form; run it in Debug too.
/// </para>
/// </summary>
internal static class GridEvidenceMath
{
    /// <summary>Fixed-point steps per nat.</summary>
    public const double StepsPerNat = 1024;

    /// <summary>The largest stored value (63.999 nats below the maximum).</summary>
    public const ushort Clamp = ushort.MaxValue;

    private const double Decode = -1 / StepsPerNat;

    /// <summary>Adds one bucket's evidence: sums ← keep·sums + log NB(x | m, φₑ(φ_k)), renormalized to maximum 0 and
    /// rounded back to 16 bits.</summary>
    /// <param name="evidence">The key's state (updated).</param>
    /// <param name="keep">The discount per informative bucket (e.g. 0.99), in [0, 1].</param>
    /// <param name="m">The bucket's expected count (&gt; 0).</param>
    /// <param name="x">The bucket's (winsorized) count (≥ 0).</param>
    /// <param name="n">The level's effective samples (≥ 1).</param>
    /// <param name="psi">The key's batch factor ψ (≥ 1, finite; 1 when its activities never share a timestamp): the
    /// evidence is that of the count in batches, x/ψ with mean m/ψ (<see cref="GridLikelihood"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">An input is outside its range (the state is unchanged).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(ref GridEvidence evidence, double keep, double m, int x, double n, double psi)
    {
        // JIT-time constants: one direct path remains.
        if (Vector512.IsHardwareAccelerated)
        {
            UpdateVector(ref evidence, keep, m, x, n, psi);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            UpdateVector256(ref evidence, keep, m, x, n, psi);
        }
        else
        {
            UpdateScalar(ref evidence, keep, m, x, n, psi);
        }
    }

    /// <summary>Refuses a discount outside [0, 1] (NaN included: it would turn every sum into 0, the key's evidence
    /// erased without a trace).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckKeep(double keep)
    {
        if (!(keep >= 0 && keep <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(keep), keep, "The discount must be in [0, 1].");
        }
    }

    /// <summary>The 512-bit form of <see cref="Update"/>.</summary>
    public static void UpdateVector(ref GridEvidence evidence, double keep, double m, int x, double n, double psi)
    {
        CheckKeep(keep);
        var l0 = GridLikelihood.Compute(m, x, n, psi, out var l1, out var l2);
        ref var q = ref evidence[0];
        var keepV = Vector512.Create(keep);
        var decode = Vector512.Create(Decode);
        var s0 = (keepV * (Load(ref q, 0) * decode)) + l0;
        var s1 = (keepV * (Load(ref q, 8) * decode)) + l1;
        var s2 = (keepV * (Load(ref q, 16) * decode)) + l2;
        var max = Vector512.Create(GridLikelihood.Max(Vector512.Max(Vector512.Max(s0, s1), s2)));
        Store(s0 - max, ref q, 0);
        Store(s1 - max, ref q, 8);
        Store(s2 - max, ref q, 16);
    }

    /// <summary>The 256-bit form of <see cref="Update"/> (AVX2): six vectors of four points, operation for operation
    /// the 512-bit form's on each point.</summary>
    public static void UpdateVector256(ref GridEvidence evidence, double keep, double m, int x, double n, double psi)
    {
        CheckKeep(keep);
        var l0 = GridLikelihood.Compute256(m, x, n, psi, out var l1, out var l2, out var l3, out var l4, out var l5);
        ref var q = ref evidence[0];
        var keepV = Vector256.Create(keep);
        var decode = Vector256.Create(Decode);
        Load(ref q, 0, out var q0, out var q1);
        Load(ref q, 8, out var q2, out var q3);
        Load(ref q, 16, out var q4, out var q5);
        var s0 = (keepV * (q0 * decode)) + l0;
        var s1 = (keepV * (q1 * decode)) + l1;
        var s2 = (keepV * (q2 * decode)) + l2;
        var s3 = (keepV * (q3 * decode)) + l3;
        var s4 = (keepV * (q4 * decode)) + l4;
        var s5 = (keepV * (q5 * decode)) + l5;
        var max = Vector256.Create(Max(s0, s1, s2, s3, s4, s5));
        Store(s0 - max, s1 - max, ref q, 0);
        Store(s2 - max, s3 - max, ref q, 8);
        Store(s4 - max, s5 - max, ref q, 16);
    }

    /// <summary>The scalar form of <see cref="Update"/>.</summary>
    public static void UpdateScalar(ref GridEvidence evidence, double keep, double m, int x, double n, double psi)
    {
        CheckKeep(keep);

        // stackalloc, not an array: 0 B per update (the JIT zeroes or skips the 192 bytes on the stack).
        Span<double> s = stackalloc double[GridLikelihood.Size];
        GridLikelihood.ComputeScalar(m, x, n, psi, s);
        var max = double.NegativeInfinity;
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            s[k] = (keep * (evidence[k] * Decode)) + s[k];
            max = Math.Max(max, s[k]);
        }

        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            evidence[k] = (ushort)Math.Min(Clamp, Math.Round((s[k] - max) * -StepsPerNat));
        }
    }

    /// <summary>The sums in nats (≤ 0), decoded.</summary>
    public static void Decoded(in GridEvidence evidence, Span<double> sums)
    {
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            sums[k] = evidence[k] * Decode;
        }
    }

    /// <summary>Writes the posterior over the grid under the prior (log weights, any additive constant) and returns its
    /// mean φ̂.</summary>
    /// <param name="evidence">The key's state.</param>
    /// <param name="logPrior">The prior's 24 log weights.</param>
    /// <param name="posterior">Receives the 24 posterior probabilities.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double PosteriorMean(in GridEvidence evidence, ReadOnlySpan<double> logPrior, Span<double> posterior) =>
        Vector512.IsHardwareAccelerated ? PosteriorMeanVector(evidence, logPrior, posterior)
        : Vector256.IsHardwareAccelerated ? PosteriorMeanVector256(evidence, logPrior, posterior)
        : PosteriorMeanScalar(evidence, logPrior, posterior);

    /// <summary>The 512-bit form of <see cref="PosteriorMean"/>.</summary>
    public static double PosteriorMeanVector(in GridEvidence evidence, ReadOnlySpan<double> logPrior, Span<double> posterior)
    {
        var w = logPrior[..GridLikelihood.Size];
        var o = posterior[..GridLikelihood.Size];
        ref var q = ref Unsafe.AsRef(in evidence[0]);
        ref var wr = ref MemoryMarshal.GetReference(w);
        var decode = Vector512.Create(Decode);
        var p0 = (Load(ref q, 0) * decode) + Vector512.LoadUnsafe(ref wr, 0);
        var p1 = (Load(ref q, 8) * decode) + Vector512.LoadUnsafe(ref wr, 8);
        var p2 = (Load(ref q, 16) * decode) + Vector512.LoadUnsafe(ref wr, 16);
        var max = Vector512.Create(GridLikelihood.Max(Vector512.Max(Vector512.Max(p0, p1), p2)));
        p0 = ReproducibleMath.Exp(p0 - max);
        p1 = ReproducibleMath.Exp(p1 - max);
        p2 = ReproducibleMath.Exp(p2 - max);
        var inverse = 1 / GridLikelihood.Sum((p0 + p1) + p2);
        var (phi0, phi1, phi2) = GridLikelihood.VectorValues;
        var mean = GridLikelihood.Sum(((p0 * phi0) + (p1 * phi1)) + (p2 * phi2)) * inverse;
        var inverseV = Vector512.Create(inverse);
        ref var or = ref MemoryMarshal.GetReference(o);
        (p0 * inverseV).StoreUnsafe(ref or, 0);
        (p1 * inverseV).StoreUnsafe(ref or, 8);
        (p2 * inverseV).StoreUnsafe(ref or, 16);
        return mean;
    }

    /// <summary>The 256-bit form of <see cref="PosteriorMean"/>: the 512-bit form's lane sums (lane i of 8 holds points
    /// i, 8 + i and 16 + i) from the halves ((v0 + v2) + v4 for lanes 0–3, (v1 + v3) + v5 for lanes 4–7).</summary>
    public static double PosteriorMeanVector256(in GridEvidence evidence, ReadOnlySpan<double> logPrior, Span<double> posterior)
    {
        var w = logPrior[..GridLikelihood.Size];
        var o = posterior[..GridLikelihood.Size];
        ref var q = ref Unsafe.AsRef(in evidence[0]);
        ref var wr = ref MemoryMarshal.GetReference(w);
        var decode = Vector256.Create(Decode);
        Load(ref q, 0, out var p0, out var p1);
        Load(ref q, 8, out var p2, out var p3);
        Load(ref q, 16, out var p4, out var p5);
        p0 = (p0 * decode) + Vector256.LoadUnsafe(ref wr, 0);
        p1 = (p1 * decode) + Vector256.LoadUnsafe(ref wr, 4);
        p2 = (p2 * decode) + Vector256.LoadUnsafe(ref wr, 8);
        p3 = (p3 * decode) + Vector256.LoadUnsafe(ref wr, 12);
        p4 = (p4 * decode) + Vector256.LoadUnsafe(ref wr, 16);
        p5 = (p5 * decode) + Vector256.LoadUnsafe(ref wr, 20);
        var max = Vector256.Create(GridLikelihood.Max(Vector256.Max(Vector256.Max(Vector256.Max(p0, p1), Vector256.Max(p2, p3)), Vector256.Max(p4, p5))));
        p0 = ReproducibleMath.Exp(p0 - max);
        p1 = ReproducibleMath.Exp(p1 - max);
        p2 = ReproducibleMath.Exp(p2 - max);
        p3 = ReproducibleMath.Exp(p3 - max);
        p4 = ReproducibleMath.Exp(p4 - max);
        p5 = ReproducibleMath.Exp(p5 - max);
        var inverse = 1 / GridLikelihood.Sum((p0 + p2) + p4, (p1 + p3) + p5);
        var mean = GridLikelihood.Sum(
            ((p0 * GridLikelihood.QuarterValues(0)) + (p2 * GridLikelihood.QuarterValues(2))) + (p4 * GridLikelihood.QuarterValues(4)),
            ((p1 * GridLikelihood.QuarterValues(1)) + (p3 * GridLikelihood.QuarterValues(3))) + (p5 * GridLikelihood.QuarterValues(5))) * inverse;
        var inverseV = Vector256.Create(inverse);
        ref var or = ref MemoryMarshal.GetReference(o);
        (p0 * inverseV).StoreUnsafe(ref or, 0);
        (p1 * inverseV).StoreUnsafe(ref or, 4);
        (p2 * inverseV).StoreUnsafe(ref or, 8);
        (p3 * inverseV).StoreUnsafe(ref or, 12);
        (p4 * inverseV).StoreUnsafe(ref or, 16);
        (p5 * inverseV).StoreUnsafe(ref or, 20);
        return mean;
    }

    /// <summary>The scalar form of <see cref="PosteriorMean"/>.</summary>
    public static double PosteriorMeanScalar(in GridEvidence evidence, ReadOnlySpan<double> logPrior, Span<double> posterior)
    {
        var w = logPrior[..GridLikelihood.Size];
        var p = posterior[..GridLikelihood.Size];
        var max = double.NegativeInfinity;
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            p[k] = (evidence[k] * Decode) + w[k];
            max = Math.Max(max, p[k]);
        }

        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            p[k] = ReproducibleMath.Exp(p[k] - max);
        }

        // The lane sums of the vector form: lane i holds points i, 8 + i and 16 + i.
        var values = GridLikelihood.Values;
        Span<double> lanes = stackalloc double[8];
        Span<double> weighted = stackalloc double[8];
        for (var i = 0; i < 8; i++)
        {
            lanes[i] = (p[i] + p[8 + i]) + p[16 + i];
            weighted[i] = ((p[i] * values[i]) + (p[8 + i] * values[8 + i])) + (p[16 + i] * values[16 + i]);
        }

        var inverse = 1 / GridLikelihood.Sum(lanes);
        var mean = GridLikelihood.Sum(weighted) * inverse;
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            p[k] *= inverse;
        }

        return mean;
    }

    /// <summary>Eight 16-bit values as doubles (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Load(ref ushort q, int offset)
    {
        var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref q, (nuint)offset));
        var (a, b) = Vector256.Widen(Vector256.Create(lo, hi));

        // No uint64 → double conversion (AVX2 has none): 2^52 + q from the bits, minus 2^52. Exact.
        var magic = Vector512.Create(ReproducibleMath.Magic);
        return (Vector512.Create(a, b) | magic).AsDouble() - Vector512.Create(ReproducibleMath.MagicDouble);
    }

    /// <summary>Eight sums (≤ 0) as min(65535, round(−sum·1024)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<double> sums, ref ushort q, int offset)
    {
        var scaled = Vector512.Min(Vector512.Create((double)Clamp), Vector512.Round(sums * Vector512.Create(-StepsPerNat)));
        // No double → uint64 conversion (AVX2 has none): the integral 0 ≤ q ≤ 65535 added to 2^52 lies in the low
        // mantissa bits (exact); the masked bits are q.
        var integers = (scaled + Vector512.Create(ReproducibleMath.MagicDouble)).AsUInt64() & Vector512.Create(0xFFFFUL);
        if (Avx512F.IsSupported)
        {
            Avx512F.ConvertToVector128UInt16(integers).StoreUnsafe(ref q, (nuint)offset);
            return;
        }

        // Values are at most 65535, so the truncating narrowings are exact.
        var words = Vector256.Narrow(integers.GetLower(), integers.GetUpper());
        Vector128.Narrow(words.GetLower(), words.GetUpper()).StoreUnsafe(ref q, (nuint)offset);
    }

    /// <summary>Eight 16-bit values as two 256-bit vectors of doubles (exact). With AVX2: zero-extended to 32-bit integers
    /// and converted (<c>vpmovzxwd</c>, <c>vcvtdq2pd</c>; exact, the same values); else the 2^52 conversion as above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Load(ref ushort q, int offset, out Vector256<double> lower, out Vector256<double> upper)
    {
        var words = Vector128.LoadUnsafe(ref q, (nuint)offset);
        if (Avx2.IsSupported)
        {
            lower = Avx.ConvertToVector256Double(Sse41.ConvertToVector128Int32(words));
            upper = Avx.ConvertToVector256Double(Sse41.ConvertToVector128Int32(Sse2.ShiftRightLogical128BitLane(words, 8)));
            return;
        }

        var (lo, hi) = Vector128.Widen(words);
        var (a, b) = Vector256.Widen(Vector256.Create(lo, hi));
        var magic = Vector256.Create(ReproducibleMath.Magic);
        var magicDouble = Vector256.Create(ReproducibleMath.MagicDouble);
        lower = (a | magic).AsDouble() - magicDouble;
        upper = (b | magic).AsDouble() - magicDouble;
    }

    /// <summary>Eight sums (≤ 0) held as two 256-bit vectors as min(65535, round(−sum·1024)). With AVX2: the minimum
    /// as the instruction (<c>vminpd</c>; the operands are numbers, where it agrees with
    /// <see cref="Vector256.Min{T}(Vector256{T}, Vector256{T})"/>, −0 included: both give the −0 of a point at the
    /// maximum), the integral values (0 … 65535, or −0) converted to 32-bit integers (<c>vcvtpd2dq</c>, exact) and packed
    /// to 16 bits (<c>vpackusdw</c>; in range, so exact); else the 2^52 conversion and narrowing as above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<double> lower, Vector256<double> upper, ref ushort q, int offset)
    {
        var clamp = Vector256.Create((double)Clamp);
        var scale = Vector256.Create(-StepsPerNat);
        if (Avx2.IsSupported)
        {
            // The clamp first: vminpd returns its second operand when one is NaN, so a NaN (unreachable: validated inputs keep
            // the sums finite) would convert to 0x80000000 and pack to 0, as the other paths store it, not to 65535.
            var low = Avx.ConvertToVector128Int32(Avx.Min(clamp, Vector256.Round(lower * scale)));
            var high = Avx.ConvertToVector128Int32(Avx.Min(clamp, Vector256.Round(upper * scale)));
            Sse41.PackUnsignedSaturate(low, high).StoreUnsafe(ref q, (nuint)offset);
            return;
        }

        var magic = Vector256.Create(ReproducibleMath.MagicDouble);
        var mask = Vector256.Create(0xFFFFUL);
        var a = (Vector256.Min(clamp, Vector256.Round(lower * scale)) + magic).AsUInt64() & mask;
        var b = (Vector256.Min(clamp, Vector256.Round(upper * scale)) + magic).AsUInt64() & mask;

        // Values are at most 65535, so the truncating narrowings are exact.
        var words = Vector256.Narrow(a, b);
        Vector128.Narrow(words.GetLower(), words.GetUpper()).StoreUnsafe(ref q, (nuint)offset);
    }

    /// <summary>The largest of the 24 sums. With AVX: <c>vmaxpd</c> (the sums are numbers: no NaN; of a +0 and a −0 it
    /// may return either, and the result is only subtracted from the sums, where s − (+0) and s − (−0) round to the same
    /// stored value), else .NET's IEEE maximum (<see cref="GridLikelihood.Max(Vector256{double})"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Max(Vector256<double> s0, Vector256<double> s1, Vector256<double> s2, Vector256<double> s3, Vector256<double> s4, Vector256<double> s5)
    {
        if (Avx.IsSupported)
        {
            var a = Avx.Max(Avx.Max(Avx.Max(s0, s1), Avx.Max(s2, s3)), Avx.Max(s4, s5));
            var b = Sse2.Max(a.GetLower(), a.GetUpper());
            return Sse2.MaxScalar(b, Sse2.UnpackHigh(b, b)).ToScalar();
        }

        return GridLikelihood.Max(Vector256.Max(Vector256.Max(Vector256.Max(s0, s1), Vector256.Max(s2, s3)), Vector256.Max(s4, s5)));
    }
}
