using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>What the <see cref="NotificationGate"/> decided for an alert change or an early warning.</summary>
public enum NotificationOutcome
{
    /// <summary>Send the notification.</summary>
    Send,
    /// <summary>The policy has no notification settings, or notifications are off.</summary>
    NotificationsOff,
    /// <summary>The policy has no recipients.</summary>
    NoRecipients,
    /// <summary>An update of an existing alert, and <see cref="NotificationOptions.NotifyOnUpdates"/> is off.</summary>
    UpdateNotNotified,
    /// <summary>Notifications are suppressed for this alert (it still updates).</summary>
    Suppressed,
    /// <summary>An active <see cref="Silence"/> matches (the alert still updates; the silence is recorded on it).</summary>
    Silenced,
    /// <summary>The policy's daily notification limit is reached for the alert's day.</summary>
    DailyLimitReached,
    /// <summary>The policy's throttle allows no more notifications in the current window.</summary>
    Throttled,
    /// <summary>This change was decided before (a replay after a restart, or an alert snapshot no newer than one already seen): never notified twice.</summary>
    AlreadyDecided,
    /// <summary>Early warning: the policy is not a threshold policy or has not opted in.</summary>
    EarlyWarningOff,
    /// <summary>Early warning: one was already sent for this policy and scope key since its count last started.</summary>
    AlreadyWarned,
}

/// <summary>The gate's decision for one alert change, and the alert's notification state after it.</summary>
/// <param name="Outcome">Send, or why not.</param>
/// <param name="NotificationsSuppressed">Whether notifications are suppressed for the alert.</param>
/// <param name="SilencedBy">Ids of the silences that matched the alert so far (for an early warning: that matched it).</param>
public readonly record struct NotificationDecision(NotificationOutcome Outcome, bool NotificationsSuppressed, ImmutableArray<string> SilencedBy)
{
    /// <summary>Whether the notification is to be sent.</summary>
    public bool ShouldSend => Outcome == NotificationOutcome.Send;

    /// <summary>Records the notification state on an alert snapshot (<see cref="Alert.NotificationsSuppressed"/>,
    /// <see cref="Alert.SilencedBy"/>); returns the same instance when nothing changes.</summary>
    /// <param name="alert">The alert snapshot of the change.</param>
    /// <returns>The alert with its notification state.</returns>
    public Alert Apply(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var silencedBy = SilencedBy.IsDefault ? [] : SilencedBy;
        var same = alert.NotificationsSuppressed == NotificationsSuppressed
            && (alert.SilencedBy.IsDefault ? silencedBy.IsEmpty : alert.SilencedBy.SequenceEqual(silencedBy));
        return same ? alert : alert with { NotificationsSuppressed = NotificationsSuppressed, SilencedBy = silencedBy };
    }
}
