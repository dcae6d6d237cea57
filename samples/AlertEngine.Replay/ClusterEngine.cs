using System.Collections.Concurrent;

namespace AlertEngine.Replay;

/// <summary>
/// <c>--silos N</c>: the engine on a localhost Orleans cluster (<see cref="LocalhostCluster"/>), fed in numbered
/// batches. The alert changes come back through the cluster's <see cref="IAlertStore"/> (this process's, in upsert
/// order); an alert is final when the cluster does not list it among the alerts a later batch may change. Statistics
/// are the sums of the batches' results. Per-activity diagnostics stay in the cluster (its logs): stderr has the
/// summary line only.
/// </summary>
internal sealed class ClusterEngine : IDisposable
{
    private readonly LocalhostCluster _cluster;
    private readonly ChangeCollector _changes;
    private HashSet<string> _open = new(StringComparer.Ordinal);
    private long _batch;
    private long _processed, _duplicates, _late, _future, _detections, _created, _updated;

    private ClusterEngine(LocalhostCluster cluster, ChangeCollector changes, AlertEngineOptions options)
    {
        _cluster = cluster;
        _changes = changes;
        Options = options;
    }

    public AlertEngineOptions Options { get; }

    public DateTimeOffset? Watermark { get; private set; }

    public EngineStatistics Statistics => new(_processed, _duplicates, _late, _future, _detections, _created, _updated, 0, 0, 0);

    /// <exception cref="ArgumentException">A policy or an option is invalid (the message lists every problem).</exception>
    public static ClusterEngine Start(int silos, IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options)
    {
        // Validated (and the options copied) exactly as the single engine does, before any silo starts.
        using var validated = new AlertPipeline(policies, options);
        var changes = new ChangeCollector();
        var cluster = LocalhostCluster.StartAsync(silos, validated.Policies, validated.Options, changes, CancellationToken.None).GetAwaiter().GetResult();
        return new ClusterEngine(cluster, changes, validated.Options);
    }

    public bool IsFinal(Alert alert) => !_open.Contains(alert.Id);

    /// <summary>Evaluates a batch; returns the alerts it created or changed, in order.</summary>
    public IReadOnlyList<Alert> Process(IReadOnlyList<Activity> batch)
    {
        var result = _cluster.Engine.ProcessAsync(++_batch, batch).GetAwaiter().GetResult();
        _processed += result.Activities;
        _duplicates += result.Duplicates;
        _late += result.Late;
        _future += result.Future;
        _detections += result.Detections;
        _created += result.AlertsCreated;
        _updated += result.AlertsUpdated;
        Watermark = result.Watermark;
        _open = new HashSet<string>(result.OpenAlertIds, StringComparer.Ordinal);
        var alerts = new List<Alert>();
        while (_changes.TryTake(out var alert))
        {
            alerts.Add(alert);
        }

        return alerts;
    }

    public CheckpointRestoreResult RestoreCheckpoint(Stream stream) =>
        _cluster.Engine.RestoreCheckpointAsync(stream).GetAwaiter().GetResult();

    public void SaveCheckpoint(Stream stream) => _cluster.Engine.SaveCheckpointAsync(stream).GetAwaiter().GetResult();

    public void Dispose() => _cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The cluster's alert store: keeps each upsert, in order, for the replay to take.</summary>
    private sealed class ChangeCollector : IAlertStore
    {
        private readonly ConcurrentQueue<Alert> _queue = new();

        public bool TryTake(out Alert alert) => _queue.TryDequeue(out alert!);

        public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
        {
            _queue.Enqueue(alert);
            return ValueTask.CompletedTask;
        }

        public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
