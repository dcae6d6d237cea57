using System.Collections.Immutable;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using DiagnosticsActivity = System.Diagnostics.Activity;

namespace AlertEngine;

/// <summary>
/// Sits between alerts and notifiers: decides with a <see cref="NotificationGate"/> (notifications on/off and
/// recipients, daily limit, throttle, per-alert suppression, silences) and delivers to every
/// <see cref="IAlertNotifier"/> in the background, with retries (exponential backoff and jitter) for failures.
/// Thread-safe.
/// </summary>
/// <remarks>
/// <para><b>Detection never waits.</b> <see cref="Submit"/> decides synchronously (a few dictionary look-ups under a
/// lock) and queues the notification; each notifier has its own bounded queue and background loop, so a slow or
/// failing notifier never blocks detection or the other notifiers.</para>
/// <para><b>Nothing is lost.</b> A notification that cannot be delivered — every attempt failed, a non-retryable error
/// (<see cref="NotificationOptions.ShouldRetry"/>), the notifier's queue was full, or the dispatcher stopped first — is
/// recorded as a <see cref="FailedDelivery"/>, logged, listed by <see cref="FailedDeliveries"/>, kept in the
/// <see cref="CreateSnapshot">snapshot</see>, and can be re-sent with <see cref="ResendAsync"/>.</para>
/// <para><b>Time.</b> Retry delays and attempt timeouts use the injected <see cref="TimeProvider"/>, and so do
/// silences (wall clock); the daily limit and throttle run on event time (see <see cref="NotificationGate"/>).</para>
/// <para><b>Telemetry.</b> Deliveries sent and failed, and notifications held back by a throttle, the daily limit,
/// suppression or a silence, are counted on the <see cref="AlertEngineMetrics.Name">AlertEngine</see> meter; each
/// delivery is a <c>NotificationDispatch</c> activity of the AlertEngine activity source (see
/// <see cref="AlertEngineMetrics"/>).</para>
/// <para><b>Restart.</b> Save <see cref="CreateSnapshot"/> and <see cref="Restore"/> it after a restart: alert changes
/// already decided are not notified again, counters keep counting, silences stay, failed deliveries can still be re-sent.</para>
/// </remarks>
public sealed partial class NotificationDispatcher : IAsyncDisposable, IDisposable
{
    private readonly Lock _gateLock = new();
    private readonly NotificationGate _gate;
    private readonly NotificationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Runner[] _runners;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _stateLock = new();
    private readonly List<FailedDelivery> _failed = [];
    private int _pending;
    private TaskCompletionSource? _idle;
    private int _disposed;

    /// <summary>Creates a dispatcher and starts one background loop per notifier.</summary>
    /// <param name="notifiers">The notifiers; each gets every notification.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults. Validated; the dispatcher keeps its own copy.</param>
    /// <param name="timeProvider">Clock for retry delays, attempt timeouts and silences; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <exception cref="ArgumentException">An option is invalid (every problem listed), or a notifier is null.</exception>
    public NotificationDispatcher(
        IEnumerable<IAlertNotifier> notifiers,
        NotificationOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<NotificationDispatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(notifiers);
        _options = NotificationOptions.ValidatedCopy(options, nameof(options));
        _gate = new NotificationGate(_options);
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        var list = new List<Runner>();
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var notifier in notifiers)
        {
            if (notifier is null)
            {
                throw new ArgumentException("A notifier is null.", nameof(notifiers));
            }

            var name = notifier.GetType().Name;
            var n = names[name] = names.GetValueOrDefault(name) + 1;
            list.Add(new Runner(n == 1 ? name : $"{name}#{n}", notifier, _options.QueueCapacity));
        }

