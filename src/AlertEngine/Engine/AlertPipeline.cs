using System.Collections.Frozen;
using System.Diagnostics;
using System.Reactive.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>
/// The engine facade: evaluates activities against a set of policies and produces alert changes.
/// Composes the stages (policy index → compiled conditions → trigger → aggregation) for many policies.
/// </summary>
/// <remarks>
/// <para><b>Pipeline per activity.</b> Duplicate ids within <see cref="AlertEngineOptions.DuplicateHorizon"/> are
/// counted and not evaluated again; activities older than the newest event time seen minus
/// <see cref="AlertEngineOptions.AllowedLateness"/> are late: counted, reported on <see cref="Diagnostics"/> and the
/// logger, and not evaluated. Before both, an activity dated more than <see cref="AlertEngineOptions.FutureTolerance"/>
/// ahead of the wall clock (<see cref="TimeProvider"/>) is invalid: counted, reported, not evaluated, and it neither
/// enters the duplicate filter nor moves the newest event time seen. The rest meet only the enabled policies that
/// track their operation (an index by operation, case-insensitive), then each policy's compiled conditions, trigger
/// and aggregation.</para>
/// <para><b>Thread safety.</b> All members are safe to call from several threads. Activities from concurrent
/// producers are processed one at a time under an internal lock, so the state stays consistent and each activity
/// counts once; the interleaving of concurrent producers decides the order, so only a single ordered stream is fully
/// deterministic (same policies + same activities in the same order → same alerts and ids).
/// Observers of <see cref="Changes"/>, <see cref="Diagnostics"/> and <see cref="EarlyWarnings"/> are called
/// synchronously under that lock, in order: keep them short and do not call back into the pipeline from them.</para>
/// <para><b>Observers that throw.</b> An exception thrown by an observer is caught: it is counted
/// (<see cref="EngineStatistics.ObserverErrors"/>, metric <c>alertengine.observer.errors</c>), logged, and reported on
/// <see cref="Diagnostics"/> as <see cref="DiagnosticKind.ObserverError"/> (except when the observer that threw
/// observes <see cref="Diagnostics"/>, so that a failing diagnostics observer is never fed its own failures). The other
/// observers still receive the value, the other policies are still evaluated, the activity is fully processed, and
/// <see cref="Process(Activity)"/> returns every change. Following the Rx rule, the observer that threw is unsubscribed.</para>
/// <para><b>Time.</b> Windows and aggregation run on event time (<see cref="Activity.Time"/>), never on the wall clock.</para>
/// </remarks>
public sealed partial class AlertPipeline : IDisposable
{
    private readonly Lock _gate = new();
    private List<AlertChange>? _changeScratch; // Evaluate's change list, reused (taken while in use)
    private OperationLookup<PolicyRuntime> _byOperation; // replaced by UpdatePolicies (AlertPipeline.Reload.cs)
    private PolicyRuntime[] _clockDriven; // enabled policies whose detector fires on the clock (AlertPipeline.Clock.cs)
    private readonly Dictionary<string, PolicyRuntime> _byId;
    private DuplicateFilter _duplicates; // replaced by RestoreCheckpoint (AlertPipeline.Checkpoint.cs)
    private readonly IsolatingSubject<AlertChange> _changes;
    private readonly IsolatingSubject<EngineDiagnostic> _diagnostics;
    private readonly IsolatingSubject<EarlyWarning> _earlyWarnings;
    private readonly ILogger _logger;
    private readonly long _latenessTicks;
    private readonly Action<EngineDiagnostic> _report;
    private long _watermarkTicks = long.MinValue;
    private long _processed, _duplicateCount, _lateCount, _detections, _created, _updated, _errors, _diagnosticCount;
    private bool _disposed;

