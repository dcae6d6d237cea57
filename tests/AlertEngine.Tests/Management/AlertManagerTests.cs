using Microsoft.Extensions.Time.Testing;
using static AlertEngine.StoreContracts.StoreContractData;
using static AlertEngine.Tests.Management.Principals;

namespace AlertEngine.Tests.Management;

public class AlertManagerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly InMemoryAlertStore _store = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
    private readonly AlertManager _manager;

    public AlertManagerTests() => _manager = new AlertManager(_store, timeProvider: _time);

    [Fact]
    public async Task Each_status_change_is_recorded_with_who_when_and_the_comment()
    {
        await _store.UpsertAsync(MakeAlert("x"), Ct);

        var investigating = await _manager.ChangeStatusAsync(Admin, "x", AlertStatus.Investigating, "on it", Ct);
        _time.Advance(TimeSpan.FromMinutes(30));
        var resolved = await _manager.ChangeStatusAsync(Caller("bob@contoso.com", SecurityAdministrator), "x", AlertStatus.Resolved, cancellationToken: Ct);

        Assert.True(investigating.Succeeded);
        Assert.True(resolved.Succeeded);
        Assert.Equal(AlertStatus.Resolved, resolved.Value.Status);
        Assert.Equal(
            [
                new AlertStatusChange(AlertStatus.Active, AlertStatus.Investigating, "admin@contoso.com", new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero), "on it"),
                new AlertStatusChange(AlertStatus.Investigating, AlertStatus.Resolved, "bob@contoso.com", new DateTimeOffset(2026, 3, 2, 8, 30, 0, TimeSpan.Zero)),
            ],
            (await _store.GetAsync("x", Ct))!.History);
    }

    [Theory]
    [InlineData(AlertStatus.Active, AlertStatus.Investigating, true)]
    [InlineData(AlertStatus.Active, AlertStatus.Resolved, true)]
    [InlineData(AlertStatus.Active, AlertStatus.Dismissed, true)]
    [InlineData(AlertStatus.Active, AlertStatus.Active, false)]
    [InlineData(AlertStatus.Investigating, AlertStatus.Active, true)]
    [InlineData(AlertStatus.Investigating, AlertStatus.Resolved, true)]
    [InlineData(AlertStatus.Investigating, AlertStatus.Dismissed, true)]
    [InlineData(AlertStatus.Investigating, AlertStatus.Investigating, false)]
    [InlineData(AlertStatus.Resolved, AlertStatus.Active, true)]
    [InlineData(AlertStatus.Resolved, AlertStatus.Investigating, false)]
    [InlineData(AlertStatus.Resolved, AlertStatus.Dismissed, false)]
    [InlineData(AlertStatus.Resolved, AlertStatus.Resolved, false)]
    [InlineData(AlertStatus.Dismissed, AlertStatus.Active, true)]
    [InlineData(AlertStatus.Dismissed, AlertStatus.Investigating, false)]
    [InlineData(AlertStatus.Dismissed, AlertStatus.Resolved, false)]
    [InlineData(AlertStatus.Dismissed, AlertStatus.Dismissed, false)]
    public async Task The_lifecycle_allows_exactly_the_documented_transitions(AlertStatus from, AlertStatus to, bool allowed)
    {
        await _store.UpsertAsync(MakeAlert("x", status: from), Ct);

        var result = await _manager.ChangeStatusAsync(Admin, "x", to, cancellationToken: Ct);

        Assert.Equal(allowed, AlertStatusTransitions.IsAllowed(from, to));
        Assert.Equal(allowed ? ManagementOutcome.Succeeded : ManagementOutcome.Invalid, result.Outcome);
        var stored = (await _store.GetAsync("x", Ct))!;
        Assert.Equal(allowed ? to : from, stored.Status);
        Assert.Equal(allowed ? 1 : 0, stored.History.Length);
        if (!allowed)
        {
            var error = Assert.Single(result.Errors);
            Assert.Equal("status", error.Path);
            Assert.Contains(from == to ? "already" : "cannot change", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_resolved_alert_can_be_reopened_and_the_history_shows_it()
    {
        await _store.UpsertAsync(MakeAlert("x"), Ct);
        await _manager.ChangeStatusAsync(Admin, "x", AlertStatus.Resolved, cancellationToken: Ct);

        var dismissed = await _manager.ChangeStatusAsync(Admin, "x", AlertStatus.Dismissed, cancellationToken: Ct);
        Assert.Equal(ManagementOutcome.Invalid, dismissed.Outcome);
        Assert.Contains("reopen it first", dismissed.Errors[0].Message, StringComparison.Ordinal);

        Assert.True((await _manager.ChangeStatusAsync(Admin, "x", AlertStatus.Active, "false close", Ct)).Succeeded);
        Assert.True((await _manager.ChangeStatusAsync(Admin, "x", AlertStatus.Dismissed, cancellationToken: Ct)).Succeeded);
        Assert.Equal(
            [AlertStatus.Resolved, AlertStatus.Active, AlertStatus.Dismissed],
            (await _store.GetAsync("x", Ct))!.History.Select(h => h.To));
    }

    [Fact]
    public async Task Invalid_input_is_reported_with_every_problem()
    {
        await _store.UpsertAsync(MakeAlert("x"), Ct);

        var result = await _manager.ChangeStatusAsync(Admin, "x", (AlertStatus)9, new string('c', AlertManager.MaxCommentLength + 1), Ct);

        Assert.Equal(ManagementOutcome.Invalid, result.Outcome);
        Assert.Equal(["status", "comment"], result.Errors.Select(e => e.Path));
        var ex = Assert.Throws<InvalidOperationException>(() => result.Value);
        Assert.Contains("comment", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_alert_is_not_found()
    {
        var result = await _manager.ChangeStatusAsync(Admin, "missing", AlertStatus.Resolved, cancellationToken: Ct);
        Assert.Equal(ManagementOutcome.NotFound, result.Outcome);
        Assert.Equal(ManagementOutcome.NotFound, (await _manager.GetAsync(Admin, "missing", Ct)).Outcome);
        Assert.Equal(ManagementOutcome.NotFound, (await _manager.SetNotificationsSuppressedAsync(Admin, "missing", true, Ct)).Outcome);
    }

    [Fact]
    public async Task The_engine_keeps_updating_an_alert_after_its_status_changed_without_undoing_the_change()
    {
        var pipeline = new AlertPipeline([TestData.EveryTime("p1")]);
        using var _ = pipeline;
        foreach (var change in pipeline.Process(TestData.Act("a1", 0)))
        {
            await _store.UpsertAsync(change.Alert, Ct);
        }

        Assert.True((await _manager.ChangeStatusAsync(Admin, "p1:a1", AlertStatus.Investigating, cancellationToken: Ct)).Succeeded);
        Assert.True((await _manager.SetNotificationsSuppressedAsync(Admin, "p1:a1", true, Ct)).Succeeded);
        foreach (var change in pipeline.Process(TestData.Act("a2", 10)))
        {
            await _store.UpsertAsync(change.Alert, Ct);
        }

        var stored = (await _manager.GetAsync(Admin, "p1:a1", Ct)).Value;
        Assert.Equal(2, stored.HitCount);
        Assert.Equal(AlertStatus.Investigating, stored.Status);
        Assert.True(stored.NotificationsSuppressed);
    }

    [Fact]
    public async Task Suppression_is_per_alert_and_idempotent()
    {
        await _store.UpsertAsync(MakeAlert("x"), Ct);
        await _store.UpsertAsync(MakeAlert("y", seconds: 1), Ct);

        var first = await _manager.SetNotificationsSuppressedAsync(Admin, "x", true, Ct);
        var again = await _manager.SetNotificationsSuppressedAsync(Admin, "x", true, Ct);

        Assert.True(first.Value.NotificationsSuppressed);
        Assert.True(again.Value.NotificationsSuppressed);
        Assert.False((await _store.GetAsync("y", Ct))!.NotificationsSuppressed);
        Assert.False((await _manager.SetNotificationsSuppressedAsync(Admin, "x", false, Ct)).Value.NotificationsSuppressed);
    }

    [Fact]
    public async Task Queries_filter_hide_resolved_alerts_and_page_in_a_stable_order()
    {
        await _store.UpsertAsync(MakeAlert("a", "p1", 1, severity: AlertSeverity.High), Ct);
        await _store.UpsertAsync(MakeAlert("b", "p2", 2, severity: AlertSeverity.Low), Ct);
        await _store.UpsertAsync(MakeAlert("c", "p1", 3, status: AlertStatus.Resolved), Ct);
        await _store.UpsertAsync(MakeAlert("d", "p1", 3, severity: AlertSeverity.High), Ct);
        await _store.UpsertAsync(MakeAlert("e", "p1", 4, tags: ["Priority account"]), Ct);

        var page1 = (await _manager.QueryAsync(Admin, new AlertQuery { PolicyId = "p1", Take = 2 }, Ct)).Value;
        var page2 = (await _manager.QueryAsync(Admin, new AlertQuery { PolicyId = "p1", Take = 2, After = page1.Next }, Ct)).Value;

        Assert.Equal(["a", "d"], page1.Alerts.Select(a => a.Id));
        Assert.NotNull(page1.Next);
        Assert.Equal(["e"], page2.Alerts.Select(a => a.Id));
        Assert.Null(page2.Next);
        Assert.Equal(["c"], (await _manager.QueryAsync(Admin, new AlertQuery { Statuses = [AlertStatus.Resolved] }, Ct)).Value.Alerts.Select(a => a.Id));
        Assert.Equal(["e"], (await _manager.QueryAsync(Admin, new AlertQuery { Tags = ["priority account"] }, Ct)).Value.Alerts.Select(a => a.Id));
        Assert.Equal(
            ["b"],
            (await _manager.QueryAsync(Admin, new AlertQuery { Severities = [AlertSeverity.Low], CreatedFrom = T0, CreatedTo = T0.AddSeconds(3) }, Ct)).Value.Alerts.Select(a => a.Id));
        Assert.Equal(ManagementOutcome.Invalid, (await _manager.QueryAsync(Admin, new AlertQuery { Take = 0 }, Ct)).Outcome);
    }

    [Fact]
    public async Task Counts_for_the_dashboard_cover_only_the_callers_categories()
    {
        await _store.UpsertAsync(MakeAlert("a", category: AlertCategory.InformationGovernance, severity: AlertSeverity.Medium), Ct);
        await _store.UpsertAsync(MakeAlert("b", category: AlertCategory.ThreatManagement, severity: AlertSeverity.High), Ct);
        await _store.UpsertAsync(MakeAlert("c", category: AlertCategory.ThreatManagement, severity: AlertSeverity.High, status: AlertStatus.Resolved), Ct);

        var all = (await _manager.CountAsync(Admin, AlertQuery.All, Ct)).Value;
        var records = (await _manager.CountAsync(Caller("r", RecordsManagement), AlertQuery.All, Ct)).Value;
        var ediscovery = (await _manager.CountAsync(Caller("e", EDiscoveryManager), AlertQuery.All, Ct)).Value;

        Assert.Equal(2, all.Total);
        Assert.Equal(1, all.Of(AlertSeverity.High));
        Assert.Equal(1, records.Total);
        Assert.Equal(1, records.Of(AlertCategory.InformationGovernance));
        Assert.Equal(0, records.Of(AlertCategory.ThreatManagement));
        Assert.Equal(0, ediscovery.Total);
    }

    [Fact]
    public async Task A_query_for_categories_the_caller_may_not_see_returns_nothing()
    {
        await _store.UpsertAsync(MakeAlert("t", category: AlertCategory.ThreatManagement), Ct);
        await _store.UpsertAsync(MakeAlert("g", category: AlertCategory.InformationGovernance), Ct);

        var compliance = Caller("c", ComplianceAdministrator);
        var threat = await _manager.QueryAsync(compliance, new AlertQuery { Categories = [AlertCategory.ThreatManagement] }, Ct);
        var everything = await _manager.QueryAsync(compliance, AlertQuery.All, Ct);

        Assert.Empty(threat.Value.Alerts);
        Assert.Equal(["g"], everything.Value.Alerts.Select(a => a.Id));
    }

    [Fact]
    public async Task External_alerts_appear_with_their_source_and_can_be_filtered_by_it()
    {
        await _store.UpsertAsync(MakeAlert("p1:a1", "p1", 1), Ct);
        var external = MakeAlert("mcas-123", "mcas-impossible-travel", 2, source: "Microsoft Defender for Cloud Apps", severity: AlertSeverity.Medium);

        var ingested = await _manager.IngestExternalAsync(external, Ct);

        Assert.True(ingested.Succeeded);
        Assert.Equal("Microsoft Defender for Cloud Apps", ingested.Value.Source);
        var fromSource = await _manager.QueryAsync(Admin, new AlertQuery { Source = "microsoft defender for cloud apps" }, Ct);
        Assert.Equal(["mcas-123"], fromSource.Value.Alerts.Select(a => a.Id));
        var ours = await _manager.QueryAsync(Admin, new AlertQuery { Source = Alert.EngineSource }, Ct);
        Assert.Equal(["p1:a1"], ours.Value.Alerts.Select(a => a.Id));
    }

    [Fact]
    public async Task Status_changes_to_an_external_alert_are_kept_here_when_the_source_sends_an_update()
    {
        var external = MakeAlert("mcas-1", "mcas", 1, source: "Cloud Apps", hits: 1);
        await _manager.IngestExternalAsync(external, Ct);
        await _manager.ChangeStatusAsync(Admin, "mcas-1", AlertStatus.Dismissed, "known traveller", Ct);

        // The source still says Active (status changes are not synced back) and sends more activity.
        var update = await _manager.IngestExternalAsync(external with { HitCount = 3 }, Ct);

        Assert.Equal(3, update.Value.HitCount);
        Assert.Equal(AlertStatus.Dismissed, update.Value.Status);
        Assert.Single(update.Value.History);
    }

    [Fact]
    public async Task An_ingested_alert_keeps_its_initial_status_but_not_a_foreign_history()
    {
        var external = MakeAlert("ext-1", "ext", 1, source: "Other", status: AlertStatus.Investigating) with
        {
            History = [new AlertStatusChange(AlertStatus.Active, AlertStatus.Investigating, "someone@elsewhere", T0)],
        };

        var stored = (await _manager.IngestExternalAsync(external, Ct)).Value;

        Assert.Equal(AlertStatus.Investigating, stored.Status);
        Assert.Empty(stored.History);
    }

    [Fact]
    public async Task Invalid_external_alerts_are_refused_with_every_problem()
    {
        var bad = MakeAlert(" ", " ", source: Alert.EngineSource) with { PolicyName = "", HitCount = -1, Severity = (AlertSeverity)7 };

        var result = await _manager.IngestExternalAsync(bad, Ct);

        Assert.Equal(ManagementOutcome.Invalid, result.Outcome);
        Assert.Equal(["id", "source", "policyId", "policyName", "severity", "hitCount"], result.Errors.Select(e => e.Path));
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task An_external_alert_cannot_replace_an_alert_of_another_source()
    {
        await _store.UpsertAsync(MakeAlert("p1:a1", "p1", 1, hits: 4), Ct);

        var result = await _manager.IngestExternalAsync(MakeAlert("p1:a1", "p1", 1, source: "Other", hits: 1), Ct);

        Assert.Equal(ManagementOutcome.Invalid, result.Outcome);
        Assert.Equal(4, (await _store.GetAsync("p1:a1", Ct))!.HitCount);
        Assert.Equal(Alert.EngineSource, (await _store.GetAsync("p1:a1", Ct))!.Source);
    }

    [Fact]
    public async Task Concurrent_administrators_never_lose_a_status_change()
    {
        await _store.UpsertAsync(MakeAlert("x"), Ct);

        // Many callers race to move the alert back and forth; every successful change must be in the history, in order.
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var ok = 0;
            for (var n = 0; n < 50; n++)
            {
                var target = (n + i) % 2 == 0 ? AlertStatus.Investigating : AlertStatus.Active;
                var result = await _manager.ChangeStatusAsync(Caller("admin" + i, OrgManagement), "x", target);
                Assert.NotEqual(ManagementOutcome.NotFound, result.Outcome);
                if (result.Succeeded)
                {
                    ok++;
                }
            }

            return ok;
        })));

        var history = (await _store.GetAsync("x", Ct))!.History;
        Assert.Equal(results.Sum(), history.Length);
        for (var i = 1; i < history.Length; i++)
        {
            Assert.Equal(history[i - 1].To, history[i].From);
        }
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => new AlertManager(null!));
        Assert.Same(AlertRoleTable.Default, new AlertManager(_store).Roles);
        Assert.Same(TimeProvider.System, new AlertManager(_store).TimeProvider);
    }
}
