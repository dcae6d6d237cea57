namespace AlertEngine.AspNetCore.Api;

// The wire model of the HTTP API: plain records with enum values as their names, so the JSON (and the OpenAPI
// document generated from these types) does not depend on the host's JSON options for enums.

/// <summary>An alert in a list.</summary>
internal sealed record AlertSummaryModel(
    string Id,
    string PolicyId,
    string PolicyName,
    string Severity,
    string Category,
    string Status,
    string Source,
    DateTimeOffset CreatedAt,
    DateTimeOffset FirstActivityAt,
    DateTimeOffset LastActivityAt,
    int HitCount,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> Tags,
    bool NotificationsSuppressed)
{
    public static AlertSummaryModel From(Alert a) => new(
        a.Id, a.PolicyId, a.PolicyName, a.Severity.ToString(), a.Category.ToString(), a.Status.ToString(), a.Source,
        a.CreatedAt, a.FirstActivityAt, a.LastActivityAt, a.HitCount, Array(a.Users), Array(a.Tags), a.NotificationsSuppressed);

    internal static IReadOnlyList<string> Array(System.Collections.Immutable.ImmutableArray<string> values) =>
        values.IsDefault ? [] : values;
}

/// <summary>One alert with its activities and status history.</summary>
internal sealed record AlertDetailModel(
    string Id,
    string PolicyId,
    string PolicyName,
    string Severity,
    string Category,
    string Status,
    string Source,
    string? Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset FirstActivityAt,
    DateTimeOffset LastActivityAt,
    int HitCount,
    int DetectionCount,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> Tags,
    bool NotificationsSuppressed,
    IReadOnlyList<AlertActivityModel> Activities,
    bool ActivitiesTruncated,
    IReadOnlyList<AlertStatusChangeModel> History)
{
    public static AlertDetailModel From(Alert a)
    {
        var activities = new List<AlertActivityModel>(a.Activities.Count);
        foreach (var activity in a.Activities)
        {
            activities.Add(new(activity.Id, activity.Time, activity.Operation, activity.UserId, activity.ObjectId, activity.ClientIp?.ToString()));
        }

        var history = new List<AlertStatusChangeModel>();
        if (!a.History.IsDefault)
        {
            foreach (var change in a.History)
            {
                history.Add(new(change.From.ToString(), change.To.ToString(), change.ChangedBy, change.ChangedAt, change.Comment));
            }
        }

        return new(
            a.Id, a.PolicyId, a.PolicyName, a.Severity.ToString(), a.Category.ToString(), a.Status.ToString(), a.Source, a.Description,
            a.CreatedAt, a.FirstActivityAt, a.LastActivityAt, a.HitCount, a.DetectionCount,
            AlertSummaryModel.Array(a.Users), AlertSummaryModel.Array(a.Operations), AlertSummaryModel.Array(a.Tags),
            a.NotificationsSuppressed, activities, a.ActivitiesTruncated, history);
    }
}

/// <summary>An activity kept with an alert.</summary>
internal sealed record AlertActivityModel(string Id, DateTimeOffset Time, string Operation, string? UserId, string? ObjectId, string? ClientIp);

/// <summary>One status change of an alert.</summary>
internal sealed record AlertStatusChangeModel(string From, string To, string ChangedBy, DateTimeOffset ChangedAt, string? Comment);

/// <summary>One page of alerts; pass <c>next</c> as the <c>after</c> query parameter for the next page.</summary>
internal sealed record AlertPageModel(IReadOnlyList<AlertSummaryModel> Items, string? Next);

/// <summary>Alert counts by severity, category and status.</summary>
internal sealed record AlertCountsModel(int Total, IReadOnlyDictionary<string, int> BySeverity, IReadOnlyDictionary<string, int> ByCategory, IReadOnlyDictionary<string, int> ByStatus)
{
    public static AlertCountsModel From(AlertCounts counts) => new(counts.Total, Names(counts.BySeverity), Names(counts.ByCategory), Names(counts.ByStatus));

    private static Dictionary<string, int> Names<T>(IReadOnlyDictionary<T, int> counts)
        where T : struct, Enum
    {
        var named = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var value in Enum.GetValues<T>())
        {
            named[value.ToString()] = counts.TryGetValue(value, out var n) ? n : 0;
        }

        return named;
    }
}

/// <summary>A status change: the new status (<c>Active</c>, <c>Investigating</c>, <c>Resolved</c>, <c>Dismissed</c>) and an optional comment.</summary>
internal sealed record AlertStatusRequest(string? Status, string? Comment);

/// <summary>Whether email notifications of one alert are suppressed.</summary>
internal sealed record AlertSuppressionRequest(bool? Suppressed);

/// <summary>What an ingest request did.</summary>
internal sealed record IngestResultModel(int Accepted, int AlertsCreated, int AlertsUpdated, IReadOnlyList<string> AlertIds);

/// <summary>Whether a policy evaluates activities.</summary>
internal sealed record PolicyEnabledModel(string Id, bool Enabled);

/// <summary>An incident in a list.</summary>
internal sealed record IncidentSummaryModel(
    string Id,
    string Title,
    string Severity,
    string Phase,
    DateTimeOffset FirstAlertAt,
    DateTimeOffset LastAlertAt,
    int AlertCount,
    bool IsSecurityIncident,
    DateTimeOffset? NotificationDeadline,
    bool CustomersNotified)
{
    public static IncidentSummaryModel From(Incident i) => new(
        i.Id, i.Title, i.Severity.ToString(), i.Phase.ToString(), i.FirstAlertAt, i.LastAlertAt, i.AlertIds.IsDefault ? 0 : i.AlertIds.Length,
        i.IsSecurityIncident, i.NotificationDeadline, !i.Notifications.IsEmpty);
}

