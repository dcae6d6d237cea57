using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// Telemetry of the engine with the standard .NET primitives: the <see cref="Meter"/> and the
/// <see cref="System.Diagnostics.ActivitySource"/> named <see cref="Name"/> (<c>AlertEngine</c>).
/// </summary>
/// <remarks>
/// <para>Instruments (tagged with <c>alertengine.policy.id</c> where they concern one policy):</para>
/// <list type="bullet">
/// <item><c>alertengine.activities.processed</c> (counter): activities given to the engine.</item>
/// <item><c>alertengine.activities.duplicate</c>, <c>alertengine.activities.late</c> (counters): activities not
/// evaluated because they were seen before or came later than the allowed lateness.</item>
/// <item><c>alertengine.activities.future</c> (counter): activities not evaluated because they were dated more than
/// <see cref="AlertEngineOptions.FutureTolerance"/> ahead of the wall clock.</item>
/// <item><c>alertengine.activities.invalid</c> (counter): activity lines that <see cref="ActivityReader"/> rejected.</item>
/// <item><c>alertengine.detections</c> (counter, per policy).</item>
/// <item><c>alertengine.alerts.created</c>, <c>alertengine.alerts.updated</c> (counters, per policy).</item>
/// <item><c>alertengine.evaluation.errors</c> (counter, per policy).</item>
/// <item><c>alertengine.observer.errors</c> (counter, per <c>alertengine.observer.stream</c>: <c>Changes</c>,
/// <c>Diagnostics</c> or <c>EarlyWarnings</c>): exceptions thrown by observers of the pipeline's streams, caught so
/// that evaluation goes on.</item>
/// <item><c>alertengine.evaluation.duration</c> (histogram, seconds): time to evaluate one activity; measured only
/// while a listener is enabled.</item>
/// <item><c>alertengine.policy.tracked_keys</c> (observable gauge, per policy): scope keys a threshold or anomaly
/// policy holds state for, summed over the live <see cref="AlertPipeline"/> instances.</item>
/// <item><c>alertengine.notifications.sent</c> (counter, per policy and <c>alertengine.notifier</c>): deliveries a
/// notifier accepted (a notification to two notifiers counts twice).</item>
/// <item><c>alertengine.notifications.failed</c> (counter, per policy, <c>alertengine.notifier</c> and
/// <c>alertengine.notification.failure_reason</c>): deliveries recorded as a <see cref="FailedDelivery"/>.</item>
/// <item><c>alertengine.notifications.throttled</c> (counter, per policy and <c>alertengine.notification.outcome</c>
/// <c>Throttled</c> or <c>DailyLimitReached</c>): notifications held back by the throttle or the daily limit.</item>
/// <item><c>alertengine.notifications.suppressed</c> (counter, per policy and <c>alertengine.notification.outcome</c>
/// <c>Suppressed</c> or <c>Silenced</c>): notifications held back by suppression of the alert or a silence.</item>
/// <item><c>alertengine.store.evicted</c> (counter, per policy): alerts evicted, oldest first, by an
/// <see cref="InMemoryAlertStore"/> created with a cap.</item>
/// <item><c>alertengine.notifications.dropped</c> (counter, per policy and <c>alertengine.drop_reason</c>
/// <c>NoNotifiers</c>, <c>PolicyRemoved</c> or <c>FailedDeliveriesFull</c>): notifications decided to be sent with no
/// notifier registered, alert changes not notified because a reload removed their policy before the decision, or
/// failed deliveries dropped beyond <see cref="NotificationOptions.MaxFailedDeliveries"/>.</item>
/// </list>
/// <para>The activity source starts an <c>AlertCreated</c> activity for each alert created, and a
/// <c>NotificationDispatch</c> activity for each delivery of a notification to a notifier (all its attempts; status
/// <see cref="ActivityStatusCode.Error"/> when it ends as a failed delivery), whose parent is the activity current
/// when the notification was submitted.</para>
/// </remarks>
public static class AlertEngineMetrics
{
    /// <summary>The name of the meter and the activity source.</summary>
    public const string Name = "AlertEngine";

