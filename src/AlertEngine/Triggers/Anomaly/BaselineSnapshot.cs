using System.Text;

namespace AlertEngine;

/// <summary>
/// The saved state of a <see cref="BaselineModel{T}"/>: per key, its learned seasonal baseline, learning clock and
/// open buckets, so a restart does not throw away a week of learning. Kept items (activities) are not saved: a
/// detection right after a restore carries only the activities seen since. Immutable; write it with
/// <see cref="WriteTo"/> and read it back with <see cref="ReadFrom"/> (a compact, versioned binary format).
/// </summary>
public sealed class BaselineSnapshot
{
    private const uint Magic = 0x53424541; // "AEBS"
    private const int FormatVersion = 1;
    private const int MaxSlots = 1024;
    private const int MaxRing = 64;

    internal BaselineSnapshot(long bucketTicks, int slotCount, string timeZoneId, int ring, long watermark, KeyRecord[] keys)
    {
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

    /// <summary>Writes the snapshot to a stream (left open).</summary>
    /// <param name="stream">A writable stream.</param>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(BucketTicks);
        w.Write(SlotCount);
        w.Write(TimeZoneId);
        w.Write(Ring);
        w.Write(WatermarkTicks);
        w.Write(Keys.Length);
        foreach (var k in Keys)
        {
            WriteKey(w, k);
        }
    }

    /// <summary>Writes one key's record (also the payload of a key in an engine checkpoint).</summary>
    internal static void WriteKey(BinaryWriter w, KeyRecord k)
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
    }

    /// <summary>Reads a snapshot written by <see cref="WriteTo"/>.</summary>
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
            if (version != FormatVersion)
            {
                throw new InvalidDataException($"Unsupported anomaly baseline snapshot version {version}; expected {FormatVersion}.");
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
                keys.Add(ReadKey(r, ring, slots, i));
            }

            return new BaselineSnapshot(bucket, slots, zone, ring, watermark, [.. keys]);
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

    /// <summary>Reads one key's record written by <see cref="WriteKey"/>; <paramref name="index"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">A value is invalid.</exception>
    /// <exception cref="EndOfStreamException">The data ends inside the record.</exception>
    internal static KeyRecord ReadKey(BinaryReader r, int ring, int slots, int index)
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

        return new KeyRecord(key, newest, first, folded, fired, dispersion, recentObserved, recentExpected, batchSum, batchSquares, counts, levels, samples);
    }

    /// <summary>One key's state. <see cref="Folded"/> is the last bucket folded into the baseline;
    /// <see cref="Counts"/>[i] is the count of bucket <c>NewestBucket − i</c>;
    /// <see cref="Levels"/> holds the expected count per slot; <see cref="Samples"/> the samples per slot.</summary>
    internal sealed record KeyRecord(string Key, long NewestBucket, long FirstTicks, long Folded, ulong Fired, float Dispersion, float RecentObserved, float RecentExpected, float BatchSum, float BatchSquares, int[] Counts, float[] Levels, byte[] Samples);
}
