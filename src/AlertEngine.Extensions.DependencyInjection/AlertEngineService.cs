using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>Default <see cref="IAlertEngine"/>: pipeline + notification decisions + store writes with retry and backoff
/// that never drop a change + automated investigation requests for new alerts of flagged policies.</summary>
/// <remarks>
/// <para><b>Order.</b> Evaluating an activity, deciding its notifications and queueing its store writes happen under
/// one lock (the sequence lock), so changes reach the notification gate and the store in the order the pipeline
/// produced them, whatever the number of concurrent callers. Store writes happen outside that lock, one at a time,
/// from the head of the queue.</para>
/// <para><b>A failing store.</b> The first failed write switches the store to failing (one warning, 2001) and
/// schedules a retry with exponential backoff; until it is due, activities are evaluated and their changes queued
/// without calling the store. The first successful retry writes the queue in order and switches back (one
/// information line, 2004). When <see cref="AlertEngineServiceOptions.MaxPendingStoreWrites"/> changes are pending,
/// <see cref="ProcessAsync"/> applies <see cref="AlertEngineServiceOptions.StoreBackpressure"/> before evaluating.</para>
/// </remarks>
internal sealed partial class AlertEngineService : IAlertEngine, IAsyncDisposable, IDisposable
{
    private readonly IAlertStore _store;
    private readonly IInvestigationRequester _investigations;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly int _maxPending;
    private readonly StoreBackpressureMode _backpressure;
    private readonly RetrySchedule _storeRetry;
    private readonly RetrySchedule _investigationRetry;
    private readonly Queue<Alert> _pending = new();
    private readonly Queue<InvestigationRequest> _pendingInvestigations = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _sequence = new();
    private readonly NotificationDispatcher? _notifications;
    private readonly IDisposable? _earlyWarnings;
    private readonly TimeSpan _shutdownTimeout;
    private bool _disposed; // written under _sequence

    public AlertEngineService(
        AlertPipeline pipeline,
        IAlertStore store,
        AlertEngineServiceOptions options,
        ILogger<AlertEngineService>? logger,
        NotificationDispatcher? notifications = null,
        IInvestigationRequester? investigations = null,
        TimeProvider? timeProvider = null,
        IEngineStateStore? stateStore = null)
    {
        Pipeline = pipeline;
        _store = store;
        _maxPending = options.MaxPendingStoreWrites;
        _backpressure = options.StoreBackpressure;
        _shutdownTimeout = options.ShutdownTimeout;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _notifications = notifications;
        _investigations = investigations ?? new LoggingInvestigationRequester(null);
        _timeProvider = timeProvider ?? pipeline.TimeProvider;
        _storeRetry = new RetrySchedule(options.StoreRetryDelay, options.MaxStoreRetryDelay, _timeProvider);
        _investigationRetry = new RetrySchedule(options.StoreRetryDelay, options.MaxStoreRetryDelay, _timeProvider);
        _stateStore = stateStore;
        _checkpointEvery = options.CheckpointEveryActivities;
        _checkpointInterval = options.CheckpointInterval;
        _lastCheckpointTimestamp = _timeProvider.GetTimestamp();
        if (notifications is not null)
        {
            // Early warnings of threshold policies go to the dispatcher, which decides and queues without waiting.
            _earlyWarnings = pipeline.EarlyWarnings.Subscribe(w => notifications.SubmitEarlyWarning(w.Policy, w.Activity, w.ScopeKey));
        }

        AlertEngineServiceMetrics.Register(this);
    }

    public AlertPipeline Pipeline { get; }

    /// <summary>For tests: called right after the pipeline produced an activity's changes, before they are queued.</summary>
    internal Action<IReadOnlyList<AlertChange>>? AfterProcess { get; set; }

    /// <summary>For tests: called when a caller has to wait for another caller's activity to be queued first.</summary>
    internal Action? SequenceContended { get; set; }

