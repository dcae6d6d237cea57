using static AlertEngine.Tests.Incidents.IncidentData;

namespace AlertEngine.Tests.Incidents;

public class IncidentManagerTests
{
    private sealed class RecordingEscalation : IEscalationHandler
    {
        public List<EscalationRequest> Requests { get; } = [];

        public Exception? Fail { get; set; }

        public ValueTask<EscalationResult> EscalateAsync(EscalationRequest request, CancellationToken cancellationToken = default)
        {
            Requests.Add(request);
            return Fail is null ? ValueTask.FromResult(new EscalationResult("security-oncall", "PAGE-42")) : ValueTask.FromException<EscalationResult>(Fail);
        }
    }

    [Fact]
    public async Task Alerts_are_grouped_into_stored_incidents_stamped_with_the_wall_clock()
    {
        var (manager, time, _) = NewManager();
        using var _m = manager;
        var opened = await manager.CorrelateAsync(Alert("a1", 0), Ct);
        var joined = await manager.CorrelateAsync(Alert("a2", 60), Ct);

        Assert.Equal(IncidentChangeKind.Opened, opened.Kind);
        Assert.Equal(time.GetUtcNow(), opened.Incident.CreatedAt);
        Assert.Equal(Incident.SystemActor, opened.Incident.CreatedBy);
        Assert.Equal(IncidentChangeKind.AlertAdded, joined.Kind);
        Assert.Equal(Ids("a1", "a2"), (await manager.GetAsync("inc:a1", Ct))!.AlertIds);
    }

    [Fact]
    public async Task An_alert_change_from_the_engine_is_grouped_and_its_later_snapshots_update_the_same_incident()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        using var pipeline = new AlertPipeline([new AlertPolicy
        {
            Id = "p1",
            Name = "Deletes",
            Category = AlertCategory.ThreatManagement,
            Severity = AlertSeverity.High,
            Operations = ["FileDeleted"],
        }]);
        var changes = new List<IncidentChange>();
        foreach (var (id, seconds) in new[] { ("x1", 0), ("x2", 10) })
        {
            foreach (var alertChange in pipeline.Process(new Activity(id, T0.AddSeconds(seconds), "FileDeleted") { UserId = "alice" }))
            {
                changes.Add(await manager.CorrelateAsync(alertChange, Ct));
            }
        }

