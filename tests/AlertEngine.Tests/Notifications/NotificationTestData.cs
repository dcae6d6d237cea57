using System.Collections.Immutable;

namespace AlertEngine.Tests.Notifications;

/// <summary>Alert changes built directly, so each test states exactly what the gate sees.</summary>
internal static class NotificationTestData
{
    public static AlertPolicy Policy(string id = "p1", int? dailyLimit = null, NotificationThrottle? throttle = null, bool enabled = true, params string[] recipients) => new()
    {
        Id = id,
        Name = "Policy " + id,
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.High,
        Operations = ["FileDeleted"],
        Notification = new NotificationSettings(enabled, recipients.Length == 0 ? ["soc@contoso.com"] : recipients, dailyLimit) { Throttle = throttle },
    };

    public static AlertPolicy ThresholdPolicy(string id = "t1", bool earlyWarning = true) => Policy(id) with
    {
        Trigger = new ThresholdTrigger(3, TimeSpan.FromHours(1), TriggerScope.User),
        Notification = new NotificationSettings(true, ["soc@contoso.com"]) { EarlyWarning = earlyWarning },
    };

    public static Activity Activity(string id, DateTimeOffset time, string user = "alice@contoso.com") =>
        new(id, time, "FileDeleted") { UserId = user, Workload = "SharePoint", Properties = new Dictionary<string, string> { ["FileName"] = "payroll.xlsx" } };

    /// <summary>A new alert of <paramref name="policy"/> created by activity <paramref name="activityId"/> at <paramref name="time"/>.</summary>
    public static AlertChange Created(AlertPolicy policy, string activityId, DateTimeOffset time, string user = "alice@contoso.com", string scopeKey = "")
    {
        var activity = Activity(activityId, time, user);
        var detection = new Detection(time, activity, [activity], 1, scopeKey) { PolicyId = policy.Id };
        var alert = new Alert
        {
            Id = policy.Id + ":" + activityId,
            PolicyId = policy.Id,
            PolicyName = policy.Name,
            Severity = policy.Severity,
            Category = policy.Category,
            Description = policy.Description,
            CreatedAt = time,
            FirstActivityAt = time,
            LastActivityAt = time,
            HitCount = 1,
            Users = [user],
            Operations = ["FileDeleted"],
            Activities = [AlertActivity.From(activity)],
        };
        return new AlertChange(AlertChangeKind.Created, alert, detection);
    }

    /// <summary>The next update of <paramref name="previous"/>'s alert: one more activity at <paramref name="time"/>.</summary>
    public static AlertChange Updated(AlertChange previous, string activityId, DateTimeOffset time, string user = "alice@contoso.com")
    {
        var activity = Activity(activityId, time, user);
        var detection = new Detection(time, activity, [activity], 1, previous.Detection.ScopeKey) { PolicyId = previous.Alert.PolicyId };
        var a = previous.Alert;
        var alert = a with
        {
            LastActivityAt = time,
            HitCount = a.HitCount + 1,
            DetectionCount = a.DetectionCount + 1,
            Users = a.Users.Contains(user) ? a.Users : a.Users.Add(user),
            Activities = a.Activities.Add(AlertActivity.From(activity)),
        };
        return new AlertChange(AlertChangeKind.Updated, alert, detection);
    }

    public static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    public static ImmutableArray<string> Ids(params string[] ids) => [.. ids];
}
