using System.Globalization;
using AlertEngine.Tests.Engine;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using static AlertEngine.Tests.Notifications.NotificationTestData;
using DiagnosticsActivity = System.Diagnostics.Activity;

namespace AlertEngine.Tests.Notifications;

// The meter and the activity source are static: these tests run alone (see MetricsCollection), and each uses its
// own policy id, so that other tests' measurements cannot blur the counts.
[Collection(nameof(MetricsCollection))]
public class NotificationMetricsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewPolicyId() => "nm-" + Guid.NewGuid().ToString("N");

    private static NotificationOptions NoRetry() => new() { MaxRetryAttempts = 0, AttemptTimeout = TimeSpan.FromSeconds(30) };

    private static FakeTimeProvider Clock() => new(Utc(2026, 3, 1, 12));

    /// <summary>The measurements for one policy, as (value, tag) pairs of the given tag.</summary>
    private static List<(long Value, string? Tag)> For(MetricCollector<long> collector, string policyId, string tag)
    {
        var found = new List<(long, string?)>();
        foreach (var m in collector.GetMeasurementSnapshot())
        {
            if (m.Tags.TryGetValue("alertengine.policy.id", out var id) && (string?)id == policyId)
            {
                found.Add((m.Value, m.Tags.TryGetValue(tag, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null));
            }
        }

        return found;
    }

    [Fact]
    public async Task Sent_and_failed_deliveries_are_counted_per_policy_and_notifier_with_the_failure_reason()
    {
        var policy = Policy(NewPolicyId());
        using var sent = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.notifications.sent");
        using var failed = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.notifications.failed");
        var healthy = new TestNotifier();
        var broken = new FlakyNotifier();
        await using var dispatcher = new NotificationDispatcher([healthy, broken], NoRetry(), Clock());

        dispatcher.Submit(Created(policy, "a1", Utc(2026, 3, 1, 9)), policy);
        dispatcher.Submit(Created(policy, "a2", Utc(2026, 3, 1, 10)), policy);
        await dispatcher.WhenIdleAsync(Ct).WaitAsync(Bound, Ct);

        Assert.Equal([(1L, "TestNotifier"), (1L, "TestNotifier")], For(sent, policy.Id, "alertengine.notifier"));
        Assert.Equal([(1L, "FlakyNotifier"), (1L, "FlakyNotifier")], For(failed, policy.Id, "alertengine.notifier"));
        Assert.All(For(failed, policy.Id, "alertengine.notification.failure_reason"), m => Assert.Equal("NotifierFailed", m.Tag));
    }

    [Fact]
    public async Task Notifications_held_back_by_the_daily_limit_or_a_throttle_are_counted_as_throttled_with_the_outcome()
    {
        var limited = Policy(NewPolicyId(), dailyLimit: 1);
        var throttled = Policy(NewPolicyId(), throttle: new NotificationThrottle(1, TimeSpan.FromHours(1)));
        using var counter = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.notifications.throttled");
        await using var dispatcher = new NotificationDispatcher([new TestNotifier()], NoRetry(), Clock());

        foreach (var policy in new[] { limited, throttled })
        {
            dispatcher.Submit(Created(policy, "a1", Utc(2026, 3, 1, 9)), policy);
            dispatcher.Submit(Created(policy, "a2", Utc(2026, 3, 1, 9, 10)), policy);
            dispatcher.Submit(Created(policy, "a3", Utc(2026, 3, 1, 9, 20)), policy);
        }

        Assert.Equal([(1L, "DailyLimitReached"), (1L, "DailyLimitReached")], For(counter, limited.Id, "alertengine.notification.outcome"));
        Assert.Equal([(1L, "Throttled"), (1L, "Throttled")], For(counter, throttled.Id, "alertengine.notification.outcome"));
    }

    [Fact]
    public async Task Notifications_held_back_by_suppression_or_a_silence_are_counted_as_suppressed_with_the_outcome()
    {
        var policy = Policy(NewPolicyId());
        var time = Clock();
        using var counter = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.notifications.suppressed");
        await using var dispatcher = new NotificationDispatcher([new TestNotifier()], NoRetry(), time);

        dispatcher.SetSuppressed(policy.Id + ":a1", true);
        Assert.Equal(NotificationOutcome.Suppressed, dispatcher.Submit(Created(policy, "a1", Utc(2026, 3, 1, 9)), policy).Outcome);
        dispatcher.AddSilence(new Silence { Id = "quiet", Matchers = [new("policy", policy.Id)], StartsAt = time.GetUtcNow(), EndsAt = time.GetUtcNow().AddHours(1) });
        Assert.Equal(NotificationOutcome.Silenced, dispatcher.Submit(Created(policy, "a2", Utc(2026, 3, 1, 9, 5)), policy).Outcome);

        Assert.Equal([(1L, "Suppressed"), (1L, "Silenced")], For(counter, policy.Id, "alertengine.notification.outcome"));
    }

    [Fact]
    public async Task Each_delivery_is_a_NotificationDispatch_span_under_the_submitter_with_error_status_when_it_fails()
    {
        var policy = Policy(NewPolicyId());
        var stopped = new List<DiagnosticsActivity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == AlertEngineMetrics.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if (a.GetTagItem("alertengine.policy.id") as string == policy.Id)
                {
                    lock (stopped)
                    {
                        stopped.Add(a);
                    }
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        using var submitter = new System.Diagnostics.ActivitySource("AlertEngine.Tests.Submitter");
        using var submitterListener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == submitter.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(submitterListener);
        await using var dispatcher = new NotificationDispatcher([new TestNotifier(), new FlakyNotifier()], NoRetry(), Clock());

        System.Diagnostics.ActivityTraceId traceId;
        using (var request = submitter.StartActivity("Request"))
        {
            Assert.NotNull(request);
            traceId = request.TraceId;
            dispatcher.Submit(Created(policy, "a1", Utc(2026, 3, 1, 9)), policy);
        }

        await dispatcher.WhenIdleAsync(Ct).WaitAsync(Bound, Ct);

        List<DiagnosticsActivity> spans;
        lock (stopped)
        {
            spans = [.. stopped.OrderBy(a => (string?)a.GetTagItem("alertengine.notifier"), StringComparer.Ordinal)];
        }

        Assert.Equal(2, spans.Count);
        Assert.All(spans, s =>
        {
            Assert.Equal("NotificationDispatch", s.OperationName);
            Assert.Equal(traceId, s.TraceId);
            Assert.Equal(policy.Id + ":a1#1", s.GetTagItem("alertengine.notification.id"));
            Assert.Equal(policy.Id + ":a1", s.GetTagItem("alertengine.alert.id"));
        });
        Assert.Equal(("FlakyNotifier", System.Diagnostics.ActivityStatusCode.Error), ((string?)spans[0].GetTagItem("alertengine.notifier"), spans[0].Status));
        Assert.Equal("NotifierFailed", spans[0].GetTagItem("alertengine.notification.failure_reason"));
        Assert.Equal(("TestNotifier", System.Diagnostics.ActivityStatusCode.Unset), ((string?)spans[1].GetTagItem("alertengine.notifier"), spans[1].Status));
        Assert.Equal(1, spans[1].GetTagItem("alertengine.notification.attempts"));
    }
}
