using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// Issue 15's mixture prior over the dispersion grid: the integer totals do not depend on the order of keys or on how
/// they are split into partitions, the EM step equals a naive double-precision recomputation, the lagged prior
/// applies the totals of the previous day start, a checkpoint at any cut (including right after a day start)
/// continues bit for bit, and invalid checkpoint fields are rejected by name.
/// </summary>
public class GridPriorProperties
{
    private const double Keep = 0.99;

    private static Arbitrary<int> Seeds() => Arb.From(Gen.Choose(0, int.MaxValue));

    /// <summary>Keys with evidence from short streams at φ drawn from two clusters (a steady and a bursty one).</summary>
    private static GridEvidence[] Keys(Random random, int count)
    {
        var keys = new GridEvidence[count];
        for (var i = 0; i < count; i++)
        {
            var phi = random.Next(2) == 0 ? 0.1 : 0.6;
            foreach (var (m, x, n) in GridReference.Stream(random, phi, random.Next(1, 120)))
            {
                GridEvidenceMath.Update(ref keys[i], Keep, m, x, n, 1);
            }
        }

        return keys;
    }

    private static void AddKey(GridPriorTotals totals, in GridEvidence key, ReadOnlySpan<double> logPrior, double[] scratch)
    {
        GridEvidenceMath.PosteriorMean(key, logPrior, scratch);
        totals.Add(scratch);
    }

    [Property(MaxTest = 60)]
    public Property The_totals_are_the_same_for_any_key_order_and_any_split_into_partitions() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var keys = Keys(random, random.Next(1, 80));
            var prior = random.Next(2) == 0 ? GridPrior.Uniform : EstimateFrom(keys, GridPrior.Uniform, 1);
            var scratch = new double[GridReference.Size];
            var single = new GridPriorTotals();
            foreach (var key in keys)
            {
                AddKey(single, key, prior.LogWeights, scratch);
            }

            // Each partition sums its own keys in a random order; the coordinator adds the partitions in a random order.
            var partitions = new GridPriorTotals[random.Next(1, 9)];
            for (var p = 0; p < partitions.Length; p++)
            {
                partitions[p] = new GridPriorTotals();
            }

            foreach (var i in Enumerable.Range(0, keys.Length).OrderBy(_ => random.Next()))
            {
                AddKey(partitions[random.Next(partitions.Length)], keys[i], prior.LogWeights, scratch);
            }

            var coordinator = new GridPriorTotals();
            foreach (var p in partitions.OrderBy(_ => random.Next()))
            {
                coordinator.Add(p);
            }

