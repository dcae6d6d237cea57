using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;
using static AlertEngine.Tests.Notifications.NotificationTestData;

namespace AlertEngine.Tests.Notifications;

public class NotificationDispatcherTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static FakeTimeProvider Clock() => new(Utc(2026, 3, 1, 12));

    private static NotificationOptions Fast(int retries = 3) => new()
    {
        MaxRetryAttempts = retries,
        RetryDelay = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromMinutes(1),
        AttemptTimeout = TimeSpan.FromSeconds(30),
    };

    private static Task Idle(NotificationDispatcher dispatcher) => dispatcher.WhenIdleAsync(Ct).WaitAsync(Bound, Ct);

    [Fact]
    public async Task Every_notifier_receives_the_alert_with_policy_severity_category_users_hits_summary_and_recipients()
    {
        var policy = Policy(recipients: ["soc@contoso.com", "ciso@contoso.com"]);
        var first = new TestNotifier();
        var second = new TestNotifier();
        await using var dispatcher = new NotificationDispatcher([first, second], Fast(), Clock());

        var decision = dispatcher.Submit(Created(policy, "a1", Utc(2026, 3, 1, 9)), policy);
        await Idle(dispatcher);

        Assert.Equal(NotificationOutcome.Send, decision.Outcome);
        Assert.Equal(["TestNotifier", "TestNotifier#2"], dispatcher.Notifiers);
        foreach (var notifier in new[] { first, second })
        {
            var n = Assert.Single(notifier.Delivered);
            Assert.Equal("p1:a1#1", n.Id);
            Assert.Equal(NotificationKind.AlertCreated, n.Kind);
            Assert.Equal("p1:a1", n.AlertId);
            Assert.Equal(("p1", "Policy p1"), (n.PolicyId, n.PolicyName));
            Assert.Equal((AlertSeverity.High, AlertCategory.ThreatManagement), (n.Severity, n.Category));
            Assert.Equal(["alice@contoso.com"], n.Users);
            Assert.Equal(1, n.HitCount);
            Assert.Equal(["soc@contoso.com", "ciso@contoso.com"], n.Recipients);
            Assert.Equal("1 activity (FileDeleted) by alice@contoso.com at 2026-03-01 09:00:00 UTC", n.Summary);
            Assert.Equal("a1", Assert.Single(n.Activities).Id);
        }

        Assert.Empty(dispatcher.FailedDeliveries);
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_exponential_backoff_and_jitter_until_delivered()
    {
        var time = Clock();
        var notifier = new TestNotifier
        {
            Behavior = (_, attempt, _) => attempt <= 3 ? throw new IOException("try again") : ValueTask.CompletedTask,
        };
        await using var dispatcher = new NotificationDispatcher([notifier], Fast(retries: 5), time);
        var driver = new DispatchDriver(dispatcher, time);

        dispatcher.Submit(Created(Policy(), "a1", Utc(2026, 3, 1, 9)), Policy());
        await driver.RunUntilFinishedAsync(1);

        var delays = driver.Seen.Where(t => t.Kind == DispatchTraceKind.RetryScheduled).Select(t => t.Delay).ToList();
        Assert.Equal(3, delays.Count);
        for (var i = 0; i < delays.Count; i++)
        {
            var full = TimeSpan.FromSeconds(Math.Pow(2, i));
            Assert.InRange(delays[i], full / 2, full);
        }

        Assert.Equal(DispatchTraceKind.Delivered, driver.Seen[^1].Kind);
        Assert.Equal(4, notifier.Attempts);
        Assert.Single(notifier.Delivered);
        Assert.Empty(dispatcher.FailedDeliveries);
    }

    [Fact]
    public async Task A_notifier_that_keeps_failing_is_recorded_as_failed_deliveries_without_blocking_the_others_and_can_be_resent()
    {
        var time = Clock();
        var failing = new FlakyNotifier();
        var healthy = new TestNotifier();
        await using var dispatcher = new NotificationDispatcher([failing, healthy], Fast(retries: 2), time);
        var driver = new DispatchDriver(dispatcher, time);
        var policy = Policy();

        dispatcher.Submit(Created(policy, "a1", Utc(2026, 3, 1, 9)), policy);
        dispatcher.Submit(Created(policy, "a2", Utc(2026, 3, 1, 10)), policy);
        await driver.RunUntilFinishedAsync(4);

        Assert.Equal(["p1:a1#1", "p1:a2#1"], healthy.Delivered.Select(n => n.Id));
        var failed = dispatcher.FailedDeliveries;
        Assert.Equal(["p1:a1#1@FlakyNotifier", "p1:a2#1@FlakyNotifier"], failed.Select(f => f.Id));
        Assert.All(failed, f =>
        {
            Assert.Equal(DeliveryFailureReason.NotifierFailed, f.Reason);
            Assert.Equal(3, f.Attempts);
            Assert.Equal("IOException: mail server unreachable", f.Error);
            Assert.Equal("FlakyNotifier", f.Notifier);
        });

        failing.Healthy = true;
        Assert.Equal(1, await dispatcher.ResendAsync("p1:a2#1@FlakyNotifier", Ct).WaitAsync(Bound, Ct));
        Assert.Equal(["p1:a1#1@FlakyNotifier"], dispatcher.FailedDeliveries.Select(f => f.Id));
        Assert.Equal(1, await dispatcher.ResendAsync(cancellationToken: Ct).WaitAsync(Bound, Ct));
        Assert.Empty(dispatcher.FailedDeliveries);
        Assert.Equal(["p1:a2#1", "p1:a1#1"], failing.Delivered.Select(n => n.Id));
        Assert.Equal(2, healthy.Delivered.Count);
    }

    [Fact]
    public async Task An_error_that_is_not_transient_is_recorded_at_once()
    {
        var time = Clock();
        var notifier = new TestNotifier { Behavior = (_, _, _) => throw new InvalidOperationException("bad recipient") };
        var options = Fast(retries: 5);
        options.ShouldRetry = ex => ex is not InvalidOperationException;
        await using var dispatcher = new NotificationDispatcher([notifier], options, time);

        dispatcher.Submit(Created(Policy(), "a1", Utc(2026, 3, 1, 9)), Policy());
        await Idle(dispatcher);

        var failed = Assert.Single(dispatcher.FailedDeliveries);
        Assert.Equal(1, failed.Attempts);
        Assert.Equal("InvalidOperationException: bad recipient", failed.Error);
    }

    [Fact]
    public async Task A_notifier_that_cancels_on_its_own_has_failed_the_attempt_and_is_retried()
    {
        var time = Clock();
        var notifier = new TestNotifier
        {
            Behavior = (_, attempt, _) => attempt == 1 ? throw new OperationCanceledException("smtp client gave up") : ValueTask.CompletedTask,
        };
        await using var dispatcher = new NotificationDispatcher([notifier], Fast(), time);
        var driver = new DispatchDriver(dispatcher, time);

        dispatcher.Submit(Created(Policy(), "a1", Utc(2026, 3, 1, 9)), Policy());
        await driver.RunUntilFinishedAsync(1);

        Assert.Single(notifier.Delivered);
        Assert.Equal(2, notifier.Attempts);
        Assert.Empty(dispatcher.FailedDeliveries);
    }

    [Fact]
    public async Task An_attempt_that_hangs_is_cancelled_at_the_attempt_timeout_and_retried()
    {
        var time = Clock();
        var firstToken = new TaskCompletionSource<CancellationToken>();
        var notifier = new TestNotifier
        {
            Behavior = async (_, attempt, ct) =>
            {
                if (attempt == 1)
                {
                    firstToken.SetResult(ct);
                    await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                }
            },
        };
        await using var dispatcher = new NotificationDispatcher([notifier], Fast(), time);
        var driver = new DispatchDriver(dispatcher, time);

        dispatcher.Submit(Created(Policy(), "a1", Utc(2026, 3, 1, 9)), Policy());
        await driver.NextAsync(DispatchTraceKind.AttemptStarted);
        time.Advance(TimeSpan.FromSeconds(30));
        await driver.RunUntilFinishedAsync(1);

        Assert.True((await firstToken.Task).IsCancellationRequested);
        Assert.Single(notifier.Delivered);
        Assert.Contains(driver.Seen, t => t.Kind == DispatchTraceKind.RetryScheduled && t.Attempt == 1);
    }

    [Fact]
    public async Task A_full_queue_records_a_failed_delivery_instead_of_dropping_the_notification()
    {
        var time = Clock();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var notifier = new TestNotifier { Behavior = async (_, _, _) => await release.Task };
        var options = Fast();
        options.QueueCapacity = 1;
        options.AttemptTimeout = Timeout.InfiniteTimeSpan;
        await using var dispatcher = new NotificationDispatcher([notifier], options, time);
        var driver = new DispatchDriver(dispatcher, time);
        var policy = Policy();

        dispatcher.Submit(Created(policy, "a1", Utc(2026, 3, 1, 9)), policy);
        await driver.NextAsync(DispatchTraceKind.AttemptStarted);
        dispatcher.Submit(Created(policy, "a2", Utc(2026, 3, 1, 10)), policy);
        dispatcher.Submit(Created(policy, "a3", Utc(2026, 3, 1, 11)), policy);

        var full = Assert.Single(dispatcher.FailedDeliveries);
        Assert.Equal("p1:a3#1@TestNotifier", full.Id);
        Assert.Equal(DeliveryFailureReason.QueueFull, full.Reason);
        Assert.Equal(0, full.Attempts);
        Assert.Contains("full", full.Error, StringComparison.Ordinal);

        release.SetResult();
        await Idle(dispatcher);
        Assert.Equal(1, await dispatcher.ResendAsync(cancellationToken: Ct).WaitAsync(Bound, Ct));
        Assert.Equal(["p1:a1#1", "p1:a2#1", "p1:a3#1"], notifier.Delivered.Select(n => n.Id));
    }

    [Fact]
    public async Task Detection_never_waits_for_a_blocked_notifier_and_stopping_keeps_every_undelivered_notification()
    {
        var time = Clock();
        var notifier = new TestNotifier { Behavior = async (_, _, ct) => await Task.Delay(Timeout.InfiniteTimeSpan, ct) };
        var options = Fast();
        options.AttemptTimeout = Timeout.InfiniteTimeSpan;
        var dispatcher = new NotificationDispatcher([notifier], options, time);
        var driver = new DispatchDriver(dispatcher, time);
        var policy = Policy();

        for (var i = 0; i < 100; i++)
        {
            Assert.True(dispatcher.Submit(Created(policy, "a" + i, Utc(2026, 3, 1, 9).AddMinutes(i)), policy).ShouldSend);
        }

        await driver.NextAsync(DispatchTraceKind.AttemptStarted);
        Assert.Equal(100, dispatcher.PendingDeliveries);

        await dispatcher.DisposeAsync().AsTask().WaitAsync(Bound, Ct);

        var failed = dispatcher.FailedDeliveries;
        Assert.Equal(100, failed.Count);
        Assert.All(failed, f => Assert.Equal(DeliveryFailureReason.Shutdown, f.Reason));
        Assert.Equal(100, failed.Select(f => f.Notification.Id).Distinct().Count());
        Assert.Equal(0, dispatcher.PendingDeliveries);
        Assert.Equal(100, dispatcher.CreateSnapshot().FailedDeliveries.Length);

        // After stopping, a decision to send still never loses the notification.
        dispatcher.Submit(Created(policy, "late", Utc(2026, 3, 1, 20)), policy);
        Assert.Equal(DeliveryFailureReason.Shutdown, dispatcher.FailedDeliveries[^1].Reason);
    }

    [Fact]
    public async Task Failed_deliveries_survive_a_restart_in_the_snapshot_and_are_resent_by_the_new_dispatcher()
    {
        var time = Clock();
        var stuck = new TestNotifier { Behavior = async (_, _, ct) => await Task.Delay(Timeout.InfiniteTimeSpan, ct) };
        var first = new NotificationDispatcher([stuck], Fast(), time);
        var driver = new DispatchDriver(first, time);
        first.Submit(Created(Policy(), "a1", Utc(2026, 3, 1, 9)), Policy());
        await driver.NextAsync(DispatchTraceKind.AttemptStarted);
        await first.DisposeAsync();
        var json = JsonSerializer.Serialize(first.CreateSnapshot());

        var fresh = new TestNotifier();
        await using var second = new NotificationDispatcher([fresh], Fast(), time);
        second.Restore(JsonSerializer.Deserialize<NotificationStateSnapshot>(json)!);
        Assert.Single(second.FailedDeliveries);
        Assert.Equal(1, await second.ResendAsync(cancellationToken: Ct).WaitAsync(Bound, Ct));
        Assert.Equal("p1:a1#1", Assert.Single(fresh.Delivered).Id);
    }

    [Fact]
    public async Task A_restart_from_a_snapshot_does_not_resend_what_was_sent_for_an_alert()
    {
        var policy = TestData.EveryTime("p1") with { Notification = new NotificationSettings(true, ["soc@contoso.com"]) };
        var activities = Enumerable.Range(0, 3).Select(i => TestData.Act("a" + i, i * 10)).ToList();
        var options = new NotificationOptions { NotifyOnUpdates = true };
        var time = Clock();

        var before = new TestNotifier();
        NotificationStateSnapshot snapshot;
        await using (var dispatcher = new NotificationDispatcher([before], options, time))
        {
            using var pipeline = new AlertPipeline([policy]);
            foreach (var activity in activities.Take(2))
            {
                foreach (var change in pipeline.Process(activity))
                {
                    dispatcher.Submit(change, policy);
                }
            }

            await Idle(dispatcher);
            snapshot = dispatcher.CreateSnapshot();
        }

        Assert.Equal(["p1:a0#1", "p1:a0#2"], before.Delivered.Select(n => n.Id));

        // The new process replays the source from the start: the same alert changes come again.
        var after = new TestNotifier();
        await using (var dispatcher = new NotificationDispatcher([after], options, time))
        {
            dispatcher.Restore(snapshot);
            using var pipeline = new AlertPipeline([policy]);
            var outcomes = new List<NotificationOutcome>();
            foreach (var activity in activities)
            {
                foreach (var change in pipeline.Process(activity))
                {
                    outcomes.Add(dispatcher.Submit(change, policy).Outcome);
                }
            }

            await Idle(dispatcher);
            Assert.Equal([NotificationOutcome.AlreadyDecided, NotificationOutcome.AlreadyDecided, NotificationOutcome.Send], outcomes);
        }

        Assert.Equal(["p1:a0#3"], after.Delivered.Select(n => n.Id));
    }

    [Fact]
    public async Task Suppression_through_the_dispatcher_is_recorded_on_the_alert_and_stops_its_notifications()
    {
        var notifier = new TestNotifier();
        await using var dispatcher = new NotificationDispatcher([notifier], new NotificationOptions { NotifyOnUpdates = true }, Clock());
        var policy = Policy();
        var created = Created(policy, "a1", Utc(2026, 3, 1, 9));
        Assert.True(dispatcher.Submit(created, policy).ShouldSend);

        dispatcher.SetSuppressed(created.Alert.Id, true);
        var update = Updated(created, "a2", Utc(2026, 3, 1, 9, 1));
        var decision = dispatcher.Submit(update, policy);

        Assert.Equal(NotificationOutcome.Suppressed, decision.Outcome);
        var stored = decision.Apply(update.Alert);
        Assert.True(stored.NotificationsSuppressed);
        Assert.Equal(2, stored.HitCount);
        await Idle(dispatcher);
        Assert.Single(notifier.Delivered);
    }

    [Fact]
    public async Task Silences_run_on_the_time_provider_clock_and_expire_by_themselves()
    {
        var time = Clock();
        var notifier = new TestNotifier();
        await using var dispatcher = new NotificationDispatcher([notifier], null, time);
        var policy = Policy();
        dispatcher.AddSilence(new Silence { Id = "night", Matchers = [new("severity", "High")], StartsAt = time.GetUtcNow(), EndsAt = time.GetUtcNow().AddHours(8) });

        var silenced = dispatcher.Submit(Created(policy, "a1", Utc(2026, 3, 1, 9)), policy);
        Assert.Equal(NotificationOutcome.Silenced, silenced.Outcome);
        Assert.Equal(["night"], silenced.SilencedBy);
        Assert.Single(dispatcher.Silences);

        time.Advance(TimeSpan.FromHours(8));
        Assert.Empty(dispatcher.Silences);
        Assert.True(dispatcher.Submit(Created(policy, "a2", Utc(2026, 3, 1, 9)), policy).ShouldSend);

        dispatcher.AddSilence(new Silence { Id = "again", Matchers = [new("policy", "p1")], StartsAt = time.GetUtcNow(), EndsAt = time.GetUtcNow().AddHours(1) });
        Assert.True(dispatcher.EndSilence("again"));
        Assert.True(dispatcher.Submit(Created(policy, "a3", Utc(2026, 3, 1, 9)), policy).ShouldSend);
        await Idle(dispatcher);
        Assert.Equal(2, notifier.Delivered.Count);
    }

    [Fact]
    public async Task An_early_warning_is_delivered_as_its_own_kind_without_an_alert()
    {
        var notifier = new TestNotifier();
        await using var dispatcher = new NotificationDispatcher([notifier], null, Clock());
        var policy = ThresholdPolicy();

        Assert.True(dispatcher.SubmitEarlyWarning(policy, Activity("w1", Utc(2026, 3, 1, 9)), "alice@contoso.com").ShouldSend);
        Assert.Equal(NotificationOutcome.AlreadyWarned, dispatcher.SubmitEarlyWarning(policy, Activity("w2", Utc(2026, 3, 1, 9, 1)), "alice@contoso.com").Outcome);
        await Idle(dispatcher);

        var n = Assert.Single(notifier.Delivered);
        Assert.Equal(NotificationKind.EarlyWarning, n.Kind);
        Assert.Equal("t1:early:w1", n.Id);
        Assert.Null(n.AlertId);
        Assert.StartsWith("First match of a threshold policy", n.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_notifiers_decisions_are_still_made_and_nothing_is_pending()
    {
        await using var dispatcher = new NotificationDispatcher([], null, Clock());
        Assert.True(dispatcher.Submit(Created(Policy(), "a1", Utc(2026, 3, 1, 9)), Policy()).ShouldSend);
        Assert.Equal(0, dispatcher.PendingDeliveries);
        await dispatcher.WhenIdleAsync(Ct);
    }

    [Fact]
    public void Invalid_options_and_arguments_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new NotificationDispatcher([], new NotificationOptions { QueueCapacity = 0 }));
        Assert.Throws<ArgumentException>(() => new NotificationDispatcher([null!]));
        Assert.Throws<ArgumentNullException>(() => new NotificationDispatcher(null!));
    }

    [Property(MaxTest = 200)]
    public Property Retry_delays_grow_exponentially_within_the_jitter_band_and_cap() => Prop.ForAll(
        Gen.Choose(1, 80).ToArbitrary(),
        Gen.Choose(1, 10_000).ToArbitrary(),
        Gen.Choose(0, 999).ToArbitrary(),
        (retry, baseMs, jitter) =>
        {
            var baseDelay = TimeSpan.FromMilliseconds(baseMs);
            var max = TimeSpan.FromMinutes(5);
            var delay = RetryBackoff.Delay(retry, baseDelay, max, jitter / 1000.0);
            var full = Math.Min(baseDelay.Ticks * Math.Pow(2, Math.Min(retry - 1, 62)), max.Ticks);
            return delay.Ticks >= (long)(full / 2) && delay.Ticks <= (long)full;
        });
}
