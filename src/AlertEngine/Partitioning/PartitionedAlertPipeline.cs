using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>
/// The engine with its state partitioned over several single-threaded partitions that evaluate a batch of activities
/// in parallel (one per core, say). Its alert changes, diagnostics, statistics and checkpoints are exactly those of
/// one <see cref="AlertPipeline"/> fed the same activities in the same order.
/// </summary>
/// <remarks>
/// <para><b>How.</b> Per batch: a sequential coordinator checks the future tolerance and routes each activity id's
/// duplicate question to the partition of its digest; the partitions answer in parallel; the coordinator applies the
/// lateness rule and moves the clock; every partition then evaluates the admitted activities for the scope keys it
/// owns (<see cref="Partitioner"/>: a stable hash of the key), in parallel; finally the coordinator applies the
/// partitions' detections, diagnostics and early warnings in the single engine's order, through each policy's
/// aggregation (which stays in the coordinator: every detection of a policy meets it there). docs/scale-out.md
/// explains what scales (keys) and what does not (one policy's aggregation, the sequential phases).</para>
/// <para><b>Same output.</b> Alerts, ids, hit counts, activity lists and diagnostics equal the single engine's, with
/// one exception: when a policy reaches <see cref="AlertEngineOptions.MaxTrackedKeysPerPolicy"/> or a trigger's
/// memory caps, which keys or kept activities are dropped first depends on the partition (each partition applies the
/// caps to its own keys).</para>
/// <para><b>Checkpoints.</b> <see cref="SaveCheckpoint"/> writes the single engine's format, so a checkpoint moves
/// freely between an <see cref="AlertPipeline"/> and partitioned pipelines of any partition count.</para>
/// <para><b>Threads.</b> The parallel phases run on min(partitions, processor count) threads: the thread that calls
/// <see cref="Process(IReadOnlyList{Activity})"/> and dedicated background threads of the pipeline, which block
/// between batches and stop at <see cref="Dispose"/>.</para>
/// <para><b>Thread safety.</b> All members are safe to call from several threads; batches are processed one at a
/// time. Observers of <see cref="Changes"/>, <see cref="Diagnostics"/> and <see cref="EarlyWarnings"/> are called on
/// the thread that called <see cref="Process(IReadOnlyList{Activity})"/>, in order.</para>
/// </remarks>
public sealed partial class PartitionedAlertPipeline : IDisposable
{
    private readonly Lock _gate = new();
    private readonly AlertPipeline _coordinator;
    private readonly EnginePartition[] _partitions;
    private WorkerGroup? _workers;
    private readonly PartitionOutput[] _outputs;
    private readonly List<DuplicateQuery>[] _queries;
    private readonly List<AdmittedActivity> _admitted = [];
    private readonly PartitionRouter _router;
    private readonly BatchRoutes _routes = new();
    private readonly GridExchange? _grid;
    private AlertPipeline.Admission[] _admission = [];
    private DateTimeOffset[] _futureNow = [];
    private long[] _lateAgainst = [];
    private bool[] _isDuplicate = [];
    private bool _disposed;
    private Exception? _fault;

    /// <summary>Creates a partitioned pipeline.</summary>
    /// <param name="policies">The policies; validated like <see cref="AlertPipeline"/>'s.</param>
    /// <param name="partitions">The number of partitions, at least 1 (1 evaluates on the calling thread).</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="timeProvider">Wall clock for the future tolerance; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <exception cref="ArgumentException">A policy or an option is invalid; the message lists every problem.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="partitions"/> is less than 1.</exception>
    public PartitionedAlertPipeline(
        IEnumerable<AlertPolicy> policies,
        int partitions,
        AlertEngineOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        _coordinator = new AlertPipeline(policies, options, timeProvider, logger);
        _partitions = new EnginePartition[partitions];
        _outputs = new PartitionOutput[partitions];
        _queries = new List<DuplicateQuery>[partitions];
        for (var p = 0; p < partitions; p++)
        {
            _partitions[p] = new EnginePartition(_coordinator.Policies, _coordinator.Options, p, partitions);
            _outputs[p] = new PartitionOutput();
            _queries[p] = [];
        }

        _router = new PartitionRouter(_coordinator.Policies, partitions);
        _grid = GridExchange.Create(_partitions, _coordinator.Policies.Count);
        _coordinator.PartitionedState = new MergedPartitions(_partitions);
    }

