using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace AlertEngine;

// Engine checkpoints of the service: periodic, on demand and at shutdown, through the registered IEngineStateStore.
internal sealed partial class AlertEngineService
{
    private readonly IEngineStateStore? _stateStore;
    private readonly long _checkpointEvery;
    private readonly TimeSpan _checkpointInterval;
    private readonly SemaphoreSlim _checkpointGate = new(1, 1);
    private long _sinceCheckpoint;
    private long _lastCheckpointTimestamp;

    /// <summary>Whether a periodic checkpoint is due after one more activity.</summary>
    private bool CountTowardsCheckpoint()
    {
        if (_stateStore is null)
        {
            return false;
        }

        var count = Interlocked.Increment(ref _sinceCheckpoint);
        if (_checkpointEvery > 0 && count >= _checkpointEvery)
        {
            return true;
        }

        return _checkpointInterval > TimeSpan.Zero
            && _timeProvider.GetElapsedTime(Interlocked.Read(ref _lastCheckpointTimestamp)) >= _checkpointInterval;
    }

    public async ValueTask<bool> CheckpointAsync(CancellationToken cancellationToken = default)
    {
        if (_stateStore is null)
        {
            return false;
        }

        await _checkpointGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Every change produced before the checkpoint must be in the store: after a restart from it, the engine
            // will not produce them again. So write what is pending first, and cut only when nothing is.
            if (!await WriteAsync(onlyIfDue: false, cancellationToken).ConfigureAwait(false))
            {
                LogCheckpointSkipped(_logger, PendingStoreWrites);
                return false;
            }

            using var buffer = new MemoryStream();
            NotificationStateSnapshot? notifications;
            long activities;
            lock (_sequence)
            {
                if (PendingStoreWrites > 0)
                {
                    // Another caller's activity came in between: its changes are on their way; the next one cuts.
                    LogCheckpointSkipped(_logger, PendingStoreWrites);
                    return false;
                }

                // Notification decisions are made under this lock too: the gate's state is that of the same cut.
                Pipeline.SaveCheckpoint(buffer);
                notifications = _notifications?.CreateSnapshot();
                activities = Interlocked.Exchange(ref _sinceCheckpoint, 0);
                Interlocked.Exchange(ref _lastCheckpointTimestamp, _timeProvider.GetTimestamp());
            }

            // One stored value: a crash cannot keep the engine state of one cut with the notification state of another.
            var stored = ServiceCheckpoint.Write(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), notifications);
            var started = Stopwatch.GetTimestamp();
            try
            {
                await _stateStore.SaveAsync(stored, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The previous checkpoint is still there; the activities since it must be re-delivered after a crash.
                Interlocked.Add(ref _sinceCheckpoint, activities);
                AlertEngineServiceMetrics.CheckpointFailures.Add(1);
                LogCheckpointFailed(_logger, ex);
                return false;
            }

            AlertEngineServiceMetrics.Checkpoints.Add(1);
            var elapsed = Stopwatch.GetElapsedTime(started);
            LogCheckpointSaved(_logger, stored.Length, activities, elapsed);
            return true;
        }
        finally
        {
            _checkpointGate.Release();
        }
    }

    /// <summary>Restores the pipeline and the notification state from the store's checkpoint, if there is one; logs
    /// what was restored. Everything is read and checked before either changes.</summary>
    /// <exception cref="InvalidOperationException">The stored checkpoint is corrupt (the store is left as it is).</exception>
    internal static void RestoreOnStart(AlertPipeline pipeline, NotificationDispatcher? notifications, IEngineStateStore store, ILogger logger)
    {
        var bytes = store.LoadAsync().AsTask().GetAwaiter().GetResult();
        if (bytes is null)
        {
            LogNoCheckpoint(logger);
            return;
        }

        CheckpointRestoreResult result;
        ServiceCheckpoint.Parts parts;
        try
        {
            parts = ServiceCheckpoint.Read(bytes);
            // The engine section is read in place (a visible buffer is not copied again).
            var engine = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(parts.Engine, out var segment) ? segment : new ArraySegment<byte>(parts.Engine.ToArray());
            using var stream = new MemoryStream(engine.Array!, engine.Offset, engine.Count, writable: false, publiclyVisible: true);
            result = pipeline.RestoreCheckpoint(stream);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidOperationException(
                "The engine checkpoint in the registered IEngineStateStore cannot be restored; it was left as it is. " +
                "Move it aside (the engine then starts from empty state and the source must deliver again what it needs) or fix the store. " + ex.Message, ex);
        }

        LogRestored(logger, bytes.Length, result.Restored.Count, result.Skipped.Count, pipeline.Watermark);
        foreach (var skipped in result.Skipped)
        {
            LogRestoreSkipped(logger, skipped.Path, skipped.Message);
        }

        if (parts.Notifications is { } state)
        {
            // Decoding checked what Restore checks: this cannot fail after the pipeline was restored.
            notifications?.Restore(state);
            LogNotificationsRestored(logger, state.Alerts.Length, state.Silences.Length, state.FailedDeliveries.Length);
        }
        else
        {
            LogNoNotificationState(logger);
        }
    }

    [LoggerMessage(EventId = 2020, Level = LogLevel.Debug, Message = "Engine checkpoint saved: {Bytes} bytes, {Activities} activities since the previous one, written in {Elapsed}")]
    private static partial void LogCheckpointSaved(ILogger logger, long bytes, long activities, TimeSpan elapsed);

    [LoggerMessage(EventId = 2021, Level = LogLevel.Warning, Message = "Engine checkpoint not saved: the state store failed; the previous checkpoint stays, and after a crash the activities since it must be delivered again")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2022, Level = LogLevel.Information, Message = "Engine checkpoint skipped: {Pending} alert changes are not in the store yet (a checkpoint is cut only when every earlier change is stored)")]
    private static partial void LogCheckpointSkipped(ILogger logger, int pending);

    [LoggerMessage(EventId = 2023, Level = LogLevel.Information, Message = "Engine state restored from a checkpoint of {Bytes} bytes: {Restored} policies restored, {Skipped} starting from empty state; clock at {Watermark}")]
    private static partial void LogRestored(ILogger logger, int bytes, int restored, int skipped, DateTimeOffset? watermark);

    [LoggerMessage(EventId = 2024, Level = LogLevel.Warning, Message = "Engine checkpoint: policy {PolicyId}: {Reason}")]
    private static partial void LogRestoreSkipped(ILogger logger, string policyId, string reason);

    [LoggerMessage(EventId = 2025, Level = LogLevel.Information, Message = "No engine checkpoint in the state store: the engine starts from empty state")]
    private static partial void LogNoCheckpoint(ILogger logger);

    [LoggerMessage(EventId = 2026, Level = LogLevel.Information, Message = "Notification state restored from the checkpoint: {Alerts} alerts already decided, {Silences} silences, {FailedDeliveries} failed deliveries; daily limits and throttles keep counting")]
    private static partial void LogNotificationsRestored(ILogger logger, int alerts, int silences, int failedDeliveries);

    [LoggerMessage(EventId = 2027, Level = LogLevel.Warning, Message = "The engine checkpoint holds no notification state (written by an earlier version): daily limits and throttles start from zero")]
    private static partial void LogNoNotificationState(ILogger logger);
}
