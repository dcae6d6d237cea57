using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

/// <summary>Nothing is dropped without a trace: every skipped notification, abandoned write or dropped investigation
/// request is counted (per policy, so these tests can run in parallel with others) and logged.</summary>
public class AlertEngineServiceTraceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewPolicyId() => "trace-" + Guid.NewGuid().ToString("N");

    private static AlertPolicy Policy(string id, bool investigate = false) => new()
    {
        Id = id,
        Name = "Forwarding rule created",
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.Informational,
        Operations = ["New-InboxRule"],
        Aggregation = new AggregationSettings(AggregationMode.None),
        Notification = new NotificationSettings(true, ["soc@contoso.com"]),
        AutomatedInvestigation = investigate,
    };

    private static Activity Rule(string id, int seconds) => new(id, T0.AddSeconds(seconds), "New-InboxRule") { UserId = "alice@contoso.com" };

    private static long Count(MetricCollector<long> collector, string policyId, string reason)
    {
        long sum = 0;
        foreach (var m in collector.GetMeasurementSnapshot())
        {
            if (m.Tags.TryGetValue("alertengine.policy.id", out var id) && (string?)id == policyId
                && m.Tags.TryGetValue("alertengine.drop_reason", out var r) && (string?)r == reason)
            {
                sum += m.Value;
            }
        }

        return sum;
    }

    [Fact]
    public async Task A_notification_skipped_because_a_reload_removed_the_policy_is_counted_and_logged()
    {
        var policyId = NewPolicyId();
        using var dropped = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.notifications.dropped");
        var logs = new TestLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        await using var dispatcher = new NotificationDispatcher([new CollectingNotifier()]);
        using var pipeline = new AlertPipeline([Policy(policyId)]);
        using var engine = new AlertEngineService(pipeline, new InMemoryAlertStore(), new AlertEngineServiceOptions(), factory.CreateLogger<AlertEngineService>(), dispatcher);
        engine.AfterProcess = _ => pipeline.UpdatePolicies([]); // a reload lands between evaluation and notification

        Assert.Single(await engine.ProcessAsync(Rule("a1", 0), Ct));

        Assert.Equal(1, Count(dropped, policyId, "PolicyRemoved"));
        var line = Assert.Single(logs.WithEventId(2008));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains(policyId + ":a1", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_notification_with_no_notifier_is_counted()
    {
        var policyId = NewPolicyId();
        using var dropped = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.notifications.dropped");
        await using var dispatcher = new NotificationDispatcher([]);
        using var pipeline = new AlertPipeline([Policy(policyId)]);

        var change = Assert.Single(pipeline.Process(Rule("a1", 0)));
        Assert.True(dispatcher.Submit(change, pipeline.Policies[0]).ShouldSend);

        Assert.Equal(1, Count(dropped, policyId, "NoNotifiers"));
    }

    [Fact]
    public async Task Investigation_requests_over_the_limit_are_counted_and_logged()
    {
        var policyId = NewPolicyId();
        using var dropped = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.investigations.dropped");
        var logs = new TestLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0));
        services.AddSingleton<IInvestigationRequester>(new FailingRequester());
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(Policy(policyId, investigate: true));
            o.MaxPendingStoreWrites = 1;
        });
        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();

        await engine.ProcessAsync(Rule("a1", 0), Ct);
        await engine.ProcessAsync(Rule("a2", 1), Ct);

        Assert.Equal(1, Count(dropped, policyId, "Limit"));
        Assert.Single(logs.WithEventId(2003));
    }

    [Fact]
    public async Task Dispose_writes_what_is_pending_when_the_store_is_back()
    {
        var store = new FlakyStore { Fail = true };
        var provider = Build(store, NewPolicyId(), new TestLoggerProvider());
        var engine = provider.GetRequiredService<IAlertEngine>();
        await engine.ProcessAsync(Rule("a1", 0), Ct);
        Assert.Equal(1, engine.PendingStoreWrites);

        store.Fail = false; // back, but no retry is due yet: the next activity would not write
        await provider.DisposeAsync();

        Assert.Single(store.Written);
    }

    [Fact]
    public async Task Dispose_counts_and_logs_the_writes_and_investigation_requests_it_could_not_hand_over()
    {
        var policyId = NewPolicyId();
        using var abandoned = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.store.writes_abandoned");
        using var dropped = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.investigations.dropped");
        var store = new FlakyStore { Fail = true };
        var logs = new TestLoggerProvider();
        var provider = Build(store, policyId, logs, new FailingRequester());
        var engine = provider.GetRequiredService<IAlertEngine>();
        await engine.ProcessAsync(Rule("a1", 0), Ct);
        await engine.ProcessAsync(Rule("a2", 1), Ct);

        await provider.DisposeAsync();

        Assert.Equal(2, abandoned.GetMeasurementSnapshot().Where(m => (string?)m.Tags["alertengine.policy.id"] == policyId).Sum(m => m.Value));
        Assert.Equal(2, Count(dropped, policyId, "Shutdown"));
        var line = Assert.Single(logs.WithEventId(2009));
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Contains("2 alert change(s)", line.Message, StringComparison.Ordinal);
        Assert.Contains("2 investigation request(s)", line.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await engine.ProcessAsync(Rule("a3", 2), Ct));
    }

    private static ServiceProvider Build(FlakyStore store, string policyId, TestLoggerProvider logs, IInvestigationRequester? requester = null)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(T0));
        services.AddSingleton<IAlertStore>(store);
        if (requester is not null)
        {
            services.AddSingleton(requester);
        }

        services.AddAlertEngine(o => o.Policies.Add(Policy(policyId, investigate: requester is not null)));
        return services.BuildServiceProvider();
    }

    private sealed class FailingRequester : IInvestigationRequester
    {
        public ValueTask RequestAsync(InvestigationRequest request, CancellationToken cancellationToken = default) =>
            throw new IOException("investigations down");
    }

    private sealed class CollectingNotifier : IAlertNotifier
    {
        public ConcurrentQueue<AlertNotification> Received { get; } = new();

        public ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
        {
            Received.Enqueue(notification);
            return ValueTask.CompletedTask;
        }
    }
}
