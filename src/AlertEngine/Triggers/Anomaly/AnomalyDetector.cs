namespace AlertEngine;

/// <summary>
/// The engine's detector for an unusual-activity policy: reads the scope key, counts the activity in a
/// <see cref="BaselineModel{T}"/>, and turns its detections into <see cref="Detection"/>s carrying the policy id,
/// the bucket's activities so far (capped) and the <see cref="AnomalyScore"/>. Late activities beyond the key's
/// open buckets, key-cap overflow and missing scope keys are reported.
/// </summary>
internal sealed class AnomalyDetector : IPolicyDetector
{
    private readonly string _policyId;
    private readonly Func<Activity, string?> _scope;
    private readonly bool _reportMissing;
    private readonly Action<EngineDiagnostic> _report;
    private readonly BaselineModel<Activity> _model;

    public AnomalyDetector(AlertPolicy policy, AnomalyTrigger trigger, AlertEngineOptions options, Action<EngineDiagnostic> report)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(report);
        _policyId = policy.Id;
        _scope = ScopeKeys.Reader(trigger.Scope);
        _reportMissing = !trigger.Scope.IsSingleKey;
        _report = report;
        _model = new BaselineModel<Activity>(trigger, new AnomalyDetectorOptions
        {
            AllowedLateness = options.AllowedLateness,
            MaxTrackedKeys = options.MaxTrackedKeysPerPolicy,
            MaxActivitiesPerDetection = options.MaxActivitiesPerAlert,
            TimeZone = options.TimeZone,
            KeyTimeZone = options.AnomalyKeyTimeZone,
        });
    }

    /// <summary>The model, for snapshots and inspection.</summary>
    public BaselineModel<Activity> Model => _model;

    /// <inheritdoc />
    public void Pass(Activity activity) => _model.AdvanceTo(activity.Time.UtcTicks);

    public Detection? Observe(Activity activity)
    {
        var key = _scope(activity);
        if (key is null)
        {
            key = string.Empty;
            if (_reportMissing)
            {
                _report(new EngineDiagnostic(DiagnosticKind.MissingScopeKey, activity.Id, _policyId, "The activity has no value for the policy's scope; counted under the key \"\"."));
            }
        }

        switch (_model.Observe(key, activity.Time, activity, out var found))
        {
            case AnomalyOutcome.Detected:
                return ToDetection(found!, activity, _policyId);
            case AnomalyOutcome.KeyCapExceeded:
                _report(new EngineDiagnostic(DiagnosticKind.KeyCapExceeded, activity.Id, _policyId, "The policy's cap on tracked scope keys is reached; the activity was not counted."));
                return null;
            case AnomalyOutcome.Late:
                _report(new EngineDiagnostic(DiagnosticKind.Late, activity.Id, _policyId, "The activity's anomaly bucket is already closed for its scope key; the activity was not counted."));
                return null;
            default:
                return null;
        }
    }

    /// <summary>Saves the detector's state.</summary>
    public BaselineSnapshot CreateSnapshot() => _model.CreateSnapshot();

    /// <summary>Restores the detector's state.</summary>
    public void Restore(BaselineSnapshot snapshot) => _model.Restore(snapshot);

    /// <summary>Detector-wide: the model's bucket, slots, zone, ring and watermark; per key: its baseline record and
    /// the kept activities a later detection can still carry (with their arrival order across keys).</summary>
    public void WriteState(CheckpointWriter writer)
    {
        var snapshot = _model.CreateSnapshot();
        writer.Write(snapshot.BucketTicks);
        writer.Write(snapshot.SlotCount);
        writer.Write(snapshot.TimeZoneId);
        writer.Write(snapshot.Ring);
        writer.Write(snapshot.WatermarkTicks);
        // Kept items are numbered by arrival across keys; the numbers are written as ranks so that equal states give
        // equal bytes (a restored model numbers its items anew).
        var kept = new List<(long Sequence, long Ticks, Activity Item)>[snapshot.Keys.Length];
        var sequences = new List<long>();
        for (var i = 0; i < kept.Length; i++)
        {
            kept[i] = _model.KeptItems(snapshot.Keys[i].Key);
            foreach (var item in kept[i])
            {
                sequences.Add(item.Sequence);
            }
        }

        sequences.Sort();
        writer.BeginKeys(snapshot.Keys.Length);
        using var record = new MemoryStream();
        using var binary = new BinaryWriter(record, System.Text.Encoding.UTF8, leaveOpen: true);
        for (var n = 0; n < kept.Length; n++)
        {
            var key = snapshot.Keys[n];
            writer.BeginKey(key.Key);
            record.SetLength(0);
            BaselineSnapshot.WriteKey(binary, key);
            binary.Flush();
            writer.WriteBlock(record.GetBuffer().AsSpan(0, (int)record.Length));
            var working = _model.ExportWorkingState(key.Key);
            writer.Write(working.FastFrom);
            writer.Write(working.BatchTicks);
            writer.Write(working.BatchSize);
            writer.Write(working.Threshold);
            writer.Write(working.Expected);
            writer.Write(working.Scale);
            writer.Write(kept[n].Count);
            foreach (var (sequence, ticks, item) in kept[n])
            {
                writer.Write((long)sequences.BinarySearch(sequence) + 1);
                writer.Write(ticks);
                writer.WriteActivity(item);
            }

            writer.EndKey();
        }
    }

    public void ReadState(CheckpointReader reader)
    {
        var bucket = reader.ReadInt64();
        var slots = reader.ReadInt32();
        var zone = reader.ReadString();
        var ring = reader.ReadInt32();
        var watermark = reader.ReadInt64();
        if (bucket <= 0 || slots < 1 || slots > 1024 || ring < 1 || ring > 64)
        {
            throw CheckpointReader.Corrupt("anomaly state has a bad header");
        }

        var count = reader.BeginKeys();
        var records = new BaselineSnapshot.KeyRecord[count];
        var kept = new List<(long, string, long, Activity)>();
        var working = new BaselineModel<Activity>.WorkingState[count];
        byte[]? payload = null;
        BinaryReader? binary = null;
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            var block = reader.ReadBlock();
            if (!System.Runtime.InteropServices.MemoryMarshal.TryGetArray(block, out var segment) || segment.Array is null)
            {
                throw new InvalidOperationException("A checkpoint block is not backed by an array.");
            }

            // One reader over the payload for every key: no stream or reader per key.
            if (!ReferenceEquals(payload, segment.Array))
            {
                binary?.Dispose();
                payload = segment.Array;
                binary = new BinaryReader(new MemoryStream(payload, writable: false), System.Text.Encoding.UTF8);
            }

            try
            {
                binary!.BaseStream.Position = segment.Offset;
                records[k] = BaselineSnapshot.ReadKey(binary, ring, slots, k);
                if (binary.BaseStream.Position != segment.Offset + segment.Count || !string.Equals(records[k].Key, key, StringComparison.Ordinal))
                {
                    throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' is inconsistent");
                }
            }
            catch (Exception e) when (e is EndOfStreamException or FormatException or IOException)
            {
                throw new InvalidDataException($"Corrupt checkpoint: the anomaly record of key '{key}' is malformed.", e);
            }

            working[k] = new(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadSingle(), reader.ReadSingle());
            if (working[k].BatchSize < 0 || !float.IsFinite(working[k].Expected) || !float.IsFinite(working[k].Scale))
            {
                throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' has an impossible working state");
            }

            var items = reader.ReadCount(36);
            for (var i = 0; i < items; i++)
            {
                kept.Add((reader.ReadInt64(), key, reader.ReadInt64(), reader.ReadActivity()));
            }

            reader.EndKey();
        }

        // An ArgumentException here means the state does not fit this detector (another bucket or time zone): the
        // engine skips the policy with that reason.
        binary?.Dispose();
        _model.Restore(new BaselineSnapshot(bucket, slots, zone, ring, watermark, records));
        _model.RestoreKept(kept);
        for (var k = 0; k < count; k++)
        {
            _model.RestoreWorkingState(records[k].Key, working[k]);
        }
    }

    internal static Detection ToDetection(BaselineDetection<Activity> found, Activity trigger, string? policyId) =>
        new(trigger.Time, trigger, found.Items, checked((int)found.Observed), found.Key)
        {
            PolicyId = policyId,
            Anomaly = new AnomalyScore(found.Observed, found.Expected, found.Score),
        };
}
