using System.Text;

namespace AlertEngine;

/// <summary>
/// The saved state of a <see cref="BaselineModel{T}"/>: per key, its learned seasonal baseline, learning clock and
/// open buckets, so a restart does not throw away a week of learning. Kept items (activities) are not saved: a
/// detection right after a restore carries only the activities seen since. Immutable; write it with
/// <see cref="WriteTo(Stream)"/> and read it back with <see cref="ReadFrom"/> (a compact, versioned binary format).
/// </summary>
/// <remarks>
/// A snapshot carries the state of the model's options that made it. Restored into a model with other options of the
/// same bucket length and time zone, state the restoring model does not keep is dropped and state the snapshot does not
/// carry starts empty, as for a new key (see <see cref="BaselineModel{T}.Restore"/>): a snapshot of an older version
/// restores into any model.
/// </remarks>
public sealed class BaselineSnapshot
{
    private const uint Magic = 0x53424541; // "AEBS"
    // Version 2 adds each key's dispersion sums at the end of its record; version 1 is still read (the sums are
    // derived from the saved dispersion, see LegacyDispersionSums).
    // Version 3 (issue 15) adds each key's cached rate against the population day profile and the profile after the
    // keys; it is written only by a model with the profile and without the grid (an internal configuration of the
    // evaluation; the per-key model writes version 2 as before, the population model version 4). Versions 1 and 2 are read with an empty profile (the model predicts with neighbour
    // pooling until it has frozen a day of counts).
    // Version 4 (issue 15) adds, after the profile, the dispersion grid's state (GridCheckpoint's bytes, as in the engine
    // checkpoint's anomaly format 3, in a length-prefixed block): the lagged mixture prior (the prior in force, the
    // pending totals and their day), then per key, in the snapshot's key order, its informed flag and 48 bytes of
    // evidence. Written only by a model with the grid (the population model, the default).
    private const int FormatVersion = 4;
    private const int ProfileVersion = 3;
    private const int DispersionSumsVersion = 2;
    private const int LegacyFormatVersion = 1;

    /// <summary>Pseudo-buckets of evidence given to a dispersion saved without its sums (version 1).</summary>
    private const double LegacyDispersionBuckets = 20;
    private const int MaxSlots = 1024;
    private const int MaxRing = 64;

    internal BaselineSnapshot(long bucketTicks, int slotCount, string timeZoneId, int ring, long watermark, KeyRecord[] keys, ProfileRecord? profile = null, GridRecord? grid = null)
    {
        if (grid is not null)
        {
            if (profile is null || grid.Keys.Length != keys.Length)
            {
                throw new ArgumentException("A grid state goes with a population profile and holds one state per key.", nameof(grid));
            }

            try
            {
                _ = GridCheckpoint.DayOf(grid.Prior, watermark);
            }
            catch (InvalidDataException e)
            {
                throw new ArgumentException($"The grid state does not fit the watermark: {e.Message}", nameof(grid), e);
            }
        }

        Profile = profile;
        Grid = grid;
        BucketTicks = bucketTicks;
        SlotCount = slotCount;
        TimeZoneId = timeZoneId;
        Ring = ring;
        WatermarkTicks = watermark;
        Keys = keys;
    }

    /// <summary>The bucket length of the model that made the snapshot.</summary>
    public TimeSpan Bucket => TimeSpan.FromTicks(BucketTicks);

    /// <summary>The number of keys saved.</summary>
    public int KeyCount => Keys.Length;

    /// <summary>The newest event time the model had seen; <see langword="null"/> when it had seen nothing.</summary>
    public DateTimeOffset? Watermark => WatermarkTicks == long.MinValue ? null : new DateTimeOffset(WatermarkTicks, TimeSpan.Zero);

    internal long BucketTicks { get; }

    internal int SlotCount { get; }

    internal string TimeZoneId { get; }

    internal int Ring { get; }

    internal long WatermarkTicks { get; }

    internal KeyRecord[] Keys { get; }

    /// <summary>The population day profile; null when the model had none (or the snapshot is older than version 3).</summary>
    internal ProfileRecord? Profile { get; }