    /// <summary>Creates a pipeline for a set of policies.</summary>
    /// <param name="policies">The policies; validated with <see cref="PolicyValidator"/> against the options' plan.
    /// Disabled policies are kept but do not evaluate.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults. Validated; the pipeline keeps its own copy of the values.</param>
    /// <param name="timeProvider">Wall clock for things that are not event time; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <exception cref="ArgumentException">A policy or an option is invalid; the message lists every problem.</exception>
    public AlertPipeline(
        IEnumerable<AlertPolicy> policies,
        AlertEngineOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var source = options ?? new AlertEngineOptions();
        var optionErrors = source.Validate();
        if (optionErrors.Count > 0)
        {
            throw new ArgumentException("Invalid options:" + Environment.NewLine + string.Join(Environment.NewLine, optionErrors), nameof(options));
        }

        Options = source.Copy();
        var list = policies.ToArray();
        var policyErrors = PolicyValidator.Validate(list, Options.Plan);
        if (policyErrors.Count > 0)
        {
            throw new ArgumentException("Invalid policies:" + Environment.NewLine + string.Join(Environment.NewLine, policyErrors), nameof(policies));
        }

        TimeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _latenessTicks = Options.AllowedLateness.Ticks;
        _duplicates = new DuplicateFilter(Options.DuplicateHorizon);
        _report = Report;
        _changes = new(ChangesObserverFailed);
        _diagnostics = new(DiagnosticsObserverFailed);
        _earlyWarnings = new(EarlyWarningsObserverFailed);
        Policies = list;

        _byId = new Dictionary<string, PolicyRuntime>(StringComparer.Ordinal);
        var runtimes = new PolicyRuntime[list.Length];
        for (var i = 0; i < list.Length; i++)
        {
            runtimes[i] = NewRuntime(list[i]);
            _byId.Add(list[i].Id, runtimes[i]);
        }

        _byOperation = NewLookup(runtimes);
        _clockDriven = ClockDriven(runtimes);
        AlertEngineMetrics.Register(this);
    }

    /// <summary>The policies, in the order given; replaced as a whole by <see cref="UpdatePolicies"/>.</summary>
    public IReadOnlyList<AlertPolicy> Policies { get; private set; }

    /// <summary>A copy of the options in effect.</summary>
    public AlertEngineOptions Options { get; }

    /// <summary>The wall clock (not used for event time).</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Every alert change, in processing order. Hot: subscribe before processing.</summary>
    public IObservable<AlertChange> Changes => _changes.AsObservable();

    /// <summary>
    /// First matches of threshold policies that opted in with <see cref="NotificationSettings.EarlyWarning"/>: the first
    /// activity counted for a scope key in the current window, before the threshold is reached. The DI package's engine
    /// service hands them to the notification dispatcher.
    /// </summary>
    public IObservable<EarlyWarning> EarlyWarnings => _earlyWarnings.AsObservable();

    /// <summary>Every diagnostic event (duplicates, late and future activities, missing scope keys, key-cap overflow,
    /// evaluation errors, observers that threw).</summary>
    public IObservable<EngineDiagnostic> Diagnostics => _diagnostics.AsObservable();

