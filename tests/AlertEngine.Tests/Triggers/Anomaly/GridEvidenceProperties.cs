using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// Issue 15's per-key grid evidence (24 sums in 16-bit fixed point): the 512-bit, 256-bit and scalar forms give the
/// same bits, the state tracks a double-precision run of the reference within 0.02 nats (with and without batches, ψ),
/// the clamp at 64 nats errs only toward the clamped point, the posterior mean stays within the bound that error
/// implies, a checkpoint at a random cut changes nothing, and the steady state allocates nothing.
/// </summary>
public class GridEvidenceProperties
{
    private const double Keep = 0.99;

    private static Arbitrary<int> Seeds() => Arb.From(Gen.Choose(0, int.MaxValue));

    private static GridEvidence RandomEvidence(Random random)
    {
        var e = default(GridEvidence);
        var top = random.Next(GridReference.Size);
        for (var k = 0; k < GridReference.Size; k++)
        {
            e[k] = k == top ? (ushort)0 : (ushort)(random.Next(4) == 0 ? 65535 : random.Next(65536));
        }

        return e;
    }

    private static double[] RandomLogPrior(Random random)
    {
        var w = new double[GridReference.Size];
        for (var k = 0; k < GridReference.Size; k++)
        {
            w[k] = random.Next(3) == 0 ? 0 : Math.Log(0.001 + random.NextDouble());
        }

        return w;
    }

    private static bool Same(in GridEvidence a, in GridEvidence b)
    {
        for (var k = 0; k < GridReference.Size; k++)
        {
            if (a[k] != b[k])
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 100)]
    public Property The_update_and_the_posterior_are_the_same_in_all_forms() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var pv = new double[GridReference.Size];
            var ph = new double[GridReference.Size];
            var ps = new double[GridReference.Size];
            for (var c = 0; c < 300; c++)
            {
                var a = RandomEvidence(random);
                var b = a;
                var h = a;
                var phi = GridReference.Value(random.Next(GridReference.Size));
                var psi = GridReference.BatchFactor(random);
                var (m, x, n) = GridReference.BatchedBucket(random, phi, psi);
                var keep = random.Next(2) == 0 ? Keep : random.NextDouble();
                GridEvidenceMath.UpdateVector(ref a, keep, m, x, n, psi);
                GridEvidenceMath.UpdateVector256(ref h, keep, m, x, n, psi);
                GridEvidenceMath.UpdateScalar(ref b, keep, m, x, n, psi);
                if (!Same(a, b) || !Same(h, b))
                {
                    return false.Label($"update m {m:R}, x {x}, n {n:R}, ψ {psi:R}, keep {keep:R}");
                }

                var prior = RandomLogPrior(random);
                var mv = GridEvidenceMath.PosteriorMeanVector(a, prior, pv);
                var mh = GridEvidenceMath.PosteriorMeanVector256(a, prior, ph);
                var ms = GridEvidenceMath.PosteriorMeanScalar(a, prior, ps);
                if (BitConverter.DoubleToInt64Bits(mv) != BitConverter.DoubleToInt64Bits(ms) || BitConverter.DoubleToInt64Bits(mh) != BitConverter.DoubleToInt64Bits(ms)
                    || !pv.AsSpan().SequenceEqual(ps) || !ph.AsSpan().SequenceEqual(ps))
                {
                    return false.Label($"posterior: mean 512-bit {mv:R}, 256-bit {mh:R}, scalar {ms:R}");
                }
            }