    /// <summary>The dispersion grid's state; null when the model had none (or the snapshot is older than version 4).</summary>
    internal GridRecord? Grid { get; }

    /// <summary>Writes the snapshot to a stream (left open).</summary>
    /// <param name="stream">A writable stream.</param>
    public void WriteTo(Stream stream) => WriteTo(stream, Grid is not null ? FormatVersion : Profile is not null ? ProfileVersion : DispersionSumsVersion);

    /// <summary>Writes the snapshot in format <paramref name="version"/> (2, 3 or 4: 2 without the population profile, as a
    /// model without the profile writes, 3 with it, 4 with the dispersion grid; a lower version than the snapshot's for
    /// tests of reading older snapshots).</summary>
    internal void WriteTo(Stream stream, int version)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, DispersionSumsVersion);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, Grid is null ? ProfileVersion : FormatVersion);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(version);
        w.Write(BucketTicks);
        w.Write(SlotCount);
        w.Write(TimeZoneId);
        w.Write(Ring);
        w.Write(WatermarkTicks);
        w.Write(Keys.Length);
        foreach (var k in Keys)
        {
            WriteKey(w, k, withProfileCache: version >= 3);
        }

        if (version < 3)
        {
            return;
        }

        w.Write(Profile is not null);
        if (Profile is { } p)
        {
            w.Write(p.NextFreeze);
            w.Write(p.SpanStart);
            w.Write(p.Running.Length);
            foreach (var array in (long[][])[p.Running, p.Sums, p.Covered])
            {
                foreach (var v in array)
                {
                    w.Write(v);
                }
            }

            w.Write(p.SeveralKeys);
            w.Write(p.FirstKey is not null);
            w.Write(p.FirstKey ?? string.Empty);
        }

        if (version < FormatVersion)
        {
            return;
        }

        // The grid's state in the engine checkpoint's bytes (GridCheckpoint), as one length-prefixed block.
        var grid = Grid!;
        using var block = new CheckpointWriter(GridCheckpoint.MaxPriorBytes + (Keys.Length * GridCheckpoint.KeyBytes));
        GridCheckpoint.Write(block, grid.Prior);
        foreach (var key in grid.Keys)
        {
            GridCheckpoint.WriteKey(block, key.Informed, key.Evidence);
        }

        w.Write(block.Written.Length);
        w.Write(block.Written);
    }

    /// <summary>Writes one key's record (also the payload of a key in an engine checkpoint).</summary>
    internal static void WriteKey(BinaryWriter w, KeyRecord k, bool withProfileCache = false)
    {
        w.Write(k.Key);
        w.Write(k.NewestBucket);
        w.Write(k.FirstTicks);
        w.Write(k.Folded);
        w.Write(k.Fired);
        w.Write(k.Dispersion);
        w.Write(k.RecentObserved);
        w.Write(k.RecentExpected);
        w.Write(k.BatchSum);
        w.Write(k.BatchSquares);
        foreach (var c in k.Counts)
        {
            w.Write(c);
        }

        foreach (var p in k.Levels)
        {
            w.Write(p);
        }

        w.Write(k.Samples);
        w.Write(k.DispersionSum);
        w.Write(k.DispersionWeight);
        if (withProfileCache)
        {
            w.Write(k.ProfileDay);
            w.Write(k.ProfileRate);
        }
    }

    /// <summary>Reads a snapshot written by <see cref="WriteTo(Stream)"/>.</summary>
    /// <param name="stream">A readable stream positioned at the snapshot.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="InvalidDataException">The data is not a snapshot of a supported version, or is truncated or corrupt.</exception>
    public static BaselineSnapshot ReadFrom(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (r.ReadUInt32() != Magic)
            {
                throw new InvalidDataException("Not an anomaly baseline snapshot.");
            }

            var version = r.ReadInt32();
            if (version < LegacyFormatVersion || version > FormatVersion)
            {
                throw new InvalidDataException($"Unsupported anomaly baseline snapshot version {version}; expected {LegacyFormatVersion} to {FormatVersion}.");
            }

            var bucket = r.ReadInt64();
            var slots = r.ReadInt32();
            var zone = r.ReadString();
            var ring = r.ReadInt32();
            var watermark = r.ReadInt64();
            var count = r.ReadInt32();
            if (bucket <= 0 || slots < 1 || slots > MaxSlots || ring < 1 || ring > MaxRing || count < 0)
            {
                throw new InvalidDataException("Corrupt anomaly baseline snapshot header.");
            }

            // Each key takes at least its fixed fields, its counts and its slots: refuse counts the data cannot hold.
            var minimumKeyBytes = 1 + (4 * 8) + (5 * 4) + (4 * ring) + (5 * slots);
            if (stream.CanSeek && count > (stream.Length - stream.Position) / minimumKeyBytes)
            {
                throw new InvalidDataException("Truncated anomaly baseline snapshot.");
            }

            // Grown as records arrive: a corrupt count from a stream that cannot seek must not allocate up front.
            var keys = new List<KeyRecord>(Math.Min(count, 1024));
            for (var i = 0; i < count; i++)
            {
                var key = ReadKey(r, ring, slots, i, withDispersionSums: version >= DispersionSumsVersion);
                keys.Add(version >= 3 ? ReadProfileCache(r, key, i) : key);
            }

            ProfileRecord? profile = null;
            if (version >= ProfileVersion && r.ReadBoolean())
            {
                var nextFreeze = r.ReadInt64();
                var spanStart = r.ReadInt64();
                var n = r.ReadInt32();
                if (n != slots)
                {
                    throw new InvalidDataException("Corrupt anomaly baseline snapshot: the population profile has a bad slot count.");
                }

                var arrays = new long[3][];
                for (var a = 0; a < 3; a++)
                {
                    arrays[a] = new long[n];
                    for (var j = 0; j < n; j++)
                    {
                        arrays[a][j] = r.ReadInt64();
                        if (arrays[a][j] < 0)
                        {
                            throw new InvalidDataException("Corrupt anomaly baseline snapshot: the population profile holds a negative count.");
                        }
                    }
                }

                var severalKeys = r.ReadBoolean();
                var hasFirst = r.ReadBoolean();
                var firstKey = r.ReadString();
                profile = new ProfileRecord(nextFreeze, spanStart, arrays[0], arrays[1], arrays[2], severalKeys, hasFirst ? firstKey : null);
            }

            var grid = version >= FormatVersion ? ReadGrid(r, keys, profile, watermark) : null;
            return new BaselineSnapshot(bucket, slots, zone, ring, watermark, [.. keys], profile, grid);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Truncated anomaly baseline snapshot.", e);
        }
        catch (FormatException e)
        {
            // A string whose length prefix is corrupt.
            throw new InvalidDataException("Corrupt anomaly baseline snapshot: a string is malformed.", e);
        }
    }

    /// <summary>Reads the dispersion grid's block (version 4) with the engine checkpoint's reader and checks
    /// (<see cref="GridCheckpoint"/>): the prior, its days against the watermark's, then each key's flag and evidence
    /// against its φ̂; the messages name the key and the field.</summary>
    /// <exception cref="InvalidDataException">The block is malformed or inconsistent.</exception>
    /// <exception cref="EndOfStreamException">The data ends inside the block.</exception>
    private static GridRecord ReadGrid(BinaryReader r, List<KeyRecord> keys, ProfileRecord? profile, long watermark)
    {
        if (profile is null)
        {
            throw new InvalidDataException("Corrupt anomaly baseline snapshot: it holds the dispersion grid's state without the population profile the grid goes with.");
        }

        var length = r.ReadInt32();
        var keyBytes = (long)keys.Count * GridCheckpoint.KeyBytes;
        if (length < GridCheckpoint.MinPriorBytes + keyBytes || length > GridCheckpoint.MaxPriorBytes + keyBytes)
        {
            throw new InvalidDataException($"Corrupt anomaly baseline snapshot: the dispersion grid's state has {length} bytes, not {GridCheckpoint.MinPriorBytes + keyBytes} or {GridCheckpoint.MaxPriorBytes + keyBytes} for {keys.Count} keys.");
        }

        var bytes = r.ReadBytes(length);
        if (bytes.Length != length)
        {
            throw new EndOfStreamException();
        }

        try
        {
            var reader = new CheckpointReader(bytes);
            var prior = new LaggedGridPrior();
            GridCheckpoint.Read(reader, prior);
            _ = GridCheckpoint.DayOf(prior, watermark);
            var posterior = new double[GridLikelihood.Size];
            var states = new GridKeyState[keys.Count];
            for (var i = 0; i < states.Length; i++)
            {
                var (informed, evidence) = GridCheckpoint.ReadKey(reader, keys[i].Key, keys[i].Dispersion, prior.Current, posterior);
                states[i] = new GridKeyState(informed, evidence);
            }

            reader.ExpectEnd("the dispersion grid's state");
            return new GridRecord(prior, states);
        }
        catch (InvalidDataException e) when (e.Message.StartsWith(CheckpointPrefix, StringComparison.Ordinal))
        {
            // The checkpoint's checks and messages, as this format's.
            throw new InvalidDataException(string.Concat("Corrupt anomaly baseline snapshot: ", e.Message.AsSpan(CheckpointPrefix.Length)), e);
        }
    }

    private const string CheckpointPrefix = "Corrupt checkpoint: ";

    /// <summary>Reads one key's record written by <see cref="WriteKey"/>; <paramref name="index"/> names it in errors.
    /// Without <paramref name="withDispersionSums"/> the record ends before the dispersion sums (version 1), which are
    /// then derived from the saved dispersion.</summary>
    /// <exception cref="InvalidDataException">A value is invalid.</exception>
    /// <exception cref="EndOfStreamException">The data ends inside the record.</exception>
    internal static KeyRecord ReadKey(BinaryReader r, int ring, int slots, int index, bool withDispersionSums)
    {
        var i = index;
        var key = r.ReadString();
        var newest = r.ReadInt64();
        var first = r.ReadInt64();
        var folded = r.ReadInt64();
        var fired = r.ReadUInt64();
        var dispersion = r.ReadSingle();
        var recentObserved = r.ReadSingle();
        var recentExpected = r.ReadSingle();
        var batchSum = r.ReadSingle();
        var batchSquares = r.ReadSingle();
        if (!float.IsFinite(dispersion) || dispersion < 0 || !float.IsFinite(recentObserved) || recentObserved < 0 || !float.IsFinite(recentExpected) || recentExpected < 0
            || !float.IsFinite(batchSum) || batchSum < 0 || !float.IsFinite(batchSquares) || batchSquares < 0)
        {
            throw new InvalidDataException($"Corrupt anomaly baseline snapshot: invalid dispersion for key #{i}.");
        }
        var counts = new int[ring];
        for (var j = 0; j < ring; j++)
        {
            counts[j] = r.ReadInt32();
            if (counts[j] < 0)
            {
                throw new InvalidDataException($"Corrupt anomaly baseline snapshot: negative count for key #{i}.");
            }
        }

        var levels = new float[slots];
        for (var j = 0; j < levels.Length; j++)
        {
            levels[j] = r.ReadSingle();
            if (!float.IsFinite(levels[j]) || levels[j] < 0)
            {
                throw new InvalidDataException($"Corrupt anomaly baseline snapshot: invalid baseline value for key #{i}.");
            }
        }

        var samples = r.ReadBytes(slots);
        if (samples.Length != slots)
        {
            throw new EndOfStreamException();
        }

        var (sum, weight) = LegacyDispersionSums(dispersion);
        var record = new KeyRecord(key, newest, first, folded, fired, dispersion, sum, weight, recentObserved, recentExpected, batchSum, batchSquares, counts, levels, samples);
        return withDispersionSums ? ReadDispersionSums(r, record, index) : record;
    }

    /// <summary>Reads the dispersion sums that end a key's record (version 2) into <paramref name="record"/>.</summary>
    /// <exception cref="InvalidDataException">A sum is invalid.</exception>
    /// <exception cref="EndOfStreamException">The data ends inside the sums.</exception>
    internal static KeyRecord ReadDispersionSums(BinaryReader r, KeyRecord record, int index)
    {
        var sum = r.ReadSingle();
        var weight = r.ReadSingle();
        if (!float.IsFinite(sum) || !float.IsFinite(weight) || weight < 0)
        {
            throw new InvalidDataException($"Corrupt anomaly baseline snapshot: invalid dispersion sums for key #{index}.");
        }

        return record with { DispersionSum = sum, DispersionWeight = weight };
    }

    /// <summary>Reads the key's cached rate against the population profile that ends a key's record (version 3).</summary>
    /// <exception cref="InvalidDataException">A value is invalid.</exception>
    /// <exception cref="EndOfStreamException">The data ends inside the values.</exception>
    internal static KeyRecord ReadProfileCache(BinaryReader r, KeyRecord record, int index)
    {
        var day = r.ReadInt32();
        var rate = r.ReadSingle();
        if (!ValidProfileCache(day, rate))
        {
            throw new InvalidDataException($"Corrupt anomaly baseline snapshot: invalid profile rate for key #{index}.");
        }

        return record with { ProfileDay = day, ProfileRate = rate };
    }

    /// <summary>Whether a key's cached profile day and rate are possible: a day ≥ 0 and a finite rate ≥ 0, or −1.</summary>
    internal static bool ValidProfileCache(int day, float rate) => day >= 0 && float.IsFinite(rate) && (rate >= 0 || rate == -1);

    /// <summary>The dispersion sums of a key saved by version 1 (dispersion only): the saved dispersion as the
    /// estimate of <see cref="LegacyDispersionBuckets"/> buckets of expected count 10.</summary>
    internal static (float Sum, float Weight) LegacyDispersionSums(float dispersion)
    {
        var s = dispersion + (1 / BaselineMath.DispersionReferenceLevel);
        var weight = LegacyDispersionBuckets / (s * s);
        return ((float)(weight * dispersion), (float)weight);
    }

    /// <summary>One key's state. <see cref="Folded"/> is the last bucket folded into the baseline;
    /// <see cref="Counts"/>[i] is the count of bucket <c>NewestBucket − i</c>;
    /// <see cref="Levels"/> holds the expected count per slot; <see cref="Samples"/> the samples per slot;
    /// <see cref="DispersionSum"/> and <see cref="DispersionWeight"/> the discounted sums behind <see cref="Dispersion"/>.</summary>
    internal sealed record KeyRecord(string Key, long NewestBucket, long FirstTicks, long Folded, ulong Fired, float Dispersion, float DispersionSum, float DispersionWeight, float RecentObserved, float RecentExpected, float BatchSum, float BatchSquares, int[] Counts, float[] Levels, byte[] Samples, float ProfileRate = -1, int ProfileDay = 0);

    /// <summary>The population day profile's state (<see cref="PopulationDayProfile"/>): next freeze, first uncovered
    /// bucket, and per slot the running day's counts, the frozen sums and the frozen coverage (fixed point).</summary>
    internal sealed record ProfileRecord(long NextFreeze, long SpanStart, long[] Running, long[] Sums, long[] Covered, bool SeveralKeys, string? FirstKey);

    /// <summary>The dispersion grid's state (<see cref="AnomalyDetectorOptions.DispersionGrid"/>, issue 15): the lagged
    /// mixture prior (a copy owned by the snapshot, never changed) and each key's grid state, <see cref="Keys"/>[i]
    /// belonging to the snapshot's <see cref="BaselineSnapshot.Keys"/>[i].</summary>
    internal sealed record GridRecord(LaggedGridPrior Prior, GridKeyState[] Keys);

    /// <summary>A key's grid state: whether it has seen an informative bucket, and its evidence (empty when not).</summary>
    internal readonly struct GridKeyState(bool informed, GridEvidence evidence)
    {
        public bool Informed { get; } = informed;

        public GridEvidence Evidence { get; } = evidence;
    }
}
