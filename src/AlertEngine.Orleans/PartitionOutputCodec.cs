namespace AlertEngine;

/// <summary>
/// A partition's output for one batch on the wire, from the partition grain to the coordinator grain: each
/// <see cref="PartitionEvent"/> with its order keys and its payload (detections with their activities in the
/// checkpoint's activity encoding, anomaly scores and reasons; early warnings; diagnostics; the message of an
/// evaluation error). Decoding gives events the coordinator applies exactly like in-process ones. Thread-safe (no state).
/// </summary>
internal static class PartitionOutputCodec
{
    private const byte Version = 1;

    public static byte[] Encode(PartitionOutput output)
    {
        var events = output.Events;
        using var writer = new CheckpointWriter(64 + (events.Count * 256));
        writer.Write(Version);
        writer.Write(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            writer.Write(e.Sequence);
            writer.Write(e.Order);
            writer.Write(e.Due);
            writer.Write(e.Arrival);
            writer.Write((byte)e.Kind);
            writer.Write(e.Policy);
            switch (e.Kind)
            {
                case PartitionEventKind.Detection:
                    WriteDetection(writer, (Detection)e.Payload);
                    break;
                case PartitionEventKind.EarlyWarning:
                    var warning = (EarlyWarning)e.Payload;
                    writer.WriteActivity(warning.Activity);
                    writer.Write(warning.ScopeKey);
                    break;
                case PartitionEventKind.Diagnostic:
                    var diagnostic = (EngineDiagnostic)e.Payload;
                    writer.Write((int)diagnostic.Kind);
                    writer.WriteNullable(diagnostic.ActivityId);
                    writer.WriteNullable(diagnostic.PolicyId);
                    writer.Write(diagnostic.Message);
                    break;
                default:
                    var error = (Exception)e.Payload;
                    writer.Write(error.GetType().FullName ?? error.GetType().Name);
                    writer.Write(error.Message);
                    break;
            }
        }

        return writer.Written.ToArray();
    }

    /// <summary>Decodes into <paramref name="output"/> (cleared first).</summary>
    /// <param name="bytes">What <see cref="Encode"/> wrote.</param>
    /// <param name="policies">The engine's policies (early warnings refer to theirs by index).</param>
    /// <param name="output">The output to fill.</param>
    /// <exception cref="InvalidDataException">The bytes are not an encoded output.</exception>
    public static void Decode(ReadOnlyMemory<byte> bytes, IReadOnlyList<AlertPolicy> policies, PartitionOutput output)
    {
        output.Clear();
        var reader = new CheckpointReader(bytes);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Unknown partition output encoding version {version}.");
        }

        var count = reader.ReadCount(33);
        for (var i = 0; i < count; i++)
        {
            var sequence = reader.ReadInt64();
            var order = reader.ReadInt32();
            var due = reader.ReadInt64();
            var arrival = reader.ReadInt64();
            var kind = (PartitionEventKind)reader.ReadByte();
            var policy = reader.ReadInt32();
            if ((uint)policy >= (uint)policies.Count)
            {
                throw CheckpointReader.Corrupt("a partition event names no policy");
            }

            object payload = kind switch
            {
                PartitionEventKind.Detection => ReadDetection(reader),
                PartitionEventKind.EarlyWarning => new EarlyWarning(policies[policy], reader.ReadActivity(), reader.ReadString()),
                PartitionEventKind.Diagnostic => new EngineDiagnostic((DiagnosticKind)reader.ReadInt32(), reader.ReadNullableString(), reader.ReadNullableString(), reader.ReadString()),
                PartitionEventKind.EvaluationError => new RemoteEvaluationException(reader.ReadString(), reader.ReadString()),
                _ => throw CheckpointReader.Corrupt("unknown partition event kind"),
            };
            output.Add(new PartitionEvent(sequence, order, due, arrival, kind, policy, payload));
        }

        reader.ExpectEnd("partition output");
    }

    private static void WriteDetection(CheckpointWriter writer, Detection d)
    {
        writer.WriteTime(d.Time);
        writer.WriteActivity(d.TriggeringActivity);
        writer.WriteActivities(d.Activities);
        writer.Write(d.HitCount);
        writer.Write(d.ScopeKey);
        writer.WriteNullable(d.PolicyId);
        writer.Write(d.Anomaly is not null);
        if (d.Anomaly is { } anomaly)
        {
            writer.Write(anomaly.Observed);
            writer.Write(anomaly.Expected);
            writer.Write(anomaly.Score);
        }

        switch (d.Reason)
        {
            case null:
                writer.Write((byte)0);
                break;
            case DistinctValues distinct:
                writer.Write((byte)1);
                writer.Write(distinct.Count);
                writer.Write(distinct.Values.Count);
                foreach (var value in distinct.Values)
                {
                    writer.Write(value);
                }

                break;
            case NewValueSeen seen:
                writer.Write((byte)2);
                writer.Write(seen.Value);
                writer.WriteTime(seen.KeyFirstSeen);
                break;
            case SilenceObserved silence:
                writer.Write((byte)3);
                writer.Write(silence.Silence.Ticks);
                writer.WriteTime(silence.LastActivityAt);
                break;
            case SpikeCounts spike:
                writer.Write((byte)4);
                writer.Write(spike.Current);
                writer.Write(spike.Reference);
                break;
            case SumTotal sum:
                writer.Write((byte)5);
                writer.Write(sum.Total);
                break;
            default:
                throw new NotSupportedException($"Detection reason {d.Reason.GetType().Name} cannot cross a grain boundary.");
        }
    }

    private static Detection ReadDetection(CheckpointReader reader)
    {
        var time = reader.ReadTime();
        var triggering = reader.ReadActivity();
        var activities = reader.ReadActivities();
        var hitCount = reader.ReadInt32();
        var scopeKey = reader.ReadString();
        var policyId = reader.ReadNullableString();
        var anomaly = reader.ReadBoolean() ? new AnomalyScore(reader.ReadInt64(), reader.ReadDouble(), reader.ReadDouble()) : null;
        DetectionReason? reason = reader.ReadByte() switch
        {
            0 => null,
            1 => ReadDistinct(reader),
            2 => new NewValueSeen(reader.ReadString(), reader.ReadTime()),
            3 => new SilenceObserved(TimeSpan.FromTicks(reader.ReadInt64()), reader.ReadTime()),
            4 => new SpikeCounts(reader.ReadInt32(), reader.ReadInt32()),
            5 => new SumTotal(reader.ReadDouble()),
            _ => throw CheckpointReader.Corrupt("unknown detection reason"),
        };
        if (hitCount < activities.Count)
        {
            throw CheckpointReader.Corrupt("a detection's hit count is below its activity count");
        }

        return new Detection(time, triggering, activities, hitCount, scopeKey) { PolicyId = policyId, Anomaly = anomaly, Reason = reason };
    }

    private static DistinctValues ReadDistinct(CheckpointReader reader)
    {
        var count = reader.ReadInt32();
        var values = new string[reader.ReadCount(1)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadString();
        }

        return new DistinctValues(count, values);
    }
}
