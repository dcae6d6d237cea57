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

    // The anomaly state's format in an engine checkpoint when the model has the population profile: 2 adds the profile
    // to the detector-wide header and each key's cached rate to its record. A model without the profile (the default)
    // (the per-key model) writes format 1, the block as it always was; the population model (profile and grid) format 3.
    private const long ProfileStateFormat = 2;
    private const long GridStateFormat = 3;

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
            Model = options.AnomalyModel,
            ProfileFitLimit = options.AnomalyProfileFitLimit,
            DispersionGrid = options.AnomalyDispersionGrid,
        })
        {
            CountedInPass = true,
        };
    }

    /// <summary>The model, for snapshots and inspection.</summary>
    public BaselineModel<Activity> Model => _model;

    /// <summary>Whether the model counts the policy's population day profile (issue 15: the population model, the default
    /// <see cref="AlertEngineOptions.AnomalyModel"/>, where it applies): the engine then calls <see cref="Pass"/> before
    /// <see cref="Observe"/> for every activity that passed the policy's conditions.</summary>
    public bool CountsInPass => _model.HasProfile;

    /// <summary>Every partition (and, with the population profile, <see cref="AlertPipeline"/> just before
    /// <see cref="Observe"/>) calls this for every activity that passed the policy's conditions: it moves the
    /// detector-wide clock and counts the activity in the policy's population day profile, so every copy of the detector
    /// holds the single engine's profile. <see cref="Observe"/> does not count it again.</summary>
    public void Pass(Activity activity) =>
        _model.Pass(activity.Time.UtcTicks, _model.ProfileNeedsKey ? _scope(activity) ?? string.Empty : null);

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

    /// <summary>Detector-wide: the model's bucket, slots, zone, ring and watermark; per key: its baseline record, its
    /// working state and the kept activities a later detection can still carry (with their arrival order across keys),
    /// written from the model's arrays directly.</summary>
    public void WriteState(CheckpointWriter writer)
    {
        // Format 2 (with the population profile, issue 15): a negative marker (format 1 starts with the positive bucket
        // length), the header, then the profile. Format 3 (the profile and the dispersion grid: the population model, issue 15): the same, then the lagged prior's state, and each key's grid state after its record.
        if (_model.HasGrid)
        {
            writer.Write(-GridStateFormat);
        }
        else if (_model.HasProfile)
        {
            writer.Write(-ProfileStateFormat);
        }

        writer.Write(_model.BucketTicks);
        writer.Write(_model.SlotCount);
        writer.Write(_model.TimeZoneId);
        writer.Write(_model.Ring);
        writer.Write(_model.WatermarkTicks);
        if (_model.HasProfile)
        {
            _model.WriteProfile(writer);
        }

        if (_model.HasGrid)
        {
            GridCheckpoint.Write(writer, _model.GridPriorState!);
        }

        _model.WriteCheckpointKeys(writer, static (w, activity) => w.WriteActivity(activity));
    }

    /// <summary>Reads the state into this detector, which must be fresh (the engine discards it after an exception).
    /// An <see cref="ArgumentException"/> means the state does not fit this detector (another bucket or time zone): the
    /// engine skips the policy with that reason. A state written under the other model (the per-key model's format 1, the
    /// population model's format 3, the evaluation's profile-only format 2) is read by the snapshot's mix rule (docs/anomaly.md).</summary>
    public void ReadState(CheckpointReader reader)
    {
        // Before anything is read into the model (the grid's prior is read before the keys).
        _model.ThrowIfNotFreshForCheckpoint();
        var bucket = reader.ReadInt64();
        var format = 1L;
        if (bucket < 0)
        {
            format = -bucket;
            if (format != ProfileStateFormat && format != GridStateFormat)
            {
                throw CheckpointReader.Corrupt($"anomaly state has format {format}; this library reads 1, {ProfileStateFormat} and {GridStateFormat}");
            }

            bucket = reader.ReadInt64();
        }

        var slots = reader.ReadInt32();
        var zone = reader.ReadString();
        var ring = reader.ReadInt32();
        var watermark = reader.ReadInt64();
        if (bucket <= 0 || slots < 1 || slots > 1024 || ring < 1 || ring > 64)
        {
            throw CheckpointReader.Corrupt("anomaly state has a bad header");
        }

        // Format 1 (without the population profile) is read by a model with the profile with an empty one, which counts
        // from the next UTC day start on (docs/anomaly.md); a model without the profile drops a saved one.
        var profile = format >= 2 ? BaselineModel<Activity>.ReadProfile(reader, slots) : null;

        // The dispersion grid (format 3; the population model, the default), by the mix rule of BaselineSnapshot (one code:
        // BaselineModel's RestoreGridPrior and RestoreGridKey): a detector with the grid keeps it, one without drops it
        // (every key the grid had informed continues its moments from its φ̂); a state without it read by a detector
        // with the grid starts the grid as a new model's (the uniform prior, every key uninformed with its saved φ̂).
        // The saved grid is read and checked in full either way (damaged bytes are refused).
        LaggedGridPrior? grid = null;
        double[]? posterior = null;
        if (format == GridStateFormat)
        {
            grid = new LaggedGridPrior();
            GridCheckpoint.Read(reader, grid);
            posterior = new double[GridLikelihood.Size];
        }

        var count = reader.BeginKeys();
        if ((long)count * BaselineModel<Activity>.MinimumCheckpointKeyBytes(slots, ring) > reader.Remaining)
        {
            // Refused before the model sizes itself for the count (hundreds of bytes per key).
            throw CheckpointReader.Corrupt($"anomaly state declares {count} keys, more than its {reader.Remaining} bytes can hold");
        }

        _model.BeginCheckpointRestore(bucket, slots, zone, watermark, count);
        try
        {
            _model.RestoreProfile(profile, watermark);
        }
        catch (ArgumentException e)
        {
            throw CheckpointReader.Corrupt($"anomaly state has an impossible population profile ({e.Message})");
        }

        _model.RestoreCheckpointGridPrior(grid);

        var kept = new List<(long, string, long, Activity)>();
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            _model.ReadCheckpointKey(reader, key, ring);
            if (grid is not null)
            {
                _model.ReadGridKey(reader, key, grid, posterior!);
            }

            var items = reader.ReadCount(36);
            for (var i = 0; i < items; i++)
            {
                kept.Add((reader.ReadInt64(), key, reader.ReadInt64(), reader.ReadActivity()));
            }

            reader.EndKey();
        }

        _model.RestoreKept(kept);
    }

    internal static Detection ToDetection(BaselineDetection<Activity> found, Activity trigger, string? policyId) =>
        new(trigger.Time, trigger, found.Items, checked((int)found.Observed), found.Key)
        {
            PolicyId = policyId,
            Anomaly = new AnomalyScore(found.Observed, found.Expected, found.Score),
        };
}
