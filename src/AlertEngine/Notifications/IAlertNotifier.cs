namespace AlertEngine;

/// <summary>
/// Delivers alert notifications (email, chat, ticket, log…). Called by the <see cref="NotificationDispatcher"/>, one
/// notification at a time per notifier, on a background loop: a slow or failing notifier never blocks detection or
/// other notifiers.
/// </summary>
/// <remarks>
/// Throw to report a failure: the dispatcher retries with exponential backoff and jitter, then records a
/// <see cref="FailedDelivery"/> that can be listed and re-sent. Honour the cancellation token of
/// <see cref="NotifyAsync"/>: it is cancelled when an attempt times out or the dispatcher shuts down.
/// <b>Delivery is at least once.</b> A notification may be delivered more than once: an attempt that timed out is
/// cancelled and retried even if it actually reached the receiver, and failed deliveries can be re-sent (also after a
/// restart). Pass <see cref="AlertNotification.IdempotencyKey"/> (alert id + detection count) to the receiving system —
/// an idempotency header, a message id, a de-duplication field — so it can ignore the repeats; it is the same on every
/// attempt and re-send of one alert change.
/// </remarks>
public interface IAlertNotifier
{
    /// <summary>Delivers one notification.</summary>
    /// <param name="notification">The notification: alert, policy, severity, category, users, hit count, activity summary and recipients.</param>
    /// <param name="cancellationToken">Cancelled when the attempt times out or the dispatcher stops.</param>
    /// <returns>A task that completes when the notification was delivered.</returns>
    ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken);
}