    /// <summary>The number of partitions.</summary>
    public int Partitions => _partitions.Length;

    /// <summary>Partition <paramref name="partition"/> (tests).</summary>
    internal EnginePartition PartitionAt(int partition) => _partitions[partition];

    /// <summary>The policies, in the order given.</summary>
    public IReadOnlyList<AlertPolicy> Policies => _coordinator.Policies;

    /// <summary>A copy of the options in effect.</summary>
    public AlertEngineOptions Options => _coordinator.Options;

    /// <summary>Every alert change, in processing order. Hot: subscribe before processing.</summary>
    public IObservable<AlertChange> Changes => _coordinator.Changes;

    /// <summary>Every diagnostic event, as <see cref="AlertPipeline.Diagnostics"/>.</summary>
    public IObservable<EngineDiagnostic> Diagnostics => _coordinator.Diagnostics;

    /// <summary>Early warnings of threshold policies that opted in, as <see cref="AlertPipeline.EarlyWarnings"/>.</summary>
    public IObservable<EarlyWarning> EarlyWarnings => _coordinator.EarlyWarnings;

    /// <summary>A consistent snapshot of the counters.</summary>
    public EngineStatistics Statistics => _coordinator.Statistics;

    /// <summary>The newest event time seen, or <see langword="null"/> before the first activity.</summary>
    public DateTimeOffset? Watermark => _coordinator.Watermark;

    /// <summary>Whether no activity processed from now on can change <paramref name="alert"/> (see <see cref="AlertPipeline.IsFinal"/>).</summary>
    /// <param name="alert">An alert produced by this pipeline.</param>
    /// <returns><see langword="true"/> when the alert is final.</returns>
    public bool IsFinal(Alert alert) => _coordinator.IsFinal(alert);

    /// <summary>Evaluates one activity (a batch of one: prefer batches, which is what runs in parallel).</summary>
    /// <param name="activity">The activity.</param>
    /// <returns>The alert changes it caused.</returns>
    public IReadOnlyList<AlertChange> Process(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return Process([activity]);
    }

