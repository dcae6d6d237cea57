using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

/// <summary>The engine service keeps detecting through a bad timestamp and through an observer that throws.</summary>
public class RobustEngineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AlertPolicy Policy(string id = "fwd") => new()
    {
        Id = id,
        Name = "Forwarding rule created",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule"],
        Aggregation = new(AggregationMode.None),
    };

    private static Activity Rule(string id, DateTimeOffset time) => new(id, time, "New-InboxRule") { UserId = "alice@contoso.com" };

    private static ServiceProvider Build(Action<AlertEngineServiceOptions> configure, TimeProvider time)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time);
        services.AddAlertEngine(configure);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_negative_future_tolerance_fails_validation()
    {
        await using var provider = Build(o =>
        {
            o.Engine.FutureTolerance = TimeSpan.FromMinutes(-1);
            o.Policies.Add(Policy());
        }, new FakeTimeProvider(T0));

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAlertEngine>());
        Assert.Contains("Engine.FutureTolerance: must not be negative", ex.Failures);
    }

    [Fact]
    public async Task A_zero_future_tolerance_is_valid()
    {
        await using var provider = Build(o =>
        {
            o.Engine.FutureTolerance = TimeSpan.Zero;
            o.Policies.Add(Policy());
        }, new FakeTimeProvider(T0));

        Assert.Equal(TimeSpan.Zero, provider.GetRequiredService<IAlertEngine>().Pipeline.Options.FutureTolerance);
    }

    [Fact]
    public async Task The_configured_future_tolerance_is_applied_against_the_containers_clock()
    {
        await using var provider = Build(o =>
        {
            o.Engine.FutureTolerance = TimeSpan.FromHours(1);
            o.Policies.Add(Policy());
        }, new FakeTimeProvider(T0));
        var engine = provider.GetRequiredService<IAlertEngine>();

        Assert.Empty(await engine.ProcessAsync(Rule("ahead", T0.AddHours(2)), Ct));
        Assert.Single(await engine.ProcessAsync(Rule("in-time", T0.AddMinutes(30)), Ct));

        Assert.Equal(TimeSpan.FromHours(1), engine.Pipeline.Options.FutureTolerance);
        Assert.Equal(1, engine.Pipeline.Statistics.Future);
        var stored = await provider.GetRequiredService<IAlertStore>().QueryAsync(AlertQuery.All, Ct);
        Assert.Equal(["fwd:in-time"], stored.Select(a => a.Id));
    }

    [Fact]
    public async Task One_activity_at_the_end_of_time_does_not_blind_the_service()
    {
        await using var provider = Build(o => o.Policies.Add(Policy()), new FakeTimeProvider(T0));
        var engine = provider.GetRequiredService<IAlertEngine>();

        Assert.Single(await engine.ProcessAsync(Rule("a1", T0), Ct));
        Assert.Empty(await engine.ProcessAsync(Rule("bad", new DateTimeOffset(9999, 12, 31, 23, 59, 59, TimeSpan.Zero)), Ct));
        Assert.Single(await engine.ProcessAsync(Rule("a2", T0.AddMinutes(1)), Ct));

        Assert.Equal(0, engine.Pipeline.Statistics.Late);
        Assert.Equal(1, engine.Pipeline.Statistics.Future);
    }

    [Fact]
    public async Task A_throwing_changes_observer_does_not_stop_the_service_from_evaluating_and_storing()
    {
        await using var provider = Build(o =>
        {
            o.Policies.Add(Policy("p1"));
            o.Policies.Add(Policy("p2"));
        }, new FakeTimeProvider(T0));
        var engine = provider.GetRequiredService<IAlertEngine>();
        using var thrower = engine.Pipeline.Changes.Subscribe(_ => throw new InvalidOperationException("observer broke"));

        var first = await engine.ProcessAsync(Rule("a1", T0), Ct);
        var second = await engine.ProcessAsync(Rule("a2", T0.AddSeconds(1)), Ct);

        Assert.Equal(["p1:a1", "p2:a1"], first.Select(c => c.Alert.Id));
        Assert.Equal(["p1:a2", "p2:a2"], second.Select(c => c.Alert.Id));
        Assert.Equal(1, engine.Pipeline.Statistics.ObserverErrors);
        var stored = await provider.GetRequiredService<IAlertStore>().QueryAsync(AlertQuery.All, Ct);
        Assert.Equal(4, stored.Count);
    }
}
