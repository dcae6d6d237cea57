using System.Text.Json;
using static AlertEngine.Tests.Notifications.NotificationTestData;

namespace AlertEngine.Tests.Notifications;

public class NotificationGateTests
{
    private static readonly DateTimeOffset Now = Utc(2026, 3, 1, 12);

    private static NotificationOutcome Decide(NotificationGate gate, AlertChange change, AlertPolicy policy) => gate.Decide(change, policy, Now).Outcome;

    [Fact]
    public void Daily_limit_in_utc_stops_notifications_for_the_rest_of_the_day_and_starts_again_the_next_day()
    {
        var policy = Policy(dailyLimit: 2);
        var gate = new NotificationGate();

        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "a", Utc(2026, 3, 1, 23, 0)), policy));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "b", Utc(2026, 3, 1, 23, 30)), policy));
        Assert.Equal(NotificationOutcome.DailyLimitReached, Decide(gate, Created(policy, "c", Utc(2026, 3, 1, 23, 59)), policy));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "d", Utc(2026, 3, 2, 0, 0)), policy));
        Assert.Equal(2, gate.GetDailyCount(policy.Id, Utc(2026, 3, 1, 0)));
        Assert.Equal(1, gate.GetDailyCount(policy.Id, Utc(2026, 3, 2, 0)));
    }

    [Fact]
    public void Daily_limit_counts_per_policy()
    {
        var p1 = Policy("p1", dailyLimit: 1);
        var p2 = Policy("p2", dailyLimit: 1);
        var gate = new NotificationGate();

        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(p1, "a", Utc(2026, 3, 1, 9)), p1));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(p2, "b", Utc(2026, 3, 1, 9)), p2));
        Assert.Equal(NotificationOutcome.DailyLimitReached, Decide(gate, Created(p1, "c", Utc(2026, 3, 1, 10)), p1));
    }

    [Fact]
    public void Daily_limit_day_is_the_calendar_day_in_the_configured_time_zone()
    {
        var policy = Policy(dailyLimit: 1);
        var berlin = new NotificationGate(new NotificationOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") });
        var utc = new NotificationGate();

        // 22:30Z is 23:30 on 1 March in Berlin; 23:30Z is 00:30 on 2 March in Berlin but still 1 March in UTC.
        var first = Created(policy, "a", Utc(2026, 3, 1, 22, 30));
        var second = Created(policy, "b", Utc(2026, 3, 1, 23, 30));

        Assert.Equal(NotificationOutcome.Send, Decide(berlin, first, policy));
        Assert.Equal(NotificationOutcome.Send, Decide(berlin, second, policy));
        Assert.Equal(NotificationOutcome.Send, Decide(utc, first, policy));
        Assert.Equal(NotificationOutcome.DailyLimitReached, Decide(utc, second, policy));
    }

    public static TheoryData<string, DateTimeOffset, DateTimeOffset, DateTimeOffset> DstDays => new()
    {
        // New York, spring forward on 8 March 2026: the local day is 23 hours, 05:00Z to 04:00Z next day.
        { "America/New_York", Utc(2026, 3, 8, 5, 10), Utc(2026, 3, 9, 3, 50), Utc(2026, 3, 9, 4, 10) },
        // New York, fall back on 1 November 2026: the local day is 25 hours, 04:00Z to 05:00Z next day.
        { "America/New_York", Utc(2026, 11, 1, 4, 10), Utc(2026, 11, 2, 4, 50), Utc(2026, 11, 2, 5, 10) },
        // Berlin, spring forward on 29 March 2026: the local day is 23 hours, 23:00Z (28th) to 22:00Z.
        { "Europe/Berlin", Utc(2026, 3, 28, 23, 10), Utc(2026, 3, 29, 21, 50), Utc(2026, 3, 29, 22, 10) },
    };

    [Theory]
    [MemberData(nameof(DstDays))]
    public void Daily_limit_follows_the_local_day_on_a_daylight_saving_change(string zone, DateTimeOffset startOfDay, DateTimeOffset endOfDay, DateTimeOffset nextDay)
    {
        var policy = Policy(dailyLimit: 1);
        var gate = new NotificationGate(new NotificationOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(zone) });

        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "a", startOfDay), policy));
        Assert.Equal(NotificationOutcome.DailyLimitReached, Decide(gate, Created(policy, "b", endOfDay), policy));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "c", nextDay), policy));
    }

    [Fact]
    public void Daily_limit_of_one_sends_only_the_first_alert_of_the_day()
    {
        var policy = Policy(dailyLimit: 1);
        var gate = new NotificationGate();
        var outcomes = Enumerable.Range(0, 5).Select(i => Decide(gate, Created(policy, "a" + i, Utc(2026, 3, 1, 9 + i)), policy)).ToList();
        Assert.Equal([NotificationOutcome.Send, .. Enumerable.Repeat(NotificationOutcome.DailyLimitReached, 4)], outcomes);
    }

    [Fact]
    public void Without_a_daily_limit_every_alert_is_sent()
    {
        var policy = Policy(dailyLimit: null);
        var gate = new NotificationGate();
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "a" + i, Utc(2026, 3, 1, 9).AddMinutes(i)), policy));
        }

        Assert.Equal(200, gate.GetDailyCount(policy.Id, Utc(2026, 3, 1, 9)));
    }

    [Fact]
    public void Daily_limit_uses_the_alert_creation_day_for_its_updates()
    {
        var policy = Policy(dailyLimit: 1);
        var gate = new NotificationGate(new NotificationOptions { NotifyOnUpdates = true });
        var created = Created(policy, "a", Utc(2026, 3, 1, 23, 59));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, created, policy));

        // The update happens after midnight but belongs to the alert created on 1 March, whose limit is used up.
        Assert.Equal(NotificationOutcome.DailyLimitReached, Decide(gate, Updated(created, "b", Utc(2026, 3, 2, 0, 0)), policy));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "c", Utc(2026, 3, 2, 0, 1)), policy));
    }

    [Fact]
    public void Updates_are_not_notified_unless_configured()
    {
        var policy = Policy();
        var created = Created(policy, "a", Utc(2026, 3, 1, 9));
        var update = Updated(created, "b", Utc(2026, 3, 1, 9, 1));

        var off = new NotificationGate();
        Assert.Equal(NotificationOutcome.Send, Decide(off, created, policy));
        Assert.Equal(NotificationOutcome.UpdateNotNotified, Decide(off, update, policy));

        var on = new NotificationGate(new NotificationOptions { NotifyOnUpdates = true });
        Assert.Equal(NotificationOutcome.Send, Decide(on, created, policy));
        Assert.Equal(NotificationOutcome.Send, Decide(on, update, policy));
    }

    [Fact]
    public void Policy_notification_switch_and_recipients_are_enforced()
    {
        var gate = new NotificationGate();
        var off = Policy("off", enabled: false);
        var none = Policy("none") with { Notification = new NotificationSettings(true, []) };
        var missing = Policy("missing") with { Notification = null };

        Assert.Equal(NotificationOutcome.NotificationsOff, Decide(gate, Created(off, "a", Utc(2026, 3, 1, 9)), off));
        Assert.Equal(NotificationOutcome.NoRecipients, Decide(gate, Created(none, "a", Utc(2026, 3, 1, 9)), none));
        Assert.Equal(NotificationOutcome.NotificationsOff, Decide(gate, Created(missing, "a", Utc(2026, 3, 1, 9)), missing));
    }

    [Fact]
    public void Suppression_switched_on_and_off_in_the_middle_of_an_alert_applies_to_the_following_updates()
    {
        var policy = Policy();
        var gate = new NotificationGate(new NotificationOptions { NotifyOnUpdates = true });
        var c1 = Created(policy, "a", Utc(2026, 3, 1, 9));
        var c2 = Updated(c1, "b", Utc(2026, 3, 1, 9, 1));
        var c3 = Updated(c2, "c", Utc(2026, 3, 1, 9, 2));
        var c4 = Updated(c3, "d", Utc(2026, 3, 1, 9, 3));

        Assert.Equal(NotificationOutcome.Send, Decide(gate, c1, policy));
        gate.SetSuppressed(c1.Alert.Id, true);
        var suppressed = gate.Decide(c2, policy, Now);
        Assert.Equal(NotificationOutcome.Suppressed, suppressed.Outcome);
        Assert.True(suppressed.Apply(c2.Alert).NotificationsSuppressed);
        Assert.Equal(NotificationOutcome.Suppressed, Decide(gate, c3, policy));

        gate.SetSuppressed(c1.Alert.Id, false);
        var resumed = gate.Decide(c4, policy, Now);
        Assert.Equal(NotificationOutcome.Send, resumed.Outcome);
        Assert.False(resumed.Apply(c4.Alert).NotificationsSuppressed);
        Assert.Same(c4.Alert, resumed.Apply(c4.Alert));
    }

    [Fact]
    public void An_alert_suppressed_before_it_exists_is_not_notified()
    {
        var policy = Policy();
        var gate = new NotificationGate();
        gate.SetSuppressed("p1:a", true);
        Assert.Equal(NotificationOutcome.Suppressed, Decide(gate, Created(policy, "a", Utc(2026, 3, 1, 9)), policy));
        Assert.True(gate.GetSuppressed("p1:a"));
    }

    [Fact]
    public void An_alert_whose_snapshot_says_suppressed_is_not_notified()
    {
        var policy = Policy();
        var gate = new NotificationGate();
        var change = Created(policy, "a", Utc(2026, 3, 1, 9));
        change = change with { Alert = change.Alert with { NotificationsSuppressed = true } };
        Assert.Equal(NotificationOutcome.Suppressed, Decide(gate, change, policy));
        Assert.Null(gate.GetSuppressed("p1:a"));
    }

    [Fact]
    public void Suppressed_or_limited_notifications_do_not_count_against_the_daily_limit()
    {
        var policy = Policy(dailyLimit: 1);
        var gate = new NotificationGate();
        gate.SetSuppressed("p1:a", true);
        Assert.Equal(NotificationOutcome.Suppressed, Decide(gate, Created(policy, "a", Utc(2026, 3, 1, 9)), policy));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "b", Utc(2026, 3, 1, 10)), policy));
    }

    [Fact]
    public void Throttle_allows_at_most_k_notifications_per_rolling_window()
    {
        var policy = Policy(throttle: new NotificationThrottle(2, TimeSpan.FromHours(1)));
        var gate = new NotificationGate();
        var t0 = Utc(2026, 3, 1, 9);

        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "a", t0), policy));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "b", t0.AddMinutes(10)), policy));
        Assert.Equal(NotificationOutcome.Throttled, Decide(gate, Created(policy, "c", t0.AddMinutes(20)), policy));
        Assert.Equal(NotificationOutcome.Throttled, Decide(gate, Created(policy, "d", t0.AddMinutes(59)), policy));

        // (t − 1 h, t] at t = 60 min no longer holds the first notification.
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "e", t0.AddMinutes(60)), policy));
        Assert.Equal(NotificationOutcome.Throttled, Decide(gate, Created(policy, "f", t0.AddMinutes(65)), policy));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "g", t0.AddMinutes(70)), policy));
    }

    [Fact]
    public void Default_throttle_applies_to_policies_without_their_own()
    {
        var own = Policy("own", throttle: new NotificationThrottle(3, TimeSpan.FromHours(1)));
        var plain = Policy("plain");
        var gate = new NotificationGate(new NotificationOptions { DefaultThrottle = new NotificationThrottle(1, TimeSpan.FromHours(1)) });
        var t0 = Utc(2026, 3, 1, 9);

        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(plain, "a", t0), plain));
        Assert.Equal(NotificationOutcome.Throttled, Decide(gate, Created(plain, "b", t0.AddMinutes(1)), plain));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(own, "a" + i, t0.AddMinutes(i)), own));
        }

        Assert.Equal(NotificationOutcome.Throttled, Decide(gate, Created(own, "x", t0.AddMinutes(5)), own));
    }

    [Fact]
    public void A_change_is_decided_once_a_replay_is_never_notified_again()
    {
        var policy = Policy();
        var gate = new NotificationGate(new NotificationOptions { NotifyOnUpdates = true });
        var created = Created(policy, "a", Utc(2026, 3, 1, 9));
        var updated = Updated(created, "b", Utc(2026, 3, 1, 9, 1));

        Assert.Equal(NotificationOutcome.Send, Decide(gate, created, policy));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, updated, policy));
        Assert.Equal(NotificationOutcome.AlreadyDecided, Decide(gate, created, policy));
        Assert.Equal(NotificationOutcome.AlreadyDecided, Decide(gate, updated, policy));
        Assert.Equal(2, gate.GetDailyCount(policy.Id, Utc(2026, 3, 1, 9)));
    }

    [Fact]
    public void A_policy_that_is_not_the_alerts_is_a_programmer_error()
    {
        var gate = new NotificationGate();
        Assert.Throws<ArgumentException>(() => gate.Decide(Created(Policy("p1"), "a", Utc(2026, 3, 1, 9)), Policy("p2"), Now));
        Assert.Throws<ArgumentNullException>(() => gate.Decide(null!, Policy(), Now));
    }

    [Fact]
    public void Invalid_options_are_rejected_with_every_problem_listed()
    {
        var ex = Assert.Throws<ArgumentException>(() => new NotificationGate(new NotificationOptions
        {
            StateRetention = TimeSpan.FromHours(1),
            QueueCapacity = 0,
            MaxRetryAttempts = -1,
            RetryDelay = TimeSpan.Zero,
            AttemptTimeout = TimeSpan.Zero,
            MaxActivitiesPerNotification = -1,
        }));
        foreach (var name in new[] { "StateRetention", "QueueCapacity", "MaxRetryAttempts", "RetryDelay", "AttemptTimeout", "MaxActivitiesPerNotification" })
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Records_older_than_the_retention_are_dropped()
    {
        var policy = Policy();
        var gate = new NotificationGate(new NotificationOptions { StateRetention = TimeSpan.FromDays(1) });
        gate.Decide(Created(policy, "a", Utc(2026, 3, 1, 9)), policy, Now);
        gate.Decide(Created(policy, "b", Utc(2026, 3, 1, 10)), policy, Now);
        Assert.Equal(2, gate.TrackedAlerts);

        gate.Decide(Created(policy, "c", Utc(2026, 3, 2, 9, 30)), policy, Now);
        Assert.Equal(2, gate.TrackedAlerts);
        Assert.Equal(NotificationOutcome.AlreadyDecided, gate.Decide(Created(policy, "b", Utc(2026, 3, 1, 10)), policy, Now).Outcome);
    }

    [Fact]
    public void An_active_silence_keeps_the_alert_but_not_the_notification_and_is_recorded_on_the_alert()
    {
        var policy = Policy(dailyLimit: 1);
        var gate = new NotificationGate(new NotificationOptions { NotifyOnUpdates = true });
        gate.AddSilence(new Silence
        {
            Id = "maint",
            Matchers = [new(SilenceMatcher.PolicyName, "P1"), new(SilenceMatcher.UserName, "alice@contoso.com")],
            StartsAt = Now.AddHours(-1),
            EndsAt = Now.AddHours(1),
            Comment = "maintenance",
        });

        var created = Created(policy, "a", Utc(2026, 3, 1, 9));
        var decision = gate.Decide(created, policy, Now);
        Assert.Equal(NotificationOutcome.Silenced, decision.Outcome);
        Assert.Equal(["maint"], decision.Apply(created.Alert).SilencedBy);

        // A later update by someone else is not silenced; the alert keeps the record of the silence.
        var bob = gate.Decide(Updated(created, "b", Utc(2026, 3, 1, 9, 1), "bob@contoso.com"), policy, Now);
        Assert.Equal(NotificationOutcome.Send, bob.Outcome);
        Assert.Equal(["maint"], bob.SilencedBy);
    }

    [Fact]
    public void Silence_matchers_cover_severity_category_and_any_activity_property()
    {
        var policy = Policy();
        var change = Created(policy, "a", Utc(2026, 3, 1, 9));

        NotificationOutcome With(params SilenceMatcher[] matchers)
        {
            var gate = new NotificationGate();
            gate.AddSilence(new Silence { Id = "s", Matchers = matchers, StartsAt = Now.AddHours(-1), EndsAt = Now.AddHours(1) });
            return gate.Decide(change, policy, Now).Outcome;
        }

        Assert.Equal(NotificationOutcome.Silenced, With(new SilenceMatcher("severity", "high")));
        Assert.Equal(NotificationOutcome.Send, With(new SilenceMatcher("severity", "Low")));
        Assert.Equal(NotificationOutcome.Silenced, With(new SilenceMatcher("category", "ThreatManagement")));
        Assert.Equal(NotificationOutcome.Silenced, With(new SilenceMatcher("workload", "sharepoint")));
        Assert.Equal(NotificationOutcome.Silenced, With(new SilenceMatcher("FileName", "PAYROLL.xlsx")));
        Assert.Equal(NotificationOutcome.Send, With(new SilenceMatcher("FileName", "other.xlsx")));
        Assert.Equal(NotificationOutcome.Send, With(new SilenceMatcher("user", "alice@contoso.com", SilenceMatchOperator.NotEqual)));
        Assert.Equal(NotificationOutcome.Silenced, With(new SilenceMatcher("user", "bob@contoso.com", SilenceMatchOperator.NotEqual)));
        Assert.Equal(NotificationOutcome.Send, With(new SilenceMatcher("severity", "High"), new SilenceMatcher("policy", "other")));
    }

    [Fact]
    public void Silences_expire_by_themselves_can_start_later_and_can_be_ended_early()
    {
        var policy = Policy();
        var gate = new NotificationGate();
        gate.AddSilence(new Silence { Id = "now", Matchers = [new("policy", "p1")], StartsAt = Now, EndsAt = Now.AddHours(1) });
        gate.AddSilence(new Silence { Id = "later", Matchers = [new("policy", "p1")], StartsAt = Now.AddHours(2), EndsAt = Now.AddHours(3) });

        Assert.Equal(NotificationOutcome.Silenced, gate.Decide(Created(policy, "a", Utc(2026, 3, 1, 9)), policy, Now.AddMinutes(59)).Outcome);
        Assert.Equal(NotificationOutcome.Send, gate.Decide(Created(policy, "b", Utc(2026, 3, 1, 9)), policy, Now.AddHours(1)).Outcome);
        Assert.Equal(["later"], gate.GetSilences(Now.AddHours(1)).Select(s => s.Id));
        Assert.Equal(NotificationOutcome.Silenced, gate.Decide(Created(policy, "c", Utc(2026, 3, 1, 9)), policy, Now.AddHours(2)).Outcome);

        Assert.True(gate.EndSilence("later", Now.AddHours(2.5)));
        Assert.False(gate.EndSilence("later", Now.AddHours(2.5)));
        Assert.Empty(gate.GetSilences(Now.AddHours(2.5)));
        Assert.Equal(NotificationOutcome.Send, gate.Decide(Created(policy, "d", Utc(2026, 3, 1, 9)), policy, Now.AddHours(2.5)).Outcome);
    }

    [Fact]
    public void A_silence_added_with_an_existing_id_replaces_it()
    {
        var gate = new NotificationGate();
        gate.AddSilence(new Silence { Id = "s", Matchers = [new("policy", "p1")], StartsAt = Now, EndsAt = Now.AddHours(1) });
        gate.AddSilence(new Silence { Id = "s", Matchers = [new("policy", "p2")], StartsAt = Now, EndsAt = Now.AddHours(2) });
        var silence = Assert.Single(gate.GetSilences(Now));
        Assert.Equal("p2", silence.Matchers[0].Value);
    }

    [Fact]
    public void An_invalid_silence_is_rejected_with_every_problem_listed()
    {
        var gate = new NotificationGate();
        var ex = Assert.Throws<ArgumentException>(() => gate.AddSilence(new Silence
        {
            Id = "",
            Matchers = [new("severity", "Urgent"), new("", "x"), new("category", "Nope")],
            StartsAt = Now,
            EndsAt = Now,
        }));
        Assert.Contains("id: must not be empty", ex.Message, StringComparison.Ordinal);
        Assert.Contains("endsAt: must be after startsAt", ex.Message, StringComparison.Ordinal);
        Assert.Contains("matchers[0].value", ex.Message, StringComparison.Ordinal);
        Assert.Contains("matchers[1].name", ex.Message, StringComparison.Ordinal);
        Assert.Contains("matchers[2].value", ex.Message, StringComparison.Ordinal);

        var empty = new Silence { Id = "e", Matchers = [], StartsAt = Now, EndsAt = Now.AddHours(1) };
        Assert.Contains(empty.Validate(), e => e.Path == "matchers");
    }

    [Fact]
    public void Early_warning_is_sent_once_per_scope_key_until_a_detection_or_the_window_passes()
    {
        var policy = ThresholdPolicy();
        var gate = new NotificationGate();
        var t0 = Utc(2026, 3, 1, 9);
        NotificationOutcome Warn(string id, DateTimeOffset time, string user = "alice@contoso.com") =>
            gate.DecideEarlyWarning(policy, Activity(id, time, user), user, Now).Outcome;

        Assert.Equal(NotificationOutcome.Send, Warn("a1", t0));
        Assert.Equal(NotificationOutcome.AlreadyWarned, Warn("a2", t0.AddMinutes(1)));
        Assert.Equal(NotificationOutcome.Send, Warn("b1", t0.AddMinutes(1), "bob@contoso.com"));

        // The threshold fires for alice: her next first match warns again.
        Assert.Equal(NotificationOutcome.Send, Decide(gate, Created(policy, "a3", t0.AddMinutes(2), scopeKey: "alice@contoso.com"), policy));
        Assert.Equal(NotificationOutcome.Send, Warn("a4", t0.AddMinutes(3)));

        // Bob's count decays after the window without a detection: he is warned again.
        Assert.Equal(NotificationOutcome.AlreadyWarned, Warn("b2", t0.AddMinutes(60)));
        Assert.Equal(NotificationOutcome.Send, Warn("b3", t0.AddMinutes(61), "bob@contoso.com"));
    }

    [Fact]
    public void Early_warning_needs_a_threshold_policy_that_opted_in()
    {
        var gate = new NotificationGate();
        var activity = Activity("a", Utc(2026, 3, 1, 9));
        Assert.Equal(NotificationOutcome.EarlyWarningOff, gate.DecideEarlyWarning(ThresholdPolicy(earlyWarning: false), activity, "k", Now).Outcome);
        var everyTime = Policy() with { Notification = new NotificationSettings(true, ["soc@contoso.com"]) { EarlyWarning = true } };
        Assert.Equal(NotificationOutcome.EarlyWarningOff, gate.DecideEarlyWarning(everyTime, activity, "k", Now).Outcome);
    }

    [Fact]
    public void Early_warnings_count_against_the_daily_limit_and_obey_silences()
    {
        var policy = ThresholdPolicy() with { Notification = new NotificationSettings(true, ["soc@contoso.com"], 1) { EarlyWarning = true } };
        var gate = new NotificationGate();
        var t0 = Utc(2026, 3, 1, 9);
        Assert.Equal(NotificationOutcome.Send, gate.DecideEarlyWarning(policy, Activity("a", t0), "alice", Now).Outcome);
        Assert.Equal(NotificationOutcome.DailyLimitReached, gate.DecideEarlyWarning(policy, Activity("b", t0, "bob"), "bob", Now).Outcome);

        gate.AddSilence(new Silence { Id = "s", Matchers = [new("user", "carol")], StartsAt = Now, EndsAt = Now.AddHours(1) });
        var silenced = gate.DecideEarlyWarning(policy, Activity("c", t0.AddDays(1), "carol"), "carol", Now);
        Assert.Equal(NotificationOutcome.Silenced, silenced.Outcome);
        Assert.Equal(["s"], silenced.SilencedBy);
    }

    [Fact]
    public void A_restored_snapshot_survives_json_and_keeps_what_was_sent_counters_suppression_and_silences()
    {
        var policy = Policy(dailyLimit: 2, throttle: new NotificationThrottle(5, TimeSpan.FromHours(1)));
        var threshold = ThresholdPolicy();
        var options = new NotificationOptions { NotifyOnUpdates = true };
        var gate = new NotificationGate(options);
        var created = Created(policy, "a", Utc(2026, 3, 1, 9));
        var updated = Updated(created, "b", Utc(2026, 3, 1, 9, 1));
        Assert.Equal(NotificationOutcome.Send, Decide(gate, created, policy));
        gate.SetSuppressed("p1:z", true);
        gate.AddSilence(new Silence { Id = "s", Matchers = [new("user", "mallory")], StartsAt = Now, EndsAt = Now.AddDays(1) });
        Assert.Equal(NotificationOutcome.Send, gate.DecideEarlyWarning(threshold, Activity("w", Utc(2026, 3, 1, 9)), "alice", Now).Outcome);

        var json = JsonSerializer.Serialize(gate.CreateSnapshot());
        var restored = new NotificationGate(options);
        restored.Restore(JsonSerializer.Deserialize<NotificationStateSnapshot>(json)!);
        Assert.Equal(json, JsonSerializer.Serialize(restored.CreateSnapshot()));

        Assert.Equal(NotificationOutcome.AlreadyDecided, Decide(restored, created, policy));
        Assert.Equal(NotificationOutcome.Send, Decide(restored, updated, policy));
        Assert.Equal(NotificationOutcome.DailyLimitReached, Decide(restored, Created(policy, "c", Utc(2026, 3, 1, 10)), policy));
        Assert.Equal(NotificationOutcome.Suppressed, Decide(restored, Created(policy, "z", Utc(2026, 3, 2, 9)), policy));
        Assert.Equal(NotificationOutcome.Silenced, Decide(restored, Created(policy, "m", Utc(2026, 3, 2, 9), "mallory"), policy));
        Assert.Equal(NotificationOutcome.AlreadyWarned, restored.DecideEarlyWarning(threshold, Activity("w2", Utc(2026, 3, 1, 9, 5)), "alice", Now).Outcome);
    }

    [Fact]
    public void A_snapshot_of_an_unknown_version_is_rejected()
    {
        var gate = new NotificationGate();
        Assert.Throws<ArgumentException>(() => gate.Restore(new NotificationStateSnapshot { Version = 2 }));
    }
}
