using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>Default <see cref="IAlertEngine"/>: pipeline + notification decisions + store writes with retry that never
/// blocks detection + automated investigation requests for new alerts of flagged policies.</summary>
internal sealed partial class AlertEngineService : IAlertEngine, IDisposable
{
    private readonly IAlertStore _store;
    private readonly IInvestigationRequester _investigations;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly int _maxPending;
    private readonly Queue<Alert> _pending = new();
    private readonly Queue<InvestigationRequest> _pendingInvestigations = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _sequence = new();
    private readonly NotificationDispatcher? _notifications;
    private readonly IDisposable? _earlyWarnings;

    public AlertEngineService(
        AlertPipeline pipeline,
        IAlertStore store,
        int maxPending,
        ILogger<AlertEngineService>? logger,
        NotificationDispatcher? notifications = null,
        IInvestigationRequester? investigations = null,
        TimeProvider? timeProvider = null)
    {
        Pipeline = pipeline;
        _store = store;
        _maxPending = maxPending;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _notifications = notifications;
        _investigations = investigations ?? new LoggingInvestigationRequester(null);
        _timeProvider = timeProvider ?? pipeline.TimeProvider;
        if (notifications is not null)
        {
            // Early warnings of threshold policies go to the dispatcher, which decides and queues without waiting.
            _earlyWarnings = pipeline.EarlyWarnings.Subscribe(w => notifications.SubmitEarlyWarning(w.Policy, w.Activity, w.ScopeKey));
        }
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
        IReadOnlyList<AlertChange> changes;

        // Evaluating and queueing happen under one lock, so the changes reach the notification gate and the pending
        // queue (and from it the store) in the order the pipeline produced them, whatever the number of callers.
        if (!_sequence.TryEnter())
        {
            SequenceContended?.Invoke();
            _sequence.Enter();
        }

        try
        {
            changes = Pipeline.Process(activity);
            AfterProcess?.Invoke(changes);
            lock (_pending)
            {
                foreach (var change in changes)
                {
                    _pending.Enqueue(Notify(change));
                }
            }

            EnqueueInvestigations(changes);
        }
        finally
        {
            _sequence.Exit();
        }

        if (changes.Count == 0 && PendingStoreWrites == 0 && PendingInvestigationRequests == 0)
        {
            return changes;
        }

        if (!await FlushAsync(cancellationToken).ConfigureAwait(false) && PendingStoreWrites > _maxPending)
        {
            // Nothing is dropped: the changes stay pending, but the caller learns that the store is not keeping up.
            throw new InvalidOperationException(
                $"The alert store is failing: {PendingStoreWrites} alert changes are pending (limit {_maxPending}). They are kept; call FlushAsync once the store is back.");
        }

        return changes;
    }

    public async ValueTask<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Store first, so an investigation can read the alert it is about; then the investigation requests.
            var stored = await FlushStoreAsync(cancellationToken).ConfigureAwait(false);
            var requested = await FlushInvestigationsAsync(cancellationToken).ConfigureAwait(false);
            return stored && requested;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public void Dispose()
    {
        _earlyWarnings?.Dispose();
        _writeGate.Dispose();
    }

    /// <summary>Hands the change to the notification dispatcher (which decides and queues; it never waits for delivery)
    /// and returns the alert to store, with its notification state (suppression, silences) recorded on it. The policy
    /// is looked up in the pipeline's current set, so policies added or edited by a hot reload are notified too.</summary>
    private Alert Notify(AlertChange change) =>
        _notifications is not null && Pipeline.TryGetPolicy(change.Alert.PolicyId, out var policy)
            ? _notifications.Submit(change, policy).Apply(change.Alert)
            : change.Alert;

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
#pragma warning disable CA1031 // A failing store must not stop detection; the write stays pending and is logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogStoreWriteFailed(_logger, ex, next.Id, PendingStoreWrites);
                return false;
            }

            lock (_pending)
            {
                _pending.Dequeue();
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
#pragma warning disable CA1031 // A failing investigation system must not stop detection; the request stays pending and is logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogInvestigationFailed(_logger, ex, next.Alert.Id, PendingInvestigationRequests);
                return false;
            }

            lock (_pendingInvestigations)
            {
                if (_pendingInvestigations.TryPeek(out var head) && ReferenceEquals(head, next))
                {
                    _pendingInvestigations.Dequeue();
                }
            }
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Writing alert {AlertId} to the store failed; {Pending} change(s) kept for retry")]
    private static partial void LogStoreWriteFailed(ILogger logger, Exception exception, string alertId, int pending);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Requesting an automated investigation of alert {AlertId} failed; {Pending} request(s) kept for retry")]
    private static partial void LogInvestigationFailed(ILogger logger, Exception exception, string alertId, int pending);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "The investigation request of alert {AlertId} was dropped: more than {Limit} requests were pending")]
    private static partial void LogInvestigationDropped(ILogger logger, string alertId, int limit);
}