            return true.ToProperty();
        });

    /// <summary>
    /// 2,000 buckets per key at a random true φ. Where the double run never went below −64 nats (no clamp), the 16-bit
    /// sums stay within 0.02 nats of it at every bucket. Everywhere the stored sum is at least the double one minus
    /// 0.02 (the clamp raises a point, never lowers it). The posterior mean under a random prior is within the bound
    /// the sums' error implies: a log weight off by at most δ moves the mean by a factor within e^(±2δ) (points below
    /// −50 nats weigh less than e^−50 and are left out of δ).
    /// </summary>
    [Property(MaxTest = 40)]
    public Property The_16_bit_sums_stay_within_0_02_nats_of_a_double_run_and_the_clamp_errs_toward_the_point() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var phi = GridReference.Value(random.Next(GridReference.Size));
            var psi = GridReference.BatchFactor(random);
            var stream = Batched(GridReference.Stream(random, phi, 2000), psi);
            var exact = new double[GridReference.Size];
            var everClamped = new bool[GridReference.Size];
            var decoded = new double[GridReference.Size];
            var posterior = new double[GridReference.Size];
            var reference = new double[GridReference.Size];
            var prior = RandomLogPrior(random);
            var state = default(GridEvidence);
            double worst = 0, worstMean = 0;
            for (var i = 0; i < stream.Length; i++)
            {
                var (m, x, n) = stream[i];
                GridReference.Add(exact, Keep, m, x, n, psi);
                GridEvidenceMath.Update(ref state, Keep, m, x, n, psi);
                GridEvidenceMath.Decoded(state, decoded);
                double delta = 0;
                for (var k = 0; k < GridReference.Size; k++)
                {
                    everClamped[k] |= exact[k] < -64 + 0.02;
                    var error = decoded[k] - exact[k];
                    if (error < -0.02)
                    {
                        return false.Label($"bucket {i}, point {k}: stored {decoded[k]:R} below the exact {exact[k]:R} by more than 0.02");
                    }

                    if (!everClamped[k])
                    {
                        worst = Math.Max(worst, Math.Abs(error));
                        if (Math.Abs(error) > 0.02)
                        {
                            return false.Label($"bucket {i}, point {k}: stored {decoded[k]:R}, exact {exact[k]:R}");
                        }
                    }

                    if (exact[k] >= -50)
                    {
                        delta = Math.Max(delta, Math.Abs(error));
                    }
                }

                var mean = GridEvidenceMath.PosteriorMean(state, prior, posterior);
                var meanReference = GridReference.PosteriorMean(exact, prior, reference);
                var logRatio = Math.Abs(Math.Log(mean / meanReference));
                worstMean = Math.Max(worstMean, logRatio);
                if (logRatio > (2 * delta) + 1e-9)
                {
                    return false.Label($"bucket {i}: mean {mean:R}, reference {meanReference:R}, δ {delta:R}");
                }
            }

            return true.Label($"ψ {psi:R}: largest error {worst:R} nats, largest |ln mean ratio| {worstMean:R}");
        });

    /// <summary>A key's stream in batches of ψ: each count in batches times ψ (rounded), the mean times ψ.</summary>
    private static (double M, int X, double N)[] Batched((double M, int X, double N)[] stream, double psi)
    {
        var batched = new (double M, int X, double N)[stream.Length];
        for (var i = 0; i < stream.Length; i++)
        {
            batched[i] = (stream[i].M * psi, (int)Math.Round(stream[i].X * psi), stream[i].N);
        }

        return batched;
    }

    [Theory]
    [InlineData(double.NaN, 10.0, 1.0, "keep")]
    [InlineData(-0.5, 10.0, 1.0, "keep")]
    [InlineData(1.01, 10.0, 1.0, "keep")]
    [InlineData(0.99, double.Epsilon, 1.0, "m")]
    [InlineData(0.99, 0.0005, 1.0, "m")]
    [InlineData(0.99, double.NaN, 1.0, "m")]
    [InlineData(0.99, 10.0, 0.5, "psi")]
    [InlineData(0.99, 10.0, double.NaN, "psi")]
    [InlineData(0.99, 10.0, double.PositiveInfinity, "psi")]
    [InlineData(0.99, 0.5, 600.0, "m")]
    public void An_update_with_a_bad_discount_expected_count_or_batch_factor_is_refused_and_changes_nothing(double keep, double m, double psi, string name)
    {
        var random = new Random(7);
        var before = RandomEvidence(random);
        var vector = before;
        var vector256 = before;
        var scalar = before;
        var dispatched = before;

        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => GridEvidenceMath.UpdateScalar(ref scalar, keep, m, 3, 5, psi)).ParamName);
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => GridEvidenceMath.UpdateVector(ref vector, keep, m, 3, 5, psi)).ParamName);
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => GridEvidenceMath.UpdateVector256(ref vector256, keep, m, 3, 5, psi)).ParamName);
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => GridEvidenceMath.Update(ref dispatched, keep, m, 3, 5, psi)).ParamName);
        Assert.True(Same(before, scalar) && Same(before, vector) && Same(before, vector256) && Same(before, dispatched));

        // The smallest accepted inputs pass.
        GridEvidenceMath.UpdateScalar(ref scalar, 0.99, GridLikelihood.MinExpected, 0, 1, 1);
        GridEvidenceMath.UpdateScalar(ref scalar, 0.99, 3 * GridLikelihood.MinExpected, 1, 1, 3);
    }

    [Fact]
    public void A_point_far_below_the_maximum_is_clamped_at_65535_and_its_excess_decays_with_the_discount()
    {
        // Counts of 0 at m = 40 make large φ likely and small φ very unlikely: φ = 0.025 falls far below 64 nats.
        var state = default(GridEvidence);
        var exact = new double[GridReference.Size];
        for (var i = 0; i < 200; i++)
        {
            GridEvidenceMath.Update(ref state, Keep, 40, 0, 100, 1);
            GridReference.Add(exact, Keep, 40, 0, 100);
        }

        Assert.True(exact[0] < -200, $"exact {exact[0]}");
        Assert.Equal(GridEvidenceMath.Clamp, state[0]);
        Assert.Equal(0, state[GridReference.Size - 1]);

        // The data turn: counts at the mean for a long time. The clamped point comes back above −20 nats too high
        // (never too low), by at most its clamp excess times the discount's decay (plus the rounding).
        var decoded = new double[GridReference.Size];
        var cameBack = false;
        for (var i = 0; i < 2000; i++)
        {
            GridEvidenceMath.Update(ref state, Keep, 40, 40, 100, 1);
            GridReference.Add(exact, Keep, 40, 40, 100);
            GridEvidenceMath.Decoded(state, decoded);
            Assert.True(decoded[0] >= exact[0] - 0.02, $"bucket {i}: stored {decoded[0]}, exact {exact[0]}");
            cameBack |= decoded[0] > -20;
        }

        Assert.True(cameBack);
        Assert.True(Math.Abs(decoded[0] - exact[0]) <= 0.02, $"after 2,000 buckets the excess has decayed: stored {decoded[0]}, exact {exact[0]}");
    }

    [Property(MaxTest = 50)]
    public Property A_checkpoint_at_a_random_cut_continues_bit_for_bit() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var psi = GridReference.BatchFactor(random);
            var stream = Batched(GridReference.Stream(random, GridReference.Value(random.Next(GridReference.Size)), 300), psi);
            var cut = random.Next(stream.Length + 1);
            var straight = default(GridEvidence);
            var restarted = default(GridEvidence);
            for (var i = 0; i < stream.Length; i++)
            {
                if (i == cut)
                {
                    using var writer = new CheckpointWriter();
                    GridCheckpoint.Write(writer, restarted);
                    var reader = new CheckpointReader(writer.Written.ToArray());
                    restarted = GridCheckpoint.ReadEvidence(reader);
                    if (!reader.AtEnd)
                    {
                        return false.Label("record not read to its end");
                    }
                }

                var (m, x, n) = stream[i];
                GridEvidenceMath.Update(ref straight, Keep, m, x, n, psi);
                GridEvidenceMath.Update(ref restarted, Keep, m, x, n, psi);
            }

            return Same(straight, restarted).Label($"cut at {cut}");
        });

    [Fact]
    public void Evidence_with_no_point_at_the_maximum_is_rejected_on_read()
    {
        var e = default(GridEvidence);
        for (var k = 0; k < GridReference.Size; k++)
        {
            e[k] = 7;
        }

        using var writer = new CheckpointWriter();
        GridCheckpoint.Write(writer, e);
        var error = Assert.Throws<InvalidDataException>(() => GridCheckpoint.ReadEvidence(new CheckpointReader(writer.Written.ToArray())));
        Assert.StartsWith("Corrupt checkpoint: grid evidence has no grid point at the maximum", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => GridCheckpoint.ReadEvidence(new CheckpointReader(writer.Written[..47].ToArray())));
    }

    /// <summary>The digest of every state and posterior mean over a fixed stream whose inputs come from integer
    /// arithmetic only (no C runtime function), of the log-likelihoods in both forms (the 16-bit rounding alone would
    /// absorb most last-bit differences), and of the EM step from their totals. Pinned: a machine, an instruction
    /// set (AVX-512, AVX2, none) or a runtime that computes a different bit anywhere fails here. Measured equal with
    /// AVX-512, with <c>DOTNET_EnableAVX512=0</c> (.NET 10's switch; <c>DOTNET_EnableAVX512F=0</c> no longer turns
    /// AVX-512 off), <c>DOTNET_EnableAVX2=0</c> (no FMA either) and <c>DOTNET_EnableHWIntrinsic=0</c>. Unchanged by
    /// the 256-bit form and the batch factor (ψ = 1 here), so with <c>DOTNET_EnableAVX512=0</c> the dispatched update and
    /// posterior (the 256-bit forms there) give these bits too: run
    /// <c>DOTNET_EnableAVX512=0 GRID_EXPECT_FORM=Vector256 dotnet run --project tests/AlertEngine.Tests --no-build -- -class '*Grid*'</c>,
    /// likewise <c>DOTNET_EnableAVX2=0</c> / <c>DOTNET_EnableHWIntrinsic=0</c> with <c>GRID_EXPECT_FORM=Scalar</c>
    /// (<c>GridLikelihoodProperties.The_dispatch_picks_the_widest_accelerated_form</c> checks the form).</summary>
    [Fact]
    public void A_fixed_stream_gives_the_pinned_bits_on_every_machine()
    {
        var random = new Random(2026);
        var keys = new GridEvidence[40];
        var prior = GridPrior.Uniform;
        var posterior = new double[GridReference.Size];
        var likelihoods = new double[GridReference.Size];
        var scalar = new double[GridReference.Size];
        var digest = 14695981039346656037UL;
        void Mix(ulong value) => digest = (digest ^ value) * 1099511628211UL;
        for (var day = 0; day < 5; day++)
        {
            var totals = new GridPriorTotals();
            foreach (var key in keys)
            {
                GridEvidenceMath.PosteriorMean(key, prior.LogWeights, posterior);
                totals.Add(posterior);
            }

            prior = GridPrior.Estimate(totals, GridPrior.Next(prior.Number), day)!;
            foreach (var w in prior.LogWeights)
            {
                Mix(BitConverter.DoubleToUInt64Bits(w));
            }

            for (var b = 0; b < 100; b++)
            {
                for (var i = 0; i < keys.Length; i++)
                {
                    var m = 2 + (random.Next(100_000) / 25.0);
                    var x = random.Next(4) == 0 ? random.Next(70) : random.Next((int)(3 * m) + 1);
                    var n = 1 + (random.Next(30_000) / 100.0);
                    GridLikelihood.ComputeVector(m, x, n, 1, likelihoods);
                    GridLikelihood.ComputeScalar(m, x, n, 1, scalar);
                    for (var k = 0; k < GridReference.Size; k++)
                    {
                        Mix(BitConverter.DoubleToUInt64Bits(likelihoods[k]) ^ (BitConverter.DoubleToUInt64Bits(scalar[k]) << 1));
                    }

                    GridEvidenceMath.Update(ref keys[i], Keep, m, x, n, 1);
                    Mix(BitConverter.DoubleToUInt64Bits(GridEvidenceMath.PosteriorMean(keys[i], prior.LogWeights, posterior)));
                    for (var k = 0; k < GridReference.Size; k++)
                    {
                        Mix(keys[i][k]);
                    }
                }
            }
        }

        Assert.Equal(PinnedDigest, digest);
    }

    private const ulong PinnedDigest = 1128403477679569901;

    /// <summary>The pinned digest's twin with batches: each key has a batch factor from integer arithmetic (a third
    /// 1, a third 3 with counts that are multiples of 3, a third 1.00–5.99 with x/ψ not an integer in general, the
    /// continuous path), and the log-likelihoods of all three forms enter the digest; the dispatched update is checked
    /// against the other forms at every bucket. Equal with AVX-512, <c>DOTNET_EnableAVX512=0</c>,
    /// <c>DOTNET_EnableAVX2=0</c> and <c>DOTNET_EnableHWIntrinsic=0</c>.</summary>
    [Fact]
    public void A_fixed_stream_in_batches_gives_the_pinned_bits_on_every_machine()
    {
        var random = new Random(2027);
        var keys = new GridEvidence[30];
        var psis = new double[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            psis[i] = (i % 3) switch { 0 => 1, 1 => 3, _ => 1 + (random.Next(500) / 100.0) };
        }

        var prior = GridPrior.Uniform;
        var posterior = new double[GridReference.Size];
        var l512 = new double[GridReference.Size];
        var l256 = new double[GridReference.Size];
        var scalar = new double[GridReference.Size];
        var digest = 14695981039346656037UL;
        void Mix(ulong value) => digest = (digest ^ value) * 1099511628211UL;
        var continuous = 0;
        for (var day = 0; day < 4; day++)
        {
            var totals = new GridPriorTotals();
            foreach (var key in keys)
            {
                GridEvidenceMath.PosteriorMean(key, prior.LogWeights, posterior);
                totals.Add(posterior);
            }

            prior = GridPrior.Estimate(totals, GridPrior.Next(prior.Number), day)!;
            for (var b = 0; b < 60; b++)
            {
                for (var i = 0; i < keys.Length; i++)
                {
                    var psi = psis[i];
                    var m = psi * (2 + (random.Next(100_000) / 25.0));
                    var x = random.Next(4) == 0 ? random.Next(200) : random.Next((int)(3 * m) + 1);
                    if (psi == 3)
                    {
                        x -= x % 3;
                    }

                    continuous += x / psi != Math.Floor(x / psi) ? 1 : 0;
                    var n = 1 + (random.Next(30_000) / 100.0);
                    GridLikelihood.ComputeVector(m, x, n, psi, l512);
                    GridLikelihood.ComputeVector256(m, x, n, psi, l256);
                    GridLikelihood.ComputeScalar(m, x, n, psi, scalar);
                    for (var k = 0; k < GridReference.Size; k++)
                    {
                        Mix(BitConverter.DoubleToUInt64Bits(l512[k]) ^ (BitConverter.DoubleToUInt64Bits(l256[k]) << 1) ^ (BitConverter.DoubleToUInt64Bits(scalar[k]) << 2));
                    }

                    var v512 = keys[i];
                    var v256 = keys[i];
                    var s = keys[i];
                    GridEvidenceMath.UpdateVector(ref v512, Keep, m, x, n, psi);
                    GridEvidenceMath.UpdateVector256(ref v256, Keep, m, x, n, psi);
                    GridEvidenceMath.UpdateScalar(ref s, Keep, m, x, n, psi);
                    GridEvidenceMath.Update(ref keys[i], Keep, m, x, n, psi);
                    Assert.True(Same(keys[i], v512) && Same(keys[i], v256) && Same(keys[i], s), $"day {day}, bucket {b}, key {i}");
                    Mix(BitConverter.DoubleToUInt64Bits(GridEvidenceMath.PosteriorMean(keys[i], prior.LogWeights, posterior)));
                    for (var k = 0; k < GridReference.Size; k++)
                    {
                        Mix(keys[i][k]);
                    }
                }
            }
        }

        Assert.True(continuous > 1000, $"{continuous} buckets on the continuous path");
        Assert.Equal(PinnedBatchDigest, digest);
    }

    private const ulong PinnedBatchDigest = 5202485083498449651;

    [Fact]
    public void The_update_and_the_posterior_allocate_nothing_in_steady_state()
    {
        // Every form (the dispatched one, 512-bit, 256-bit, scalar) and both likelihood paths for batches (ψ = 3 with
        // multiples of 3: integer; ψ = 2.5: mostly continuous). Run in Debug too (CI tests Debug; see GridEvidenceMath).
        var random = new Random(15);
        var buckets = GridReference.Stream(random, 0.3, 1024);
        var prior = RandomLogPrior(random);
        var posterior = new double[GridReference.Size];
        var state = default(GridEvidence);
        double sink = 0;
        void Run(int operations)
        {
            for (var i = 0; i < operations; i++)
            {
                var (m, x, n) = buckets[i & 1023];
                var psi = (i % 3) switch { 0 => 1, 1 => 3, _ => 2.5 };
                GridEvidenceMath.Update(ref state, Keep, psi * m, (int)(psi * x), n, psi);
                GridEvidenceMath.UpdateVector(ref state, Keep, psi * m, (int)(psi * x), n, psi);
                GridEvidenceMath.UpdateVector256(ref state, Keep, psi * m, (int)(psi * x), n, psi);
                GridEvidenceMath.UpdateScalar(ref state, Keep, psi * m, (int)(psi * x), n, psi);
                sink += GridEvidenceMath.PosteriorMean(state, prior, posterior);
                sink += GridEvidenceMath.PosteriorMeanVector(state, prior, posterior);
                sink += GridEvidenceMath.PosteriorMeanVector256(state, prior, posterior);
                sink += GridEvidenceMath.PosteriorMeanScalar(state, prior, posterior);
            }
        }

        Run(5000); // warm-up: tiering, statics
        const int Operations = 20_000;
        var bytes = Allocations.FewestBytesPerPass(_ => Run(Operations));
        Assert.True(bytes < Operations, $"{bytes} bytes over {Operations} operations");
        Assert.True(sink > 0);
    }
}
