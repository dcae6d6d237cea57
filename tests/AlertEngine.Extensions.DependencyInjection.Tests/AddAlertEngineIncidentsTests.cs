using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

public class AddAlertEngineIncidentsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Pager : IEscalationHandler
    {
        public ValueTask<EscalationResult> EscalateAsync(EscalationRequest request, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(new EscalationResult("pager"));
    }

    [Fact]
    public async Task Engine_alerts_flow_into_incidents_and_a_missed_deadline_lands_in_the_alert_store()
    {
        var time = new FakeTimeProvider(T0);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddAlertEngine(o => o.Policies.Add(new AlertPolicy
        {
            Id = "fwd",
            Name = "Forwarding rule created",
            Category = AlertCategory.ThreatManagement,
            Severity = AlertSeverity.Informational,
            Operations = ["New-InboxRule"],
        }));
        services.AddAlertEngineIncidents();
        await using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<IAlertEngine>();
        var incidents = provider.GetRequiredService<IncidentManager>();
        foreach (var change in await engine.ProcessAsync(new Activity("a1", T0, "New-InboxRule") { UserId = "alice" }, Ct))
        {
            await incidents.CorrelateAsync(change, Ct);
        }

        var incident = await incidents.DeclareSecurityIncidentAsync("inc:fwd:a1", "ciso", cancellationToken: Ct);
        Assert.Equal(T0.AddHours(72), incident.NotificationDeadline);
        time.Advance(TimeSpan.FromHours(73));
        await incidents.RaiseOverdueAlertsAsync(Ct);

        var alert = await provider.GetRequiredService<IAlertStore>().GetAsync("incident-notification-overdue:inc:fwd:a1", Ct);
        Assert.NotNull(alert);
        Assert.IsType<LoggingEscalationHandler>(provider.GetRequiredService<IEscalationHandler>());
    }

    [Fact]
    public void Registered_store_and_escalation_handler_are_kept()
    {
        var store = new InMemoryIncidentStore();
        var services = new ServiceCollection();
        services.AddSingleton<IIncidentStore>(store);
        services.AddAlertEngineIncidents();
        services.AddSingleton<IEscalationHandler, Pager>();
        using var provider = services.BuildServiceProvider();

        Assert.Same(store, provider.GetRequiredService<IncidentManager>().Store);
        Assert.IsType<Pager>(provider.GetRequiredService<IEscalationHandler>());
    }

    [Fact]
    public void Options_are_applied_and_invalid_options_fail_with_every_problem_listed()
    {
        var services = new ServiceCollection();
        services.AddAlertEngineIncidents(o =>
        {
            o.Grouping.Window = TimeSpan.Zero;
            o.Grouping.MaxAlertsPerIncident = 0;
            o.NotificationPeriod = TimeSpan.Zero;
        });
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IncidentManager>());
        Assert.Equal(["Grouping.Window: must be greater than zero", "Grouping.MaxAlertsPerIncident: must be at least 1", "NotificationPeriod: must be greater than zero"], ex.Failures);

        var good = new ServiceCollection().AddAlertEngineIncidents(o => o.NotificationPeriod = TimeSpan.FromHours(24)).BuildServiceProvider();
        using (good)
        {
            Assert.Equal(TimeSpan.FromHours(24), good.GetRequiredService<IncidentManager>().NotificationPeriod);
        }
    }
}