    internal static readonly Meter Meter = new(Name, typeof(AlertEngineMetrics).Assembly.GetName().Version?.ToString());
    internal static readonly ActivitySource ActivitySource = new(Name, typeof(AlertEngineMetrics).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Processed = Meter.CreateCounter<long>("alertengine.activities.processed", "{activity}", "Activities given to the engine");
    internal static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("alertengine.activities.duplicate", "{activity}", "Activities recognised as duplicates and not evaluated again");
    internal static readonly Counter<long> Late = Meter.CreateCounter<long>("alertengine.activities.late", "{activity}", "Activities older than the allowed lateness, not evaluated");
    internal static readonly Counter<long> Future = Meter.CreateCounter<long>("alertengine.activities.future", "{activity}", "Activities dated more than the future tolerance ahead of the wall clock, not evaluated");
    internal static readonly Counter<long> ObserverErrors = Meter.CreateCounter<long>("alertengine.observer.errors", "{error}", "Exceptions thrown by observers of the pipeline's streams (caught; evaluation went on)");
    internal static readonly Counter<long> Detections = Meter.CreateCounter<long>("alertengine.detections", "{detection}", "Detections fired");
    internal static readonly Counter<long> AlertsCreated = Meter.CreateCounter<long>("alertengine.alerts.created", "{alert}", "Alerts created");
    internal static readonly Counter<long> AlertsUpdated = Meter.CreateCounter<long>("alertengine.alerts.updated", "{alert}", "Detections that joined an existing alert");
    internal static readonly Counter<long> EvaluationErrors = Meter.CreateCounter<long>("alertengine.evaluation.errors", "{error}", "Policy evaluations that threw");
    internal static readonly Histogram<double> EvaluationDuration = Meter.CreateHistogram<double>("alertengine.evaluation.duration", "s", "Time to evaluate one activity against the policies");

    internal static readonly Counter<long> InvalidActivities = Meter.CreateCounter<long>("alertengine.activities.invalid", "{activity}", "Activity lines rejected by the activity reader");
    internal static readonly Counter<long> NotificationsSent = Meter.CreateCounter<long>("alertengine.notifications.sent", "{notification}", "Notification deliveries a notifier accepted");
    internal static readonly Counter<long> NotificationsFailed = Meter.CreateCounter<long>("alertengine.notifications.failed", "{notification}", "Notification deliveries that failed and were kept for re-sending");
    internal static readonly Counter<long> NotificationsThrottled = Meter.CreateCounter<long>("alertengine.notifications.throttled", "{notification}", "Notifications held back by a throttle or the daily limit");
    internal static readonly Counter<long> NotificationsSuppressed = Meter.CreateCounter<long>("alertengine.notifications.suppressed", "{notification}", "Notifications held back by alert suppression or a silence");
    internal static readonly Counter<long> AlertsEvicted = Meter.CreateCounter<long>("alertengine.store.evicted", "{alert}", "Alerts an InMemoryAlertStore with a cap evicted (oldest first)");
    internal static readonly Counter<long> NotificationsDropped = Meter.CreateCounter<long>("alertengine.notifications.dropped", "{notification}", "Notifications that could not be decided or queued (no notifier, policy removed by a reload)");

    /// <summary>The live pipelines, for <c>alertengine.policy.tracked_keys</c>; weak, so an undisposed pipeline can still be collected.</summary>
    private static readonly ConditionalWeakTable<AlertPipeline, object?> Pipelines = [];

    internal static readonly ObservableGauge<long> TrackedKeys = Meter.CreateObservableGauge(
        "alertengine.policy.tracked_keys",
        ObserveTrackedKeys,
        "{key}",
        "Scope keys a threshold or anomaly policy holds state for");

    internal static KeyValuePair<string, object?> PolicyTag(string policyId) => new("alertengine.policy.id", policyId);

    internal static KeyValuePair<string, object?> StreamTag(string stream) => new("alertengine.observer.stream", stream);

    internal static KeyValuePair<string, object?> NotifierTag(string notifier) => new("alertengine.notifier", notifier);

    internal static KeyValuePair<string, object?> OutcomeTag(NotificationOutcome outcome) => new("alertengine.notification.outcome", OutcomeName(outcome));

    /// <summary>Why something was dropped (<c>alertengine.drop_reason</c>): a constant string, never user data.</summary>
    internal static KeyValuePair<string, object?> DropReasonTag(string reason) => new("alertengine.drop_reason", reason);

    internal static KeyValuePair<string, object?> FailureReasonTag(DeliveryFailureReason reason) => new("alertengine.notification.failure_reason", FailureReasonName(reason));

    internal static void Register(AlertPipeline pipeline) => Pipelines.AddOrUpdate(pipeline, null);

    internal static void Unregister(AlertPipeline pipeline) => Pipelines.Remove(pipeline);

    /// <summary>Counts a gate decision that held a notification back (throttle, daily limit, suppression, silence).</summary>
    internal static void RecordDecision(NotificationOutcome outcome, string policyId)
    {
        switch (outcome)
        {
            case NotificationOutcome.Throttled or NotificationOutcome.DailyLimitReached:
                NotificationsThrottled.Add(1, PolicyTag(policyId), OutcomeTag(outcome));
                break;
            case NotificationOutcome.Suppressed or NotificationOutcome.Silenced:
                NotificationsSuppressed.Add(1, PolicyTag(policyId), OutcomeTag(outcome));
                break;
        }
    }

    private static List<Measurement<long>> ObserveTrackedKeys()
    {
        var perPolicy = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (pipeline, _) in Pipelines)
        {
            pipeline.AddTrackedKeys(perPolicy);
        }

        var measurements = new List<Measurement<long>>(perPolicy.Count);
        foreach (var (policyId, keys) in perPolicy)
        {
            measurements.Add(new Measurement<long>(keys, PolicyTag(policyId)));
        }

        return measurements;
    }

    // Constant strings (no Enum.ToString allocation on the notification path).
    private static string OutcomeName(NotificationOutcome outcome) => outcome switch
    {
        NotificationOutcome.Throttled => nameof(NotificationOutcome.Throttled),
        NotificationOutcome.DailyLimitReached => nameof(NotificationOutcome.DailyLimitReached),
        NotificationOutcome.Suppressed => nameof(NotificationOutcome.Suppressed),
        NotificationOutcome.Silenced => nameof(NotificationOutcome.Silenced),
        _ => outcome.ToString(),
    };

    private static string FailureReasonName(DeliveryFailureReason reason) => reason switch
    {
        DeliveryFailureReason.NotifierFailed => nameof(DeliveryFailureReason.NotifierFailed),
        DeliveryFailureReason.QueueFull => nameof(DeliveryFailureReason.QueueFull),
        DeliveryFailureReason.Shutdown => nameof(DeliveryFailureReason.Shutdown),
        _ => reason.ToString(),
    };
}
