using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>Default <see cref="IAlertEngine"/>: pipeline + store writes with retry that never blocks detection.</summary>
internal sealed partial class AlertEngineService : IAlertEngine, IDisposable
{
    private readonly IAlertStore _store;
    private readonly ILogger _logger;
    private readonly int _maxPending;
    private readonly Queue<Alert> _pending = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public AlertEngineService(AlertPipeline pipeline, IAlertStore store, int maxPending, ILogger<AlertEngineService>? logger)
    {
        Pipeline = pipeline;
        _store = store;
        _maxPending = maxPending;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    public AlertPipeline Pipeline { get; }

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

    public async ValueTask<IReadOnlyList<AlertChange>> ProcessAsync(Activity activity, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var changes = Pipeline.Process(activity);
        if (changes.Count == 0 && PendingStoreWrites == 0)
        {
            return changes;
        }

        lock (_pending)
        {
            foreach (var change in changes)
            {
                _pending.Enqueue(change.Alert);
            }
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
        finally
        {
            _writeGate.Release();
        }
    }

    public void Dispose() => _writeGate.Dispose();

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Writing alert {AlertId} to the store failed; {Pending} change(s) kept for retry")]
    private static partial void LogStoreWriteFailed(ILogger logger, Exception exception, string alertId, int pending);
}