            return (coordinator.SameAs(single) && coordinator.Keys == keys.Length).Label($"{keys.Length} keys, {partitions.Length} partitions");
        });

    /// <summary>One EM step from the integer totals equals the naive step in double precision with the C runtime's
    /// logarithm (prior_k ∝ mean quantized posterior + 0.001) within 1e-14 nats per log weight, and the step from the
    /// unquantized posteriors within 1e-3 (quantizing moves a mean posterior by at most 2^−21, a weight of at least
    /// 0.001/1.024 by a factor within 1 ± 5e-4).</summary>
    [Property(MaxTest = 60)]
    public Property The_EM_step_equals_the_naive_recomputation() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            var keys = Keys(random, random.Next(1, 60));
            var previous = random.Next(2) == 0 ? GridPrior.Uniform : EstimateFrom(keys, GridPrior.Uniform, 1);
            var totals = new GridPriorTotals();
            var scratch = new double[GridReference.Size];
            var quantized = new double[GridReference.Size];
            var plain = new double[GridReference.Size];
            var decoded = new double[GridReference.Size];
            var reference = new double[GridReference.Size];
            foreach (var key in keys)
            {
                AddKey(totals, key, previous.LogWeights, scratch);

                // The oracle's posterior: the reference's, on the decoded sums.
                GridEvidenceMath.Decoded(key, decoded);
                GridReference.PosteriorMean(decoded, previous.LogWeights, reference);
                for (var k = 0; k < GridReference.Size; k++)
                {
                    quantized[k] += Math.Round(scratch[k] * 1048576);
                    plain[k] += reference[k];
                }
            }

            var prior = GridPrior.Estimate(totals, GridPrior.Next(previous.Number), 739_000)!;
            var q = NaiveStep(quantized, keys.Length, 1048576);
            var d = NaiveStep(plain, keys.Length, 1);
            for (var k = 0; k < GridReference.Size; k++)
            {
                if (Math.Abs(prior.LogWeights[k] - q[k]) > 1e-14 || Math.Abs(prior.LogWeights[k] - d[k]) > 1e-3)
                {
                    return false.Label($"point {k}: {prior.LogWeights[k]:R}, naive {q[k]:R}, unquantized {d[k]:R}");
                }
            }

            return (prior.Number == previous.Number + 1 && prior.Day == 739_000).ToProperty();
        });

    private static double[] NaiveStep(double[] sums, int keys, double scale)
    {
        var p = new double[GridReference.Size];
        double norm = 0;
        for (var k = 0; k < GridReference.Size; k++)
        {
            p[k] = (sums[k] / scale / keys) + 0.001;
            norm += p[k];
        }

        for (var k = 0; k < GridReference.Size; k++)
        {
            p[k] = Math.Log(p[k] / norm);
        }

        return p;
    }

    private static GridPrior EstimateFrom(GridEvidence[] keys, GridPrior under, int number)
    {
        var totals = new GridPriorTotals();
        var scratch = new double[GridReference.Size];
        foreach (var key in keys)
        {
            AddKey(totals, key, under.LogWeights, scratch);
        }

        return GridPrior.Estimate(totals, number, 738_999)!;
    }

    [Fact]
    public void Totals_set_twice_without_a_day_start_between_are_refused()
    {
        var state = new LaggedGridPrior();
        var totals = new GridPriorTotals();
        totals.Add(Enumerable.Repeat(1.0 / GridReference.Size, GridReference.Size).ToArray());
        state.SetPending(totals, 10);

        var error = Assert.Throws<InvalidOperationException>(() => state.SetPending(totals, 11));
        Assert.Contains("day 10", error.Message, StringComparison.Ordinal);
        Assert.True(state.ApplyPending(11));
        state.SetPending(totals, 11);
        Assert.Equal(11, state.PendingDay);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-0.25)]
    [InlineData(1.5)]
    public void A_posterior_value_outside_zero_to_one_is_refused_and_nothing_is_added(double bad)
    {
        var totals = new GridPriorTotals();
        var posterior = Enumerable.Repeat(1.0 / GridReference.Size, GridReference.Size).ToArray();
        posterior[7] = bad;

        Assert.Throws<ArgumentOutOfRangeException>(() => totals.Add(posterior));
        Assert.Equal(0, totals.Keys);
        Assert.All(totals.Totals.ToArray(), t => Assert.Equal(0, t));
    }

    [Fact]
    public void Totals_with_no_key_make_no_new_prior()
    {
        Assert.Null(GridPrior.Estimate(new GridPriorTotals(), 1, 0));
        var state = new LaggedGridPrior();
        state.SetPending(new GridPriorTotals(), 10);
        Assert.False(state.ApplyPending(11));
        Assert.Same(GridPrior.Uniform, state.Current);
        Assert.False(state.HasPending);
    }

    /// <summary>
    /// A detector's lifetime in miniature: keys take buckets, and at each UTC day start the lagged prior applies the
    /// totals summed at the previous day start, then the keys' posteriors under the prior now in force are summed and
    /// kept. Each key's φ̂ is recomputed under the prior in force after every bucket. Oracle: the prior in force on day
    /// D is the EM step of the totals recomputed naively at day D − 1. A checkpoint (prior state and every key's
    /// evidence) at a random cut — a bucket, or right after a day start — continues bit for bit.
    /// </summary>
    [Property(MaxTest = 30)]
    public Property The_lagged_prior_applies_the_previous_day_starts_totals_and_a_checkpoint_at_any_cut_changes_nothing() =>
        Prop.ForAll(Seeds(), seed =>
        {
            var random = new Random(seed);
            const int Days = 6, PerDay = 20;
            var count = random.Next(1, 30);
            var streams = new (double M, int X, double N)[count][];
            for (var i = 0; i < count; i++)
            {
                streams[i] = GridReference.Stream(random, random.Next(2) == 0 ? 0.1 : 0.6, Days * PerDay);
            }

            var cut = random.Next(Days * (PerDay + 1));
            var straight = Run(streams, Days, PerDay, -1, out var straightTrace, out var oracleFailure);
            var restarted = Run(streams, Days, PerDay, cut, out var restartedTrace, out _);
            if (oracleFailure is not null)
            {
                return false.Label(oracleFailure);
            }

            return (straightTrace.SequenceEqual(restartedTrace) && straight.SequenceEqual(restarted)).Label($"cut at {cut}");
        });

    /// <summary>Runs the miniature detector; at step <paramref name="cut"/> (steps: day start, then the day's buckets)
    /// writes a checkpoint and continues from what it reads back. Returns the final state's bytes.</summary>
    private static byte[] Run((double M, int X, double N)[][] streams, int days, int perDay, int cut, out List<long> trace, out string? failure)
    {
        failure = null;
        trace = [];
        var keys = new GridEvidence[streams.Length];
        var state = new LaggedGridPrior();
        var scratch = new double[GridReference.Size];
        GridPriorTotals? expectedNext = null;
        var step = 0;
        for (var day = 0; day < days; day++)
        {
            for (var b = -1; b < perDay; b++, step++)
            {
                if (step == cut)
                {
                    (keys, state) = RoundTrip(keys, state);
                }

                if (b < 0)
                {
                    // The day start.
                    var number = state.Current.Number;
                    var changed = state.ApplyPending(day);
                    if (expectedNext is not null && expectedNext.Keys > 0)
                    {
                        var expected = GridPrior.Estimate(expectedNext, number + 1, day)!;
                        if (!changed || state.Current.Number != number + 1 || state.Current.Day != day || !state.Current.LogWeights.SequenceEqual(expected.LogWeights))
                        {
                            failure = $"day {day}: the prior in force is not the step from the previous day start's totals";
                        }
                    }

                    var totals = new GridPriorTotals();
                    expectedNext = new GridPriorTotals();
                    var quantized = new long[GridReference.Size];
                    foreach (var key in keys)
                    {
                        AddKey(totals, key, state.Current.LogWeights, scratch);
                        for (var k = 0; k < GridReference.Size; k++)
                        {
                            quantized[k] += (long)Math.Round(scratch[k] * 1048576);
                        }
                    }

                    if (!totals.Totals.SequenceEqual(quantized))
                    {
                        failure = $"day {day}: totals differ from the naive sum";
                    }

                    expectedNext.CopyFrom(totals);
                    state.SetPending(totals, day);
                    trace.Add(state.Current.Number);
                    continue;
                }

                for (var i = 0; i < keys.Length; i++)
                {
                    var (m, x, n) = streams[i][(day * perDay) + b];
                    GridEvidenceMath.Update(ref keys[i], Keep, m, x, n, 1);
                    trace.Add(BitConverter.DoubleToInt64Bits(GridEvidenceMath.PosteriorMean(keys[i], state.Current.LogWeights, scratch)));
                }
            }
        }

        return Write(keys, state);
    }

    private static byte[] Write(GridEvidence[] keys, LaggedGridPrior state)
    {
        using var writer = new CheckpointWriter();
        GridCheckpoint.Write(writer, state);
        writer.Write(keys.Length);
        foreach (var key in keys)
        {
            GridCheckpoint.Write(writer, key);
        }

        return writer.Written.ToArray();
    }

    private static (GridEvidence[], LaggedGridPrior) RoundTrip(GridEvidence[] keys, LaggedGridPrior state)
    {
        var reader = new CheckpointReader(Write(keys, state));
        var restored = new LaggedGridPrior();
        GridCheckpoint.Read(reader, restored);
        var read = new GridEvidence[reader.ReadInt32()];
        for (var i = 0; i < read.Length; i++)
        {
            read[i] = GridCheckpoint.ReadEvidence(reader);
        }

        Assert.True(reader.AtEnd);
        return (read, restored);
    }

    /// <summary>A valid state (prior 3 from day 100, pending totals of day 101), as a list of fields to corrupt.</summary>
    private static byte[] Encode(int number = 3, int day = 100, long keys = 2, long point0 = -1, bool pending = true, int pendingDay = 101, long pendingPoint0 = -1, long sumShift = 0)
    {
        using var writer = new CheckpointWriter();
        writer.Write(number);
        writer.Write(day);
        WriteTotals(writer, keys, point0, sumShift);
        writer.Write(pending);
        if (pending)
        {
            writer.Write(pendingDay);
            WriteTotals(writer, 5, pendingPoint0, 0);
        }

        return writer.Written.ToArray();
    }

    private static void WriteTotals(CheckpointWriter writer, long keys, long point0, long sumShift)
    {
        writer.Write(keys);
        var each = keys * 1048576 / 24;
        var rest = (keys * 1048576) - (each * 24);
        for (var k = 0; k < 24; k++)
        {
            writer.Write(k == 0 && point0 >= 0 ? point0 : k == 0 ? each + rest + sumShift : each);
        }
    }

    [Fact]
    public void A_valid_prior_state_round_trips()
    {
        var state = new LaggedGridPrior();
        GridCheckpoint.Read(new CheckpointReader(Encode()), state);
        Assert.Equal(3, state.Current.Number);
        Assert.Equal(100, state.Current.Day);
        Assert.True(state.HasPending);
        Assert.Equal(101, state.PendingDay);
        Assert.Equal(5, state.PendingKeys);
        using var writer = new CheckpointWriter();
        GridCheckpoint.Write(writer, state);
        Assert.Equal(Encode(), writer.Written.ToArray());

        var uniform = new LaggedGridPrior();
        using var second = new CheckpointWriter();
        GridCheckpoint.Write(second, uniform);
        var back = new LaggedGridPrior();
        GridCheckpoint.Read(new CheckpointReader(second.Written.ToArray()), back);
        Assert.Same(GridPrior.Uniform, back.Current);
        Assert.False(back.HasPending);
    }

    [Theory]
    [InlineData("number", "number -1")]
    [InlineData("number-large", "number 65536")]
    [InlineData("uniform-with-keys", "uniform prior")]
    [InlineData("no-keys", "no keys")]
    [InlineData("day", "day -3")]
    [InlineData("keys", "key count -1")]
    [InlineData("keys-large", "key count 68719476737")]
    [InlineData("day-large", "day 3652059")]
    [InlineData("point", "point 0 is")]
    [InlineData("sum", "sum to")]
    [InlineData("pending-day", "pending day 99")]
    [InlineData("pending-point", "pending totals: point 0")]
    [InlineData("flag", "flag")]
    [InlineData("truncated", "truncated")]
    public void An_invalid_prior_field_is_rejected_by_name(string field, string message)
    {
        var bytes = field switch
        {
            "number" => Encode(number: -1),
            "number-large" => Encode(number: 65536),
            "uniform-with-keys" => Encode(number: 0),
            "no-keys" => Encode(keys: 0, point0: 0),
            "day" => Encode(day: -3),
            "keys" => Encode(keys: -1, point0: 0),
            "keys-large" => Encode(keys: GridCheckpoint.MaxKeys + 1),
            "day-large" => Encode(day: 3_652_059, pendingDay: 3_652_059),
            "point" => Encode(point0: 3 * 1048576),
            "sum" => Encode(sumShift: 100),
            "pending-day" => Encode(pendingDay: 99),
            "pending-point" => Encode(pendingPoint0: 1L << 40),
            "flag" => Encode()[..(4 + 4 + 8 + (24 * 8))].Append((byte)2).ToArray(),
            _ => Encode()[..^1],
        };
        var error = Assert.Throws<InvalidDataException>(() => GridCheckpoint.Read(new CheckpointReader(bytes), new LaggedGridPrior()));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("Corrupt checkpoint: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(".", error.Message, StringComparison.Ordinal);
        if (field != "truncated" && field != "flag")
        {
            Assert.Contains("anomaly state's grid ", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_day_start_scan_allocates_nothing_in_steady_state()
    {
        var random = new Random(15);
        var keys = Keys(random, 64);
        var prior = EstimateFrom(keys, GridPrior.Uniform, 1);
        var scratch = new double[GridReference.Size];
        var totals = new GridPriorTotals();
        var other = new GridPriorTotals();
        void Run(int scans)
        {
            for (var s = 0; s < scans; s++)
            {
                totals.Clear();
                foreach (var key in keys)
                {
                    AddKey(totals, key, prior.LogWeights, scratch);
                }

                other.Add(totals);
            }
        }

        Run(100);
        const int Scans = 300;
        var bytes = Allocations.FewestBytesPerPass(_ => Run(Scans));
        Assert.True(bytes < Scans * keys.Length, $"{bytes} bytes over {Scans * keys.Length} keys");
        Assert.True(other.Keys > 0);
    }
}
