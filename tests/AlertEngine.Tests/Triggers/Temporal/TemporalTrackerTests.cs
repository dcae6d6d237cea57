namespace AlertEngine.Tests.Triggers.Temporal;

/// <summary>Examples of every rule of docs/trigger-temporal.md.</summary>
public sealed class TemporalTrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static TemporalTracker<string> Tracker(int steps, bool ordered, int windowMinutes = 10, int lateMinutes = 0) =>
        new(steps, ordered, TimeSpan.FromMinutes(windowMinutes), new SlidingWindowCounterOptions { AllowedLateness = TimeSpan.FromMinutes(lateMinutes) });

    private static TemporalOutcome At(TemporalTracker<string> t, int minute, ulong steps, string item, string key = "u") =>
        t.Observe(key, T0.AddMinutes(minute), steps, item);

    [Fact]
    public void Unordered_fires_when_every_step_is_fulfilled_within_the_window_in_any_order()
    {
        var t = Tracker(2, ordered: false);
        Assert.Equal(TemporalOutcome.Counted, At(t, 0, 0b10, "b"));
        Assert.Equal(TemporalOutcome.Detected, At(t, 5, 0b01, "a"));
        Assert.Equal(["b", "a"], t.LastDetection!.Items);
        Assert.Equal(2, t.LastDetection.HitCount);
        Assert.Equal(0, t.TrackedKeys); // the key starts again
    }

    [Fact]
    public void The_window_is_open_at_its_start()
    {
        var t = Tracker(2, ordered: false);
        At(t, 0, 0b01, "a");
        Assert.Equal(TemporalOutcome.Counted, At(t, 10, 0b10, "b")); // 0 is not in (10 − 10, 10]
        Assert.Equal(TemporalOutcome.Detected, At(t, 11, 0b01, "a2"));
        Assert.Equal(["b", "a2"], t.LastDetection!.Items);
    }

    [Fact]
    public void Unordered_carries_each_steps_most_recent_item()
    {
        var t = Tracker(2, ordered: false);
        At(t, 0, 0b01, "a1");
        At(t, 1, 0b01, "a2");
        At(t, 2, 0b10, "b");
        Assert.Equal(["a2", "b"], t.LastDetection!.Items);
    }

    [Fact]
    public void One_item_may_fulfil_several_steps_and_is_carried_once()
    {
        var t = Tracker(2, ordered: false);
        Assert.Equal(TemporalOutcome.Detected, At(t, 0, 0b11, "ab"));
        Assert.Equal(["ab"], t.LastDetection!.Items);
        Assert.Equal(1, t.LastDetection.HitCount);
    }

    [Fact]
    public void Ordered_needs_the_steps_in_order()
    {
        var t = Tracker(2, ordered: true);
        Assert.Equal(TemporalOutcome.Counted, At(t, 0, 0b10, "b"));
        Assert.Equal(TemporalOutcome.Counted, At(t, 1, 0b01, "a"));
        Assert.Equal(TemporalOutcome.Detected, At(t, 2, 0b10, "b2"));
        Assert.Equal(["a", "b2"], t.LastDetection!.Items);
    }

    [Fact]
    public void Ordered_an_item_fulfilling_two_steps_does_not_chain_with_itself()
    {
        var t = Tracker(2, ordered: true);
        Assert.Equal(TemporalOutcome.Counted, At(t, 0, 0b11, "ab"));
        Assert.Equal(TemporalOutcome.Detected, At(t, 1, 0b11, "ab2"));
        Assert.Equal(["ab", "ab2"], t.LastDetection!.Items);
    }

    [Fact]
    public void Ordered_keeps_the_chain_with_the_latest_start()
    {
        var t = Tracker(3, ordered: true);
        At(t, 0, 0b001, "a1");
        At(t, 1, 0b010, "b1");
        At(t, 8, 0b001, "a2");
        At(t, 9, 0b010, "b2");
        Assert.Equal(TemporalOutcome.Detected, At(t, 15, 0b100, "c")); // a1..b1 left the window, a2..b2 did not
        Assert.Equal(["a2", "b2", "c"], t.LastDetection!.Items);
    }

    [Fact]
    public void Keys_are_separate_and_an_item_of_no_step_is_ignored()
    {
        var t = Tracker(2, ordered: false);
        At(t, 0, 0b01, "a", "alice");
        Assert.Equal(TemporalOutcome.Counted, At(t, 1, 0b10, "b", "bob"));
        Assert.Equal(TemporalOutcome.Ignored, At(t, 1, 0, "none", "alice"));
        Assert.Equal(TemporalOutcome.Detected, At(t, 2, 0b10, "b2", "alice"));
    }

    [Fact]
    public void Late_items_are_not_counted()
    {
        var t = Tracker(2, ordered: false, lateMinutes: 1);
        At(t, 10, 0b01, "a");
        Assert.Equal(TemporalOutcome.Late, At(t, 8, 0b10, "late"));
        Assert.Equal(TemporalOutcome.Detected, At(t, 9, 0b10, "b")); // within the lateness
    }

    [Fact]
    public void Idle_keys_are_evicted_and_the_key_cap_holds()
    {
        var t = new TemporalTracker<string>(2, false, TimeSpan.FromMinutes(10), new SlidingWindowCounterOptions { MaxTrackedKeys = 2 });
        At(t, 0, 0b01, "a", "k1");
        At(t, 0, 0b01, "a", "k2");
        Assert.Equal(TemporalOutcome.KeyCapExceeded, At(t, 1, 0b01, "a", "k3"));
        Assert.Equal(TemporalOutcome.Counted, At(t, 10, 0b01, "a", "k3")); // k1 and k2 can no longer fire: evicted
        Assert.Equal(1, t.TrackedKeys);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemporalTracker<string>(0, false, TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemporalTracker<string>(65, false, TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemporalTracker<string>(2, false, TimeSpan.Zero));
    }

    [Fact]
    public void The_pipeline_runs_temporal_policies()
    {
        var policy = new AlertPolicy
        {
            Id = "t",
            Name = "delete then redirect",
            Operations = ["FileDeleted", "MailRedirect"],
            Trigger = new TemporalTrigger(
                [new PropertyCondition("operation", PropertyOperator.Equals, ["FileDeleted"]), new PropertyCondition("operation", PropertyOperator.Equals, ["MailRedirect"])],
                Ordered: true,
                TimeSpan.FromMinutes(10),
                TriggerScope.User),
            Aggregation = new AggregationSettings(AggregationMode.None),
        };
        using var pipeline = new AlertPipeline([policy]);
        Assert.Empty(pipeline.Process(new Activity("1", T0, "MailRedirect") { UserId = "alice" }));
        Assert.Empty(pipeline.Process(new Activity("2", T0.AddMinutes(1), "FileDeleted") { UserId = "alice" }));
        var change = Assert.Single(pipeline.Process(new Activity("3", T0.AddMinutes(2), "MailRedirect") { UserId = "alice" }));
        Assert.Equal(["2", "3"], change.Alert.Activities.Select(a => a.Id));
    }

    [Fact]
    public void A_temporal_policy_cannot_be_written_as_json_and_needs_an_advanced_plan()
    {
        var policy = new AlertPolicy
        {
            Id = "t",
            Name = "t",
            Operations = ["X"],
            Trigger = new TemporalTrigger([new UsersCondition(["a"])], false, TimeSpan.FromMinutes(1), TriggerScope.User),
        };
        Assert.Throws<NotSupportedException>(() => PolicySerializer.Save([policy]));
        Assert.Contains(PolicyValidator.Validate([policy], Plan.E3), e => e.Message.Contains("temporal triggers need an advanced plan", StringComparison.Ordinal));
        Assert.Contains(PolicyValidator.Validate([policy with { Trigger = new TemporalTrigger([], false, TimeSpan.Zero, TriggerScope.User) }], Plan.E5), e => e.Path.EndsWith("steps", StringComparison.Ordinal));
    }

    [Fact]
    public void The_checkpoint_extension_round_trips_temporal_triggers_regex_conditions_and_composite_scopes()
    {
        var policy = new AlertPolicy
        {
            Id = "t",
            Name = "t",
            Operations = ["X"],
            Conditions = new RegexCondition("Parameters", "^a.*b$", IgnoreCase: true, Multiline: false, Singleline: true),
            Trigger = new TemporalTrigger(
                [new UsersCondition(["a"]), new RegexCondition("ObjectId", "x", false, true, false)],
                Ordered: true,
                TimeSpan.FromMinutes(5),
                TriggerScope.Properties(["UserId", "ClientIP"])),
        };
        var json = PolicySerializer.SaveExtended(policy);
        var loaded = PolicySerializer.LoadExtended(json);
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors));
        Assert.True(PolicyEquality.SameDetection(policy, Assert.Single(loaded.Value)));
        Assert.False(PolicySerializer.Load(json).IsValid); // not part of the public JSON format
    }

    [Fact]
    public void The_temporal_operator_emits_detections_per_subscription()
    {
        var activities = new[]
        {
            new Activity("1", T0, "FileDeleted") { UserId = "alice" },
            new Activity("2", T0.AddMinutes(1), "FileDeleted") { UserId = "bob" },
            new Activity("3", T0.AddMinutes(2), "MailRedirect") { UserId = "alice" },
        };
        Condition[] steps =
        [
            new PropertyCondition("operation", PropertyOperator.Equals, ["FileDeleted"]),
            new PropertyCondition("operation", PropertyOperator.Equals, ["MailRedirect"]),
        ];
        var source = System.Reactive.Linq.Observable.ToObservable(activities);
        var temporal = source.Temporal(steps, ordered: true, TimeSpan.FromMinutes(5), TriggerScope.User);
        for (var run = 0; run < 2; run++)
        {
            var detections = new List<Detection>();
            using (temporal.Subscribe(detections.Add))
            {
                var d = Assert.Single(detections);
                Assert.Equal(("alice", "3"), (d.ScopeKey, d.TriggeringActivity.Id));
                Assert.Equal(["1", "3"], d.Activities.Select(a => a.Id));
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => source.Temporal([], false, TimeSpan.FromMinutes(1), TriggerScope.User));
    }
}
