namespace AlertEngine.Replay;

/// <summary>
/// The engine the replay feeds (<c>--threads</c>, <c>--silos</c>), in batches: the plain <see cref="AlertPipeline"/>
/// for one thread (its batch entry point overlaps the duplicate filter's lookups), a
/// <see cref="PartitionedAlertPipeline"/> for more, or an engine on a localhost Orleans cluster
/// (<see cref="ClusterEngine"/>). All give the same alerts; the batches only decide when changes reach the output
/// buffer, which orders them itself.
/// </summary>
internal sealed class ReplayEngine : IDisposable
{
    // Small enough that a batch's activities are still in the cache when the partitions read them (docs/scale-out.md).
    private const int BatchSize = 1024;

    private readonly AlertPipeline? _single;
    private readonly PartitionedAlertPipeline? _partitioned;
    private readonly ClusterEngine? _cluster;
    private readonly List<Activity> _batch = new(BatchSize);
    private readonly List<long> _lines = new(BatchSize);
    private readonly Dictionary<string, long> _lineById = new(StringComparer.Ordinal);
    private List<Activity> _lookUpActivities;
    private List<long> _lookUpLines;
    private long _currentLine;

    /// <exception cref="ArgumentException">A policy is invalid.</exception>
    public ReplayEngine(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, int threads, int? silos = null)
    {
        if (silos is { } count)
        {
            _cluster = ClusterEngine.Start(count, policies, options);
        }
        else if (threads == 1)
        {
            _single = new AlertPipeline(policies, options);
        }
        else
        {
            _partitioned = new PartitionedAlertPipeline(policies, threads, options);
        }

        _lookUpActivities = _batch;
        _lookUpLines = _lines;
    }

    /// <summary>The partitioned engine (<c>--threads</c> above 1), which <see cref="StagedReplay"/> drives stage by
    /// stage; <see langword="null"/> for the others.</summary>
    public PartitionedAlertPipeline? Partitioned => _partitioned;

    public AlertEngineOptions Options => _single?.Options ?? _partitioned?.Options ?? _cluster!.Options;

    public TimeProvider TimeProvider => TimeProvider.System;

    public EngineStatistics Statistics => _single?.Statistics ?? _partitioned?.Statistics ?? _cluster!.Statistics;

    public DateTimeOffset? Watermark => _single is not null ? _single.Watermark : _partitioned is not null ? _partitioned.Watermark : _cluster!.Watermark;

    public IObservable<EngineDiagnostic> Diagnostics => _single?.Diagnostics ?? _partitioned?.Diagnostics ?? System.Reactive.Linq.Observable.Never<EngineDiagnostic>();

    public bool IsFinal(Alert alert) => _single?.IsFinal(alert) ?? _partitioned?.IsFinal(alert) ?? _cluster!.IsFinal(alert);

    public CheckpointRestoreResult RestoreCheckpoint(Stream stream) =>
        _single?.RestoreCheckpoint(stream) ?? _partitioned?.RestoreCheckpoint(stream) ?? _cluster!.RestoreCheckpoint(stream);

    public void SaveCheckpoint(Stream stream)
    {
        if (_single is not null)
        {
            _single.SaveCheckpoint(stream);
        }
        else if (_partitioned is not null)
        {
            _partitioned.SaveCheckpoint(stream);
        }
        else
        {
            _cluster!.SaveCheckpoint(stream);
        }
    }

    /// <summary>The input line of the activity being evaluated, for messages (in a batch: the line of that id; the
    /// batch's index by id is built on the first message, so a batch without messages never builds it).</summary>
    public long LineOf(string? activityId)
    {
        if (activityId is null)
        {
            return _currentLine;
        }

        if (_lineById.Count == 0)
        {
            for (var i = 0; i < _lookUpActivities.Count; i++)
            {
                _lineById[_lookUpActivities[i].Id] = _lookUpLines[i];
            }
        }

        return _lineById.TryGetValue(activityId, out var line) ? line : _currentLine;
    }

