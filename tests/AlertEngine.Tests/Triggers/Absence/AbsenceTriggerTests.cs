using System.Reactive.Linq;
using AlertEngine.Tests.Triggers.NewValue;

namespace AlertEngine.Tests.Triggers.Absence;

/// <summary>One test per sentence of the spec's <c>absence</c> rule, on the tracker, the operator and the engine.</summary>
public class AbsenceTriggerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static Activity Audit(string id, TimeSpan at, string workload = "Exchange", string operation = "MailItemsAccessed") =>
        new(id, T0 + at, operation) { UserId = "svc", Workload = workload };

    private static AlertPolicy Policy(TimeSpan window, string id = "silent") => new()
    {
        Id = id,
        Name = "Audit events stopped",
        Operations = ["MailItemsAccessed"],
        Trigger = new AbsenceTrigger(window, TriggerScope.Property("workload")),
        Aggregation = new AggregationSettings(AggregationMode.None),
    };

    private static List<Detection> Run(TimeSpan window, params Activity[] activities) =>
        NewValuePropertyTests.Collect(activities.ToObservable().Absences(window, TriggerScope.Property("workload"), a => a.Operation == "MailItemsAccessed"));

    [Fact]
    public void A_silence_fires_at_last_time_plus_window_carrying_the_last_activity()
    {
        var detections = Run(Hour, Audit("a", TimeSpan.Zero), Audit("b", TimeSpan.FromMinutes(10)), Audit("c", TimeSpan.FromMinutes(90), "SharePoint"));

        var d = Assert.Single(detections);
        Assert.Equal(T0 + TimeSpan.FromMinutes(70), d.Time);
        Assert.Equal("b", d.TriggeringActivity.Id);
        Assert.Equal(["b"], d.Activities.Select(a => a.Id));
        Assert.Equal(1, d.HitCount);
        Assert.Equal("Exchange", d.ScopeKey);
        Assert.Equal(new SilenceObserved(Hour, T0 + TimeSpan.FromMinutes(10)), d.Reason);
    }

    [Fact]
    public void The_silence_fires_when_the_clock_reaches_the_due_time_exactly_before_that_activity_is_evaluated()
    {
        // c arrives exactly at a's due time: a's silence fires first, then c re-arms the key.
        var detections = Run(Hour, Audit("a", TimeSpan.Zero), Audit("c", Hour), Audit("d", (2 * Hour) - TimeSpan.FromSeconds(1)), Audit("e", 3 * Hour, operation: "Other"));

        Assert.Equal(["a", "d"], detections.Select(d => d.TriggeringActivity.Id));
        Assert.Equal([T0 + Hour, T0 + (3 * Hour) - TimeSpan.FromSeconds(1)], detections.Select(d => d.Time));
    }

    [Fact]
    public void A_key_fires_again_only_after_a_new_matching_activity_and_another_silence()
    {
        var detections = Run(Hour,
            Audit("a", TimeSpan.Zero),
            Audit("x", 2 * Hour, operation: "Other"),   // fires a's silence
            Audit("y", 5 * Hour, operation: "Other"),   // no new matching activity: nothing
            Audit("b", 6 * Hour),
            Audit("z", 8 * Hour, operation: "Other"));  // fires b's silence

        Assert.Equal(["a", "b"], detections.Select(d => d.TriggeringActivity.Id));
    }

    [Fact]
    public void The_clock_is_moved_by_activities_of_any_operation()
    {
        var detections = Run(Hour, Audit("a", TimeSpan.Zero), Audit("x", Hour + TimeSpan.FromSeconds(1), operation: "UserLoggedIn"));

        Assert.Equal(["a"], detections.Select(d => d.TriggeringActivity.Id));
    }

    [Fact]
    public void Silences_fire_in_order_of_due_time_then_arrival_of_their_last_activities()
    {
        var detections = Run(Hour,
            Audit("t1", TimeSpan.Zero, "Teams"),
            Audit("s1", TimeSpan.FromMinutes(5), "SharePoint"),
            Audit("e1", TimeSpan.FromMinutes(5), "Exchange"),
            Audit("x", 3 * Hour, operation: "Other"));

        Assert.Equal(["t1", "s1", "e1"], detections.Select(d => d.TriggeringActivity.Id));
    }

    [Fact]
    public void At_the_end_of_the_input_the_clock_stops_and_silences_not_yet_due_do_not_fire()
    {
        var detections = Run(Hour, Audit("a", TimeSpan.Zero), Audit("x", Hour - TimeSpan.FromSeconds(1), operation: "Other"));

        Assert.Empty(detections);
    }

    [Fact]
    public void The_last_activity_is_the_latest_in_time_and_for_equal_times_the_one_that_arrived_last()
    {
        var tracker = new SilenceTracker<string>(Hour);
        Assert.Equal(SilenceOutcome.Armed, tracker.Observe("k", T0.AddMinutes(10), "a"));
        Assert.Equal(SilenceOutcome.Older, tracker.Observe("K", T0.AddMinutes(5), "b"));
        Assert.Equal(SilenceOutcome.Armed, tracker.Observe("K", T0.AddMinutes(10), "c"));

        Assert.False(tracker.TryFire(T0.AddMinutes(70) - TimeSpan.FromTicks(1), out _));
        Assert.True(tracker.TryFire(T0.AddMinutes(70), out var fired));
        Assert.Equal(new SilenceFired<string>("K", T0.AddMinutes(10), T0.AddMinutes(70), "c"), fired);
        Assert.Equal(0, tracker.TrackedKeys);
    }

    [Fact]
    public void Over_the_key_cap_a_new_key_is_not_recorded_and_reported()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var policy = Policy(Hour);
        var detector = new AbsenceDetector(policy, (AbsenceTrigger)policy.Trigger, new AlertEngineOptions { MaxTrackedKeysPerPolicy = 1 }, diagnostics.Add);

        detector.Observe(Audit("a", TimeSpan.Zero));
        detector.Observe(Audit("b", TimeSpan.Zero, "Teams"));

        Assert.Equal([DiagnosticKind.KeyCapExceeded], diagnostics.Select(d => d.Kind));
        Assert.Equal(1, detector.Tracker.TrackedKeys);
    }

    [Fact]
    public void The_engine_fires_silences_before_evaluating_the_activity_that_moved_its_clock()
    {
        using var pipeline = new AlertPipeline([Policy(Hour), TestData.EveryTime("every", "UserLoggedIn")]);
        var seen = new List<AlertChange>();
        using var _ = pipeline.Changes.Subscribe(seen.Add);

        Assert.Empty(pipeline.Process(Audit("a", TimeSpan.Zero)));
        Assert.Empty(pipeline.Process(Audit("b", TimeSpan.FromMinutes(30), "Teams")));
        var changes = pipeline.Process(new Activity("login", T0 + (2 * Hour), "UserLoggedIn") { UserId = "bob" });

        // The two silences (due 10:00 and 10:30) come first, in due order, then the every-time detection of the login.
        Assert.Equal(["silent", "silent", "every"], changes.Select(c => c.Alert.PolicyId));
        Assert.Equal([T0 + Hour, T0 + TimeSpan.FromMinutes(90), T0 + (2 * Hour)], changes.Select(c => c.Detection.Time));
        Assert.Equal([T0 + Hour, T0 + TimeSpan.FromMinutes(90)], changes.Take(2).Select(c => c.Alert.CreatedAt));
        Assert.Equal(["a", "b"], changes.Take(2).Select(c => c.Alert.Activities.Single().Id));
        Assert.Equal(changes, seen);
        Assert.Equal(3, pipeline.Statistics.Detections);
    }

    [Fact]
    public void In_the_engine_duplicates_and_late_activities_do_not_move_the_clock()
    {
        using var pipeline = new AlertPipeline([Policy(Hour)]);

        Assert.Empty(pipeline.Process(Audit("a", TimeSpan.Zero)));
        Assert.Empty(pipeline.Process(Audit("b", TimeSpan.FromMinutes(30))));
        Assert.Empty(pipeline.Process(new Activity("a", T0 + (3 * Hour), "Other")));   // a duplicate id: not read
        Assert.Empty(pipeline.Process(Audit("late", TimeSpan.FromMinutes(10))));          // late: not read
        var change = Assert.Single(pipeline.Process(new Activity("x", T0 + (2 * Hour), "Other")));

        Assert.Equal(T0 + TimeSpan.FromMinutes(90), change.Detection.Time);
        Assert.Equal("b", change.Detection.TriggeringActivity.Id);
    }

    [Fact]
    public void A_disabled_absence_policy_does_not_fire()
    {
        using var pipeline = new AlertPipeline([Policy(Hour) with { Enabled = false }]);

        pipeline.Process(Audit("a", TimeSpan.Zero));
        Assert.Empty(pipeline.Process(Audit("b", 2 * Hour)));
    }
}
