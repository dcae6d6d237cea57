using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace AlertEngine;

/// <summary>What a notification is about.</summary>
public enum NotificationKind
{
    /// <summary>A new alert.</summary>
    AlertCreated,
    /// <summary>More activities joined an existing alert (sent only when <see cref="NotificationOptions.NotifyOnUpdates"/> is set).</summary>
    AlertUpdated,
    /// <summary>The first match of a threshold policy, before the threshold is reached (opt-in per policy, see
    /// <see cref="NotificationSettings.EarlyWarning"/>). There is no alert yet.</summary>
    EarlyWarning,
}

/// <summary>
/// One notification, as an <see cref="IAlertNotifier"/> receives it. Immutable and made of plain values, so it can be
/// serialized (failed deliveries are part of the <see cref="NotificationStateSnapshot"/>).
/// </summary>
/// <remarks>
/// <b>At-least-once delivery.</b> The dispatcher retries an attempt that failed or timed out, and failed deliveries can
/// be re-sent, so a notifier may be called more than once for the same notification — also when an earlier call
/// actually reached the receiver (a timeout after the send). Every call for one alert change carries the same
/// <see cref="IdempotencyKey"/>: pass it to the receiving system (an idempotency header, a message id, a dedupe field)
/// so it can ignore repeats.
/// </remarks>
public sealed record AlertNotification
{
    private readonly string? _idempotencyKey;

    /// <summary>Stable id: <c>{alertId}#{detectionCount}</c> for alert notifications, <c>{policyId}:early:{activityId}</c>
    /// for early warnings. The same alert change always gets the same id, so receivers can de-duplicate.</summary>
    public required string Id { get; init; }

    /// <summary>
    /// The key a notifier passes on so receivers can de-duplicate repeated deliveries: <c>{alertId}#{detectionCount}</c>
    /// (<see cref="AlertId"/> and <see cref="DetectionCount"/>) for an alert change, <c>{policyId}:early:{activityId}</c>
    /// for an early warning. The same alert change always gets the same key — on every attempt, re-send and restart —
    /// and two changes of one alert get different keys. Defaults to <see cref="Id"/> when not set.
    /// </summary>
    public string IdempotencyKey
    {
        get => _idempotencyKey ?? Id;
        init => _idempotencyKey = value;
    }

    /// <summary>Which detection of the alert this notification is about (1 for a new alert, +1 per detection that
    /// joined it; see <see cref="Alert.DetectionCount"/>); 0 for an early warning.</summary>
    public int DetectionCount { get; init; }

    /// <summary>What the notification is about.</summary>
    public required NotificationKind Kind { get; init; }

    /// <summary>The alert id; <see langword="null"/> for an early warning.</summary>
    public string? AlertId { get; init; }

    /// <summary>The policy id.</summary>
    public required string PolicyId { get; init; }

    /// <summary>The policy name.</summary>
    public required string PolicyName { get; init; }

    /// <summary>The policy description, if any.</summary>
    public string? Description { get; init; }

    /// <summary>Severity.</summary>
    public AlertSeverity Severity { get; init; }

    /// <summary>Category.</summary>
    public AlertCategory Category { get; init; }

    /// <summary>Event time of the change: the detection time (alert creation time for a new alert), or the matching
    /// activity's time for an early warning.</summary>
    public required DateTimeOffset EventTime { get; init; }

    /// <summary>When the alert was created (event time); <see langword="null"/> for an early warning.</summary>
    public DateTimeOffset? AlertCreatedAt { get; init; }

    /// <summary>Distinct users involved, in first-seen order.</summary>
    public ImmutableArray<string> Users { get; init; } = [];

    /// <summary>Number of activities in the alert (1 for an early warning).</summary>
    public int HitCount { get; init; }

    /// <summary>Distinct operations involved, in first-seen order.</summary>
    public ImmutableArray<string> Operations { get; init; } = [];

    /// <summary>The first activities of the alert, capped by <see cref="NotificationOptions.MaxActivitiesPerNotification"/>.</summary>
    public ImmutableArray<NotificationActivity> Activities { get; init; } = [];

    /// <summary>One-line summary of the activity, e.g. <c>3 activities (FileDeleted) by alice@contoso.com between … and …</c>.</summary>
    public required string Summary { get; init; }

    /// <summary>Recipient addresses, from the policy's <see cref="NotificationSettings.Recipients"/>.</summary>
    public ImmutableArray<string> Recipients { get; init; } = [];

