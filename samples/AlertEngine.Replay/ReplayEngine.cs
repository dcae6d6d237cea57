namespace AlertEngine.Replay;

/// <summary>
/// The engine the replay feeds (<c>--threads</c>): the plain <see cref="AlertPipeline"/> for one thread, or a
/// <see cref="PartitionedAlertPipeline"/> fed in batches for more. Both give the same alerts; the batches only decide
/// when changes reach the output buffer, which orders them itself.
/// </summary>
internal sealed class ReplayEngine : IDisposable
{
    private const int BatchSize = 4096;

    private readonly AlertPipeline? _single;
    private readonly PartitionedAlertPipeline? _partitioned;
    private readonly List<Activity> _batch = new(BatchSize);
    private readonly Dictionary<string, long> _lineById = new(StringComparer.Ordinal);
    private long _currentLine;

    /// <exception cref="ArgumentException">A policy is invalid.</exception>
    public ReplayEngine(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, int threads)
    {
        if (threads == 1)
        {
            _single = new AlertPipeline(policies, options);
        }
        else
        {
            _partitioned = new PartitionedAlertPipeline(policies, threads, options);
        }
    }

    public AlertEngineOptions Options => _single?.Options ?? _partitioned!.Options;

    public TimeProvider TimeProvider => TimeProvider.System;

    public EngineStatistics Statistics => _single?.Statistics ?? _partitioned!.Statistics;

    public DateTimeOffset? Watermark => _single is not null ? _single.Watermark : _partitioned!.Watermark;

    public IObservable<EngineDiagnostic> Diagnostics => _single?.Diagnostics ?? _partitioned!.Diagnostics;

    public bool IsFinal(Alert alert) => _single?.IsFinal(alert) ?? _partitioned!.IsFinal(alert);

    public CheckpointRestoreResult RestoreCheckpoint(Stream stream) => _single?.RestoreCheckpoint(stream) ?? _partitioned!.RestoreCheckpoint(stream);

    public void SaveCheckpoint(Stream stream)
    {
        if (_single is not null)
        {
            _single.SaveCheckpoint(stream);
        }
        else
        {
            _partitioned!.SaveCheckpoint(stream);
        }
    }

    /// <summary>The input line of the activity being evaluated, for messages (in a batch: the line of that id).</summary>
    public long LineOf(string? activityId) =>
        activityId is not null && _lineById.TryGetValue(activityId, out var line) ? line : _currentLine;

    /// <summary>Receives the changes of whatever was evaluated (set once, before the first activity).</summary>
    public Action<IReadOnlyList<AlertChange>>? Evaluated { get; set; }

    /// <summary>Evaluates an activity, or queues it for the next batch.</summary>
    public void Add(Activity activity, long line)
    {
        var evaluated = Evaluated ?? throw new InvalidOperationException("Set Evaluated first.");
        if (_single is not null)
        {
            _currentLine = line;
            evaluated(_single.Process(activity));
            return;
        }

        _batch.Add(activity);
        _lineById[activity.Id] = line;
        if (_batch.Count == BatchSize)
        {
            Flush();
        }
    }

    /// <summary>Evaluates the queued activities.</summary>
    public void Flush()
    {
        if (_partitioned is null || _batch.Count == 0)
        {
            return;
        }

        var evaluated = Evaluated ?? throw new InvalidOperationException("Set Evaluated first.");
        evaluated(_partitioned.Process(_batch));
        _batch.Clear();
        _lineById.Clear();
    }

    public void Dispose()
    {
        _single?.Dispose();
        _partitioned?.Dispose();
    }
}
