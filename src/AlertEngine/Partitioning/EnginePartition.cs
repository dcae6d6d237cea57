using System.Collections.Frozen;

namespace AlertEngine;

/// <summary>
/// One partition of the partitioned engine's state: the duplicate-filter entries of the activity ids whose digest
/// falls in it, and every policy's trigger state for the scope keys that fall in it (<see cref="Partitioner"/>).
/// Single-threaded. The coordinator (<see cref="PartitionedAlertPipeline"/>, or an Orleans grain) asks every partition
/// the duplicate questions of a batch, then hands every partition the admitted activities of the batch; each
/// partition evaluates only its keys and returns tagged events that the coordinator applies in the single engine's
/// order (<see cref="PartitionEvent"/>).
/// </summary>
/// <remarks>
/// Every partition evaluates the conditions of every candidate policy (cheap next to a trigger) so that each
/// detector sees every activity that passed them: its own keys through <see cref="IPolicyDetector.Observe"/>, the
/// others through <see cref="IPolicyDetector.Pass"/>. So every partition's detector-wide state (clocks, sweeps) is
/// the same, and a checkpoint merges by concatenating keyed records. Every-time policies have no key: an activity's
/// every-time detections belong to the partition of its id.
/// </remarks>
internal sealed partial class EnginePartition
{
    private readonly Runtime[] _runtimes;
    private readonly FrozenDictionary<string, int[]> _byOperation;
    private readonly int[] _clockDriven;

    // Per policy: whether a key another partition owns moves anything here (every-time detectors keep no clock).
    private readonly bool[] _followsClock;
    private readonly List<Detection> _fired = [];
    private readonly List<long> _arrivals = [];
    private readonly IReadOnlyList<AlertPolicy> _policies;
    private PartitionRouter? _router;
    private BatchRoutes? _routes;
    private PartitionOutput? _output;
    private long _sequence;
    private int _order;