    /// <summary>Creates the notification of an alert change.</summary>
    /// <param name="change">The change.</param>
    /// <param name="policy">The alert's policy (recipients are taken from it).</param>
    /// <param name="maxActivities">Cap on <see cref="Activities"/> (at least 0).</param>
    /// <returns>The notification.</returns>
    public static AlertNotification From(AlertChange change, AlertPolicy policy, int maxActivities = 10)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfNegative(maxActivities);
        var alert = change.Alert;
        var count = Math.Min(maxActivities, alert.Activities.Count);
        var activities = ImmutableArray.CreateBuilder<NotificationActivity>(count);
        for (var i = 0; i < count; i++)
        {
            activities.Add(NotificationActivity.From(alert.Activities[i]));
        }

        var key = alert.Id + "#" + alert.DetectionCount.ToString(CultureInfo.InvariantCulture);
        return new AlertNotification
        {
            Id = key,
            IdempotencyKey = key,
            DetectionCount = alert.DetectionCount,
            Kind = change.Kind == AlertChangeKind.Created ? NotificationKind.AlertCreated : NotificationKind.AlertUpdated,
            AlertId = alert.Id,
            PolicyId = alert.PolicyId,
            PolicyName = alert.PolicyName,
            Description = alert.Description,
            Severity = alert.Severity,
            Category = alert.Category,
            EventTime = change.Kind == AlertChangeKind.Created ? alert.CreatedAt : change.Detection.Time,
            AlertCreatedAt = alert.CreatedAt,
            Users = alert.Users,
            HitCount = alert.HitCount,
            Operations = alert.Operations,
            Activities = activities.MoveToImmutable(),
            Summary = Summarize(alert.HitCount, alert.Operations, alert.Users, alert.FirstActivityAt, alert.LastActivityAt),
            Recipients = RecipientsOf(policy),
        };
    }

    /// <summary>Creates an early-warning notification for the first match of a threshold policy.</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="activity">The matching activity.</param>
    /// <returns>The notification.</returns>
    public static AlertNotification EarlyWarningFor(AlertPolicy policy, Activity activity)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(activity);
        ImmutableArray<string> users = activity.UserId is null ? [] : [activity.UserId];
        ImmutableArray<string> operations = [activity.Operation];
        var key = policy.Id + ":early:" + activity.Id;
        return new AlertNotification
        {
            Id = key,
            IdempotencyKey = key,
            Kind = NotificationKind.EarlyWarning,
            PolicyId = policy.Id,
            PolicyName = policy.Name,
            Description = policy.Description,
            Severity = policy.Severity,
            Category = policy.Category,
            EventTime = activity.Time,
            Users = users,
            HitCount = 1,
            Operations = operations,
            Activities = [NotificationActivity.From(AlertActivity.From(activity))],
            Summary = "First match of a threshold policy (early warning): " + Summarize(1, operations, users, activity.Time, activity.Time),
            Recipients = RecipientsOf(policy),
        };
    }

    private static ImmutableArray<string> RecipientsOf(AlertPolicy policy) =>
        policy.Notification?.Recipients is { } r ? [.. r] : [];

    private static string Summarize(int hitCount, ImmutableArray<string> operations, ImmutableArray<string> users, DateTimeOffset first, DateTimeOffset last)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{hitCount} {(hitCount == 1 ? "activity" : "activities")}");
        if (!operations.IsDefaultOrEmpty)
        {
            text.Append(" (").AppendJoin(", ", operations).Append(')');
        }

        if (!users.IsDefaultOrEmpty)
        {
            text.Append(" by ");
            const int maxUsers = 5;
            for (var i = 0; i < users.Length && i < maxUsers; i++)
            {
                text.Append(i == 0 ? string.Empty : ", ").Append(users[i]);
            }

            if (users.Length > maxUsers)
            {
                text.Append(CultureInfo.InvariantCulture, $" and {users.Length - maxUsers} more");
            }
        }

        text.Append(first == last
            ? string.Create(CultureInfo.InvariantCulture, $" at {first.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC")
            : string.Create(CultureInfo.InvariantCulture, $" between {first.UtcDateTime:yyyy-MM-dd HH:mm:ss} and {last.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC"));
        return text.ToString();
    }
}

/// <summary>One activity as a notification lists it (plain values; the client IP as text).</summary>
/// <param name="Id">Activity id.</param>
/// <param name="Time">Event time.</param>
/// <param name="Operation">Operation.</param>
/// <param name="UserId">User id.</param>
/// <param name="ObjectId">Object id.</param>
/// <param name="ClientIp">Client IP address as text.</param>
public sealed record NotificationActivity(string Id, DateTimeOffset Time, string Operation, string? UserId, string? ObjectId, string? ClientIp)
{
    /// <summary>Projects an alert activity.</summary>
    /// <param name="activity">The activity.</param>
    /// <returns>The notification's view of it.</returns>
    public static NotificationActivity From(AlertActivity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return new(activity.Id, activity.Time, activity.Operation, activity.UserId, activity.ObjectId, activity.ClientIp?.ToString());
    }
}
