using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

public class AlertEngineServiceStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AlertPolicy Policy() => new()
    {
        Id = "fwd",
        Name = "Forwarding rule created",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule"],
        Aggregation = new AggregationSettings(AggregationMode.None),
    };

    private static Activity Rule(string id, int seconds) => new(id, T0.AddSeconds(seconds), "New-InboxRule") { UserId = "alice@contoso.com" };

    private static ServiceProvider Build(FlakyStore store, FakeTimeProvider time, TestLoggerProvider? logs = null, Action<AlertEngineServiceOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IAlertStore>(store);
        services.AddSingleton<TimeProvider>(time);
        if (logs is not null)
        {
            services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        }

        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Policy());
            o.StoreRetryDelay = TimeSpan.FromSeconds(1);
            o.MaxStoreRetryDelay = TimeSpan.FromSeconds(8);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task A_failing_store_is_retried_with_backoff_not_on_every_activity_and_logged_once_per_state_change()
    {
        var store = new FlakyStore { Fail = true };
        var time = new FakeTimeProvider(T0);
        var logs = new TestLoggerProvider();
        await using var provider = Build(store, time, logs);
        var engine = provider.GetRequiredService<IAlertEngine>();

        for (var i = 0; i < 5; i++)
        {
            Assert.Single(await engine.ProcessAsync(Rule("a" + i, i), Ct));
        }

        Assert.Equal(1, store.Attempts); // the first write failed; the next activities wait for the retry time
        Assert.Equal(5, engine.PendingStoreWrites);

        time.Advance(TimeSpan.FromSeconds(1)); // first retry is due (1 s, with jitter in [0.5, 1))
        await engine.ProcessAsync(Rule("b0", 10), Ct);
        Assert.Equal(2, store.Attempts);
        Assert.Equal(6, engine.PendingStoreWrites);

        store.Fail = false;
        await engine.ProcessAsync(Rule("b1", 11), Ct);
        Assert.Equal(2, store.Attempts); // second retry not due yet
        time.Advance(TimeSpan.FromSeconds(2));
        await engine.ProcessAsync(Rule("b2", 12), Ct);
        Assert.Equal(0, engine.PendingStoreWrites);
        Assert.Equal(["fwd:a0@1", "fwd:a1@1", "fwd:a2@1", "fwd:a3@1", "fwd:a4@1", "fwd:b0@1", "fwd:b1@1", "fwd:b2@1"], store.Written);

        var failing = Assert.Single(logs.WithEventId(2001));
        Assert.Equal(LogLevel.Warning, failing.Level);
        var recovered = Assert.Single(logs.WithEventId(2004));
        Assert.Equal(LogLevel.Information, recovered.Level);
    }

    [Fact]
    public async Task FlushAsync_retries_at_once_whatever_the_backoff()
    {
        var store = new FlakyStore { Fail = true };
        var time = new FakeTimeProvider(T0);
        await using var provider = Build(store, time);
        var engine = provider.GetRequiredService<IAlertEngine>();

        await engine.ProcessAsync(Rule("a1", 0), Ct);
        store.Fail = false;
        Assert.True(await engine.FlushAsync(Ct));
        Assert.Equal(["fwd:a1@1"], store.Written);
        Assert.Equal(0, engine.PendingStoreWrites);
    }

    [Fact]
    public async Task In_fail_mode_a_full_queue_fails_the_call_before_the_activity_is_evaluated()
    {
        var store = new FlakyStore { Fail = true };
        var time = new FakeTimeProvider(T0);
        await using var provider = Build(store, time, configure: o =>
        {
            o.MaxPendingStoreWrites = 1;
            o.StoreBackpressure = StoreBackpressureMode.Fail;
        });
        var engine = provider.GetRequiredService<IAlertEngine>();

        await engine.ProcessAsync(Rule("a1", 0), Ct);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await engine.ProcessAsync(Rule("a2", 1), Ct));
        Assert.Equal(1, engine.PendingStoreWrites);
        Assert.Equal(1, engine.Pipeline.Statistics.ActivitiesProcessed); // a2 was not consumed: it can be given again

        store.Fail = false;
        Assert.True(await engine.FlushAsync(Ct));
        Assert.Single(await engine.ProcessAsync(Rule("a2", 1), Ct));
        Assert.Equal(["fwd:a1@1", "fwd:a2@1"], store.Written);
    }

    [Fact]
    public async Task In_wait_mode_a_full_queue_makes_the_call_wait_for_the_store_before_the_activity_is_evaluated()
    {
        var store = new FlakyStore { Fail = true };
        var time = new FakeTimeProvider(T0);
        await using var provider = Build(store, time, configure: o => o.MaxPendingStoreWrites = 1);
        var engine = provider.GetRequiredService<IAlertEngine>();

        await engine.ProcessAsync(Rule("a1", 0), Ct);
        var waiting = engine.ProcessAsync(Rule("a2", 1), Ct).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(1, engine.Pipeline.Statistics.ActivitiesProcessed);

        store.Fail = false;
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await waiting);
        Assert.Equal(["fwd:a1@1", "fwd:a2@1"], store.Written);
    }

    [Fact]
    public async Task Cancelling_a_wait_for_room_leaves_the_activity_unconsumed()
    {
        var store = new FlakyStore { Fail = true };
        var time = new FakeTimeProvider(T0);
        await using var provider = Build(store, time, configure: o => o.MaxPendingStoreWrites = 1);
        var engine = provider.GetRequiredService<IAlertEngine>();
        await engine.ProcessAsync(Rule("a1", 0), Ct);

        using var cts = new CancellationTokenSource();
        var waiting = engine.ProcessAsync(Rule("a2", 1), cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(1, engine.Pipeline.Statistics.ActivitiesProcessed);
    }

    [Fact]
    public async Task Invalid_retry_options_are_listed()
    {
        await using var provider = Build(new FlakyStore(), new FakeTimeProvider(T0), configure: o =>
        {
            o.StoreRetryDelay = TimeSpan.Zero;
            o.MaxStoreRetryDelay = TimeSpan.FromSeconds(-1);
            o.StoreBackpressure = (StoreBackpressureMode)42;
        });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAlertEngine>());
        Assert.Contains("StoreRetryDelay: must be greater than zero", ex.Failures);
        Assert.Contains("MaxStoreRetryDelay: must be at least StoreRetryDelay", ex.Failures);
        Assert.Contains("StoreBackpressure: must be Wait or Fail", ex.Failures);
    }
}
