namespace AlertEngine;

/// <summary>Why a delivery failed.</summary>
public enum DeliveryFailureReason
{
    /// <summary>The notifier threw (or timed out) on every attempt, or threw an error that is not retried.</summary>
    NotifierFailed,
    /// <summary>The notifier's queue was full; the notification was not attempted.</summary>
    QueueFull,
    /// <summary>The dispatcher stopped before the notification was delivered.</summary>
    Shutdown,
}

/// <summary>A notification that was not delivered to one notifier. Nothing is lost: list these with
/// <see cref="NotificationDispatcher.FailedDeliveries"/> and re-send them with <see cref="NotificationDispatcher.ResendAsync"/>.</summary>
/// <param name="Id">Delivery id: <c>{notification id}@{notifier name}</c>.</param>
/// <param name="Notifier">The notifier's name (its type name, with <c>#n</c> when several of one type are registered).</param>
/// <param name="Notification">The notification.</param>
/// <param name="Reason">Why it failed.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="Error">The last error's type and message, if any.</param>
/// <param name="FailedAt">When it was recorded (wall clock, from the dispatcher's <see cref="TimeProvider"/>).</param>
public sealed record FailedDelivery(
    string Id,
    string Notifier,
    AlertNotification Notification,
    DeliveryFailureReason Reason,
    int Attempts,
    string? Error,
    DateTimeOffset FailedAt);
