using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

public class ManagementRegistrationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ClaimsPrincipal Admin { get; } =
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, "Organization Management")], "test"));

    private static AlertPolicy Policy(string id, string operation = "FileDeleted") => new()
    {
        Id = id,
        Name = "Policy " + id,
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.High,
        Operations = [operation],
    };

    private static Activity Act(string id, int seconds, string operation = "FileDeleted") =>
        new(id, T0.AddSeconds(seconds), operation) { UserId = "alice@contoso.com" };

    [Fact]
    public async Task Policies_reload_without_restart_when_the_options_change()
    {
        var source = new ManualChangeTokenSource();
        var configured = new List<AlertPolicy> { Policy("del") };
        await using var provider = Build(source, configured);
        var engine = provider.GetRequiredService<IAlertEngine>();
        Assert.Single(await engine.ProcessAsync(Act("a1", 0), Ct));

        configured.Add(Policy("fwd", "New-InboxRule"));
        source.Trigger();

        Assert.Equal(["del", "fwd"], engine.Pipeline.Policies.Select(p => p.Id));
        var fwd = Assert.Single(await engine.ProcessAsync(Act("a2", 1, "New-InboxRule"), Ct));
        Assert.Equal("fwd:a2", fwd.Alert.Id);

        // The unchanged policy kept its state: the next detection joins its open alert.
        var del = Assert.Single(await engine.ProcessAsync(Act("a3", 2), Ct));
        Assert.Equal(AlertChangeKind.Updated, del.Kind);
        Assert.Equal("del:a1", del.Alert.Id);
    }

    [Fact]
    public async Task A_policy_disabled_or_deleted_by_reload_stops_detecting_and_its_alerts_stay()
    {
        var source = new ManualChangeTokenSource();
        var configured = new List<AlertPolicy> { Policy("del"), Policy("del2") };
        await using var provider = Build(source, configured);
        var engine = provider.GetRequiredService<IAlertEngine>();
        var store = provider.GetRequiredService<IAlertStore>();
        Assert.Equal(2, (await engine.ProcessAsync(Act("a1", 0), Ct)).Count);

        configured[0] = Policy("del") with { Enabled = false };
        configured.RemoveAt(1);
        source.Trigger();

        Assert.Empty(await engine.ProcessAsync(Act("a2", 1), Ct));
        Assert.NotNull(await store.GetAsync("del:a1", Ct));
        Assert.NotNull(await store.GetAsync("del2:a1", Ct));
    }

    [Fact]
    public async Task An_invalid_reload_leaves_the_running_policies()
    {
        var source = new ManualChangeTokenSource();
        Assert.True(SystemPolicyCatalog.TryGet("elevation-of-exchange-admin-privilege", out var builtIn));
        var configured = new List<AlertPolicy> { builtIn };
        await using var provider = Build(source, configured);
        var engine = provider.GetRequiredService<IAlertEngine>();

        configured[0] = builtIn with { Severity = AlertSeverity.High }; // read-only on a System policy
        Assert.ThrowsAny<Exception>(source.Trigger); // the options monitor rejects invalid options

        Assert.Equal(AlertSeverity.Low, Assert.Single(engine.Pipeline.Policies).Severity);
        configured[0] = builtIn with { Enabled = false };
        source.Trigger();
        Assert.False(Assert.Single(engine.Pipeline.Policies).Enabled);
    }

    [Fact]
    public async Task A_configured_system_policy_that_differs_from_the_catalog_fails_validation()
    {
        Assert.True(SystemPolicyCatalog.TryGet("reply-all-storm-detected", out var builtIn));
        var services = new ServiceCollection();
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(builtIn with { Severity = AlertSeverity.Low, Notification = new(true, ["soc@contoso.com"]) });
            o.Policies.Add(Policy("fake") with { Type = PolicyType.System });
        });
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAlertEngine>());
        Assert.Contains(ex.Failures, f => f.StartsWith("policies[0].severity: is read-only", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("policies[1].type:", StringComparison.Ordinal));
        Assert.Equal(2, ex.Failures.Count()); // the changed notification settings are allowed
    }

    [Fact]
    public async Task Managers_are_registered_with_the_configured_role_table_and_clock()
    {
        var services = new ServiceCollection();
        var time = new FakeTimeProvider(T0);
        services.AddSingleton<TimeProvider>(time);
        var table = new AlertRoleTable([new AlertRoleGroup("SOC", [AlertCategory.ThreatManagement], AlertRoles.ManageAlerts)]);
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Policy("del"));
            o.RoleTable = table;
        });
        await using var provider = services.BuildServiceProvider();
        var alerts = provider.GetRequiredService<AlertManager>();
        var policies = provider.GetRequiredService<AlertPolicyManager>();

        Assert.Same(table, alerts.Roles);
        Assert.Same(table, policies.Roles);
        Assert.Same(time, alerts.TimeProvider);
        var soc = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "soc"), new Claim(ClaimTypes.Role, "SOC")], "test"));
        Assert.True(policies.SetEnabled(soc, "del", false).Succeeded);
        Assert.False(Assert.Single(provider.GetRequiredService<AlertPipeline>().Policies).Enabled);
    }

    [Fact]
    public async Task A_status_set_by_an_administrator_survives_later_engine_updates()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(o => o.Policies.Add(Policy("del")));
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();
        var manager = provider.GetRequiredService<AlertManager>();

        await engine.ProcessAsync(Act("a1", 0), Ct);
        Assert.True((await manager.ChangeStatusAsync(Admin, "del:a1", AlertStatus.Investigating, "checking", Ct)).Succeeded);
        Assert.True((await manager.SetNotificationsSuppressedAsync(Admin, "del:a1", true, Ct)).Succeeded);
        await engine.ProcessAsync(Act("a2", 5), Ct);

        var alert = (await manager.GetAsync(Admin, "del:a1", Ct)).Value;
        Assert.Equal(2, alert.HitCount);
        Assert.Equal(AlertStatus.Investigating, alert.Status);
        Assert.True(alert.NotificationsSuppressed);
    }

    [Fact]
    public async Task Suppressing_an_alert_through_the_manager_stops_its_notifications()
    {
        var services = new ServiceCollection();
        var notifier = new RecordingNotifier();
        services.AddSingleton<IAlertNotifier>(notifier);
        services.AddAlertEngine(o =>
        {
            o.Notifications.NotifyOnUpdates = true;
            o.Policies.Add(Policy("del") with { Notification = new(true, ["soc@contoso.com"]) });
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();
        var manager = provider.GetRequiredService<AlertManager>();
        var dispatcher = provider.GetRequiredService<NotificationDispatcher>();

        await engine.ProcessAsync(Act("a1", 0), Ct);
        await dispatcher.WhenIdleAsync(Ct);
        Assert.True((await manager.SetNotificationsSuppressedAsync(Admin, "del:a1", true, Ct)).Succeeded);
        await engine.ProcessAsync(Act("a2", 5), Ct); // an update, notified unless suppressed
        await dispatcher.WhenIdleAsync(Ct);

        Assert.Equal(["del:a1"], notifier.AlertIds);
        var stored = (await manager.GetAsync(Admin, "del:a1", Ct)).Value;
        Assert.True(stored.NotificationsSuppressed);
        Assert.Equal(2, stored.HitCount);
    }

    [Fact]
    public async Task A_policy_added_by_reload_is_notified()
    {
        var source = new ManualChangeTokenSource();
        var notifier = new RecordingNotifier();
        var configured = new List<AlertPolicy> { Policy("del") };
        var services = new ServiceCollection();
        services.AddSingleton<IAlertNotifier>(notifier);
        services.AddSingleton<IOptionsChangeTokenSource<AlertEngineServiceOptions>>(source);
        services.AddAlertEngine(o =>
        {
            foreach (var policy in configured)
            {
                o.Policies.Add(policy);
            }
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();

        configured.Add(Policy("fwd", "New-InboxRule") with { Notification = new(true, ["soc@contoso.com"]) });
        source.Trigger();
        await engine.ProcessAsync(Act("a1", 0, "New-InboxRule"), Ct);
        await provider.GetRequiredService<NotificationDispatcher>().WhenIdleAsync(Ct);

        Assert.Equal(["fwd:a1"], notifier.AlertIds);
    }

    [Fact]
    public async Task Alerts_of_policies_with_automated_investigation_raise_one_request_each()
    {
        var services = new ServiceCollection();
        var requester = new RecordingRequester();
        services.AddSingleton<IInvestigationRequester>(requester);
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0.AddDays(1)));
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Policy("air") with { AutomatedInvestigation = true });
            o.Policies.Add(Policy("plain"));
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();

        await engine.ProcessAsync(Act("a1", 0), Ct);
        await engine.ProcessAsync(Act("a2", 1), Ct); // joins the open alert: no second request

        var request = Assert.Single(requester.Requests);
        Assert.Equal("air:a1", request.Alert.Id);
        Assert.Equal("air", request.Policy.Id);
        Assert.Equal(T0.AddDays(1), request.RequestedAt);
    }

    [Fact]
    public async Task A_failing_investigation_system_never_stops_detection_and_requests_are_retried()
    {
        var services = new ServiceCollection();
        var requester = new RecordingRequester { Fail = true };
        services.AddSingleton<IInvestigationRequester>(requester);
        services.AddAlertEngine(o => o.Policies.Add(Policy("air") with { AutomatedInvestigation = true, Aggregation = new(AggregationMode.None) }));
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();

        Assert.Single(await engine.ProcessAsync(Act("a1", 0), Ct));
        Assert.Single(await engine.ProcessAsync(Act("a2", 1), Ct));
        Assert.False(await engine.FlushAsync(Ct));
        Assert.NotNull(await provider.GetRequiredService<IAlertStore>().GetAsync("air:a2", Ct));

        requester.Fail = false;
        Assert.True(await engine.FlushAsync(Ct));
        Assert.Equal(["air:a1", "air:a2"], requester.Requests.Select(r => r.Alert.Id));
    }

    [Fact]
    public async Task The_default_investigation_requester_only_logs()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(o => o.Policies.Add(Policy("air") with { AutomatedInvestigation = true }));
        await using var provider = services.BuildServiceProvider();

        var requester = provider.GetRequiredService<IInvestigationRequester>();
        var engine = provider.GetRequiredService<IAlertEngine>();

        Assert.Equal("LoggingInvestigationRequester", requester.GetType().Name);
        Assert.Single(await engine.ProcessAsync(Act("a1", 0), Ct));
        Assert.True(await engine.FlushAsync(Ct));
    }

    private static ServiceProvider Build(ManualChangeTokenSource source, List<AlertPolicy> configured)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IOptionsChangeTokenSource<AlertEngineServiceOptions>>(source);
        services.AddAlertEngine(o =>
        {
            foreach (var policy in configured)
            {
                o.Policies.Add(policy);
            }
        });
        return services.BuildServiceProvider();
    }

    /// <summary>Signals an options change on demand, as a reloading configuration source would.</summary>
    private sealed class ManualChangeTokenSource : IOptionsChangeTokenSource<AlertEngineServiceOptions>
    {
        private CancellationTokenSource _cts = new();

        public string Name => Options.DefaultName;

        public IChangeToken GetChangeToken() => new CancellationChangeToken(_cts.Token);

        public void Trigger()
        {
            var fired = _cts;
            _cts = new CancellationTokenSource();
            fired.Cancel();
            fired.Dispose();
        }
    }

    private sealed class RecordingNotifier : IAlertNotifier
    {
        private readonly List<string> _alertIds = [];

        public IReadOnlyList<string> AlertIds
        {
            get
            {
                lock (_alertIds)
                {
                    return [.. _alertIds];
                }
            }
        }

        public ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
        {
            lock (_alertIds)
            {
                _alertIds.Add(notification.AlertId ?? "?");
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class RecordingRequester : IInvestigationRequester
    {
        public bool Fail { get; set; }

        public List<InvestigationRequest> Requests { get; } = [];

        public ValueTask RequestAsync(InvestigationRequest request, CancellationToken cancellationToken = default)
        {
            if (Fail)
            {
                throw new HttpRequestException("SOAR down");
            }

            Requests.Add(request);
            return ValueTask.CompletedTask;
        }
    }
}
