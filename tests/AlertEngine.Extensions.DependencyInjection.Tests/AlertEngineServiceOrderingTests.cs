using System.Collections.Concurrent;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

public class AlertEngineServiceOrderingTests
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
        Notification = new NotificationSettings(true, ["soc@contoso.com"]),
    };

    private static Activity Rule(string id, int seconds) => new(id, T0.AddSeconds(seconds), "New-InboxRule") { UserId = "alice@contoso.com" };

    [Fact]
    public async Task Concurrent_callers_reach_the_store_and_the_gate_in_the_order_the_pipeline_produced_the_changes()
    {
        // a1 creates alert fwd:a1, a2 (another caller) updates it. The second caller is started right after the
        // pipeline produced a1's Created change and before the service queued it; the first caller goes on only once
        // the second one has finished or is waiting for its turn.
        var notifier = new CollectingNotifier();
        await using var dispatcher = new NotificationDispatcher([notifier]);
        using var pipeline = new AlertPipeline([Policy()]);
        var store = new InMemoryAlertStore();
        using var engine = new AlertEngineService(pipeline, store, new AlertEngineServiceOptions(), null, dispatcher);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.SequenceContended = () => waiting.TrySetResult();
        Task? second = null;
        engine.AfterProcess = changes =>
        {
            if (second is null && changes.Count == 1 && changes[0].Kind == AlertChangeKind.Created)
            {
                second = Task.Run(async () => await engine.ProcessAsync(Rule("a2", 1), Ct), Ct);
                Task.WaitAny([second, waiting.Task], Ct);
            }
        };

        await engine.ProcessAsync(Rule("a1", 0), Ct);
        await second!;
        await dispatcher.WhenIdleAsync(Ct);

        var stored = await store.GetAsync("fwd:a1", Ct);
        Assert.Equal(2, stored!.HitCount);
        Assert.Equal(["fwd:a1#1"], notifier.Received.Select(n => n.Id));
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
