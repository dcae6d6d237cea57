using System.Collections.Immutable;
using System.Net;

namespace AlertEngine.StoreContracts;

/// <summary>Alerts and incidents for the store contracts.</summary>
public static class StoreContractData
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static Alert MakeAlert(
        string id,
        string policy = "p",
        int seconds = 0,
        AlertStatus status = AlertStatus.Active,
        AlertSeverity severity = AlertSeverity.High,
        AlertCategory category = AlertCategory.ThreatManagement,
        string source = Alert.EngineSource,
        int hits = 1,
        params string[] tags) => new()
        {
            Id = id,
            PolicyId = policy,
            PolicyName = "Policy " + policy,
            Severity = severity,
            Category = category,
            Status = status,
            Source = source,
            CreatedAt = T0.AddSeconds(seconds),
            FirstActivityAt = T0.AddSeconds(seconds),
            LastActivityAt = T0.AddSeconds(seconds),
            HitCount = hits,
            Users = ImmutableArray.Create("u"),
            Tags = [.. tags],
            Activities = [],
        };

    /// <summary>An alert with every property set, nulls, offsets, IPv4 and scoped IPv6 addresses and odd text included.</summary>
    public static Alert FullAlert(string id = "p1:act-1") => new()
    {
        Id = id,
        PolicyId = "p1",
        PolicyName = "Mass deletion \u00e9\ud83d\ude00 \ud800 (lone surrogate)",
        Severity = AlertSeverity.Medium,
        Category = AlertCategory.DataLossPrevention,
        Status = AlertStatus.Investigating,
        Source = "Defender for Cloud Apps",
        Description = null,
        CreatedAt = new DateTimeOffset(2026, 3, 1, 14, 30, 15, TimeSpan.FromHours(5.5)).AddTicks(1234567),
        FirstActivityAt = T0.AddMinutes(-3),
        LastActivityAt = T0.AddMinutes(2).ToOffset(TimeSpan.FromHours(-7)),
        HitCount = 41,
        DetectionCount = 3,
        Users = ["alice@contoso.com", "bob@contoso.com", ""],
        Operations = ["FileDeleted", "FileRecycled"],
        Activities =
        [
            new AlertActivity("act-1", T0, "FileDeleted", "alice@contoso.com", "https://contoso/doc1", IPAddress.Parse("203.0.113.7")),
            new AlertActivity("act-2", T0.AddSeconds(1), "FileRecycled", null, null, null),
            new AlertActivity("act-3", T0.AddSeconds(2), "FileDeleted", "bob@contoso.com", "x\0y", IPAddress.Parse("fe80::1%3")),
        ],
        ActivitiesTruncated = true,
        NotificationsSuppressed = true,
        Tags = ["Priority account", "VIP"],
        History =
        [
            new AlertStatusChange(AlertStatus.Active, AlertStatus.Dismissed, "admin@contoso.com", T0.AddHours(1), "noise"),
            new AlertStatusChange(AlertStatus.Dismissed, AlertStatus.Investigating, "soc@contoso.com", T0.AddHours(2)),
        ],
        SilencedBy = ["silence-1"],
    };

    public static Incident MakeIncident(string id, int minutes, IncidentPhase phase = IncidentPhase.Detected, params string[] alertIds) => new()
    {
        Id = id,
        Title = id,
        Phase = phase,
        FirstAlertAt = T0.AddMinutes(minutes),
        LastAlertAt = T0.AddMinutes(minutes),
        AlertIds = [.. alertIds],
    };

    /// <summary>An incident with every property set, nested records and nulls included.</summary>
    public static Incident FullIncident(string id = "inc-1") => new()
    {
        Id = id,
        Title = "Mass deletion by alice \ud83d\ude00",
        Severity = AlertSeverity.High,
        Phase = IncidentPhase.Contained,
        FirstAlertAt = T0,
        LastAlertAt = T0.AddMinutes(30).ToOffset(TimeSpan.FromHours(2)),
        AlertIds = ["p1:act-1", "p2:act-9"],
        Entities = [new IncidentEntity(IncidentEntityKind.User, "alice@contoso.com"), new IncidentEntity(IncidentEntityKind.IpAddress, "203.0.113.7")],
        EntitiesTruncated = true,
        CreatedBy = "soc@contoso.com",
        CreatedAt = T0.AddMinutes(1),
        Transitions =
        [
            new IncidentTransition(IncidentPhase.Detected, IncidentPhase.Escalated, T0.AddMinutes(5), "soc@contoso.com", "paged"),
            new IncidentTransition(IncidentPhase.Escalated, IncidentPhase.Contained, T0.AddMinutes(50), "ir@contoso.com", null),
        ],
        Escalation = new EscalationResult("pager", null),
        Declaration = new SecurityIncidentDeclaration(T0.AddMinutes(20), "ciso@contoso.com", T0.AddMinutes(20).AddHours(72), "breach"),
        CustomersAffected = true,
        Notifications =
        [
            new RecordedCustomerNotification(
                new CustomerNotification
                {
                    NatureOfBreach = "files deleted",
                    ApproximateAffectedUsers = 12,
                    MitigationSteps = ["restored"],
                    InvestigationComplete = false,
                    NextSteps = ["audit", "train"],
                    Timeline = "a week",
                },
                T0.AddHours(3),
                "dpo@contoso.com",
                true),
        ],
        Postmortems = [new RecordedPostmortem(new Postmortem { Summary = "s", RootCause = null, Actions = ["a"] }, T0.AddDays(2), "ir@contoso.com")],
        OverdueAlertId = null,
        ReopenCount = 2,
    };
}
