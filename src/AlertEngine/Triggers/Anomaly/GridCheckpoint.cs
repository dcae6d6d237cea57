using System.Buffers.Binary;
using System.Globalization;

namespace AlertEngine;

/// <summary>
/// Checkpoint form of issue 15's grid state, in the anomaly state of an engine checkpoint (format 3, written only by a
/// model with <see cref="AnomalyDetectorOptions.DispersionGrid"/>: after each key's record, and the prior after the
/// detector-wide header and profile): a key's
/// <see cref="GridEvidence"/> (48 bytes, little-endian 16-bit values) and the detector-wide
/// <see cref="LaggedGridPrior"/> (the prior in force as its number, day and integer totals, from which the log weights
/// are recomputed bit for bit, and the pending totals). Reading validates every field and names the bad one in an
/// <see cref="InvalidDataException"/> ("Corrupt checkpoint: …", the key named in a key's messages). The public
/// snapshot (<see cref="BaselineSnapshot"/> version 4) carries the same bytes in a block after its keys and profile and
/// reads them with these methods (its messages then start "Corrupt anomaly baseline snapshot: ").
/// </summary>
internal static class GridCheckpoint
{
    /// <summary>The most keys a totals vector may count (2^36: the sums of 24 points of 2^20 each stay far from overflow).</summary>
    public const long MaxKeys = 1L << 36;

    /// <summary>The bytes of one key's grid state (<see cref="WriteKey"/>): its flag and evidence.</summary>
    public const int KeyBytes = 1 + GridEvidence.Bytes;

    /// <summary>The fewest bytes of the prior state (<see cref="Write(CheckpointWriter, LaggedGridPrior)"/>: no pending
    /// totals).</summary>
    public const int MinPriorBytes = 4 + 4 + TotalsBytes + 1;

    /// <summary>The most bytes of the prior state (with pending totals).</summary>
    public const int MaxPriorBytes = MinPriorBytes + 4 + TotalsBytes;

    private const int TotalsBytes = 8 + (8 * GridLikelihood.Size);

    /// <summary>Writes a key's grid state: whether it is informed (has seen an informative bucket), then its evidence.</summary>
    public static void WriteKey(CheckpointWriter writer, bool informed, in GridEvidence evidence)
    {
        writer.Write(informed);
        Write(writer, evidence);
    }

    /// <summary>Reads what <see cref="WriteKey"/> wrote for <paramref name="key"/> and checks it against the key's stored
    /// φ̂ <paramref name="dispersion"/>: an uninformed key has no evidence, and an informed key's φ̂ is bit for bit its
    /// evidence's posterior mean under <paramref name="prior"/>, the prior in force (the model sets it so at each
    /// informative bucket and at each change of the prior, and both are written as they are).</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="key">The key (named in the messages).</param>
    /// <param name="dispersion">The key's φ̂ as its record holds it.</param>
    /// <param name="prior">The prior in force, already read.</param>
    /// <param name="posterior">Scratch of <see cref="GridLikelihood.Size"/> values.</param>
    /// <exception cref="InvalidDataException">A value is malformed or inconsistent (the message names the key).</exception>
    public static (bool Informed, GridEvidence Evidence) ReadKey(CheckpointReader reader, string key, float dispersion, GridPrior prior, double[] posterior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        var informed = reader.ReadByte();
        if (informed > 1)
        {
            throw CheckpointReader.Corrupt($"the grid state of key '{key}' has a bad flag");
        }

        GridEvidence evidence;
        try
        {
            evidence = ReadEvidence(reader);
        }
        catch (InvalidDataException e)
        {
            // The evidence's reader does not know the key: its message, naming the key.
            throw new InvalidDataException(e.Message.Replace(CorruptPrefix, $"{CorruptPrefix}the grid state of key '{key}': ", StringComparison.Ordinal), e);
        }

        if (informed == 0 && !IsEmpty(evidence))
        {
            throw CheckpointReader.Corrupt($"the grid state of key '{key}' has evidence but is not informed");
        }

        if (informed == 1)
        {
            var mean = (float)GridEvidenceMath.PosteriorMean(evidence, prior.LogWeights, posterior);
            if (BitConverter.SingleToInt32Bits(dispersion) != BitConverter.SingleToInt32Bits(mean))
            {
                throw CheckpointReader.Corrupt($"the grid state of key '{key}' does not fit its record: the dispersion {dispersion.ToString("R", CultureInfo.InvariantCulture)} is not the posterior mean of its grid evidence under the prior in force ({mean.ToString("R", CultureInfo.InvariantCulture)})");
            }
        }

        return (informed == 1, evidence);
    }

    /// <summary>The grid's day for a state whose clock (watermark) is <paramref name="watermark"/>: the watermark's UTC
    /// day (every watermark move processed its day starts; <see cref="long.MinValue"/> when the model saw nothing), after
    /// checking that the pending totals were summed at that day start and that the prior in force does not apply from a
    /// later day.</summary>
    /// <exception cref="InvalidDataException">The prior's days do not fit the clock.</exception>
    public static long DayOf(LaggedGridPrior state, long watermark)
    {
        ArgumentNullException.ThrowIfNull(state);
        var day = watermark == long.MinValue ? long.MinValue : watermark / TimeSpan.TicksPerDay;
        if (state.HasPending && state.PendingDay != day)
        {
            throw CheckpointReader.Corrupt($"anomaly state's pending grid totals are of day {state.PendingDay}, not of the watermark's day {day}");
        }

        if (state.Current.Number != 0 && state.Current.Day > day)
        {
            throw CheckpointReader.Corrupt($"anomaly state's grid prior applies from day {state.Current.Day}, after the watermark's day {day}");
        }

        return day;
    }

