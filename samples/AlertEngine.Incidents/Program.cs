// Incident response walk-through: alerts → incident → escalate → assess → declare (72-hour clock) → notify customers
// → contain → eradicate → recover → postmortem → closed, and a second incident whose notification deadline is missed.
//
// The sample registers a FakeTimeProvider so it can move the clock forward by days instantly and show the deadline
// report and the overdue alert. A real application registers nothing (TimeProvider.System is used) or its own clock.
using AlertEngine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

var start = new DateTimeOffset(2026, 3, 6, 9, 0, 0, TimeSpan.Zero);
var clock = new FakeTimeProvider(start);

var services = new ServiceCollection();
services.AddSingleton<TimeProvider>(clock);
services.AddSingleton<IEscalationHandler, ConsolePager>();
services.AddAlertEngine(options =>
{
    options.Policies.Add(new AlertPolicy
    {
        Id = "hr-download",
        Name = "File downloaded from the HR site",
        Category = AlertCategory.InformationGovernance,
        Severity = AlertSeverity.Medium,
        Operations = ["FileDownloaded"],
    });
    options.Policies.Add(new AlertPolicy
    {
        Id = "external-share",
        Name = "File shared externally",
        Category = AlertCategory.DataLossPrevention,
        Severity = AlertSeverity.High,
        Operations = ["FileSharedExternally"],
    });
});
services.AddAlertEngineIncidents(options => options.Grouping.ReopenWindow = TimeSpan.FromDays(7));
await using var provider = services.BuildServiceProvider();

var engine = provider.GetRequiredService<IAlertEngine>();
var incidents = provider.GetRequiredService<IncidentManager>();
using var log = incidents.Changes.Subscribe(c => Console.WriteLine($"  [change] {c.Kind,-20} {c.Incident.Id} ({c.Incident.Phase})"));

Step("1. Activities raise alerts; alerts sharing the user join one incident");
Activity[] activities =
[
    new("act-1", start, "FileDownloaded") { UserId = "mallory@contoso.com", ObjectId = "/sites/hr/payroll-2026.xlsx" },
    new("act-2", start.AddMinutes(3), "FileSharedExternally") { UserId = "mallory@contoso.com", ObjectId = "/sites/hr/payroll-2026.xlsx" },
];
foreach (var activity in activities)
{
    foreach (var change in await engine.ProcessAsync(activity))
    {
        var grouped = await incidents.CorrelateAsync(change);
        Console.WriteLine($"  alert {change.Alert.Id} ({change.Alert.Severity}) → {grouped.Kind} {grouped.Incident.Id}");
    }
}

var id = "inc:hr-download:act-1";
var incident = (await incidents.GetAsync(id))!;
Console.WriteLine($"  {incident.Id}: \"{incident.Title}\", severity {incident.Severity}, alerts {string.Join(", ", incident.AlertIds)}");
Console.WriteLine($"  entities: {string.Join(", ", incident.Entities)}");

Step("2. Escalate to the response team, then assess");
clock.Advance(TimeSpan.FromMinutes(10));
incident = await incidents.EscalateAsync(id, "soc-analyst", "Payroll file left the tenant");
Console.WriteLine($"  escalated to {incident.Escalation!.Target} ({incident.Escalation.Reference})");
clock.Advance(TimeSpan.FromHours(2));
incident = await incidents.TransitionAsync(id, IncidentPhase.Assessed, "ir-lead", "External account downloaded payroll data");

Step("3. Declare a security incident: the 72-hour customer-notification clock starts");
incident = await incidents.DeclareSecurityIncidentAsync(id, "ciso", "Personal data of employees disclosed");
Console.WriteLine($"  declared {incident.Declaration!.DeclaredAt:u}, notify customers by {incident.NotificationDeadline:u}");

Step("4. 70 hours later: the deadline report shows the notice is due soon");
clock.Advance(TimeSpan.FromHours(70));
var report = await incidents.GetNotificationDeadlinesAsync(dueWithin: TimeSpan.FromHours(4));
foreach (var due in report.DueSoon)
{
    Console.WriteLine($"  due soon: {due.IncidentId}, {due.Remaining.TotalHours:0.#} h left (deadline {due.DeadlineIn(TimeZoneInfo.Local):yyyy-MM-dd HH:mm zzz} local)");
}