        _runners = [.. list];
        foreach (var runner in _runners)
        {
            runner.Loop = Task.Run(() => RunAsync(runner));
        }
    }

    /// <summary>The names of the notifiers, as <see cref="FailedDelivery.Notifier"/> gives them.</summary>
    public IReadOnlyList<string> Notifiers => Array.ConvertAll(_runners, r => r.Name);

    /// <summary>Deliveries queued or in progress (including those waiting to retry).</summary>
    public int PendingDeliveries
    {
        get
        {
            lock (_stateLock)
            {
                return _pending;
            }
        }
    }

    /// <summary>Deliveries that failed, oldest first (a snapshot).</summary>
    public IReadOnlyList<FailedDelivery> FailedDeliveries
    {
        get
        {
            lock (_stateLock)
            {
                return [.. _failed];
            }
        }
    }

    /// <summary>The silences in force or pending (expired ones are dropped).</summary>
    public IReadOnlyList<Silence> Silences
    {
        get
        {
            var now = _time.GetUtcNow();
            lock (_gateLock)
            {
                return _gate.GetSilences(now);
            }
        }
    }

    /// <summary>For tests: called on each step of a delivery (after a retry's timer is set, so virtual time can be advanced).</summary>
    internal Action<DispatchTrace>? Trace { get; set; }

    /// <summary>
    /// Decides whether to notify an alert change and, if so, queues the notification for every notifier. Never waits
    /// for delivery. Pass the returned decision's <see cref="NotificationDecision.Apply"/> over the alert before storing
    /// it to record suppression and silences on it.
    /// </summary>
    /// <param name="change">The alert change.</param>
    /// <param name="policy">The alert's policy.</param>
    /// <returns>The decision.</returns>
    public NotificationDecision Submit(AlertChange change, AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(policy);
        var now = _time.GetUtcNow();
        NotificationDecision decision;
        lock (_gateLock)
        {
            decision = _gate.Decide(change, policy, now);
        }

        if (decision.ShouldSend)
        {
            Enqueue(AlertNotification.From(change, policy, _options.MaxActivitiesPerNotification), null);
        }
        else
        {
            AlertEngineMetrics.RecordDecision(decision.Outcome, policy.Id);
            LogSkipped(_logger, change.Alert.Id, decision.Outcome);
        }

        return decision;
    }

    /// <summary>
    /// Decides whether to send an early warning for the first match of a threshold policy that opted in
    /// (<see cref="NotificationSettings.EarlyWarning"/>) and, if so, queues it. The engine calls this when a scope key's
    /// count starts (the first matching activity that did not itself complete a detection).
    /// </summary>
    /// <param name="policy">The threshold policy.</param>
    /// <param name="activity">The matching activity.</param>
    /// <param name="scopeKey">The scope key it was counted under.</param>
    /// <returns>The decision.</returns>
    public NotificationDecision SubmitEarlyWarning(AlertPolicy policy, Activity activity, string scopeKey)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(scopeKey);
        var now = _time.GetUtcNow();
        NotificationDecision decision;
        lock (_gateLock)
        {
            decision = _gate.DecideEarlyWarning(policy, activity, scopeKey, now);
        }

        if (decision.ShouldSend)
        {
            Enqueue(AlertNotification.EarlyWarningFor(policy, activity), null);
            return decision;
        }

        AlertEngineMetrics.RecordDecision(decision.Outcome, policy.Id);
        if (decision.Outcome != NotificationOutcome.EarlyWarningOff && _logger.IsEnabled(LogLevel.Debug))
        {
            var id = policy.Id + ":early:" + activity.Id;
            LogSkipped(_logger, id, decision.Outcome);
        }

        return decision;
    }

    /// <summary>Suppresses or re-enables notifications for an alert, known yet or not; the alert still updates.</summary>
    /// <param name="alertId">The alert id.</param>
    /// <param name="suppressed">Whether to suppress.</param>
    public void SetSuppressed(string alertId, bool suppressed)
    {
        lock (_gateLock)
        {
            _gate.SetSuppressed(alertId, suppressed);
        }
    }

    /// <summary>Adds a silence, or replaces the one with the same id.</summary>
    /// <param name="silence">The silence.</param>
    /// <exception cref="ArgumentException">The silence is invalid; the message lists every problem.</exception>
    public void AddSilence(Silence silence)
    {
        lock (_gateLock)
        {
            _gate.AddSilence(silence);
        }
    }

    /// <summary>Ends a silence now.</summary>
    /// <param name="silenceId">The silence id.</param>
    /// <returns><see langword="true"/> when the silence was there and had not ended yet.</returns>
    public bool EndSilence(string silenceId)
    {
        var now = _time.GetUtcNow();
        lock (_gateLock)
        {
            return _gate.EndSilence(silenceId, now);
        }
    }

    /// <summary>
    /// Re-sends failed deliveries — all of them, or the one with <paramref name="deliveryId"/> — to the notifier they
    /// failed on, and waits until each is delivered or has failed again (then it is listed again).
    /// </summary>
    /// <param name="deliveryId">A <see cref="FailedDelivery.Id"/>, or <see langword="null"/> for all.</param>
    /// <param name="cancellationToken">Stops waiting; the deliveries go on.</param>
    /// <returns>How many were delivered.</returns>
    public async Task<int> ResendAsync(string? deliveryId = null, CancellationToken cancellationToken = default)
    {
        var taken = new List<(FailedDelivery Failed, Runner Runner)>();
        lock (_stateLock)
        {
            for (var i = 0; i < _failed.Count; i++)
            {
                var f = _failed[i];
                if (deliveryId is not null && !string.Equals(f.Id, deliveryId, StringComparison.Ordinal))
                {
                    continue;
                }

                var runner = Array.Find(_runners, r => string.Equals(r.Name, f.Notifier, StringComparison.Ordinal));
                if (runner is null)
                {
                    LogNoSuchNotifier(_logger, f.Id, f.Notifier);
                    continue;
                }

                taken.Add((f, runner));
                _failed.RemoveAt(i--);
            }
        }

        if (taken.Count == 0)
        {
            return 0;
        }

        var done = new Task<bool>[taken.Count];
        for (var i = 0; i < taken.Count; i++)
        {
            var completion = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            done[i] = completion.Task;
            Enqueue(taken[i].Runner, new Delivery(taken[i].Failed.Notification, taken[i].Runner, completion));
        }

        var results = await Task.WhenAll(done).WaitAsync(cancellationToken).ConfigureAwait(false);
        return Array.FindAll(results, ok => ok).Length;
    }

    /// <summary>Completes when no delivery is queued or in progress (retries included).</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when idle.</returns>
    public Task WhenIdleAsync(CancellationToken cancellationToken = default)
    {
        Task wait;
        lock (_stateLock)
        {
            if (_pending == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _idle.Task;
        }

        return wait.WaitAsync(cancellationToken);
    }

    /// <summary>Saves the notification state: the gate's accounting, silences and failed deliveries.</summary>
    /// <returns>The snapshot.</returns>
    public NotificationStateSnapshot CreateSnapshot()
    {
        NotificationStateSnapshot snapshot;
        lock (_gateLock)
        {
            snapshot = _gate.CreateSnapshot();
        }

        return snapshot with { FailedDeliveries = [.. FailedDeliveries] };
    }

    /// <summary>Replaces the notification state with a snapshot's (failed deliveries included). Call before submitting.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot is invalid.</exception>
    public void Restore(NotificationStateSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_gateLock)
        {
            _gate.Restore(snapshot);
        }

        lock (_stateLock)
        {
            _failed.Clear();
            if (!snapshot.FailedDeliveries.IsDefault)
            {
                // Beyond the cap, the newest are kept (as AddFailed does while running).
                var skip = Math.Max(0, snapshot.FailedDeliveries.Length - _options.MaxFailedDeliveries);
                for (var i = skip; i < snapshot.FailedDeliveries.Length; i++)
                {
                    _failed.Add(snapshot.FailedDeliveries[i]);
                }

                for (var i = 0; i < skip; i++)
                {
                    var dropped = snapshot.FailedDeliveries[i];
                    AlertEngineMetrics.NotificationsDropped.Add(1, AlertEngineMetrics.PolicyTag(dropped.Notification.PolicyId), AlertEngineMetrics.DropReasonTag("FailedDeliveriesFull"));
                    LogFailedDeliveryDropped(_logger, dropped.Id, _options.MaxFailedDeliveries);
                }
            }
        }
    }

    /// <summary>
    /// Stops: queues are closed, a delivery in progress or waiting to retry is cancelled, and every notification not
    /// delivered is recorded as a failed delivery (<see cref="DeliveryFailureReason.Shutdown"/>), so a snapshot taken
    /// after stopping keeps it. Wait with <see cref="WhenIdleAsync"/> first to let deliveries finish.
    /// </summary>
    /// <returns>A task that completes when the loops have ended.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var runner in _runners)
        {
            runner.Queue.Writer.TryComplete();
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var runner in _runners)
        {
            await runner.Loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    /// <summary>Stops, as <see cref="DisposeAsync"/> does, blocking until the loops have ended.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void Enqueue(AlertNotification notification, TaskCompletionSource<bool>? completion)
    {
        if (_runners.Length == 0)
        {
            AlertEngineMetrics.NotificationsDropped.Add(1, AlertEngineMetrics.PolicyTag(notification.PolicyId), AlertEngineMetrics.DropReasonTag("NoNotifiers"));
            LogNoNotifiers(_logger, notification.Id);
            return;
        }

        foreach (var runner in _runners)
        {
            Enqueue(runner, new Delivery(notification, runner, completion));
        }
    }

    private void Enqueue(Runner runner, Delivery delivery)
    {
        lock (_stateLock)
        {
            _pending++;
        }

        if (runner.Queue.Writer.TryWrite(delivery))
        {
            LogQueued(_logger, delivery.Id);
            return;
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            Fail(delivery, DeliveryFailureReason.Shutdown, 0, "the dispatcher was stopped");
        }
        else
        {
            Fail(delivery, DeliveryFailureReason.QueueFull, 0, $"the queue of notifier {runner.Name} is full ({_options.QueueCapacity} notifications)");
        }
    }

    private async Task RunAsync(Runner runner)
    {
        // Each delivery's span has the activity current at submission as its parent, not the one current when the
        // dispatcher was created (which the loop's execution context would otherwise carry).
        DiagnosticsActivity.Current = null;
        var reader = runner.Queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (!_stop.IsCancellationRequested && reader.TryRead(out var delivery))
                {
                    await DeliverAsync(delivery).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // The loop must end by recording what it could not deliver, whatever happened.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogLoopFailed(_logger, ex, runner.Name);
        }

        while (reader.TryRead(out var left))
        {
            Fail(left, DeliveryFailureReason.Shutdown, 0, "the dispatcher was stopped");
        }
    }

    private async Task DeliverAsync(Delivery delivery)
    {
        using var span = AlertEngineMetrics.ActivitySource.StartActivity("NotificationDispatch", ActivityKind.Internal, delivery.Parent);
        if (span is not null)
        {
            span.SetTag("alertengine.notification.id", delivery.Notification.Id);
            span.SetTag("alertengine.notification.kind", delivery.Notification.Kind.ToString());
            span.SetTag("alertengine.policy.id", delivery.Notification.PolicyId);
            span.SetTag("alertengine.alert.id", delivery.Notification.AlertId);
            span.SetTag("alertengine.notifier", delivery.Runner.Name);
            delivery.Span = span;
        }

        var stop = _stop.Token;
        for (var attempt = 1; ; attempt++)
        {
            Exception error;
            using (var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                Task task;
                try
                {
                    task = delivery.Runner.Notifier.NotifyAsync(delivery.Notification, attemptCts.Token).AsTask();
                }
#pragma warning disable CA1031 // A notifier's failure is recorded, never thrown into the loop.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    task = Task.FromException(ex);
                }

                try
                {
                    var waiting = _options.AttemptTimeout == Timeout.InfiniteTimeSpan
                        ? task.WaitAsync(stop)
                        : task.WaitAsync(_options.AttemptTimeout, _time, stop);
                    Trace?.Invoke(new DispatchTrace(DispatchTraceKind.AttemptStarted, delivery.Id, attempt, _options.AttemptTimeout));
                    await waiting.ConfigureAwait(false);
                    Succeed(delivery, attempt);
                    return;
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    await attemptCts.CancelAsync().ConfigureAwait(false);
                    Observe(task);
                    Fail(delivery, DeliveryFailureReason.Shutdown, attempt, "the dispatcher was stopped during the attempt");
                    return;
                }
                catch (TimeoutException) when (!task.IsCompleted)
                {
                    await attemptCts.CancelAsync().ConfigureAwait(false);
                    Observe(task);
                    error = new TimeoutException($"The attempt did not complete within {_options.AttemptTimeout}.");
                }
#pragma warning disable CA1031 // A notifier's failure is retried or recorded, never thrown into the loop.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    error = ex;
                }
            }

            if (attempt > _options.MaxRetryAttempts || !IsTransient(error))
            {
                LogAttemptFailed(_logger, error, delivery.Id, attempt, TimeSpan.Zero);
                Fail(delivery, DeliveryFailureReason.NotifierFailed, attempt, Describe(error));
                return;
            }

            var delay = RetryBackoff.Delay(attempt, _options.RetryDelay, _options.MaxRetryDelay, Random.Shared.NextDouble());
            LogAttemptFailed(_logger, error, delivery.Id, attempt, delay);
            var wait = Task.Delay(delay, _time, stop);
            Trace?.Invoke(new DispatchTrace(DispatchTraceKind.RetryScheduled, delivery.Id, attempt, delay));
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Fail(delivery, DeliveryFailureReason.Shutdown, attempt, "the dispatcher was stopped while waiting to retry after: " + Describe(error));
                return;
            }
        }
    }

    private bool IsTransient(Exception error)
    {
        if (_options.ShouldRetry is not { } shouldRetry)
        {
            return true;
        }

        try
        {
            return shouldRetry(error);
        }
#pragma warning disable CA1031 // A throwing classifier must not kill the loop; the delivery is recorded as failed.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogClassifierFailed(_logger, ex);
            return false;
        }
    }

    private void Succeed(Delivery delivery, int attempts)
    {
        AlertEngineMetrics.NotificationsSent.Add(1, AlertEngineMetrics.PolicyTag(delivery.Notification.PolicyId), AlertEngineMetrics.NotifierTag(delivery.Runner.Name));
        delivery.Span?.SetTag("alertengine.notification.attempts", attempts);
        LogDelivered(_logger, delivery.Id, attempts);
        Trace?.Invoke(new DispatchTrace(DispatchTraceKind.Delivered, delivery.Id, attempts, TimeSpan.Zero));
        Complete(delivery, delivered: true);
    }

    private void Fail(Delivery delivery, DeliveryFailureReason reason, int attempts, string error)
    {
        var failed = new FailedDelivery(delivery.Id, delivery.Runner.Name, delivery.Notification, reason, attempts, error, _time.GetUtcNow());
        AddFailed(failed);

        AlertEngineMetrics.NotificationsFailed.Add(
            1,
            AlertEngineMetrics.PolicyTag(delivery.Notification.PolicyId),
            AlertEngineMetrics.NotifierTag(delivery.Runner.Name),
            AlertEngineMetrics.FailureReasonTag(reason));
        if (delivery.Span is { } span)
        {
            span.SetTag("alertengine.notification.attempts", attempts);
            span.SetTag("alertengine.notification.failure_reason", reason.ToString());
            span.SetStatus(ActivityStatusCode.Error, error);
        }

        LogDeliveryFailed(_logger, delivery.Id, reason, attempts, error);
        Trace?.Invoke(new DispatchTrace(DispatchTraceKind.Failed, delivery.Id, attempts, TimeSpan.Zero));
        Complete(delivery, delivered: false);
    }

    /// <summary>Keeps a failed delivery, dropping the oldest (counted and logged) beyond <see cref="NotificationOptions.MaxFailedDeliveries"/>.</summary>
    private void AddFailed(FailedDelivery failed)
    {
        FailedDelivery? dropped = null;
        lock (_stateLock)
        {
            _failed.Add(failed);
            if (_failed.Count > _options.MaxFailedDeliveries)
            {
                dropped = _failed[0];
                _failed.RemoveAt(0);
            }
        }

        if (dropped is not null)
        {
            AlertEngineMetrics.NotificationsDropped.Add(1, AlertEngineMetrics.PolicyTag(dropped.Notification.PolicyId), AlertEngineMetrics.DropReasonTag("FailedDeliveriesFull"));
            LogFailedDeliveryDropped(_logger, dropped.Id, _options.MaxFailedDeliveries);
        }
    }

    /// <summary>Ends a delivery: its span stops before anyone waiting on it (ResendAsync, WhenIdleAsync) is released,
    /// so an observer that waited sees the finished span.</summary>
    private void Complete(Delivery delivery, bool delivered)
    {
        delivery.Span?.Dispose();
        delivery.Span = null;
        delivery.Completion?.TrySetResult(delivered);
        Done();
    }

    private void Done()
    {
        TaskCompletionSource? idle = null;
        lock (_stateLock)
        {
            if (--_pending == 0)
            {
                idle = _idle;
                _idle = null;
            }
        }

        idle?.TrySetResult();
    }

    private static void Observe(Task abandoned) =>
        _ = abandoned.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static string Describe(Exception error) => $"{error.GetType().Name}: {error.Message}";

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Notification {NotificationId} not sent: {Outcome}")]
    private static partial void LogSkipped(ILogger logger, string notificationId, NotificationOutcome outcome);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Notification delivery {DeliveryId} queued")]
    private static partial void LogQueued(ILogger logger, string deliveryId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug, Message = "Notification delivery {DeliveryId} delivered after {Attempts} attempt(s)")]
    private static partial void LogDelivered(ILogger logger, string deliveryId, int attempts);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Notification delivery {DeliveryId} attempt {Attempt} failed; next retry in {Delay} (zero: no retry)")]
    private static partial void LogAttemptFailed(ILogger logger, Exception exception, string deliveryId, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Notification delivery {DeliveryId} failed ({Reason}) after {Attempts} attempt(s): {Error}. It is kept as a failed delivery and can be re-sent")]
    private static partial void LogDeliveryFailed(ILogger logger, string deliveryId, DeliveryFailureReason reason, int attempts, string error);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Notification {NotificationId} decided to be sent, but no notifier is registered")]
    private static partial void LogNoNotifiers(ILogger logger, string notificationId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Failed delivery {DeliveryId} cannot be re-sent: no notifier named {Notifier}")]
    private static partial void LogNoSuchNotifier(ILogger logger, string deliveryId, string notifier);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "NotificationOptions.ShouldRetry threw; the delivery is not retried")]
    private static partial void LogClassifierFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Error, Message = "Failed delivery {DeliveryId} was dropped: more than {Limit} failed deliveries are kept (NotificationOptions.MaxFailedDeliveries)")]
    private static partial void LogFailedDeliveryDropped(ILogger logger, string deliveryId, int limit);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Critical, Message = "The delivery loop of notifier {Notifier} failed")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception, string notifier);

    private sealed class Runner(string name, IAlertNotifier notifier, int capacity)
    {
        public string Name { get; } = name;

        public IAlertNotifier Notifier { get; } = notifier;

        public Channel<Delivery> Queue { get; } = Channel.CreateBounded<Delivery>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        public Task Loop { get; set; } = Task.CompletedTask;
    }

    private sealed class Delivery(AlertNotification notification, Runner runner, TaskCompletionSource<bool>? completion)
    {
        public AlertNotification Notification { get; } = notification;

        public Runner Runner { get; } = runner;

        public TaskCompletionSource<bool>? Completion { get; } = completion;

        public string Id { get; } = notification.Id + "@" + runner.Name;

        /// <summary>The activity current when the notification was submitted: the parent of the delivery's span.</summary>
        public ActivityContext Parent { get; } = DiagnosticsActivity.Current?.Context ?? default;

        /// <summary>The delivery's <c>NotificationDispatch</c> span while it is being delivered, if anyone listens.</summary>
        public DiagnosticsActivity? Span { get; set; }
    }
}

/// <summary>What a <see cref="DispatchTrace"/> reports.</summary>
internal enum DispatchTraceKind
{
    AttemptStarted,
    RetryScheduled,
    Delivered,
    Failed,
}

/// <summary>One step of a delivery, for tests.</summary>
internal readonly record struct DispatchTrace(DispatchTraceKind Kind, string DeliveryId, int Attempt, TimeSpan Delay);
