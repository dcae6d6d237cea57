namespace AlertEngine;

/// <summary>
/// The engine as a service: evaluates activities with an <see cref="AlertPipeline"/> and writes every alert change
/// to the <see cref="IAlertStore"/>. Registered by <c>services.AddAlertEngine(...)</c>. Thread-safe.
/// </summary>
public interface IAlertEngine
{
    /// <summary>The underlying pipeline (policies, statistics, diagnostics, change stream).</summary>
    AlertPipeline Pipeline { get; }

    /// <summary>Alert changes whose store write failed and is waiting for retry.</summary>
    int PendingStoreWrites { get; }

    /// <summary>
    /// Evaluates one activity and stores the alert changes it caused. Changes reach the notification gate and the store
    /// in the order the pipeline produced them, also with concurrent callers (feed activities through this method, not
    /// through <see cref="Pipeline"/> directly, or their changes are not stored). Detection does not wait on a failing
    /// store: a failed write is kept, in order, and retried with exponential backoff
    /// (<see cref="AlertEngineServiceOptions.StoreRetryDelay"/>) on a later call once the retry is due, or at once by
    /// <see cref="FlushAsync"/>. Only when <see cref="AlertEngineServiceOptions.MaxPendingStoreWrites"/> changes are
    /// pending does the call wait for the store or fail (<see cref="AlertEngineServiceOptions.StoreBackpressure"/>),
    /// and then always before the activity is evaluated.
    /// </summary>
    /// <param name="activity">The activity.</param>
    /// <param name="cancellationToken">Cancels waiting for room in the queue (the activity is then not evaluated) or
    /// for the store (the activity has been evaluated and its changes are kept).</param>
    /// <returns>The changes the activity caused.</returns>
    /// <exception cref="InvalidOperationException">The queue is full and <see cref="AlertEngineServiceOptions.StoreBackpressure"/>
    /// is <see cref="StoreBackpressureMode.Fail"/>; the activity was not evaluated.</exception>
    ValueTask<IReadOnlyList<AlertChange>> ProcessAsync(Activity activity, CancellationToken cancellationToken = default);

    /// <summary>Retries pending store writes (and investigation requests) now, whatever the backoff schedule.</summary>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns><see langword="true"/> when nothing is pending any more.</returns>
    ValueTask<bool> FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves an engine checkpoint to the registered <see cref="IEngineStateStore"/> now: first writes every pending alert
    /// change to the store (a checkpoint is cut only when every earlier change is stored), then saves the pipeline's
    /// whole state. The service also checkpoints periodically
    /// (<see cref="AlertEngineServiceOptions.CheckpointEveryActivities"/>, <see cref="AlertEngineServiceOptions.CheckpointInterval"/>)
    /// and at shutdown.
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the stores.</param>
    /// <returns><see langword="true"/> when a checkpoint was saved; <see langword="false"/> when no state store is
    /// registered, changes could not be stored yet, or the state store failed (logged; the previous checkpoint stays).</returns>
    ValueTask<bool> CheckpointAsync(CancellationToken cancellationToken = default);
}
