using System.Text;

namespace AlertEngine;

// Saving and restoring what the anomaly policies have learned, so a restart does not learn for another week.
public sealed partial class AlertPipeline
{
    private const uint AnomalyStateMagic = 0x53414541; // "AEAS"
    private const int AnomalyStateVersion = 1;

    /// <summary>
    /// Writes what every anomaly policy has learned (its <see cref="BaselineSnapshot"/>, with the policy it was learned
    /// for) to a stream, so that a restarted pipeline can <see cref="RestoreAnomalyState"/> instead of learning for
    /// another learning period. Not saved: kept activities, open alerts, threshold windows, the duplicate filter.
    /// Thread-safe: the state is copied under the pipeline's lock, between two activities; the stream is written after.
    /// </summary>
    /// <param name="stream">A writable stream (left open).</param>
    /// <returns>The number of anomaly policies saved.</returns>
    /// <exception cref="ObjectDisposedException">The pipeline is disposed.</exception>
    public int SaveAnomalyState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var saved = new List<(AlertPolicy Policy, BaselineSnapshot Snapshot)>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var runtime in _byId.Values)
            {
                if (runtime.Detector is AnomalyDetector anomaly)
                {
                    saved.Add((runtime.Policy, anomaly.CreateSnapshot()));
                }
            }
        }

        saved.Sort(static (a, b) => string.CompareOrdinal(a.Policy.Id, b.Policy.Id));
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(AnomalyStateMagic);
        writer.Write(AnomalyStateVersion);
        writer.Write(saved.Count);
        using var buffer = new MemoryStream();
        foreach (var (policy, snapshot) in saved)
        {
            writer.Write(PolicySerializer.Save([policy]));
            buffer.SetLength(0);
            snapshot.WriteTo(buffer);
            writer.Write(checked((int)buffer.Length));
            writer.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        }

        return saved.Count;
    }

    /// <summary>
    /// Restores what <see cref="SaveAnomalyState"/> wrote. Each saved baseline goes to the current policy with the same
    /// id when that policy is an anomaly policy whose operations, conditions and trigger are unchanged (otherwise the
    /// baseline would describe other activities) and whose bucket and time zone match; every other one is skipped and
    /// listed with the reason, and so is one whose restoring threw (e.g. <see cref="AlertEngineOptions.AnomalyKeyTimeZone"/>
    /// failed), which keeps the state it had. Restoring replaces the policy's learned state. The whole input is read and
    /// checked before any policy changes. Thread-safe.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the saved state (left open); it need not seek.</param>
    /// <returns>The policies restored and the ones skipped.</returns>
    /// <exception cref="InvalidDataException">The data is not saved anomaly state of a supported version, or is truncated or corrupt.</exception>
    /// <exception cref="ObjectDisposedException">The pipeline is disposed.</exception>
    public AnomalyStateRestoreResult RestoreAnomalyState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
        }

        var records = ReadAnomalyState(stream);
        var restored = new List<string>();
        var skipped = new List<ValidationError>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (var (saved, snapshot) in records)
            {
                if (!_byId.TryGetValue(saved.Id, out var runtime))
                {
                    skipped.Add(new(saved.Id, "no policy has this id any more"));
                }
                else if (runtime.Detector is not AnomalyDetector anomaly)
                {
                    skipped.Add(new(saved.Id, "the policy is no longer an anomaly policy"));
                }
                else if (!PolicyEquality.SameDetection(saved, runtime.Policy))
                {
                    skipped.Add(new(saved.Id, "the policy's operations, conditions or trigger changed since the state was saved"));
                }
                else
                {
                    try
                    {
                        anomaly.Restore(snapshot);
                        restored.Add(saved.Id);
                    }
                    catch (ArgumentException e)
                    {
                        skipped.Add(new(saved.Id, e.Message));
                    }
#pragma warning disable CA1031 // One policy whose restore fails (the zone resolver is user code) must not stop the others; it keeps its state.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        skipped.Add(new(saved.Id, "restoring failed: " + e.Message));
                    }
                }
            }
        }

        return new AnomalyStateRestoreResult(restored, skipped);
    }

    private static List<(AlertPolicy Policy, BaselineSnapshot Snapshot)> ReadAnomalyState(Stream stream)
    {
        try
        {
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            if (reader.ReadUInt32() != AnomalyStateMagic)
            {
                throw new InvalidDataException("Not saved anomaly state.");
            }

            var version = reader.ReadInt32();
            if (version != AnomalyStateVersion)
            {
                throw new InvalidDataException($"Unsupported anomaly state version {version}; expected {AnomalyStateVersion}.");
            }

            var count = reader.ReadInt32();
            if (count < 0 || (stream.CanSeek && count > stream.Length - stream.Position))
            {
                throw new InvalidDataException("Corrupt anomaly state header.");
            }

            // A stream that cannot seek cannot bound the count: let the list grow as records arrive.
            var records = new List<(AlertPolicy, BaselineSnapshot)>(Math.Min(count, 64));
            var ids = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var loaded = PolicySerializer.Load(ReadPolicyJson(reader, stream, i));
                if (!loaded.IsValid || loaded.Value.Count != 1)
                {
                    throw new InvalidDataException($"Corrupt anomaly state: record {i} does not hold one valid policy.");
                }

                var policy = loaded.Value[0];
                if (!ids.Add(policy.Id))
                {
                    throw new InvalidDataException($"Corrupt anomaly state: policy '{policy.Id}' appears twice.");
                }

                var length = reader.ReadInt32();
                if (length < 0 || (stream.CanSeek && length > stream.Length - stream.Position))
                {
                    throw new InvalidDataException($"Corrupt anomaly state: record {i} has a bad length.");
                }

                using var snapshot = new MemoryStream(ReadExactly(reader, length), writable: false);
                try
                {
                    records.Add((policy, BaselineSnapshot.ReadFrom(snapshot)));
                }
                catch (Exception e) when (e is FormatException or IOException)
                {
                    // From a memory stream these mean corrupt data (e.g. a bad string length), not a failing device.
                    throw new InvalidDataException($"Corrupt anomaly state: record {i} holds a corrupt baseline.", e);
                }
            }

            return records;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("Truncated anomaly state.", e);
        }
    }

    /// <summary>Reads a policy's JSON, written as a length-prefixed UTF-8 string, refusing a corrupt length
    /// (<see cref="BinaryReader.ReadString"/> would throw <see cref="FormatException"/> or <see cref="IOException"/>).</summary>
    private static string ReadPolicyJson(BinaryReader reader, Stream stream, int record)
    {
        int length;
        try
        {
            length = reader.Read7BitEncodedInt();
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Corrupt anomaly state: record {record} has a bad policy length.", e);
        }

        if (length < 0 || length > PolicySerializer.MaxDocumentBytes || (stream.CanSeek && length > stream.Length - stream.Position))
        {
            throw new InvalidDataException($"Corrupt anomaly state: record {record} has a bad policy length.");
        }

        return Encoding.UTF8.GetString(ReadExactly(reader, length));
    }

    /// <summary>Reads <paramref name="length"/> bytes, allocating as they arrive (a corrupt length read from a stream
    /// that cannot seek must not allocate gigabytes up front).</summary>
    private static byte[] ReadExactly(BinaryReader reader, int length)
    {
        const int Chunk = 1 << 20;
        if (length <= Chunk)
        {
            var bytes = reader.ReadBytes(length);
            return bytes.Length == length ? bytes : throw new EndOfStreamException();
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[Chunk];
        while (buffer.Length < length)
        {
            var read = reader.Read(chunk, 0, (int)Math.Min(Chunk, length - buffer.Length));
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}

/// <summary>What <see cref="AlertPipeline.RestoreAnomalyState"/> did.</summary>
/// <param name="Restored">The ids of the policies whose learned state was restored.</param>
/// <param name="Skipped">The saved policies not restored: the path is the policy id, the message says why.</param>
public sealed record AnomalyStateRestoreResult(IReadOnlyList<string> Restored, IReadOnlyList<ValidationError> Skipped);
