using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>
/// The saved state of notifications: what was notified per alert, daily counters, throttle history, early-warning
/// state, silences and failed deliveries. Restore it after a restart so alerts already notified are not notified
/// again, limits keep counting and silences stay in force. Plain values: serializes with System.Text.Json.
/// </summary>
public sealed record NotificationStateSnapshot
{
    /// <summary>The format version (1).</summary>
    public int Version { get; init; } = 1;

    /// <summary>The newest event time the gate had seen.</summary>
    public DateTimeOffset? NewestEventTime { get; init; }

    /// <summary>Per-alert records.</summary>
    public ImmutableArray<AlertNotificationState> Alerts { get; init; } = [];

    /// <summary>Notifications sent per policy and day.</summary>
    public ImmutableArray<DailyNotificationCount> DailyCounts { get; init; } = [];

    /// <summary>Event times of the notifications kept for the throttle, per policy.</summary>
    public ImmutableArray<ThrottleHistory> Throttles { get; init; } = [];

    /// <summary>Early-warning state per policy and scope key.</summary>
    public ImmutableArray<EarlyWarningState> EarlyWarnings { get; init; } = [];

    /// <summary>Silences not yet expired.</summary>
    public ImmutableArray<Silence> Silences { get; init; } = [];

    /// <summary>Failed deliveries (filled by <see cref="NotificationDispatcher.CreateSnapshot"/>; the gate leaves it empty).</summary>
    public ImmutableArray<FailedDelivery> FailedDeliveries { get; init; } = [];
}

/// <summary>What the gate knows about one alert.</summary>
/// <param name="AlertId">The alert id.</param>
/// <param name="PolicyId">The policy id.</param>
/// <param name="LastDetectionCount">The newest <see cref="Alert.DetectionCount"/> decided (0 when only suppression was set).</param>
/// <param name="LastEventTime">Event time of the newest change decided.</param>
/// <param name="Suppressed">Suppression set through the dispatcher; <see langword="null"/> follows <see cref="Alert.NotificationsSuppressed"/>.</param>
/// <param name="SilencedBy">Silences that matched the alert.</param>
/// <param name="NotificationsSent">How many notifications were decided to be sent for the alert.</param>
public sealed record AlertNotificationState(
    string AlertId,
    string PolicyId,
    int LastDetectionCount,
    DateTimeOffset LastEventTime,
    bool? Suppressed,
    ImmutableArray<string> SilencedBy,
    int NotificationsSent);

/// <summary>Notifications of a policy on one day.</summary>
/// <param name="PolicyId">The policy id.</param>
/// <param name="Day">The calendar day in the configured time zone.</param>
/// <param name="Count">Notifications sent.</param>
public sealed record DailyNotificationCount(string PolicyId, DateOnly Day, int Count);

/// <summary>Event times of a policy's notifications that still count for its throttle.</summary>
/// <param name="PolicyId">The policy id.</param>
/// <param name="SentAt">The event times, ascending.</param>
public sealed record ThrottleHistory(string PolicyId, ImmutableArray<DateTimeOffset> SentAt);

/// <summary>Early-warning state of a threshold policy for one scope key.</summary>
/// <param name="PolicyId">The policy id.</param>
/// <param name="ScopeKey">The scope key.</param>
/// <param name="WarnedAt">Event time of the activity that was warned about, if a warning is standing.</param>
/// <param name="ResetAt">Event time of the last detection for the key, if any.</param>
public sealed record EarlyWarningState(string PolicyId, string ScopeKey, DateTimeOffset? WarnedAt, DateTimeOffset? ResetAt);
