using Microsoft.Extensions.Time.Testing;
using static AlertEngine.Tests.Incidents.IncidentData;

namespace AlertEngine.Tests.Incidents;

public class NotificationDeadlineTests
{
    private static readonly TimeSpan H72 = TimeSpan.FromHours(72);

    /// <summary>A US-Eastern-like zone built in code (no dependency on the machine's tz data): UTC−5, daylight time
    /// from the second Sunday of March to the first Sunday of November, at 02:00 local.</summary>
    private static readonly TimeZoneInfo Eastern = TimeZoneInfo.CreateCustomTimeZone(
        "Test/Eastern",
        TimeSpan.FromHours(-5),
        "Test Eastern",
        "EST",
        "EDT",
        [
            TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
                new DateTime(2000, 1, 1),
                new DateTime(2099, 12, 31),
                TimeSpan.FromHours(1),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 2, DayOfWeek.Sunday),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 11, 1, DayOfWeek.Sunday)),
        ]);

    private static async Task<(IncidentManager Manager, FakeTimeProvider Time, InMemoryAlertStore Alerts, Incident Incident)> Declared(string alertId = "a1")
    {
        var (manager, time, alerts) = NewManager();
        var incident = await DriveTo(manager, IncidentPhase.Assessed, alertId);
        incident = await manager.DeclareSecurityIncidentAsync(incident.Id, "ciso", "payroll files exposed", Ct);
        return (manager, time, alerts, incident);
    }

    [Fact]
    public async Task Declaring_starts_a_deadline_exactly_72_hours_after_the_declaration_instant()
    {
        var (manager, time, _, incident) = await Declared();
        using var _m = manager;
        Assert.True(incident.IsSecurityIncident);
        Assert.True(incident.RequiresPostmortem);
        Assert.Equal(new SecurityIncidentDeclaration(time.GetUtcNow(), "ciso", time.GetUtcNow() + H72, "payroll files exposed"), incident.Declaration);
        Assert.Equal(H72, incident.NotificationDeadline - incident.Declaration!.DeclaredAt);
    }

    [Fact]
    public async Task The_deadline_is_due_until_exactly_72_hours_and_overdue_one_tick_later()
    {
        var (manager, time, _, incident) = await Declared();
        using var _m = manager;
        var deadline = incident.NotificationDeadline!.Value;

        time.Advance(H72 - TimeSpan.FromHours(2));
        var early = await manager.GetNotificationDeadlinesAsync(TimeSpan.FromHours(1), Ct);
        Assert.Empty(early.DueSoon);
        Assert.Empty(early.Overdue);

        time.Advance(TimeSpan.FromHours(1));
        var soon = await manager.GetNotificationDeadlinesAsync(TimeSpan.FromHours(1), Ct);
        var due = Assert.Single(soon.DueSoon);
        Assert.Equal(new NotificationDeadline(incident.Id, incident.Title, incident.Declaration!.DeclaredAt, deadline, TimeSpan.FromHours(1)), due);
        Assert.Equal(time.GetUtcNow(), soon.AsOf);

        time.SetUtcNow(deadline);
        var atDeadline = await manager.GetNotificationDeadlinesAsync(TimeSpan.Zero, Ct);
        Assert.False(Assert.Single(atDeadline.DueSoon).IsOverdue);
        Assert.Empty(atDeadline.Overdue);

        time.Advance(TimeSpan.FromTicks(1));
        var late = await manager.GetNotificationDeadlinesAsync(TimeSpan.FromHours(1), Ct);
        Assert.Empty(late.DueSoon);
        var overdue = Assert.Single(late.Overdue);
        Assert.True(overdue.IsOverdue);
        Assert.Equal(TimeSpan.FromTicks(-1), overdue.Remaining);
    }

    [Fact]
    public async Task A_notice_recorded_exactly_at_the_deadline_is_on_time_and_clears_the_report()
    {
        var (manager, time, _, incident) = await Declared();
        using var _m = manager;
        time.SetUtcNow(incident.NotificationDeadline!.Value);

        var result = await manager.RecordNotificationAsync(incident.Id, CompleteNotice, "comms", Ct);

        var recorded = Assert.Single(result.Value.Notifications);
        Assert.True(recorded.OnTime);
        Assert.Equal(time.GetUtcNow(), recorded.RecordedAt);
        Assert.Equal("comms", recorded.RecordedBy);
        Assert.Equal(CompleteNotice.NatureOfBreach, recorded.Notification.NatureOfBreach);
        time.Advance(TimeSpan.FromDays(1));
        var report = await manager.GetNotificationDeadlinesAsync(TimeSpan.FromDays(10), Ct);
        Assert.Empty(report.DueSoon);
        Assert.Empty(report.Overdue);
    }

    [Fact]
    public async Task A_notice_after_the_deadline_is_recorded_as_late()
    {
        var (manager, time, _, incident) = await Declared();
        using var _m = manager;
        time.Advance(H72 + TimeSpan.FromSeconds(1));
        var result = await manager.RecordNotificationAsync(incident.Id, CompleteNotice, "comms", Ct);
        Assert.False(result.Value.FirstNotification!.OnTime);
    }

    [Fact]
    public async Task Due_soon_is_soonest_first_and_overdue_is_most_overdue_first()
    {
        var (manager, time, _) = NewManager();
        using var _m = manager;
        foreach (var id in new[] { "a", "b", "c" })
        {
            var incident = await manager.CreateAsync([Alert(id, 0, user: id)], "ann", cancellationToken: Ct);
            await manager.DeclareSecurityIncidentAsync(incident.Id, "ciso", cancellationToken: Ct);
            time.Advance(TimeSpan.FromHours(10));
        }

        // Deadlines: a at +72 h, b at +82 h, c at +92 h from the first declaration; now is +30 h, then +80 h.
        time.Advance(TimeSpan.FromHours(50));
        var report = await manager.GetNotificationDeadlinesAsync(TimeSpan.FromHours(100), Ct);
        Assert.Equal(["inc:b", "inc:c"], report.DueSoon.Select(d => d.IncidentId));
        Assert.Equal(["inc:a"], report.Overdue.Select(d => d.IncidentId));
        time.Advance(TimeSpan.FromHours(30));
        Assert.Equal(["inc:a", "inc:b", "inc:c"], (await manager.GetNotificationDeadlinesAsync(TimeSpan.Zero, Ct)).Overdue.Select(d => d.IncidentId));
    }

    [Fact]
    public async Task Across_spring_forward_the_deadline_is_72_elapsed_hours_and_reads_one_hour_later_locally()
    {
        var (manager, time, _) = NewManager();
        using var _m = manager;
        time.SetLocalTimeZone(Eastern);
        var incident = await manager.CreateAsync([Alert("a1", 0)], "ann", cancellationToken: Ct);
        time.SetUtcNow(new DateTimeOffset(2026, 3, 7, 12, 0, 0, TimeSpan.FromHours(-5)));

        incident = await manager.DeclareSecurityIncidentAsync(incident.Id, "ciso", cancellationToken: Ct);

        Assert.Equal(new DateTimeOffset(2026, 3, 10, 17, 0, 0, TimeSpan.Zero), incident.NotificationDeadline);
        time.SetUtcNow(incident.NotificationDeadline!.Value - TimeSpan.FromHours(1));
        var due = Assert.Single((await manager.GetNotificationDeadlinesAsync(TimeSpan.FromHours(1), Ct)).DueSoon);
        var local = due.DeadlineIn(time.LocalTimeZone);
        Assert.Equal(new DateTimeOffset(2026, 3, 10, 13, 0, 0, TimeSpan.FromHours(-4)), local);
        Assert.Equal(local.Offset, Eastern.GetUtcOffset(local));
        Assert.Equal(H72, local - TimeZoneInfo.ConvertTime(due.DeclaredAt, Eastern));
    }

    [Fact]
    public async Task Across_fall_back_the_deadline_is_72_elapsed_hours_and_reads_one_hour_earlier_locally()
    {
        var (manager, time, _) = NewManager();
        using var _m = manager;
        var incident = await manager.CreateAsync([Alert("a1", 0)], "ann", cancellationToken: Ct);
        time.SetUtcNow(new DateTimeOffset(2026, 10, 31, 12, 0, 0, TimeSpan.FromHours(-4)));

        incident = await manager.DeclareSecurityIncidentAsync(incident.Id, "ciso", cancellationToken: Ct);
        time.SetUtcNow(incident.NotificationDeadline!.Value.AddTicks(1));

        var overdue = Assert.Single((await manager.GetNotificationDeadlinesAsync(TimeSpan.Zero, Ct)).Overdue);
        Assert.Equal(new DateTimeOffset(2026, 11, 3, 11, 0, 0, TimeSpan.FromHours(-5)), overdue.DeadlineIn(Eastern));
        Assert.Equal(H72, overdue.Deadline - overdue.DeclaredAt);
    }

    [Fact]
    public async Task A_missed_deadline_raises_one_high_severity_alert_through_the_alert_store()
    {
        var (manager, time, alerts, incident) = await Declared();
        using var _m = manager;
        var published = new List<IncidentChange>();
        using var subscription = manager.Changes.Subscribe(published.Add);

        time.Advance(H72);
        Assert.Empty(await manager.RaiseOverdueAlertsAsync(Ct));
        time.Advance(TimeSpan.FromMinutes(1));
        var raised = Assert.Single(await manager.RaiseOverdueAlertsAsync(Ct));
        Assert.Empty(await manager.RaiseOverdueAlertsAsync(Ct));

        Assert.Equal("incident-notification-overdue:inc:a1", raised.Id);
        Assert.Equal(IncidentManager.OverdueNotificationPolicyId, raised.PolicyId);
        Assert.Equal("AlertEngine.Incidents", raised.Source);
        Assert.Equal(AlertSeverity.High, raised.Severity);
        Assert.Equal(AlertCategory.ThreatManagement, raised.Category);
        Assert.Equal(incident.NotificationDeadline, raised.CreatedAt);
        Assert.Equal(["alice@contoso.com"], raised.Users);
        Assert.Contains("72 hours", raised.Description, StringComparison.Ordinal);
        Assert.Equal(raised, await alerts.GetAsync(raised.Id, Ct));
        Assert.Equal(raised.Id, (await manager.GetAsync(incident.Id, Ct))!.OverdueAlertId);
        var change = Assert.Single(published);
        Assert.Equal(IncidentChangeKind.NotificationOverdue, change.Kind);
        Assert.Equal(raised, change.Alert);
    }

    [Fact]
    public async Task The_deadline_monitor_runs_on_the_time_provider_timer()
    {
        var (manager, time, alerts, _) = await Declared();
        using var _m = manager;
        using var monitor = manager.StartDeadlineMonitor(TimeSpan.FromHours(1));

        time.Advance(TimeSpan.FromHours(72));
        Assert.Equal(0, alerts.Count);
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, alerts.Count);
    }

    [Fact]
    public async Task Notifying_needs_a_declared_security_incident()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var incident = await DriveTo(manager, IncidentPhase.Assessed);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => manager.RecordNotificationAsync(incident.Id, CompleteNotice, "comms", Ct).AsTask());
        Assert.Contains("not declared a security incident", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_incomplete_notice_is_refused_and_nothing_is_recorded()
    {
        var (manager, _, _, incident) = await Declared();
        using var _m = manager;
        var result = await manager.RecordNotificationAsync(incident.Id, CompleteNotice with { MitigationSteps = [] }, "comms", Ct);
        Assert.False(result.IsValid);
        Assert.Equal("mitigationSteps", Assert.Single(result.Errors).Path);
        Assert.Empty((await manager.GetAsync(incident.Id, Ct))!.Notifications);
        Assert.Throws<InvalidOperationException>(() => result.Value);
    }
}