/// <summary>One incident with its timeline, notices and postmortem.</summary>
internal sealed record IncidentDetailModel(
    string Id,
    string Title,
    string Severity,
    string Phase,
    IReadOnlyList<string> NextPhases,
    DateTimeOffset FirstAlertAt,
    DateTimeOffset LastAlertAt,
    IReadOnlyList<string> AlertIds,
    IReadOnlyList<string> Entities,
    string CreatedBy,
    bool IsSecurityIncident,
    bool CustomersAffected,
    bool RequiresPostmortem,
    DateTimeOffset? DeclaredAt,
    DateTimeOffset? NotificationDeadline,
    TimeSpan? NotificationTimeLeft,
    IReadOnlyList<IncidentTransitionModel> Timeline,
    IReadOnlyList<CustomerNoticeModel> Notices,
    PostmortemModel? Postmortem)
{
    public static IncidentDetailModel From(Incident i, DateTimeOffset now)
    {
        var next = new List<string>();
        foreach (var phase in IncidentPhases.NextPhases(i.Phase))
        {
            next.Add(phase.ToString());
        }

        var entities = new List<string>();
        foreach (var entity in i.Entities)
        {
            entities.Add(entity.ToString());
        }

        var timeline = new List<IncidentTransitionModel>();
        foreach (var t in i.Transitions)
        {
            timeline.Add(new(t.From.ToString(), t.To.ToString(), t.At, t.By, t.Note));
        }

        var notices = new List<CustomerNoticeModel>();
        foreach (var n in i.Notifications)
        {
            notices.Add(new(n.RecordedAt, n.RecordedBy, n.OnTime, n.Notification.NatureOfBreach, n.Notification.ApproximateAffectedUsers,
                n.Notification.MitigationSteps, n.Notification.InvestigationComplete, n.Notification.NextSteps, n.Notification.Timeline));
        }

        var postmortem = i.Postmortem is { } p ? new PostmortemModel(p.RecordedAt, p.RecordedBy, p.Postmortem.Summary, p.Postmortem.RootCause, p.Postmortem.Actions) : null;
        TimeSpan? left = i.NotificationDeadline is { } deadline && i.Notifications.IsEmpty ? deadline - now : null;
        return new(
            i.Id, i.Title, i.Severity.ToString(), i.Phase.ToString(), next, i.FirstAlertAt, i.LastAlertAt,
            i.AlertIds.IsDefault ? [] : i.AlertIds, entities, i.CreatedBy, i.IsSecurityIncident, i.CustomersAffected, i.RequiresPostmortem,
            i.Declaration?.DeclaredAt, i.NotificationDeadline, left, timeline, notices, postmortem);
    }
}

/// <summary>One phase change of an incident.</summary>
internal sealed record IncidentTransitionModel(string From, string To, DateTimeOffset At, string By, string? Note);

/// <summary>A customer notice recorded for an incident.</summary>
internal sealed record CustomerNoticeModel(
    DateTimeOffset RecordedAt,
    string RecordedBy,
    bool OnTime,
    string? NatureOfBreach,
    int? ApproximateAffectedUsers,
    IReadOnlyList<string> MitigationSteps,
    bool InvestigationComplete,
    IReadOnlyList<string> NextSteps,
    string? Timeline);

/// <summary>The postmortem of an incident.</summary>
internal sealed record PostmortemModel(DateTimeOffset RecordedAt, string RecordedBy, string? Summary, string? RootCause, IReadOnlyList<string> Actions);

/// <summary>A phase change: the phase to move to and an optional note.</summary>
internal sealed record IncidentPhaseRequest(string? Phase, string? Note);

/// <summary>Declares an incident a security incident (starts the 72-hour notification clock).</summary>
internal sealed record IncidentDeclareRequest(string? Note);

/// <summary>The content of a customer notice.</summary>
internal sealed record CustomerNoticeRequest(
    string? NatureOfBreach,
    int? ApproximateAffectedUsers,
    IReadOnlyList<string>? MitigationSteps,
    bool InvestigationComplete,
    IReadOnlyList<string>? NextSteps,
    string? Timeline)
{
    public CustomerNotification ToNotification() => new()
    {
        NatureOfBreach = NatureOfBreach,
        ApproximateAffectedUsers = ApproximateAffectedUsers,
        MitigationSteps = MitigationSteps ?? [],
        InvestigationComplete = InvestigationComplete,
        NextSteps = NextSteps ?? [],
        Timeline = Timeline,
    };
}

/// <summary>The content of a postmortem.</summary>
internal sealed record PostmortemRequest(string? Summary, string? RootCause, IReadOnlyList<string>? Actions)
{
    public Postmortem ToPostmortem() => new() { Summary = Summary, RootCause = RootCause, Actions = Actions ?? [] };
}

/// <summary>The engine's counters and health. <c>TrackedKeys</c>: the scope keys the threshold and anomaly detectors
/// hold state for, summed over policies (what the <c>alertengine.policy.tracked_keys</c> gauge reports per policy).</summary>
internal sealed record EngineStatisticsModel(
    DateTimeOffset AsOf,
    long ActivitiesProcessed,
    double ActivitiesPerSecond,
    long Duplicates,
    long Late,
    long Future,
    long Detections,
    long AlertsCreated,
    long AlertsUpdated,
    long EvaluationErrors,
    long ObserverErrors,
    long Diagnostics,
    int PendingStoreWrites,
    DateTimeOffset? Watermark,
    int Policies,
    int EnabledPolicies,
    long TrackedKeys);
