using System.Collections.Immutable;
using System.Net;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Tests.Incidents;

internal static class IncidentData
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Alert Alert(
        string id,
        TimeSpan at,
        string? user = "alice@contoso.com",
        string policy = "p1",
        string? ip = null,
        string? obj = null,
        AlertSeverity severity = AlertSeverity.Medium)
    {
        var time = T0 + at;
        return new Alert
        {
            Id = id,
            PolicyId = policy,
            PolicyName = "Policy " + policy,
            Severity = severity,
            Category = AlertCategory.ThreatManagement,
            CreatedAt = time,
            FirstActivityAt = time,
            LastActivityAt = time,
            HitCount = 1,
            Users = user is null ? [] : [user],
            Activities = [new AlertActivity(id + "-act", time, "FileDownloaded", user, obj, ip is null ? null : IPAddress.Parse(ip))],
        };
    }

    public static Alert Alert(string id, int minutes, string? user = "alice@contoso.com") => Alert(id, TimeSpan.FromMinutes(minutes), user);

    public static CustomerNotification CompleteNotice => new()
    {
        NatureOfBreach = "Unauthorized access to the HR share exposed payroll files.",
        ApproximateAffectedUsers = 120,
        MitigationSteps = ["Access revoked and credentials reset.", "Reset your password."],
        InvestigationComplete = false,
        NextSteps = ["Review all downloads from the share."],
        Timeline = "Next update within 48 hours; final report within 30 days.",
    };

    public static Postmortem CompletePostmortem => new()
    {
        Summary = "An over-shared HR folder was downloaded by an external account.",
        RootCause = "Anonymous sharing links were allowed on the HR site.",
        Actions = ["Disable anonymous links on HR sites.", "Alert on external downloads from HR."],
    };

    public static (IncidentManager Manager, FakeTimeProvider Time, InMemoryAlertStore Alerts) NewManager(
        IncidentManagerOptions? options = null,
        IEscalationHandler? escalation = null)
    {
        var time = new FakeTimeProvider(T0.AddHours(1));
        var alerts = new InMemoryAlertStore();
        var manager = new IncidentManager(new InMemoryIncidentStore(), options, time, escalation, alerts);
        return (manager, time, alerts);
    }

    /// <summary>Creates an incident and walks it along the main path up to <paramref name="phase"/>.</summary>
    public static async Task<Incident> DriveTo(IncidentManager manager, IncidentPhase phase, string alertId = "a1")
    {
        var incident = await manager.CreateAsync([Alert(alertId, 0)], "analyst", cancellationToken: Ct);
        IncidentPhase[] path = [IncidentPhase.Escalated, IncidentPhase.Assessed, IncidentPhase.Contained, IncidentPhase.Eradicated, IncidentPhase.Recovered, IncidentPhase.Closed];
        foreach (var next in path)
        {
            if (incident.Phase == phase)
            {
                break;
            }

            incident = await manager.TransitionAsync(incident.Id, next, "analyst", cancellationToken: Ct);
        }

        Assert.Equal(phase, incident.Phase);
        return incident;
    }

    public static ImmutableArray<string> Ids(params string[] ids) => [.. ids];
}