public class CustomerNotificationTests
{
    [Fact]
    public void A_complete_notice_has_no_errors() => Assert.Empty(CompleteNotice.Validate());

    [Fact]
    public void An_empty_notice_lists_every_missing_part()
    {
        Assert.Equal(
            [
                "natureOfBreach: is required: state the nature of the breach",
                "approximateAffectedUsers: is required: state the approximate number of affected users",
                "mitigationSteps: at least one mitigation step is required",
                "nextSteps: at least one next step is required while the investigation is not complete",
                "timeline: is required while the investigation is not complete",
            ],
            new CustomerNotification().Validate().Select(e => e.ToString()));
    }

    [Fact]
    public void Next_steps_and_timeline_are_optional_once_the_investigation_is_complete() =>
        Assert.Empty((CompleteNotice with { InvestigationComplete = true, NextSteps = [], Timeline = null }).Validate());

    [Fact]
    public void Affected_users_must_be_at_least_one_and_steps_must_not_be_blank()
    {
        var errors = (CompleteNotice with { ApproximateAffectedUsers = 0, MitigationSteps = ["ok", " "], NextSteps = [""] }).Validate();
        Assert.Equal(
            ["approximateAffectedUsers: must be at least 1", "mitigationSteps[1]: must not be blank", "nextSteps[0]: must not be blank"],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_complete_postmortem_has_no_errors() => Assert.Empty(CompletePostmortem.Validate());

    [Fact]
    public void An_empty_postmortem_lists_every_missing_part() =>
        Assert.Equal(
            ["summary: is required", "rootCause: is required", "actions: at least one action is required"],
            new Postmortem().Validate().Select(e => e.ToString()));
}
