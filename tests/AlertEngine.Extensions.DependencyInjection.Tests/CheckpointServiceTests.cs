using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

/// <summary>The engine service restores from the registered <see cref="IEngineStateStore"/>, checkpoints by count, by
/// time and at shutdown, and cuts a checkpoint only when every earlier change is in the alert store.</summary>
public class CheckpointServiceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AlertPolicy Threshold() => new()
    {
        Id = "mass-delete",
        Name = "Mass deletion",
        Category = AlertCategory.InformationGovernance,
        Severity = AlertSeverity.High,
        Operations = ["FileDeleted"],
        Trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User),
        Aggregation = new(AggregationMode.Policy, TimeSpan.FromHours(1)),
    };

    private static Activity Deleted(int i) => new("a" + i, T0.AddMinutes(i), "FileDeleted") { UserId = i % 3 == 0 ? "bob@contoso.com" : "alice@contoso.com" };

    private static ServiceProvider Build(IAlertStore store, IEngineStateStore? state, Action<AlertEngineServiceOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0.AddDays(1)));
        services.AddSingleton(store);
        if (state is not null)
        {
            services.AddSingleton(state);
        }

        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Threshold());
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private static async Task<List<string>> Describe(IAlertStore store) =>
        [.. (await store.QueryAsync(AlertQuery.All, Ct)).Select(a => $"{a.Id}|{a.HitCount}|{a.DetectionCount}|{string.Join(',', a.Activities.Select(x => x.Id))}|{string.Join(',', a.Users)}").Order(StringComparer.Ordinal)];

    [Fact]
    public async Task A_service_restarted_on_the_same_state_store_and_alert_store_gives_the_alerts_of_one_uninterrupted_run()
    {
        var activities = Enumerable.Range(0, 40).Select(Deleted).ToList();
        var uninterrupted = new InMemoryAlertStore();
        await using (var provider = Build(uninterrupted, null))
        {
            var engine = provider.GetRequiredService<IAlertEngine>();
            foreach (var activity in activities)
            {
                await engine.ProcessAsync(activity, Ct);
            }
        }

        var alerts = new InMemoryAlertStore();
        var state = new InMemoryEngineStateStore();
        await using (var first = Build(alerts, state))
        {
            var engine = first.GetRequiredService<IAlertEngine>();
            foreach (var activity in activities.Take(17))
            {
                await engine.ProcessAsync(activity, Ct);
            }
        } // graceful shutdown: final checkpoint

        Assert.NotNull(await state.LoadAsync(Ct));
        await using (var second = Build(alerts, state))
        {
            var engine = second.GetRequiredService<IAlertEngine>();
            Assert.Equal(T0.AddMinutes(16), engine.Pipeline.Watermark);

            // The source delivers a few activities again (at least once): duplicates.
            foreach (var activity in activities.Skip(12))
            {
                await engine.ProcessAsync(activity, Ct);
            }

            Assert.Equal(5, engine.Pipeline.Statistics.Duplicates);
        }

        Assert.Equal(await Describe(uninterrupted), await Describe(alerts));
    }

    [Fact]
    public async Task A_checkpoint_is_saved_every_N_activities()
    {
        var state = new InMemoryEngineStateStore();
        await using var provider = Build(new InMemoryAlertStore(), state, o => { o.CheckpointEveryActivities = 3; o.CheckpointInterval = TimeSpan.Zero; });
        var engine = provider.GetRequiredService<IAlertEngine>();

        await engine.ProcessAsync(Deleted(0), Ct);
        await engine.ProcessAsync(Deleted(1), Ct);
        Assert.Null(await state.LoadAsync(Ct));
        await engine.ProcessAsync(Deleted(2), Ct);

        var saved = await state.LoadAsync(Ct);
        Assert.NotNull(saved);
        using var restored = new AlertPipeline([Threshold()]);
        // The stored value holds the engine checkpoint and the notification state.
        restored.RestoreCheckpoint(new MemoryStream(ServiceCheckpoint.Read(saved).Engine.ToArray()));
        Assert.Equal(3, restored.Statistics.ActivitiesProcessed);
    }

    [Fact]
    public async Task A_checkpoint_is_saved_when_the_interval_has_passed()
    {
        var state = new InMemoryEngineStateStore();
        var time = new FakeTimeProvider(T0.AddDays(1));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IEngineStateStore>(state);
        services.AddAlertEngine(o => { o.Policies.Add(Threshold()); o.CheckpointEveryActivities = 0; o.CheckpointInterval = TimeSpan.FromMinutes(1); });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();

        await engine.ProcessAsync(Deleted(0), Ct);
        Assert.Null(await state.LoadAsync(Ct));
        time.Advance(TimeSpan.FromMinutes(1));
        await engine.ProcessAsync(Deleted(1), Ct);
        Assert.NotNull(await state.LoadAsync(Ct));
    }

    [Fact]
    public async Task No_checkpoint_is_cut_while_alert_changes_are_not_in_the_store()
    {
        var store = new FlakyStore { Fail = true };
        var state = new InMemoryEngineStateStore();
        await using var provider = Build(store, state, o => o.CheckpointEveryActivities = 0);
        var engine = provider.GetRequiredService<IAlertEngine>();
        for (var i = 0; i < 3; i++)
        {
            await engine.ProcessAsync(Deleted(i * 3 + 1), Ct);
        }

        Assert.True(engine.PendingStoreWrites > 0);
        Assert.False(await engine.CheckpointAsync(Ct));
        Assert.Null(await state.LoadAsync(Ct));

        store.Fail = false;
        Assert.True(await engine.CheckpointAsync(Ct));
        Assert.NotNull(await state.LoadAsync(Ct));
    }

    [Fact]
    public async Task A_corrupt_checkpoint_stops_the_engine_from_starting_and_is_left_as_it_is()
    {
        var state = new InMemoryEngineStateStore();
        await state.SaveAsync("not a checkpoint"u8.ToArray(), Ct);
        await using var provider = Build(new InMemoryAlertStore(), state);

        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IAlertEngine>());
        Assert.Contains("cannot be restored", ex.Message, StringComparison.Ordinal);
        Assert.Equal("not a checkpoint"u8.ToArray(), await state.LoadAsync(Ct));
    }

    [Fact]
    public async Task Without_a_state_store_CheckpointAsync_returns_false()
    {
        await using var provider = Build(new InMemoryAlertStore(), null);
        Assert.False(await provider.GetRequiredService<IAlertEngine>().CheckpointAsync(Ct));
    }

    [Fact]
    public async Task Negative_checkpoint_options_fail_validation()
    {
        await using var provider = Build(new InMemoryAlertStore(), null, o => { o.CheckpointEveryActivities = -1; o.CheckpointInterval = TimeSpan.FromSeconds(-1); });

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAlertEngine>());
        Assert.Contains(ex.Failures, f => f.StartsWith("CheckpointEveryActivities:", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.StartsWith("CheckpointInterval:", StringComparison.Ordinal));
    }
}
