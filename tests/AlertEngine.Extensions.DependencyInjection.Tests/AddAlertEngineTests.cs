using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

public class AddAlertEngineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static AlertPolicy Policy(string id = "fwd") => new()
    {
        Id = id,
        Name = "Forwarding rule created",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule"],
    };

    private static Activity Rule(string id, int seconds = 0) => new(id, T0.AddSeconds(seconds), "New-InboxRule") { UserId = "alice@contoso.com" };

    [Fact]
    public async Task Resolved_engine_evaluates_activities_and_stores_alerts()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(o => o.Policies.Add(Policy()));
        await using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<IAlertEngine>();
        var changes = await engine.ProcessAsync(Rule("a1"), TestContext.Current.CancellationToken);

        Assert.Single(changes);
        var stored = await provider.GetRequiredService<IAlertStore>().GetAsync("fwd:a1", TestContext.Current.CancellationToken);
        Assert.NotNull(stored);
        Assert.Equal(1, stored.HitCount);
    }

    [Fact]
    public async Task Invalid_options_fail_with_every_problem_listed()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(o =>
        {
            o.Engine.MaxActivitiesPerAlert = 0;
            o.Engine.DuplicateHorizon = TimeSpan.FromHours(-1);
            o.Policies.Add(Policy() with { Operations = [] });
        });
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAlertEngine>());
        Assert.Contains(ex.Failures, f => f.Contains("MaxActivitiesPerAlert", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("DuplicateHorizon", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("policies[0]", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_store_registered_by_the_user_is_kept()
    {
        var services = new ServiceCollection();
        var mine = new RecordingStore();
        services.AddSingleton<IAlertStore>(mine);
        services.AddAlertEngine(o => o.Policies.Add(Policy()));
        await using var provider = services.BuildServiceProvider();

        Assert.Same(mine, provider.GetRequiredService<IAlertStore>());
        await provider.GetRequiredService<IAlertEngine>().ProcessAsync(Rule("a1"), TestContext.Current.CancellationToken);
        Assert.Equal(["fwd:a1"], mine.Written);
    }

    [Fact]
    public async Task Time_provider_and_logger_come_from_the_container()
    {
        var services = new ServiceCollection();
        var time = new FakeTimeProvider();
        services.AddSingleton<TimeProvider>(time);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        services.AddAlertEngine(o => o.Policies.Add(Policy()));
        await using var provider = services.BuildServiceProvider();

        Assert.Same(time, provider.GetRequiredService<AlertPipeline>().TimeProvider);
    }

    [Fact]
    public async Task A_failing_store_never_stops_detection_and_pending_writes_are_retried_in_order()
    {
        var services = new ServiceCollection();
        var store = new RecordingStore { Fail = true };
        services.AddSingleton<IAlertStore>(store);
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Policy() with { Aggregation = new(AggregationMode.None) });
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();

        Assert.Single(await engine.ProcessAsync(Rule("a1", 0), TestContext.Current.CancellationToken));
        Assert.Single(await engine.ProcessAsync(Rule("a2", 1), TestContext.Current.CancellationToken));
        Assert.Equal(2, engine.PendingStoreWrites);
        Assert.Equal(2, engine.Pipeline.Statistics.Detections);

        store.Fail = false;
        Assert.True(await engine.FlushAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0, engine.PendingStoreWrites);
        Assert.Equal(["fwd:a1", "fwd:a2"], store.Written);
    }

    [Fact]
    public async Task Pending_writes_beyond_the_limit_are_kept_and_reported_to_the_caller()
    {
        var services = new ServiceCollection();
        var store = new RecordingStore { Fail = true };
        services.AddSingleton<IAlertStore>(store);
        services.AddAlertEngine(o =>
        {
            o.MaxPendingStoreWrites = 1;
            o.StoreBackpressure = StoreBackpressureMode.Fail;
            o.Policies.Add(Policy() with { Aggregation = new(AggregationMode.None) });
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();

        await engine.ProcessAsync(Rule("a1", 0), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await engine.ProcessAsync(Rule("a2", 1), TestContext.Current.CancellationToken));
        Assert.Equal(1, engine.PendingStoreWrites);

        store.Fail = false;
        Assert.True(await engine.FlushAsync(TestContext.Current.CancellationToken));
        await engine.ProcessAsync(Rule("a2", 1), TestContext.Current.CancellationToken);
        Assert.Equal(["fwd:a1", "fwd:a2"], store.Written);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => AlertEngineServiceCollectionExtensions.AddAlertEngine(null!, _ => { }));
        Assert.Throws<ArgumentNullException>(() => new ServiceCollection().AddAlertEngine(null!));
    }

    private sealed class RecordingStore : IAlertStore
    {
        private readonly InMemoryAlertStore _inner = new();

        public bool Fail { get; set; }

        public List<string> Written { get; } = [];

        public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
        {
            if (Fail)
            {
                throw new IOException("store down");
            }

            Written.Add(alert.Id);
            return _inner.UpsertAsync(alert, cancellationToken);
        }

        public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default) =>
            _inner.TryUpdateManagementAsync(current, updated, cancellationToken);

        public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);
    }
}