Step("5. Record the customer notification (an incomplete notice is refused)");
var refused = await incidents.RecordNotificationAsync(id, new CustomerNotification { NatureOfBreach = "Payroll data shared externally" }, "comms");
foreach (var error in refused.Errors)
{
    Console.WriteLine($"  refused: {error}");
}

var notified = await incidents.RecordNotificationAsync(id, new CustomerNotification
{
    NatureOfBreach = "A payroll spreadsheet was shared with an external account.",
    ApproximateAffectedUsers = 350,
    MitigationSteps = ["The share was removed and the account blocked.", "Watch for phishing that uses payroll details."],
    InvestigationComplete = false,
    NextSteps = ["Confirm whether the file was forwarded further."],
    Timeline = "Next update within 48 hours; final report within 30 days.",
}, "comms");
Console.WriteLine($"  recorded at {notified.Value.FirstNotification!.RecordedAt:u}, on time: {notified.Value.FirstNotification.OnTime}");

Step("6. Contain, eradicate, recover");
foreach (var (phase, note) in new[]
{
    (IncidentPhase.Contained, "External sharing disabled on the HR site"),
    (IncidentPhase.Eradicated, "Guest account removed, links revoked"),
    (IncidentPhase.Recovered, "Sharing policy restored with approvals"),
})
{
    clock.Advance(TimeSpan.FromHours(6));
    incident = await incidents.TransitionAsync(id, phase, "ir-lead", note);
}

Step("7. Closing needs a postmortem for a data breach");
try
{
    await incidents.TransitionAsync(id, IncidentPhase.Closed, "ir-lead");
}
catch (InvalidIncidentTransitionException ex)
{
    Console.WriteLine($"  refused: {ex.Message}");
}

var closed = await incidents.RecordPostmortemAsync(id, new Postmortem
{
    Summary = "A payroll file was shared with an external guest and downloaded.",
    RootCause = "The HR site allowed external sharing without approval.",
    Actions = ["Block external sharing on HR sites.", "Alert on external shares of files labelled Confidential."],
}, "ir-lead");
incident = closed.Value;
Console.WriteLine($"  {incident.Id} is {incident.Phase}; history:");
foreach (var t in incident.Transitions)
{
    Console.WriteLine($"    {t.At:u}  {t.From,-10} → {t.To,-10} by {t.By,-12} {t.Note}");
}

Step("8. A second incident whose notification deadline is missed raises an alert");
foreach (var change in await engine.ProcessAsync(new Activity("act-9", start.AddDays(4), "FileSharedExternally") { UserId = "eve@contoso.com" }))
{
    var second = await incidents.CorrelateAsync(change);
    await incidents.DeclareSecurityIncidentAsync(second.Incident.Id, "ciso");
}

clock.Advance(TimeSpan.FromHours(73));
foreach (var alert in await incidents.RaiseOverdueAlertsAsync())
{
    Console.WriteLine($"  alert {alert.Id} ({alert.Severity}, source {alert.Source})");
    Console.WriteLine($"  {alert.Description}");
}

var stored = await provider.GetRequiredService<IAlertStore>().QueryAsync(new AlertQuery { PolicyId = IncidentManager.OverdueNotificationPolicyId });
Console.WriteLine($"  the alert store holds {stored.Count} overdue-notification alert(s)");

static void Step(string title) => Console.WriteLine(Environment.NewLine + title);

/// <summary>A stand-in for a pager or ticketing integration.</summary>
internal sealed class ConsolePager : IEscalationHandler
{
    public ValueTask<EscalationResult> EscalateAsync(EscalationRequest request, CancellationToken cancellationToken = default)
    {
        Console.WriteLine($"  paging security-oncall: {request.Incident.Title} ({request.Incident.Severity}) from {request.EscalatedBy}: {request.Note}");
        return ValueTask.FromResult(new EscalationResult("security-oncall", "PAGE-1042"));
    }
}