    private const string CorruptPrefix = "Corrupt checkpoint: ";

    private static bool IsEmpty(in GridEvidence evidence)
    {
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            if (evidence[k] != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Writes a key's evidence.</summary>
    public static void Write(CheckpointWriter writer, in GridEvidence evidence)
    {
        Span<byte> bytes = stackalloc byte[GridEvidence.Bytes];
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes[(2 * k)..], evidence[k]);
        }

        writer.Write(bytes);
    }

    /// <summary>Reads a key's evidence.</summary>
    /// <exception cref="InvalidDataException">No point is at 0 (the maximum), which no update produces.</exception>
    public static GridEvidence ReadEvidence(CheckpointReader reader)
    {
        var bytes = reader.ReadBytes(GridEvidence.Bytes);
        var evidence = default(GridEvidence);
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            evidence[k] = BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * k)..]);
        }

        if (!evidence.IsNormalized)
        {
            throw CheckpointReader.Corrupt("grid evidence has no grid point at the maximum (0)");
        }

        return evidence;
    }

    /// <summary>Writes the detector-wide prior state.</summary>
    public static void Write(CheckpointWriter writer, LaggedGridPrior state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var current = state.Current;
        writer.Write(current.Number);
        writer.Write(current.Day);
        WriteTotals(writer, current.Totals, current.Keys);
        writer.Write(state.HasPending);
        if (state.HasPending)
        {
            writer.Write(state.PendingDay);
            WriteTotals(writer, state.PendingTotals, state.PendingKeys);
        }
    }

    /// <summary>Reads the detector-wide prior state into <paramref name="state"/>.</summary>
    /// <exception cref="InvalidDataException">A field is out of range or inconsistent (the message names it).</exception>
    public static void Read(CheckpointReader reader, LaggedGridPrior state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var number = reader.ReadInt32();
        if (number is < 0 or > GridPrior.MaxNumber)
        {
            throw CheckpointReader.Corrupt($"anomaly state's grid prior has number {number}, outside 0..{GridPrior.MaxNumber}");
        }

        var day = reader.ReadInt32();
        var totals = ReadTotals(reader, "prior totals");
        GridPrior current;
        if (number == 0)
        {
            if (day != int.MinValue || totals.Keys != 0)
            {
                throw CheckpointReader.Corrupt("anomaly state's grid prior is the uniform prior (number 0) but has a day or totals");
            }

            current = GridPrior.Uniform;
        }
        else
        {
            if (totals.Keys == 0)
            {
                throw CheckpointReader.Corrupt($"anomaly state's grid prior {number} has no keys in its totals");
            }

            if (day is < 0 or > 3_652_058) // DateTime.MaxValue's day
            {
                throw CheckpointReader.Corrupt($"anomaly state's grid prior has day {day}, not a day of the calendar");
            }

            current = GridPrior.Estimate(totals, number, day)!;
        }

        GridPriorTotals? pending = null;
        var pendingDay = 0;
        if (reader.ReadBoolean())
        {
            pendingDay = reader.ReadInt32();
            if (pendingDay < current.Day || pendingDay is < 0 or > 3_652_058)
            {
                throw CheckpointReader.Corrupt($"anomaly state's grid prior has pending day {pendingDay}, before the prior's day {current.Day} or not a day of the calendar");
            }

            pending = ReadTotals(reader, "pending totals");
        }

        state.Restore(current, pending, pendingDay);
    }

    private static void WriteTotals(CheckpointWriter writer, ReadOnlySpan<long> totals, long keys)
    {
        writer.Write(keys);
        foreach (var t in totals)
        {
            writer.Write(t);
        }
    }

    private static GridPriorTotals ReadTotals(CheckpointReader reader, string field)
    {
        var keys = reader.ReadInt64();
        if (keys is < 0 or > MaxKeys)
        {
            throw CheckpointReader.Corrupt($"anomaly state's grid {field}: key count {keys} is out of range");
        }

        Span<long> values = stackalloc long[GridLikelihood.Size];
        long sum = 0;
        var most = keys * (long)GridPriorTotals.Scale;
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            values[k] = reader.ReadInt64();
            if (values[k] < 0 || values[k] > most)
            {
                throw CheckpointReader.Corrupt($"anomaly state's grid {field}: point {k} is {values[k]}, outside 0..2^20·keys ({most})");
            }

            sum += values[k];
        }

        var slack = keys * GridPriorTotals.RoundingSlack;
        if (sum < most - slack || sum > most + slack)
        {
            throw CheckpointReader.Corrupt($"anomaly state's grid {field}: the points sum to {sum}, not 2^20·keys ({most}) within the rounding ({slack})");
        }

        var totals = new GridPriorTotals();
        totals.Set(values, keys);
        return totals;
    }
}