    public int PendingStoreWrites
    {
        get
        {
            lock (_pending)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Investigation requests whose delivery failed and is waiting for retry.</summary>
    public int PendingInvestigationRequests
    {
        get
        {
            lock (_pendingInvestigations)
            {
                return _pendingInvestigations.Count;
            }
        }
    }

    public async ValueTask<IReadOnlyList<AlertChange>> ProcessAsync(Activity activity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activity);
        IReadOnlyList<AlertChange>? changes;
        while ((changes = TryEvaluate(activity)) is null)
        {
            // The queue is full: the activity has not been evaluated, so failing or being cancelled here consumes nothing.
            if (_backpressure == StoreBackpressureMode.Fail)
            {
                throw new InvalidOperationException(
                    $"The alert store is failing: {PendingStoreWrites} alert changes are pending (limit {_maxPending}). The activity was not evaluated; give it again once the store is back (FlushAsync returns true).");
            }

            await WaitForStoreAsync(cancellationToken).ConfigureAwait(false);
        }

        if (PendingStoreWrites > 0 || PendingInvestigationRequests > 0)
        {
            await WriteAsync(onlyIfDue: true, cancellationToken).ConfigureAwait(false);
        }

        if (CountTowardsCheckpoint())
        {
            await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        }

        return changes;
    }

    public ValueTask<bool> FlushAsync(CancellationToken cancellationToken = default) => WriteAsync(onlyIfDue: false, cancellationToken);

    /// <summary>
    /// Stops: waits for an activity being evaluated, then for a store write in progress, and makes one last attempt to
    /// write every pending change and investigation request (whatever the backoff), bounded by
    /// <see cref="AlertEngineServiceOptions.ShutdownTimeout"/>. What is still pending then is counted
    /// (<c>alertengine.store.writes_abandoned</c>, <c>alertengine.investigations.dropped</c>) and logged (2009). Later
    /// calls to <see cref="ProcessAsync"/> throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        lock (_sequence)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _earlyWarnings?.Dispose();
        using (var timeout = _shutdownTimeout == Timeout.InfiniteTimeSpan ? new CancellationTokenSource() : new CancellationTokenSource(_shutdownTimeout, _timeProvider))
        {
            try
            {
                await WriteAsync(onlyIfDue: false, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                LogShutdownTimedOut(_logger, _shutdownTimeout);
            }

            // The final checkpoint: cut only if every change reached the store (CheckpointAsync checks).
            if (_stateStore is not null && !timeout.IsCancellationRequested)
            {
                try
                {
                    await CheckpointAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    LogShutdownTimedOut(_logger, _shutdownTimeout);
                }
            }
        }

        Alert[] writes;
        InvestigationRequest[] requests;
        lock (_pending)
        {
            writes = [.. _pending];
            _pending.Clear();
        }

        lock (_pendingInvestigations)
        {
            requests = [.. _pendingInvestigations];
            _pendingInvestigations.Clear();
        }

        foreach (var alert in writes)
        {
            AlertEngineServiceMetrics.StoreWritesAbandoned.Add(1, AlertEngineMetrics.PolicyTag(alert.PolicyId));
        }

        foreach (var request in requests)
        {
            AlertEngineServiceMetrics.InvestigationsDropped.Add(1, AlertEngineMetrics.PolicyTag(request.Policy.Id), AlertEngineMetrics.DropReasonTag("Shutdown"));
        }

        if (writes.Length > 0 || requests.Length > 0)
        {
            var oldest = writes.Length > 0 ? writes[0].Id : requests[0].Alert.Id;
            LogAbandoned(_logger, writes.Length, requests.Length, oldest);
        }

        AlertEngineServiceMetrics.Unregister(this);
    }

    /// <summary>Stops, as <see cref="DisposeAsync"/> does, blocking until it is done.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Evaluates the activity and queues its changes under the sequence lock, unless the queue is full.</summary>
    /// <returns>The changes, or <see langword="null"/> when the queue is full and the activity was not evaluated.</returns>
    private IReadOnlyList<AlertChange>? TryEvaluate(Activity activity)
    {
        if (!_sequence.TryEnter())
        {
            SequenceContended?.Invoke();
            _sequence.Enter();
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (PendingStoreWrites >= _maxPending)
            {
                return null;
            }

            var changes = Pipeline.Process(activity);
            AfterProcess?.Invoke(changes);
            if (changes.Count == 0)
            {
                return changes;
            }

            lock (_pending)
            {
                foreach (var change in changes)
                {
                    _pending.Enqueue(Notify(change));
                }
            }

            EnqueueInvestigations(changes);
            return changes;
        }
        finally
        {
            _sequence.Exit();
        }
    }

    /// <summary>Waits until the next store retry is due, then tries it (a no-op when another caller already did).</summary>
    private async ValueTask WaitForStoreAsync(CancellationToken cancellationToken)
    {
        var delay = _storeRetry.TimeUntilDue();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }

        await WriteAsync(onlyIfDue: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes pending changes, then pending investigation requests, each unless it is failing and its retry is
    /// not due yet (when <paramref name="onlyIfDue"/>).</summary>
    /// <returns><see langword="true"/> when nothing is pending any more.</returns>
    private async ValueTask<bool> WriteAsync(bool onlyIfDue, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Store first, so an investigation can read the alert it is about; then the investigation requests.
            var stored = !onlyIfDue || _storeRetry.TimeUntilDue() == TimeSpan.Zero
                ? await FlushStoreAsync(cancellationToken).ConfigureAwait(false)
                : PendingStoreWrites == 0;
            var requested = !onlyIfDue || _investigationRetry.TimeUntilDue() == TimeSpan.Zero
                ? await FlushInvestigationsAsync(cancellationToken).ConfigureAwait(false)
                : PendingInvestigationRequests == 0;
            return stored && requested;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Hands the change to the notification dispatcher (which decides and queues; it never waits for delivery)
    /// and returns the alert to store, with its notification state (suppression, silences) recorded on it. The policy
    /// is looked up in the pipeline's current set, so policies added or edited by a hot reload are notified too.</summary>
    private Alert Notify(AlertChange change)
    {
        if (_notifications is null)
        {
            return change.Alert;
        }

        if (Pipeline.TryGetPolicy(change.Alert.PolicyId, out var policy))
        {
            return _notifications.Submit(change, policy).Apply(change.Alert);
        }

        // A reload removed the policy between evaluation and this decision: the change is stored, not notified.
        AlertEngineMetrics.NotificationsDropped.Add(1, AlertEngineMetrics.PolicyTag(change.Alert.PolicyId), AlertEngineMetrics.DropReasonTag("PolicyRemoved"));
        LogPolicyRemoved(_logger, change.Alert.Id, change.Alert.DetectionCount, change.Alert.PolicyId);
        return change.Alert;
    }

    private void EnqueueInvestigations(IReadOnlyList<AlertChange> changes)
    {
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            if (change.Kind != AlertChangeKind.Created
                || !Pipeline.TryGetPolicy(change.Alert.PolicyId, out var policy)
                || !policy.AutomatedInvestigation)
            {
                continue;
            }

            lock (_pendingInvestigations)
            {
                if (_pendingInvestigations.Count >= _maxPending)
                {
                    var dropped = _pendingInvestigations.Dequeue();
                    AlertEngineServiceMetrics.InvestigationsDropped.Add(1, AlertEngineMetrics.PolicyTag(dropped.Policy.Id), AlertEngineMetrics.DropReasonTag("Limit"));
                    LogInvestigationDropped(_logger, dropped.Alert.Id, _maxPending);
                }

                _pendingInvestigations.Enqueue(new InvestigationRequest(change.Alert, policy, _timeProvider.GetUtcNow()));
            }
        }
    }

    private async ValueTask<bool> FlushStoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Alert next;
            lock (_pending)
            {
                if (!_pending.TryPeek(out next!))
                {
                    return true;
                }
            }

            try
            {
                await _store.UpsertAsync(next, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A failing store must not stop detection; the write stays pending and is retried.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                AlertEngineServiceMetrics.StoreWriteFailures.Add(1);
                if (_storeRetry.RecordFailure(out var delay))
                {
                    AlertEngineServiceMetrics.StoreOutages.Add(1);
                    LogStoreFailing(_logger, ex, next.Id, PendingStoreWrites, delay);
                }
                else
                {
                    LogStoreRetryFailed(_logger, ex, PendingStoreWrites, delay);
                }

                return false;
            }

            int pending;
            lock (_pending)
            {
                _pending.Dequeue();
                pending = _pending.Count;
            }

            var failedAttempts = _storeRetry.RecordSuccess();
            if (failedAttempts > 0)
            {
                LogStoreRecovered(_logger, failedAttempts, pending + 1);
            }
        }
    }

    private async ValueTask<bool> FlushInvestigationsAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            InvestigationRequest next;
            lock (_pendingInvestigations)
            {
                if (!_pendingInvestigations.TryPeek(out next!))
                {
                    return true;
                }
            }

            try
            {
                await _investigations.RequestAsync(next, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A failing investigation system must not stop detection; the request stays pending and is retried.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                AlertEngineServiceMetrics.InvestigationFailures.Add(1);
                if (_investigationRetry.RecordFailure(out var delay))
                {
                    LogInvestigationFailing(_logger, ex, next.Alert.Id, PendingInvestigationRequests, delay);
                }
                else
                {
                    LogInvestigationRetryFailed(_logger, ex, PendingInvestigationRequests, delay);
                }

                return false;
            }

            int pending;
            lock (_pendingInvestigations)
            {
                if (_pendingInvestigations.TryPeek(out var head) && ReferenceEquals(head, next))
                {
                    _pendingInvestigations.Dequeue();
                }

                pending = _pendingInvestigations.Count;
            }

            var failedAttempts = _investigationRetry.RecordSuccess();
            if (failedAttempts > 0)
            {
                LogInvestigationRecovered(_logger, failedAttempts, pending + 1);
            }
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "The alert store is failing: writing alert {AlertId} failed; {Pending} change(s) kept, retrying in {Delay} with backoff")]
    private static partial void LogStoreFailing(ILogger logger, Exception exception, string alertId, int pending, TimeSpan delay);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Automated investigation requests are failing: requesting one for alert {AlertId} failed; {Pending} request(s) kept, retrying in {Delay} with backoff")]
    private static partial void LogInvestigationFailing(ILogger logger, Exception exception, string alertId, int pending, TimeSpan delay);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "The investigation request of alert {AlertId} was dropped: more than {Limit} requests were pending")]
    private static partial void LogInvestigationDropped(ILogger logger, string alertId, int limit);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "The alert store is back after {FailedAttempts} failed attempt(s); writing the {Pending} change(s) kept")]
    private static partial void LogStoreRecovered(ILogger logger, int failedAttempts, int pending);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Alert {AlertId} (detection {DetectionCount}) was stored but not notified: a reload removed its policy {PolicyId} before the notification decision")]
    private static partial void LogPolicyRemoved(ILogger logger, string alertId, int detectionCount, string policyId);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Error, Message = "The engine service stopped with {Writes} alert change(s) not written to the store and {Requests} investigation request(s) not sent (oldest: alert {OldestAlertId}); they are lost from this process")]
    private static partial void LogAbandoned(ILogger logger, int writes, int requests, string oldestAlertId);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Warning, Message = "The last store write at shutdown did not finish within {Timeout}")]
    private static partial void LogShutdownTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug, Message = "The alert store is still failing; {Pending} change(s) kept, next retry in {Delay}")]
    private static partial void LogStoreRetryFailed(ILogger logger, Exception exception, int pending, TimeSpan delay);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Information, Message = "Automated investigation requests work again after {FailedAttempts} failed attempt(s); sending the {Pending} request(s) kept")]
    private static partial void LogInvestigationRecovered(ILogger logger, int failedAttempts, int pending);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Automated investigation requests still fail; {Pending} request(s) kept, next retry in {Delay}")]
    private static partial void LogInvestigationRetryFailed(ILogger logger, Exception exception, int pending, TimeSpan delay);
}