        Assert.Equal([IncidentChangeKind.Opened, IncidentChangeKind.AlertUpdated], changes.Select(c => c.Kind));
        Assert.Equal(Ids("p1:x1"), changes[1].Incident.AlertIds);
        Assert.Equal(AlertSeverity.High, changes[1].Incident.Severity);
    }

    [Fact]
    public async Task A_matching_alert_reopens_a_recently_closed_incident_and_the_reopening_is_recorded()
    {
        var options = new IncidentManagerOptions();
        options.Grouping.ReopenWindow = TimeSpan.FromDays(7);
        var (manager, time, _) = NewManager(options);
        using var _m = manager;
        await manager.CorrelateAsync(Alert("a1", 0), Ct);
        await manager.TransitionAsync("inc:a1", IncidentPhase.Escalated, "ann", cancellationToken: Ct);
        await manager.TransitionAsync("inc:a1", IncidentPhase.Assessed, "ann", cancellationToken: Ct);
        await manager.TransitionAsync("inc:a1", IncidentPhase.Closed, "ann", "false positive", Ct);
        time.Advance(TimeSpan.FromHours(3));

        var change = await manager.CorrelateAsync(Alert("a2", TimeSpan.FromHours(20)), Ct);

        Assert.Equal(IncidentChangeKind.Reopened, change.Kind);
        Assert.Equal(IncidentPhase.Detected, change.Incident.Phase);
        Assert.Equal(1, change.Incident.ReopenCount);
        Assert.Equal(new IncidentTransition(IncidentPhase.Closed, IncidentPhase.Detected, time.GetUtcNow(), Incident.SystemActor, "Reopened by alert a2"), change.Incident.Transitions[^1]);
        Assert.Equal(Ids("a1", "a2"), change.Incident.AlertIds);
    }

    [Fact]
    public async Task An_incident_reopened_by_hand_groups_again()
    {
        var options = new IncidentManagerOptions();
        options.Grouping.ReopenWindow = TimeSpan.FromHours(1);
        var (manager, _, _) = NewManager(options);
        using var _m = manager;
        await DriveTo(manager, IncidentPhase.Closed);
        var reopened = await manager.ReopenAsync("inc:a1", "ann", "customer reported more", Ct);
        Assert.Equal(IncidentPhase.Detected, reopened.Phase);
        Assert.Equal(IncidentChangeKind.AlertAdded, (await manager.CorrelateAsync(Alert("a2", 30), Ct)).Kind);
    }

    [Fact]
    public async Task Alerts_can_be_attached_by_hand_to_any_incident_but_belong_to_one_incident_only()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        await manager.CorrelateAsync(Alert("a1", 0, user: "alice"), Ct);
        await manager.CorrelateAsync(Alert("b1", 0, user: "bob"), Ct);

        var attached = await manager.AttachAlertAsync("inc:a1", Alert("late", TimeSpan.FromDays(3), user: "zed"), Ct);
        Assert.Equal(Ids("a1", "late"), attached.AlertIds);
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.AttachAlertAsync("inc:a1", Alert("b1", 0, user: "bob"), Ct).AsTask());
        await Assert.ThrowsAsync<KeyNotFoundException>(() => manager.AttachAlertAsync("inc:none", Alert("c1", 0), Ct).AsTask());
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.CreateAsync([Alert("a1", 0)], "ann", cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task Escalation_goes_through_the_handler_and_records_where_it_went()
    {
        var handler = new RecordingEscalation();
        var (manager, time, _) = NewManager(escalation: handler);
        using var _m = manager;
        await manager.CreateAsync([Alert("a1", 0)], "ann", "Payroll leak", Ct);

        var escalated = await manager.EscalateAsync("inc:a1", "ann", "please look", Ct);

        var request = Assert.Single(handler.Requests);
        Assert.Equal("inc:a1", request.Incident.Id);
        Assert.Equal(IncidentPhase.Detected, request.Incident.Phase);
        Assert.Equal("ann", request.EscalatedBy);
        Assert.Equal(time.GetUtcNow(), request.RequestedAt);
        Assert.Equal(IncidentPhase.Escalated, escalated.Phase);
        Assert.Equal(new EscalationResult("security-oncall", "PAGE-42"), escalated.Escalation);
        Assert.Equal("please look", escalated.Transitions[^1].Note);
    }

    [Fact]
    public async Task A_failing_escalation_records_nothing_and_can_be_retried()
    {
        var handler = new RecordingEscalation { Fail = new TimeoutException("pager down") };
        var (manager, _, _) = NewManager(escalation: handler);
        using var _m = manager;
        await manager.CreateAsync([Alert("a1", 0)], "ann", cancellationToken: Ct);

        await Assert.ThrowsAsync<TimeoutException>(() => manager.EscalateAsync("inc:a1", "ann", cancellationToken: Ct).AsTask());
        Assert.Equal(IncidentPhase.Detected, (await manager.GetAsync("inc:a1", Ct))!.Phase);

        handler.Fail = null;
        Assert.Equal(IncidentPhase.Escalated, (await manager.EscalateAsync("inc:a1", "ann", cancellationToken: Ct)).Phase);
    }

    [Fact]
    public async Task The_default_escalation_handler_logs_and_reports_the_log_target()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        await manager.CreateAsync([Alert("a1", 0)], "ann", cancellationToken: Ct);
        var escalated = await manager.EscalateAsync("inc:a1", "ann", cancellationToken: Ct);
        Assert.Equal(LoggingEscalationHandler.Target, escalated.Escalation!.Target);
    }

    [Fact]
    public async Task Closing_an_incident_that_affected_customers_or_was_declared_needs_a_postmortem()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var declared = await DriveTo(manager, IncidentPhase.Recovered, "d1");
        await manager.DeclareSecurityIncidentAsync(declared.Id, "ciso", cancellationToken: Ct);
        var affected = await DriveTo(manager, IncidentPhase.Recovered, "c1");
        await manager.MarkCustomersAffectedAsync(affected.Id, Ct);

        foreach (var id in new[] { declared.Id, affected.Id })
        {
            var ex = await Assert.ThrowsAsync<InvalidIncidentTransitionException>(() => manager.TransitionAsync(id, IncidentPhase.Closed, "ann", cancellationToken: Ct).AsTask());
            Assert.Contains("needs a postmortem", ex.Message, StringComparison.Ordinal);
            Assert.Equal(IncidentPhase.Recovered, (await manager.GetAsync(id, Ct))!.Phase);
        }
    }

    [Fact]
    public async Task A_declared_incident_cannot_be_closed_straight_from_assessment()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var incident = await DriveTo(manager, IncidentPhase.Assessed);
        await manager.DeclareSecurityIncidentAsync(incident.Id, "ciso", cancellationToken: Ct);
        var ex = await Assert.ThrowsAsync<InvalidIncidentTransitionException>(() => manager.TransitionAsync(incident.Id, IncidentPhase.Closed, "ann", cancellationToken: Ct).AsTask());
        Assert.Contains("must be contained, eradicated and recovered first", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidIncidentTransitionException>(() => manager.RecordPostmortemAsync(incident.Id, CompletePostmortem, "ann", Ct).AsTask());
    }

    [Fact]
    public async Task A_postmortem_closes_the_incident_and_is_recorded()
    {
        var (manager, time, _) = NewManager();
        using var _m = manager;
        var incident = await DriveTo(manager, IncidentPhase.Recovered);
        await manager.MarkCustomersAffectedAsync(incident.Id, Ct);
        time.Advance(TimeSpan.FromDays(2));

        var result = await manager.RecordPostmortemAsync(incident.Id, CompletePostmortem, "ann", Ct);

        Assert.True(result.IsValid);
        var closed = result.Value;
        Assert.Equal(IncidentPhase.Closed, closed.Phase);
        Assert.Equal(time.GetUtcNow(), closed.ClosedAt);
        Assert.Equal(new RecordedPostmortem(closed.Postmortem!.Postmortem, time.GetUtcNow(), "ann"), closed.Postmortem);
        Assert.Equal(CompletePostmortem.Summary, closed.Postmortem.Postmortem.Summary);
        Assert.Equal(new IncidentTransition(IncidentPhase.Recovered, IncidentPhase.Closed, time.GetUtcNow(), "ann", "Closed with postmortem"), closed.Transitions[^1]);
    }

    [Fact]
    public async Task An_incomplete_postmortem_is_refused_with_every_missing_part_and_the_incident_stays_open()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var incident = await DriveTo(manager, IncidentPhase.Recovered);
        await manager.MarkCustomersAffectedAsync(incident.Id, Ct);

        var result = await manager.RecordPostmortemAsync(incident.Id, new Postmortem { Summary = " ", Actions = ["ok", ""] }, "ann", Ct);

        Assert.False(result.IsValid);
        Assert.Equal(["summary: is required", "rootCause: is required", "actions[1]: must not be blank"], result.Errors.Select(e => e.ToString()));
        Assert.Equal(IncidentPhase.Recovered, (await manager.GetAsync(incident.Id, Ct))!.Phase);
    }

    [Fact]
    public async Task A_plain_incident_may_close_with_or_without_a_postmortem()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var withOne = await DriveTo(manager, IncidentPhase.Assessed, "a1");
        Assert.Equal(IncidentPhase.Closed, (await manager.RecordPostmortemAsync(withOne.Id, CompletePostmortem, "ann", Ct)).Value.Phase);
        var without = await DriveTo(manager, IncidentPhase.Recovered, "b1");
        Assert.Equal(IncidentPhase.Closed, (await manager.TransitionAsync(without.Id, IncidentPhase.Closed, "ann", cancellationToken: Ct)).Phase);
    }

    [Fact]
    public async Task Declaring_twice_or_declaring_a_closed_incident_is_refused()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var open = await DriveTo(manager, IncidentPhase.Escalated, "a1");
        await manager.DeclareSecurityIncidentAsync(open.Id, "ciso", cancellationToken: Ct);
        var twice = await Assert.ThrowsAsync<InvalidOperationException>(() => manager.DeclareSecurityIncidentAsync(open.Id, "ciso", cancellationToken: Ct).AsTask());
        Assert.Contains("already declared", twice.Message, StringComparison.Ordinal);

        var closed = await DriveTo(manager, IncidentPhase.Closed, "b1");
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.DeclareSecurityIncidentAsync(closed.Id, "ciso", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.MarkCustomersAffectedAsync(closed.Id, Ct).AsTask());
    }

    [Fact]
    public async Task Unknown_incidents_and_bad_arguments_are_clear_errors()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var ex = await Assert.ThrowsAsync<KeyNotFoundException>(() => manager.TransitionAsync("inc:nope", IncidentPhase.Assessed, "ann", cancellationToken: Ct).AsTask());
        Assert.Equal("There is no incident inc:nope.", ex.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => manager.TransitionAsync("inc:nope", IncidentPhase.Assessed, " ", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => manager.TransitionAsync("inc:nope", (IncidentPhase)42, "ann", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => manager.CreateAsync([], "ann", cancellationToken: Ct).AsTask());
        Assert.Throws<ArgumentException>(() => new IncidentManager(options: new IncidentManagerOptions { NotificationPeriod = TimeSpan.Zero }));
    }

    [Fact]
    public async Task Changes_are_published_in_order_after_they_are_stored_and_observers_may_call_back()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var seen = new List<(IncidentChangeKind Kind, IncidentPhase Phase, bool Stored)>();
        using var subscription = manager.Changes.Subscribe(change =>
        {
            var stored = manager.Store.GetAsync(change.Incident.Id).AsTask().GetAwaiter().GetResult();
            seen.Add((change.Kind, change.Incident.Phase, stored is not null));
            if (change.Kind == IncidentChangeKind.Opened)
            {
                // Re-entrant call from an observer: applied, and published after the current change.
                _ = manager.EscalateAsync(change.Incident.Id, "bot");
            }
        });

        await manager.CorrelateAsync(Alert("a1", 0), Ct);
        await manager.DeclareSecurityIncidentAsync("inc:a1", "ciso", cancellationToken: Ct);

        Assert.Equal(
            [(IncidentChangeKind.Opened, IncidentPhase.Detected, true), (IncidentChangeKind.PhaseChanged, IncidentPhase.Escalated, true), (IncidentChangeKind.Declared, IncidentPhase.Escalated, true)],
            seen);
    }

    [Fact]
    public async Task A_throwing_observer_does_not_undo_the_change()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        using var subscription = manager.Changes.Subscribe(_ => throw new InvalidOperationException("observer bug"));
        var change = await manager.CorrelateAsync(Alert("a1", 0), Ct);
        Assert.NotNull(await manager.GetAsync(change.Incident.Id, Ct));
    }

    [Fact]
    public async Task Concurrent_callers_put_every_alert_in_exactly_one_incident()
    {
        var (manager, _, _) = NewManager();
        using var _m = manager;
        var users = new[] { "alice", "bob", "carol", "dave" };
        var alerts = Enumerable.Range(0, 200).Select(i => Alert("a" + i, TimeSpan.FromSeconds(i), user: users[i % users.Length])).ToArray();

        var changes = await Task.WhenAll(alerts.Select(a => Task.Run(() => manager.CorrelateAsync(a, Ct).AsTask(), Ct)));

        var stored = await manager.Store.QueryAsync(new IncidentQuery { IncludeClosed = true }, Ct);
        var memberships = stored.SelectMany(i => i.AlertIds).ToList();
        Assert.Equal(200, memberships.Count);
        Assert.Equal(200, memberships.Distinct().Count());
        Assert.Equal(changes.Count(c => c.Kind == IncidentChangeKind.Opened), stored.Count);
        Assert.All(stored, i => Assert.Single(i.Entities, e => e.Kind == IncidentEntityKind.User));
    }

    [Fact]
    public async Task Grouping_state_can_be_restored_from_the_store_after_a_restart()
    {
        var store = new InMemoryIncidentStore();
        using (var before = new IncidentManager(store))
        {
            await before.CorrelateAsync(Alert("a1", 0), Ct);
        }

        using var after = new IncidentManager(store);
        Assert.Equal(1, await after.RestoreGroupingAsync(T0.AddHours(-5), Ct));
        Assert.Equal("inc:a1", (await after.CorrelateAsync(Alert("a2", 30), Ct)).Incident.Id);
    }
}
