using System.Net;
using System.Reactive.Linq;

namespace AlertEngine.Tests.Triggers.NewValue;

/// <summary>One test per sentence of the spec's <c>newValue</c> rule, on the tracker, the operator and the engine.</summary>
public class NewValueTriggerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    private static Activity Download(string id, TimeSpan at, string? ip, string user = "alice") =>
        new(id, T0 + at, "FileDownloaded") { UserId = user, ClientIp = ip is null ? null : IPAddress.Parse(ip) };

    private static List<Detection> Run(TimeSpan lookback, TimeSpan learning, params Activity[] activities) =>
        NewValuePropertyTests.Collect(activities.ToObservable().NewValues("clientIp", TriggerScope.User, lookback, learning));

    [Fact]
    public void A_value_not_seen_within_the_lookback_fires_one_detection_carrying_the_activity()
    {
        var detections = Run(30 * Day, Day, Download("a", TimeSpan.Zero, "10.0.0.1"), Download("b", 2 * Day, "10.0.0.2"));

        var d = Assert.Single(detections);
        Assert.Same(d.TriggeringActivity, Assert.Single(d.Activities));
        Assert.Equal("b", d.TriggeringActivity.Id);
        Assert.Equal(T0 + (2 * Day), d.Time);
        Assert.Equal(1, d.HitCount);
        Assert.Equal("alice", d.ScopeKey);
        Assert.Equal(new NewValueSeen("10.0.0.2", T0), d.Reason);
    }

    [Fact]
    public void The_lookback_is_half_open_a_value_seen_exactly_lookback_ago_is_new_again()
    {
        var lookback = TimeSpan.FromHours(1);
        var detections = Run(lookback, TimeSpan.Zero,
            Download("a", TimeSpan.Zero, "10.0.0.1"),                         // new (no learning period)
            Download("b", lookback - TimeSpan.FromSeconds(1), "10.0.0.1"),    // inside (t − lookback, t]: seen
            Download("c", (2 * lookback) - TimeSpan.FromSeconds(1), "10.0.0.1"), // b is exactly lookback ago: new
            Download("d", (2 * lookback) - TimeSpan.FromSeconds(1), "10.0.0.1")); // c at the same time: seen

        Assert.Equal(["a", "c"], detections.Select(d => d.TriggeringActivity.Id));
    }

    [Fact]
    public void Nothing_fires_before_first_seen_plus_the_learning_period_and_it_fires_exactly_at_the_end()
    {
        var detections = Run(30 * Day, 7 * Day,
            Download("a", TimeSpan.Zero, "10.0.0.1"),
            Download("b", (7 * Day) - TimeSpan.FromSeconds(1), "10.0.0.2"),
            Download("c", 7 * Day, "10.0.0.3"),
            Download("d", 8 * Day, "10.0.0.2"));   // learned during the learning period: seen

        Assert.Equal(["c"], detections.Select(d => d.TriggeringActivity.Id));
    }

    [Fact]
    public void The_learning_period_starts_at_the_first_activity_with_a_value()
    {
        var detections = Run(30 * Day, Day,
            Download("a", TimeSpan.Zero, null),                 // no value: does not start the learning period
            Download("b", 2 * Day, "10.0.0.1"),                 // first value: learning until day 3
            Download("c", (3 * Day) - TimeSpan.FromSeconds(1), "10.0.0.2"),
            Download("d", 3 * Day, "10.0.0.3"));

        Assert.Equal(["d"], detections.Select(d => d.TriggeringActivity.Id));
        Assert.Equal(T0 + (2 * Day), ((NewValueSeen)detections[0].Reason!).KeyFirstSeen);
    }

    [Fact]
    public void A_learning_period_longer_than_the_lookback_is_allowed()
    {
        var detections = Run(Day, 3 * Day,
            Download("a", TimeSpan.Zero, "10.0.0.1"),
            Download("b", TimeSpan.FromHours(60), "10.0.0.1"),   // forgotten (lookback 1 day) and new again, but still learning
            Download("c", 3 * Day, "10.0.0.1"),                   // learning over; seen by b within the lookback
            Download("d", 3 * Day, "10.0.0.9"));                  // new after learning: fires

        Assert.Equal(["d"], detections.Select(d => d.TriggeringActivity.Id));
    }

    [Fact]
    public void Values_compare_case_insensitively_and_client_ip_in_its_normalised_form()
    {
        var activities = new[]
        {
            new Activity("a", T0, "Op") { UserId = "alice", Properties = new Dictionary<string, string> { ["Country"] = "NL" } },
            new Activity("b", T0 + Day, "Op") { UserId = "alice", Properties = new Dictionary<string, string> { ["Country"] = "nl" } },
            new Activity("c", T0 + Day, "Op") { UserId = "alice", Properties = new Dictionary<string, string> { ["Country"] = "BE" } },
        };
        var byCountry = NewValuePropertyTests.Collect(activities.ToObservable().NewValues("Country", TriggerScope.User, 30 * Day, TimeSpan.Zero));
        Assert.Equal(["a", "c"], byCountry.Select(d => d.TriggeringActivity.Id));

        var mapped = new Activity("y", T0 + Day, "FileDownloaded") { UserId = "alice", ClientIp = IPAddress.Parse("10.0.0.1").MapToIPv6() };
        var ips = Run(30 * Day, TimeSpan.Zero, Download("x", TimeSpan.Zero, "10.0.0.1"), mapped, Download("z", 2 * Day, "2001:DB8::1"), Download("w", 3 * Day, "2001:db8:0::1"));
        Assert.Equal(["x", "z"], ips.Select(d => d.TriggeringActivity.Id));
        Assert.Equal("2001:db8::1", ((NewValueSeen)ips[1].Reason!).Value);
    }

    [Fact]
    public void Activities_without_a_value_are_not_counted()
    {
        var activities = new[]
        {
            new Activity("a", T0, "Op") { UserId = "alice" },
            new Activity("b", T0, "Op") { UserId = "alice", Properties = new Dictionary<string, string> { ["Country"] = string.Empty } },
            new Activity("c", T0, "Op") { UserId = "alice", Properties = new Dictionary<string, string> { ["Country"] = "NL" } },
        };

        var detections = NewValuePropertyTests.Collect(activities.ToObservable().NewValues("Country", TriggerScope.User, Day, TimeSpan.Zero));

        Assert.Equal(["c"], detections.Select(d => d.TriggeringActivity.Id));
    }

    [Fact]
    public void Scope_keys_compare_case_insensitively_and_each_key_learns_on_its_own()
    {
        var detections = Run(30 * Day, Day,
            Download("a", TimeSpan.Zero, "10.0.0.1", "alice"),
            Download("b", 2 * Day, "10.0.0.2", "ALICE"),
            Download("c", 2 * Day, "10.0.0.3", "bob"));   // bob's first value: learning

        Assert.Equal(["b"], detections.Select(d => d.TriggeringActivity.Id));
        Assert.Equal("ALICE", detections[0].ScopeKey);
    }

    [Fact]
    public void A_value_that_shares_a_remembered_values_fingerprint_is_still_new()
    {
        // The tracker's scan reads only the nodes whose fingerprint is the value's: a value with the fingerprint of a
        // remembered one is confirmed by its text, and the remembered one is still found beside it, in either case.
        var twin = NewValueArbitraries.SamePrint("10.0.0.1");
        Assert.Equal(NewValueTracker.Print("10.0.0.1"), NewValueTracker.Print(twin));
        var tracker = new NewValueTracker(TimeSpan.FromHours(1), TimeSpan.Zero);
        var t = T0;
        Assert.Equal(NewValueOutcome.New, tracker.Observe("alice", t, "10.0.0.1"));
        Assert.Equal(NewValueOutcome.New, tracker.Observe("alice", t.AddSeconds(1), twin));
        Assert.Equal(NewValueOutcome.Seen, tracker.Observe("alice", t.AddSeconds(2), "10.0.0.1"));
        Assert.Equal(NewValueOutcome.Seen, tracker.Observe("alice", t.AddSeconds(3), twin.ToUpperInvariant()));
        Assert.Equal(2, tracker.GetValueCount("alice"));

        // The first value forgotten (its node freed, then taken by the next new value): the twin is still remembered.
        t = t.AddHours(1).AddSeconds(2);
        Assert.Equal(NewValueOutcome.Seen, tracker.Observe("alice", t, twin));
        Assert.Equal(NewValueOutcome.New, tracker.Observe("alice", t, "10.0.0.2"));
        Assert.Equal(NewValueOutcome.New, tracker.Observe("alice", t, "10.0.0.1"));
        Assert.Equal(NewValueOutcome.Seen, tracker.Observe("alice", t.AddSeconds(1), twin));
        Assert.Equal(3, tracker.GetValueCount("alice"));
    }

    [Fact]
    public void A_key_whose_values_are_all_forgotten_keeps_its_first_seen_time()
    {
        var tracker = new NewValueTracker(TimeSpan.FromHours(1), Day);
        Assert.Equal(NewValueOutcome.Learning, tracker.Observe("alice", T0, "a"));
        Assert.Equal(NewValueOutcome.Learning, tracker.Observe("bob", T0 + (10 * Day), "x")); // sweeps alice's values
        Assert.Equal(0, tracker.GetValueCount("alice"));
        Assert.True(tracker.TryGetFirstSeen("alice", out var first));
        Assert.Equal(T0, first);

        // Learning ended on day 1: the forgotten value is new again and fires (no second learning period).
        Assert.Equal(NewValueOutcome.New, tracker.Observe("alice", T0 + (10 * Day), "a"));
    }

    [Fact]
    public void Over_the_value_cap_the_value_seen_least_recently_is_forgotten_and_reported()
    {
        var trigger = new NewValueTrigger("Country", TriggerScope.User, Day, TimeSpan.Zero);
        var diagnostics = new List<EngineDiagnostic>();
        var policy = new AlertPolicy { Id = "p", Name = "p", Operations = ["Op"], Trigger = trigger };
        var tracker = new NewValueTracker(Day, TimeSpan.Zero, new NewValueTrackerOptions { MaxValuesPerKey = 2 });
        Assert.Equal(NewValueOutcome.New, tracker.Observe("k", T0, "a"));
        Assert.Equal(NewValueOutcome.New, tracker.Observe("k", T0.AddSeconds(1), "b"));
        Assert.Equal(NewValueOutcome.Seen, tracker.Observe("k", T0.AddSeconds(2), "A"));   // a is now the most recent
        Assert.Equal(NewValueOutcome.New, tracker.Observe("k", T0.AddSeconds(3), "c"));   // forgets b
        Assert.Equal(1, tracker.ValuesForgotten);
        Assert.Equal(NewValueOutcome.Seen, tracker.Observe("k", T0.AddSeconds(4), "a"));
        Assert.Equal(NewValueOutcome.New, tracker.Observe("k", T0.AddSeconds(5), "b"));

        var detector = new NewValueDetector(policy, trigger, new AlertEngineOptions(), diagnostics.Add);
        for (var i = 0; i <= NewValueTrackerOptions.DefaultMaxValuesPerKey; i++)
        {
            detector.Observe(new Activity("x" + i, T0.AddSeconds(i), "Op") { UserId = "alice", Properties = new Dictionary<string, string> { ["Country"] = "v" + i } });
        }

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticKind.ValueCapExceeded, diagnostic.Kind);
        Assert.Equal("p", diagnostic.PolicyId);
    }

    [Fact]
    public void Over_the_key_cap_a_new_key_is_not_recorded_and_reported()
    {
        var trigger = new NewValueTrigger("clientIp", TriggerScope.User, Day, TimeSpan.Zero);
        var diagnostics = new List<EngineDiagnostic>();
        var detector = new NewValueDetector(new AlertPolicy { Id = "p", Name = "p", Operations = ["FileDownloaded"], Trigger = trigger }, trigger, new AlertEngineOptions { MaxTrackedKeysPerPolicy = 1 }, diagnostics.Add);

        Assert.NotNull(detector.Observe(Download("a", TimeSpan.Zero, "10.0.0.1", "alice")));
        Assert.Null(detector.Observe(Download("b", TimeSpan.Zero, "10.0.0.1", "bob")));

        Assert.Equal([DiagnosticKind.KeyCapExceeded], diagnostics.Select(d => d.Kind));
    }

    [Fact]
    public void The_engine_raises_an_alert_for_a_new_value_with_the_policy_id_and_reason()
    {
        var policy = new AlertPolicy
        {
            Id = "new-ip",
            Name = "Download from a new IP address",
            Operations = ["FileDownloaded"],
            Trigger = new NewValueTrigger("clientIp", TriggerScope.User, NewValueTrigger.DefaultLookback, TimeSpan.FromDays(1)),
        };
        using var pipeline = new AlertPipeline([policy]);

        Assert.Empty(pipeline.Process(Download("a", TimeSpan.Zero, "10.0.0.1")));
        Assert.Empty(pipeline.Process(Download("b", 2 * Day, "10.0.0.1")));
        Assert.Empty(pipeline.Process(new Activity("c", T0 + (3 * Day), "FileDeleted") { UserId = "alice", ClientIp = IPAddress.Parse("10.9.9.9") }));
        var change = Assert.Single(pipeline.Process(Download("d", 3 * Day, "10.0.0.2")));

        Assert.Equal(AlertChangeKind.Created, change.Kind);
        Assert.Equal("new-ip", change.Detection.PolicyId);
        Assert.Equal(new NewValueSeen("10.0.0.2", T0), change.Detection.Reason);
        Assert.Equal(T0 + (3 * Day), change.Alert.CreatedAt);
        Assert.Equal(["d"], change.Alert.Activities.Select(a => a.Id));
    }

    [Fact]
    public void Steady_state_allocates_nothing_per_activity()
    {
        // 100 keys, each seeing 7 values in turn (every 700 s, well inside the lookback), values given as fresh
        // instances (as parsed activities carry them) through both overloads: nothing is new after the first pass.
        var tracker = new NewValueTracker(TimeSpan.FromHours(1), TimeSpan.Zero);
        var keys = Enumerable.Range(0, 100).Select(i => "user" + i).ToArray();
        var values = Enumerable.Range(0, 20_000).Select(i => new string(("10.0.0." + (i % 7)).AsSpan())).ToArray();
        void Run(int pass)
        {
            for (var i = 0; i < 20_000; i++)
            {
                var time = T0.AddSeconds((pass * 20_000) + i);
                var outcome = i % 2 == 0 ? tracker.Observe(keys[i % keys.Length], time, values[i]) : tracker.Observe(keys[i % keys.Length], time, values[i].AsSpan());
                Assert.True(pass == 0 || outcome == NewValueOutcome.Seen);
            }
        }

        Run(0);
        Assert.Equal(0, Allocations.FewestBytesPerPass(Run, firstPass: 1));
    }
}
