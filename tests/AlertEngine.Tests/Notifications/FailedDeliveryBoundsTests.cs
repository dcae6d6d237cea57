using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static AlertEngine.Tests.Notifications.NotificationTestData;

namespace AlertEngine.Tests.Notifications;

public class FailedDeliveryBoundsTests
{
    private static readonly DateTimeOffset T0 = Utc(2026, 3, 1, 9);

    [Fact]
    public async Task Failed_deliveries_are_capped_keeping_the_newest_and_the_overflow_is_counted()
    {
        var policy = Policy("fd-" + Guid.NewGuid().ToString("N"));
        using var dropped = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.notifications.dropped");
        var options = new NotificationOptions { MaxFailedDeliveries = 2, ShouldRetry = _ => false };
        await using var dispatcher = new NotificationDispatcher([new FlakyNotifier()], options);

        for (var i = 0; i < 3; i++)
        {
            dispatcher.Submit(Created(policy, "a" + i, T0.AddMinutes(i)), policy);
        }

        await dispatcher.WhenIdleAsync(TestContext.Current.CancellationToken);

        Assert.Equal([policy.Id + ":a1#1", policy.Id + ":a2#1"], dispatcher.FailedDeliveries.Select(f => f.Notification.Id));
        var overflow = Assert.Single(dropped.GetMeasurementSnapshot(), m => (string?)m.Tags["alertengine.policy.id"] == policy.Id);
        Assert.Equal("FailedDeliveriesFull", overflow.Tags["alertengine.drop_reason"]);
    }

    [Fact]
    public void The_cap_is_validated() =>
        Assert.Contains("MaxFailedDeliveries: must be at least 1", new NotificationOptions { MaxFailedDeliveries = 0 }.Validate().Select(e => e.ToString()));
}