    /// <summary>Messages from now on are about a batch that <see cref="StagedReplay"/> applies: its activities and
    /// their lines (<see langword="null"/>: this engine's own batch again).</summary>
    public void LookUpLinesIn(List<Activity>? activities, List<long>? lines)
    {
        _lookUpActivities = activities ?? _batch;
        _lookUpLines = lines ?? _lines;
        _lineById.Clear();
        if (_lookUpLines.Count > 0)
        {
            _currentLine = _lookUpLines[^1];
        }
    }

    // The output keys of a batch's changes (LatestAlerts), reused.
    private readonly HashSet<AlertOrderBuffer.AlertKey> _latestKeys = new(AlertOrderBuffer.AlertKeyComparer.Instance);

    /// <summary>Receives the alerts created or changed by whatever was evaluated, in order (set once, before the first activity).</summary>
    public Action<IReadOnlyList<Alert>>? Evaluated { get; set; }

    /// <summary>Queues an activity for the next batch, evaluated when it is full or at <see cref="Flush"/>.</summary>
    public void Add(Activity activity, long line)
    {
        _ = Evaluated ?? throw new InvalidOperationException("Set Evaluated first.");
        _currentLine = line;
        _batch.Add(activity);
        _lines.Add(line);
        if (_batch.Count == BatchSize)
        {
            Flush();
        }
    }

    /// <summary>Evaluates the queued activities.</summary>
    public void Flush()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        var evaluated = Evaluated ?? throw new InvalidOperationException("Set Evaluated first.");
        evaluated(
            _single is not null ? AlertsOf(_single.Process(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_batch)))
            : _partitioned is not null ? AlertsOf(_partitioned.Process(_batch))
            : _cluster!.Process(_batch));
        _batch.Clear();
        _lines.Clear();
        _lineById.Clear();
    }

    public void Dispose()
    {
        _single?.Dispose();
        _partitioned?.Dispose();
        _cluster?.Dispose();
    }

    private Alert[] AlertsOf(IReadOnlyList<AlertChange> changes) => LatestAlerts(changes, _latestKeys);

    /// <summary>
    /// The alert of each output key's last change in <paramref name="changes"/>, in the order of those last changes:
    /// the order buffer (<see cref="AlertOrderBuffer"/>) keeps one alert per key (creation time, policy id, id) and
    /// replaces it with the key's later snapshots, and a change of an aggregated alert makes its snapshot when first
    /// read (<see cref="AlertChange"/>), so an every-time policy's open alert, updated by many changes of a batch, is
    /// made once per batch instead of once per change (issue 16, benchmarks/results/end-to-end.md, lazy-16). What the
    /// buffer holds after this batch is what adding every change's alert would leave in it: the same keys, each with
    /// its last alert (two alerts that share an id, a <c>mode: none</c> policy's alerts of a reused activity id, stay
    /// two when their creation times differ, as they were before, whatever the batch boundaries).
    /// </summary>
    /// <param name="changes">The changes of a batch, in order.</param>
    /// <param name="seen">A set reused from batch to batch (cleared here), of <see cref="AlertOrderBuffer.AlertKeyComparer"/>.</param>
    internal static Alert[] LatestAlerts(IReadOnlyList<AlertChange> changes, HashSet<AlertOrderBuffer.AlertKey> seen)
    {
        if (changes.Count <= 1)
        {
            return changes.Count == 0 ? [] : [changes[0].Alert];
        }

        seen.Clear();
        var latest = new List<Alert>();
        for (var i = changes.Count - 1; i >= 0; i--)
        {
            if (seen.Add(AlertOrderBuffer.KeyOf(changes[i])))
            {
                latest.Add(changes[i].Alert);
            }
        }

        latest.Reverse();
        return [.. latest];
    }
}