    /// <summary>A consistent snapshot of the counters.</summary>
    public EngineStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new(_processed, _duplicateCount, _lateCount, _futureCount, _detections, _created, _updated, _errors, _observerErrors, _diagnosticCount);
            }
        }
    }

    /// <summary>The newest event time seen, or <see langword="null"/> before the first activity.</summary>
    public DateTimeOffset? Watermark
    {
        get
        {
            lock (_gate)
            {
                return _watermarkTicks == long.MinValue ? null : new DateTimeOffset(_watermarkTicks, TimeSpan.Zero);
            }
        }
    }

    /// <summary>
    /// Evaluates one activity synchronously and returns the alert changes it caused (also pushed to <see cref="Changes"/>).
    /// </summary>
    /// <param name="activity">The activity.</param>
    /// <returns>The changes; an empty list (no allocation) when nothing fired.</returns>
    /// <exception cref="ObjectDisposedException">The pipeline was disposed.</exception>
    public IReadOnlyList<AlertChange> Process(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);

        var pre = BeforeLock(activity);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return ProcessCore(activity, null, pre);
        }
    }

    /// <summary>
    /// Evaluates a stream of activities: a cold observable that, for each subscription, subscribes to
    /// <paramref name="activities"/> and emits the alert changes each activity causes. The pipeline's state is shared
    /// by all subscriptions. Source errors and completion pass through.
    /// </summary>
    /// <param name="activities">The activities, in event-time order within the allowed lateness.</param>
    /// <returns>The alert changes.</returns>
    public IObservable<AlertChange> Run(IObservable<Activity> activities)
    {
        ArgumentNullException.ThrowIfNull(activities);
        return Observable.Create<AlertChange>(observer => activities.Subscribe(
            activity =>
            {
                if (activity is null)
                {
                    observer.OnError(new ArgumentException("The activity stream produced null.", nameof(activities)));
                    return;
                }

                var pre = BeforeLock(activity); // As Process does.
                lock (_gate)
                {
                    if (_disposed)
                    {
                        observer.OnError(new ObjectDisposedException(nameof(AlertPipeline)));
                        return;
                    }

                    ProcessCore(activity, observer, pre);
                }
            },
            observer.OnError,
            observer.OnCompleted));
    }

    /// <summary>
    /// Whether no activity processed from now on can change <paramref name="alert"/>: later detections have a time at
    /// or after <see cref="Watermark"/> − allowed lateness, so an alert whose aggregation interval ends before that is final.
    /// </summary>
    /// <param name="alert">An alert produced by this pipeline.</param>
    /// <returns><see langword="true"/> when the alert is final.</returns>
    public bool IsFinal(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_gate)
        {
            return IsFinalAt(alert, _watermarkTicks);
        }
    }

    /// <summary>Completes <see cref="Changes"/> and <see cref="Diagnostics"/>; later calls to <see cref="Process(Activity)"/> throw.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            AlertEngineMetrics.Unregister(this);
            _changes.OnCompleted();
            _diagnostics.OnCompleted();
            _earlyWarnings.OnCompleted();
            _changes.Dispose();
            _diagnostics.Dispose();
            _earlyWarnings.Dispose();
        }
    }

    /// <summary>What <see cref="Process(Activity)"/> and <see cref="Run"/> do before taking the lock, so that the memory
    /// accesses the evaluation will wait for are already on their way while the lock is taken (hints and a pure
    /// function of the activity: nothing here changes state, so reading the fields a concurrent
    /// <see cref="UpdatePolicies"/> or checkpoint restore replaces is harmless).</summary>
    /// <remarks>
    /// <para>The user id of every activity: a user-scoped trigger (threshold, anomaly, distinct, ...) hashes it, and it
    /// was allocated with its activity or long before it, and often is not in the cache either way (end-to-end.md,
    /// threshold-16). Prefetching it only for operations a user-keyed policy tracks was tried (dedup-16): it gave back the
    /// prefetch's cost for cold activities nothing reads (<c>steadyfresh:dispatch</c> 28–40 → 29–33 ns) but lost
    /// 1.2–2.8x on the threshold and anomaly rows, first pass included (end-to-end.md, 2026-12-06, the lead's quiet
    /// re-measure), so every activity's is prefetched.</para>
    /// <para>The duplicate filter's digest of the id, with a prefetch of its table slot: the filter's one random access
    /// (its table is megabytes) then overlaps the lock and the future-tolerance check.</para>
    /// </remarks>
    private PreLock BeforeLock(Activity activity)
    {
        CachePrefetch.String(activity.UserId);

        var duplicates = _duplicates;
        if (duplicates.IsOn)
        {
            var digest = DuplicateFilter.Digest(activity.Id);
            duplicates.Prefetch(digest);
            return new PreLock(digest, true);
        }

        return default;
    }

    /// <summary>What was computed before the lock: the id's digest when the duplicate filter is on.</summary>
    private readonly record struct PreLock(UInt128 Digest, bool HasDigest);

    private IReadOnlyList<AlertChange> ProcessCore(Activity activity, IObserver<AlertChange>? observer, PreLock pre)
    {
        if (!AlertEngineMetrics.EvaluationDuration.Enabled)
        {
            return Evaluate(activity, observer, pre);
        }

        var start = Stopwatch.GetTimestamp();
        var result = Evaluate(activity, observer, pre);
        AlertEngineMetrics.EvaluationDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds);
        return result;
    }

    private IReadOnlyList<AlertChange> Evaluate(Activity activity, IObserver<AlertChange>? observer, PreLock pre)
    {
        _processed++;
        AlertEngineMetrics.Processed.Add(1);
        if (IsBeyondFutureTolerance(activity))
        {
            return [];
        }

        if (_duplicates.IsOn
            && _duplicates.IsDuplicate(pre.HasDigest ? pre.Digest : DuplicateFilter.Digest(activity.Id), activity.UtcTicks))
        {
            CountDuplicate(activity);
            return [];
        }

        // The changes are collected in a reused list and copied out exactly (most activities cause none, a detection
        // usually one): a one-item result costs 24 bytes instead of a list and its array (64). Taken while in use, so
        // that a (forbidden, but possible: the lock is reentrant) nested call from an observer gets its own.
        var scratch = _changeScratch ?? new List<AlertChange>(4);
        _changeScratch = null;
        List<AlertChange>? changes = scratch;
        EvaluateValid(activity, ref changes);
        var result = CopyOf(scratch);
        if (scratch.Count != 0)
        {
            scratch.Clear();
        }

        _changeScratch = scratch;

        // After the evaluation: a Run subscriber that throws (the exception goes back to the source, as in Rx) cannot
        // leave the activity half-evaluated.
        if (observer is not null)
        {
            for (var i = 0; i < result.Count; i++)
            {
                observer.OnNext(result[i]);
            }
        }

        return result;
    }

    /// <summary>The changes as the caller keeps them: none (no allocation), one (a one-item list), or an array.</summary>