    /// <summary>Creates partition <paramref name="partition"/> of <paramref name="partitions"/> for the policies, which
    /// the caller has validated (the same list, in the same order, for every partition and the coordinator).</summary>
    public EnginePartition(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, int partition, int partitions)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, partitions);
        Partition = partition;
        Partitions = partitions;
        Options = options;
        Duplicates = new DuplicateFilter(options.DuplicateHorizon);
        Action<EngineDiagnostic> report = Report;
        _runtimes = new Runtime[policies.Count];
        _followsClock = new bool[policies.Count];
        var clockDriven = new List<int>();
        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            var detector = AlertPipeline.CreateDetector(policy, options, report);
            _runtimes[i] = new Runtime(policy, detector, PartitionRouter.KeyReader(policy.Trigger));
            _followsClock[i] = policy.Trigger is not EveryTimeTrigger;
            if (policy.Enabled && detector is IClockDrivenDetector)
            {
                clockDriven.Add(i);
            }
        }

        _policies = policies;
        _byOperation = PartitionRouter.IndexByOperation(policies);
        _clockDriven = [.. clockDriven];
    }

    /// <summary>This partition's number.</summary>
    public int Partition { get; }

    /// <summary>The number of partitions.</summary>
    public int Partitions { get; }

    /// <summary>The engine options.</summary>
    public AlertEngineOptions Options { get; }

    /// <summary>The duplicate filter of this partition's digests.</summary>
    internal DuplicateFilter Duplicates { get; private set; }

    /// <summary>The detector of the policy at <paramref name="index"/> (for checkpoints).</summary>
    internal IPolicyDetector DetectorAt(int index) => _runtimes[index].Detector;

    /// <summary>The model of the policy at <paramref name="index"/> when it runs the dispersion grid (issue 15), else
    /// null.</summary>
    internal BaselineModel<Activity>? GridModelAt(int index) =>
        _runtimes[index].Detector is AnomalyDetector { Model: { HasGrid: true } model } ? model : null;

    /// <summary>Runs the grid's day start <paramref name="day"/> of the policy at <paramref name="index"/> ahead of the
    /// activity that jumps the clock over it (<see cref="GridExchange"/>); returns false when it threw. Not reported
    /// here: the activity runs the failed day start again in its own evaluation, where the partition that owns its key
    /// reports the error as the single engine does.</summary>
    internal bool TryRunGridDayStartAhead(int index, int day)
    {
        try
        {
            GridModelAt(index)!.RunGridDayStartAhead(day);
            return true;
        }
#pragma warning disable CA1031 // reported at the activity's own evaluation (see above)
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <summary>Replaces the detector of the policy at <paramref name="index"/> (a restored one).</summary>
    internal void ReplaceDetector(int index, IPolicyDetector detector) => _runtimes[index] = _runtimes[index] with { Detector = detector };

    /// <summary>Replaces the duplicate filter (a restored one).</summary>
    internal void ReplaceDuplicates(DuplicateFilter filter) => Duplicates = filter;

    /// <summary>A fresh detector for the policy at <paramref name="index"/> that reports through this partition.</summary>
    internal IPolicyDetector NewDetector(int index) => AlertPipeline.CreateDetector(_runtimes[index].Policy, Options, Report);

    /// <summary>Answers the duplicate questions routed to this partition, in order (their lookups overlap in memory).</summary>
    public void CheckDuplicates(ReadOnlySpan<DuplicateQuery> queries, Span<bool> isDuplicate) => Duplicates.IsDuplicate(queries, isDuplicate);

    /// <summary>Evaluates a batch of admitted activities for this partition's keys; appends the events to
    /// <paramref name="output"/> (not cleared here). Routes the batch itself (<see cref="PartitionRouter"/>): when
    /// several partitions evaluate one batch, route it once and call
    /// <see cref="Evaluate(BatchRoutes, PartitionOutput)"/>.</summary>
    public void Evaluate(ReadOnlySpan<AdmittedActivity> batch, PartitionOutput output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var routes = _routes ??= new BatchRoutes();
        (_router ??= new PartitionRouter(_policies, Partitions)).Route(batch, routes);
        try
        {
            Evaluate(routes, output);
        }
        finally
        {
            routes.Clear();
        }
    }

    /// <summary>Evaluates a routed batch (<see cref="PartitionRouter"/>, for this many partitions) for this partition's
    /// keys; appends the events to <paramref name="output"/> (not cleared here). The entries this partition owns are
    /// observed; the others' times only move the detectors' clocks (<see cref="IPolicyDetector.Pass"/>), so every
    /// partition's detector-wide state stays the single detector's.</summary>
    /// <exception cref="ArgumentException">The batch was routed for another number of partitions.</exception>
    public void Evaluate(BatchRoutes routes, PartitionOutput output)
    {
        ArgumentNullException.ThrowIfNull(routes);
        Evaluate(routes, 0, routes.Admitted.Length, output);
    }

    /// <summary>Evaluates the admitted activities <paramref name="from"/> to <paramref name="to"/> (exclusive) of a
    /// routed batch, as <see cref="Evaluate(BatchRoutes, PartitionOutput)"/> (the dispersion grid's exchange evaluates a
    /// batch in parts, <see cref="GridExchange"/>).</summary>
    /// <exception cref="ArgumentException">The batch was routed for another number of partitions.</exception>
    public void Evaluate(BatchRoutes routes, int from, int to, PartitionOutput output)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(output);
        if (routes.Partitions != Partitions)
        {
            throw new ArgumentException($"The batch was routed for {routes.Partitions} partitions, not {Partitions}.", nameof(routes));
        }

        _output = output;
        try
        {
            var admitted = routes.Admitted;
            var hasErrors = routes.HasErrors;
            var starts = routes.Starts;
            var policies = routes.Policies;
            var owners = routes.Owners;
            var followsClock = _followsClock;
            var clockDriven = _clockDriven.Length != 0;
            for (var i = from; i < to; i++)
            {
                ref readonly var entry = ref admitted[i];
                var activity = entry.Activity;
                _sequence = entry.Sequence;
                if (entry.MovesClock && clockDriven)
                {
                    AdvanceClock(activity);
                }

                var end = starts[i + 1];
                for (var e = starts[i]; e < end; e++)
                {
                    var index = policies[e];
                    var error = hasErrors ? routes.Error(e) : null;
                    if (owners[e] != Partition)
                    {
                        // Another partition's key: only the detector-wide clock follows it (nothing to follow for
                        // every-time policies, whose Pass does nothing).
                        if (error is null && followsClock[index])
                        {
                            Pass(index, activity);
                        }
                    }
                    else if (error is not null)
                    {
                        _order = _runtimes.Length + index;
                        Add(PartitionEventKind.EvaluationError, index, error);
                    }
                    else
                    {
                        Observe(index, activity);
                    }
                }
            }
        }
        finally
        {
            _output = null;
        }
    }

    /// <summary>Another partition owns the key of <paramref name="activity"/>, which passed the policy's conditions:
    /// follow the detector-wide clock only.</summary>
    private void Pass(int index, Activity activity)
    {
        var detector = _runtimes[index].Detector;
        _order = _runtimes.Length + index;
        try
        {
            detector.Pass(activity);
            (detector as AbsenceDetector)?.AlignSequence(_sequence + 1);
        }
#pragma warning disable CA1031 // reported by the partition that owns the key
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>This partition owns the key of <paramref name="activity"/>, which passed the policy's conditions.</summary>
    private void Observe(int index, Activity activity)
    {
        var runtime = _runtimes[index];
        _order = _runtimes.Length + index;
        var absence = runtime.Detector as AbsenceDetector;
        Detection? detection;
        try
        {
            runtime.Detector.Pass(activity);
            absence?.AlignSequence(_sequence);
            detection = runtime.Detector.Observe(activity);
            absence?.AlignSequence(_sequence + 1);
            if (detection is null
                && runtime.Policy.Notification is { EarlyWarning: true }
                && runtime.Detector is ThresholdDetector threshold
                && threshold.IsFirstMatch(activity, out var scopeKey))
            {
                Add(PartitionEventKind.EarlyWarning, index, new EarlyWarning(runtime.Policy, activity, scopeKey));
            }
        }
#pragma warning disable CA1031 // One failing policy must not stop detection for the others; the coordinator reports it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Add(PartitionEventKind.EvaluationError, index, ex);
            return;
        }

        if (detection is not null)
        {
            Add(PartitionEventKind.Detection, index, detection);
        }
    }

    /// <summary>The clock moved to <paramref name="activity"/>'s time: fires this partition's due silences.</summary>
    private void AdvanceClock(Activity activity)
    {
        foreach (var index in _clockDriven)
        {
            _order = index;
            _fired.Clear();
            _arrivals.Clear();
            var detector = (AbsenceDetector)_runtimes[index].Detector;
            try
            {
                detector.AdvanceClockNumbered(activity.Time, _fired, _arrivals);
            }
#pragma warning disable CA1031 // One failing policy must not stop detection for the others; the coordinator reports it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _output!.Add(new PartitionEvent(_sequence, _order, long.MinValue, long.MinValue, PartitionEventKind.EvaluationError, index, ex));
            }

            for (var i = 0; i < _fired.Count; i++)
            {
                _output!.Add(new PartitionEvent(_sequence, _order, _fired[i].Time.UtcTicks, _arrivals[i], PartitionEventKind.Detection, index, _fired[i]));
            }
        }
    }

    private void Add(PartitionEventKind kind, int index, object payload) =>
        _output!.Add(new PartitionEvent(_sequence, _order, long.MinValue, long.MinValue, kind, index, payload));

    /// <summary>A detector reported a diagnostic while this partition evaluated its key.</summary>
    private void Report(EngineDiagnostic diagnostic)
    {
        if (_output is null)
        {
            return; // while restoring: nothing is evaluated
        }

        var index = _order >= _runtimes.Length ? _order - _runtimes.Length : _order;
        _output.Add(new PartitionEvent(_sequence, _order, long.MinValue, long.MinValue, PartitionEventKind.Diagnostic, index, diagnostic));
    }

    private sealed record Runtime(AlertPolicy Policy, IPolicyDetector Detector, Func<Activity, string?>? Key);
}
