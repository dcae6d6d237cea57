using System.Text.Json;
using static AlertEngine.Tests.Notifications.NotificationTestData;

namespace AlertEngine.Tests.Notifications;

public class AlertNotificationIdempotencyTests
{
    private static readonly DateTimeOffset T0 = Utc(2026, 3, 1, 9);

    [Fact]
    public void An_alert_notification_is_keyed_by_alert_id_and_detection_count()
    {
        var policy = Policy();
        var created = Created(policy, "a1", T0);
        var updated = Updated(created, "a2", T0.AddMinutes(1));

        var first = AlertNotification.From(created, policy);
        var second = AlertNotification.From(updated, policy);

        Assert.Equal("p1:a1#1", first.IdempotencyKey);
        Assert.Equal(1, first.DetectionCount);
        Assert.Equal("p1:a1#2", second.IdempotencyKey);
        Assert.Equal(2, second.DetectionCount);
        Assert.Equal(first.IdempotencyKey, AlertNotification.From(created, policy, maxActivities: 0).IdempotencyKey);
    }

    [Fact]
    public void An_early_warning_is_keyed_by_policy_and_activity()
    {
        var warning = AlertNotification.EarlyWarningFor(ThresholdPolicy(), Activity("a1", T0));

        Assert.Equal("t1:early:a1", warning.IdempotencyKey);
        Assert.Equal(0, warning.DetectionCount);
    }

    [Fact]
    public void A_notification_built_without_a_key_uses_its_id_and_the_key_survives_serialization()
    {
        var built = AlertNotification.From(Created(Policy(), "a1", T0), Policy()) with { IdempotencyKey = null! };
        Assert.Equal(built.Id, built.IdempotencyKey);

        var keyed = AlertNotification.From(Updated(Created(Policy(), "a1", T0), "a2", T0.AddMinutes(1)), Policy());
        var copy = JsonSerializer.Deserialize<AlertNotification>(JsonSerializer.Serialize(keyed))!;
        Assert.Equal("p1:a1#2", copy.IdempotencyKey);
        Assert.Equal(2, copy.DetectionCount);
    }
}
