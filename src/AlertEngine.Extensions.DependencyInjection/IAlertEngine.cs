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
    /// Evaluates one activity and stores the alert changes it caused. Detection never waits on a failing store: a
    /// failed write is logged and kept for retry on the next call (or <see cref="FlushAsync"/>), in order.
    /// </summary>
    /// <param name="activity">The activity.</param>
    /// <param name="cancellationToken">Cancels waiting for the store; the activity has been evaluated either way.</param>
    /// <returns>The changes the activity caused.</returns>
    ValueTask<IReadOnlyList<AlertChange>> ProcessAsync(Activity activity, CancellationToken cancellationToken = default);

    /// <summary>Retries pending store writes.</summary>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns><see langword="true"/> when nothing is pending any more.</returns>
    ValueTask<bool> FlushAsync(CancellationToken cancellationToken = default);
}