    /// <summary>
    /// Evaluates a batch of activities, in order, and returns the alert changes they caused, in order (also pushed to
    /// <see cref="Changes"/>): exactly what <see cref="AlertPipeline.Process(Activity)"/> would return for each in turn.
    /// </summary>
    /// <param name="activities">The activities, in event-time order within the allowed lateness.</param>
    /// <returns>The changes; empty when nothing fired.</returns>
    /// <exception cref="ArgumentException">An activity is null.</exception>
    /// <exception cref="ObjectDisposedException">The pipeline was disposed.</exception>
    /// <exception cref="InvalidOperationException">An earlier batch failed mid-way (the anomaly dispersion grid's
    /// exchange: the population model, the default): the pipeline is faulted.</exception>
    public IReadOnlyList<AlertChange> Process(IReadOnlyList<Activity> activities)
    {
        ArgumentNullException.ThrowIfNull(activities);
        var batch = new Activity[activities.Count];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = activities[i] ?? throw new ArgumentException($"Activity {i} of the batch is null.", nameof(activities));
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfFaulted();
            return (IReadOnlyList<AlertChange>?)ProcessBatch(batch) ?? Array.Empty<AlertChange>();
        }
    }

    /// <summary>Writes one checkpoint of the whole engine, in <see cref="AlertPipeline.SaveCheckpoint"/>'s format.</summary>
    /// <param name="stream">A writable stream (left open).</param>
    public void SaveCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ThrowIfFaulted();
            _coordinator.SaveCheckpoint(stream);
        }
    }

    /// <summary>Replaces the whole state with a checkpoint written by <see cref="SaveCheckpoint"/> or by an
    /// <see cref="AlertPipeline"/> (any partition count); per policy as <see cref="AlertPipeline.RestoreCheckpoint"/>.</summary>
    /// <param name="stream">A readable stream positioned at the checkpoint (left open).</param>
    /// <returns>The policies whose state was restored and the ones that start empty, with reasons.</returns>
    /// <exception cref="InvalidDataException">The data is not an engine checkpoint of a supported version, or is truncated or corrupt.</exception>
    public CheckpointRestoreResult RestoreCheckpoint(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var result = _coordinator.RestoreCheckpoint(stream);
            _coordinator.SplitRestoredStateInto(_partitions);
            return result;
        }
    }

    /// <summary>Completes the observables; later calls to <see cref="Process(IReadOnlyList{Activity})"/> throw.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _workers?.Dispose();
            _coordinator.Dispose();
        }
    }

    private List<AlertChange>? ProcessBatch(Activity[] batch)
    {
        if (batch.Length == 0)
        {
            return null;
        }

        if (_admission.Length < batch.Length)
        {
            _admission = new AlertPipeline.Admission[batch.Length];
            _futureNow = new DateTimeOffset[batch.Length];
            _lateAgainst = new long[batch.Length];
            _isDuplicate = new bool[batch.Length];
        }

        foreach (var q in _queries)
        {
            q.Clear();
        }

        // Phase 1 (sequential): future check, duplicate questions by digest.
        var first = _coordinator.PlanBatch(batch, _admission, _futureNow, _queries);

        // Phase 2 (parallel): duplicate answers.
        Array.Clear(_isDuplicate, 0, batch.Length);
        RunPartitions(p => _partitions[p].CheckDuplicates(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_queries[p]), _isDuplicate));

        // Phase 3 (sequential): lateness and the clock.
        _admitted.Clear();
        _coordinator.Admit(batch, _admission, _isDuplicate, first, _admitted, _lateAgainst);

        // Phase 4 (parallel): evaluation of each partition's keys.
        foreach (var output in _outputs)
        {
            output.Clear();
        }

        // The operation lookups, conditions and key hashes once for all partitions (sequential), then each partition
        // observes its own entries and moves its clocks with the others'.
        _router.Route(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_admitted), _routes);
        try
        {
            if (_grid is null)
            {
                RunPartitions(p => _partitions[p].Evaluate(_routes, _outputs[p]));
            }
            else
            {
                EvaluateWithGrid(_grid, _routes, _outputs);
            }
        }
        finally
        {
            _routes.Clear();
        }

        // Phase 5 (sequential): the partitions' events in the single engine's order.
        return _coordinator.ApplyBatch(batch, _admission, _futureNow, _lateAgainst, first, _outputs);
    }

    /// <summary>Evaluates a routed batch with the anomaly dispersion grid (issue 15: the population model, the default): in parts, the
    /// partitions' prior totals summed after every day start (<see cref="GridExchange"/>), each part on every partition
    /// in parallel (<see cref="RunPartitions"/>). A failure of the exchange leaves the batch half evaluated (some
    /// partitions ahead of others, the clock moved, no events applied): the pipeline is faulted from then on. Used by
    /// <see cref="ProcessBatch"/> and by the staged evaluation (<see cref="StageEvaluate"/>).</summary>
    private void EvaluateWithGrid(GridExchange grid, BatchRoutes routes, PartitionOutput[] outputs)
    {
        try
        {
            grid.Evaluate(_partitions, routes, outputs, RunPartitions);
        }
        catch (Exception ex)
        {
            _fault = ex;
            throw;
        }
    }

    /// <summary>Throws when a batch failed mid-way through the grid's exchange (its state is no longer the single
    /// engine's).</summary>
    private void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            throw new InvalidOperationException($"The partitioned pipeline is faulted: a batch failed in the anomaly dispersion grid's exchange ({fault.GetType().Name}: {fault.Message}) and left the partitions' state diverged. Restore a checkpoint into a new pipeline.", fault);
        }
    }

    private void RunPartitions(Action<int> work)
    {
        if (_partitions.Length == 1)
        {
            work(0);
            return;
        }

        // Started at the first parallel phase: a staged caller brings its own threads and needs these only for the
        // anomaly dispersion grid (StageEvaluate).
        (_workers ??= new WorkerGroup(Math.Min(_partitions.Length, Environment.ProcessorCount), "AlertEngine partition")).Run(_partitions.Length, work);
    }
}