#pragma warning disable CA1859 // Not always an array: the one-item collection expression is the compiler's 24-byte read-only list.
    private static IReadOnlyList<AlertChange> CopyOf(List<AlertChange> changes)
#pragma warning restore CA1859
    {
        if (changes.Count == 0)
        {
            return [];
        }

        if (changes.Count == 1)
        {
            return [changes[0]];
        }

        return changes.ToArray();
    }

    /// <summary>An activity neither invalid nor a duplicate: the lateness check, the clock, then every candidate
    /// policy; appends its alert changes to <paramref name="changes"/>.</summary>
    private void EvaluateValid(Activity activity, ref List<AlertChange>? changes)
    {
        var ticks = activity.UtcTicks;
        if (IsLate(ticks))
        {
            CountLate(activity, _watermarkTicks);
            return;
        }

        if (ticks > _watermarkTicks)
        {
            _watermarkTicks = ticks;
            if (_clockDriven.Length != 0)
            {
                AdvanceClock(activity, ref changes);
            }
        }

        var candidates = _byOperation.Candidates(activity.Operation);
        foreach (var runtime in candidates)
        {
            Detection? detection;
            try
            {
                if (!runtime.Matches(activity))
                {
                    continue;
                }

                // An anomaly policy with the population profile (issue 15: the population model, the default) counts every admitted activity
                // in Pass, as each partition of the partitioned engine does (its Observe does not count again).
                if (runtime.PassesFirst)
                {
                    runtime.Detector.Pass(activity);
                }

                detection = runtime.Detector.Observe(activity);
                if (detection is null
                    && runtime.Policy.Notification is { EarlyWarning: true }
                    && runtime.Detector is ThresholdDetector threshold
                    && threshold.IsFirstMatch(activity, out var scopeKey))
                {
                    _earlyWarnings.OnNext(new EarlyWarning(runtime.Policy, activity, scopeKey));
                }
            }
#pragma warning disable CA1031 // One failing policy must not stop detection for the others; the failure is reported.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                EvaluationFailed(runtime, activity, ex);
                continue;
            }

            if (detection is null)
            {
                continue;
            }

            Emit(runtime, detection, ref changes);
        }
    }

    /// <summary>Whether an activity at <paramref name="ticks"/> is older than the newest time seen minus the lateness.</summary>
    private bool IsLate(long ticks) => _watermarkTicks != long.MinValue && ticks < _watermarkTicks - _latenessTicks;

    /// <summary>A duplicate: counted, logged and reported.</summary>
    private void CountDuplicate(Activity activity)
    {
        _duplicateCount++;
        AlertEngineMetrics.Duplicates.Add(1);
        Log.Duplicate(_logger, activity.Id);
        Report(new EngineDiagnostic(DiagnosticKind.Duplicate, activity.Id, null, $"activity {activity.Id} was already seen within the duplicate horizon"));
    }

    /// <summary>A late activity (the newest time seen was <paramref name="watermarkTicks"/>): counted, logged and reported.</summary>
    private void CountLate(Activity activity, long watermarkTicks)
    {
        _lateCount++;
        AlertEngineMetrics.Late.Add(1);
        var watermark = new DateTimeOffset(watermarkTicks, TimeSpan.Zero);
        Log.Late(_logger, activity.Id, activity.Time, watermark, Options.AllowedLateness);
        Report(new EngineDiagnostic(DiagnosticKind.Late, activity.Id, null, $"activity {activity.Id} at {activity.Time:O} is older than the newest time seen ({watermark:O}) minus the allowed lateness"));
    }

    /// <summary>A policy threw while evaluating <paramref name="activity"/>: counted, logged and reported; the others go on.</summary>
    private void EvaluationFailed(PolicyRuntime runtime, Activity activity, Exception ex)
    {
        _errors++;
        AlertEngineMetrics.EvaluationErrors.Add(1, AlertEngineMetrics.PolicyTag(runtime.Policy.Id));
        Log.EvaluationFailed(_logger, ex, runtime.Policy.Id, activity.Id);
        Report(new EngineDiagnostic(DiagnosticKind.EvaluationError, activity.Id, runtime.Policy.Id, ex.Message));
    }

    /// <summary>Runs a detection through its policy's aggregator: counters, metrics, <see cref="Changes"/> and the
    /// returned list (a <see cref="Run"/> subscriber gets the list once the activity is fully evaluated).</summary>
    private void Emit(PolicyRuntime runtime, Detection detection, ref List<AlertChange>? changes)
    {
        _detections++;
        var tag = AlertEngineMetrics.PolicyTag(runtime.Policy.Id);
        AlertEngineMetrics.Detections.Add(1, tag);
        var change = runtime.Aggregator.Add(detection);
        if (change.Kind == AlertChangeKind.Created)
        {
            _created++;
            AlertEngineMetrics.AlertsCreated.Add(1, tag);
            using (var span = AlertEngineMetrics.ActivitySource.StartActivity("AlertCreated"))
            {
                span?.SetTag("alertengine.alert.id", change.AlertId);
                span?.SetTag("alertengine.policy.id", runtime.Policy.Id);
            }

            // An aggregated alert's change makes its snapshot when first read (AlertChange): the id is read without
            // making it (AlertId), and only when a span or a logger that writes the line asks for it.
            if (_logger.IsEnabled(LogLevel.Information))
            {
                Log.AlertCreated(_logger, change.AlertId, runtime.Policy.Id);
            }
        }
        else
        {
            _updated++;
            AlertEngineMetrics.AlertsUpdated.Add(1, tag);
        }

        (changes ??= new List<AlertChange>(1)).Add(change); // one change per activity is the common case
        _changes.OnNext(change);
    }

    private void Report(EngineDiagnostic diagnostic)
    {
        _diagnosticCount++;
        if (diagnostic.Kind is not (DiagnosticKind.Duplicate or DiagnosticKind.Late or DiagnosticKind.Future or DiagnosticKind.EvaluationError or DiagnosticKind.ObserverError))
        {
            Log.Diagnostic(_logger, diagnostic.Kind, diagnostic.Message);
        }

        _diagnostics.OnNext(diagnostic);
    }

    /// <summary>The dispatch index of policy runtimes.</summary>
    private static OperationLookup<PolicyRuntime> NewLookup(IReadOnlyList<PolicyRuntime> runtimes) =>
        new(OperationIndex.Build(runtimes, static r => r.Policy));

    /// <summary>The detector of the policy with id <paramref name="policyId"/> (tests).</summary>
    internal IPolicyDetector DetectorOf(string policyId) => _byId[policyId].Detector;

    private IPolicyDetector CreateDetector(AlertPolicy policy) => CreateDetector(policy, Options, _report);

    /// <summary>The detector for a policy's trigger (also the partitioned engine's, one per partition).</summary>
    internal static IPolicyDetector CreateDetector(AlertPolicy policy, AlertEngineOptions options, Action<EngineDiagnostic> report) => policy.Trigger switch
    {
        EveryTimeTrigger => new EveryTimeDetector(policy.Id),
        ThresholdTrigger threshold => new ThresholdDetector(policy, threshold, options, report),
        AnomalyTrigger anomaly => new AnomalyDetector(policy, anomaly, options, report),
        DistinctTrigger distinct => new DistinctDetector(policy, distinct, options, report),
        SumTrigger sum => new SumDetector(policy, sum, options, report),
        SpikeTrigger spike => new SpikeDetector(policy, spike, options, report),
        NewValueTrigger newValue => new NewValueDetector(policy, newValue, options, report),
        AbsenceTrigger absence => new AbsenceDetector(policy, absence, options, report),
        TemporalTrigger temporal => new TemporalDetector(policy, temporal, options, report),
        _ => throw new NotSupportedException($"Trigger {policy.Trigger.GetType().Name} of policy '{policy.Id}' is not supported."),
    };

    private sealed record PolicyRuntime(AlertPolicy Policy, Func<Activity, bool> Matches, IPolicyDetector Detector, AlertAggregator Aggregator)
    {
        private readonly IPolicyDetector _detector = Detector;

        /// <summary>The policy's detector (setting it, also by <c>with</c>, decides <see cref="PassesFirst"/> again).</summary>
        public IPolicyDetector Detector
        {
            get => _detector;
            init
            {
                _detector = value;
                PassesFirst = PassFirst(value);
            }
        }

        /// <summary>Whether the detector is to be passed each admitted activity before it observes it: an anomaly policy
        /// with the population day profile (<see cref="AnomalyDetector.CountsInPass"/>). Decided with the detector, so
        /// the loop above tests a field instead of the detector's type.</summary>
        public bool PassesFirst { get; private init; } = PassFirst(Detector);

        private static bool PassFirst(IPolicyDetector detector) => detector is AnomalyDetector { CountsInPass: true };

        /// <summary>The policy as a checkpoint writes it (<see cref="PolicySerializer.SaveExtended"/>), made at the first
        /// checkpoint and kept while <see cref="Policy"/> is the same instance (a <c>with</c> copy for another policy
        /// makes it again): a coordinator grain writes its 1,000 policies' JSON at every base snapshot, which cost
        /// about 5 KB of buffers and a string per policy each time. Read and written under the pipeline's lock.</summary>
        private (AlertPolicy For, string Json) _extended;

        public string ExtendedJson()
        {
            if (!ReferenceEquals(_extended.For, Policy))
            {
                _extended = (Policy, PolicySerializer.SaveExtended(Policy));
            }

            return _extended.Json;
        }
    }
}
