using static AlertEngine.Tests.Triggers.Windowed.WindowedTestData;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>One test per sentence of the spec's <c>distinct</c> trigger.</summary>
public class DistinctTriggerTests
{
    private static readonly DistinctTrigger ThreeInAMinute = new("Device", 3, TimeSpan.FromMinutes(1), TriggerScope.User);

    [Fact]
    public void Fires_when_the_distinct_values_in_the_window_reach_N()
    {
        var (detector, diagnostics) = Detector(ThreeInAMinute);

        Assert.Null(detector.Observe(Dev("a", 0, "d1")));
        Assert.Null(detector.Observe(Dev("b", 10, "d2")));
        Assert.Null(detector.Observe(Dev("c", 20, "d2")));
        var d = detector.Observe(Dev("d", 30, "d3"));

        Assert.NotNull(d);
        Assert.Equal(3, d.HitCount);
        Assert.Equal("p", d.PolicyId);
        Assert.Equal("alice@contoso.com", d.ScopeKey);
        Assert.Equal(d.TriggeringActivity.Time, d.Time);
        var reason = Assert.IsType<DistinctValues>(d.Reason);
        Assert.Equal(3, reason.Count);
        Assert.Equal(["d1", "d2", "d3"], reason.Values);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void The_window_is_open_at_t_minus_window_and_closed_at_t()
    {
        // d1 at exactly t − window is out; d1 one second later is in.
        var (detector, _) = Detector(ThreeInAMinute);
        Assert.Empty(Feed(detector, Dev("a", 0, "d1"), Dev("b", 30, "d2"), Dev("c", 60, "d3")));

        var (other, _) = Detector(ThreeInAMinute);
        var fired = Feed(other, Dev("a", 1, "d1"), Dev("b", 30, "d2"), Dev("c", 60, "d3"));
        Assert.Equal(["a", "b", "c"], Ids(Assert.Single(fired)));
    }

    [Fact]
    public void Carries_the_most_recent_activity_of_each_value_in_time_order_equal_times_in_arrival_order()
    {
        var (detector, _) = Detector(ThreeInAMinute);
        var fired = Feed(detector, Dev("a", 0, "d1"), Dev("b", 5, "d2"), Dev("c", 5, "d1"), Dev("d", 5, "d3"));

        var d = Assert.Single(fired);
        Assert.Equal(["b", "c", "d"], Ids(d));
        Assert.Equal(["d2", "d1", "d3"], Assert.IsType<DistinctValues>(d.Reason).Values);
    }

    [Fact]
    public void The_key_starts_again_from_zero()
    {
        var (detector, _) = Detector(ThreeInAMinute);
        Assert.Single(Feed(detector, Dev("a", 0, "d1"), Dev("b", 1, "d2"), Dev("c", 2, "d3")));

        // The same three values again within the window: they need to be seen again after the detection.
        Assert.Null(detector.Observe(Dev("d", 3, "d1")));
        Assert.Null(detector.Observe(Dev("e", 4, "d2")));
        Assert.Equal(["d", "e", "f"], Ids(detector.Observe(Dev("f", 5, "d3"))!));
    }

    [Fact]
    public void Activities_without_a_value_are_not_counted()
    {
        var (detector, diagnostics) = Detector(ThreeInAMinute);
        Assert.Empty(Feed(detector, Dev("a", 0, "d1"), Act("b", 1), Dev("c", 2, ""), Dev("d", 3, "d2")));
        Assert.Empty(diagnostics);
        Assert.NotNull(detector.Observe(Dev("e", 4, "d3")));
    }

    [Fact]
    public void Values_compare_case_insensitively_and_carry_the_most_recent_spelling()
    {
        var (detector, _) = Detector(ThreeInAMinute);
        var fired = Feed(detector, Dev("a", 0, "Laptop"), Dev("b", 1, "LAPTOP"), Dev("c", 2, "phone"), Dev("d", 3, "laptop"), Dev("e", 4, "tablet"));

        var d = Assert.Single(fired);
        Assert.Equal(["c", "d", "e"], Ids(d));
        Assert.Equal(["phone", "laptop", "tablet"], Assert.IsType<DistinctValues>(d.Reason).Values);
    }

    [Fact]
    public void ClientIp_compares_in_its_normalised_form()
    {
        var trigger = new DistinctTrigger("clientIp", 3, TimeSpan.FromMinutes(1), TriggerScope.User);
        var (detector, _) = Detector(trigger);

        Assert.Null(detector.Observe(Act("a", 0, ip: "10.1.2.3")));
        Assert.Null(detector.Observe(Act("b", 1, ip: "::ffff:10.1.2.3")));   // the same address, IPv4-mapped
        Assert.Null(detector.Observe(Act("c", 2, ip: "2001:DB8::1")));
        Assert.Null(detector.Observe(Act("d", 3, ip: "2001:db8:0:0::1"))); // the same address written differently
        Assert.Null(detector.Observe(Act("e", 4)));                        // no address: not counted
        var d = detector.Observe(Act("f", 5, ip: "192.0.2.1"));

        Assert.Equal(["b", "d", "f"], Ids(d!));
        Assert.Equal(["10.1.2.3", "2001:db8::1", "192.0.2.1"], Assert.IsType<DistinctValues>(d!.Reason).Values);
    }

    [Fact]
    public void A_missing_scope_key_counts_under_the_empty_key_and_is_reported()
    {
        var (detector, diagnostics) = Detector(new DistinctTrigger("Device", 2, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Null(detector.Observe(Dev("a", 0, "d1", user: null)));
        var d = detector.Observe(Dev("b", 1, "d2", user: ""));

        Assert.Equal(string.Empty, d!.ScopeKey);
        Assert.Equal([DiagnosticKind.MissingScopeKey, DiagnosticKind.MissingScopeKey], diagnostics.Select(x => x.Kind));
    }

    [Fact]
    public void Scope_keys_compare_case_insensitively()
    {
        var (detector, _) = Detector(new DistinctTrigger("Device", 2, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Null(detector.Observe(Dev("a", 0, "d1", user: "Alice@Contoso.com")));
        Assert.NotNull(detector.Observe(Dev("b", 1, "d2", user: "alice@contoso.com")));
    }

    [Fact]
    public void At_the_value_cap_the_least_recently_seen_value_is_forgotten_and_reported()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var counter = new DistinctCounter<string>(4, TimeSpan.FromMinutes(1), new WindowedTriggerOptions { MaxValuesPerKey = 2 });
        Assert.Equal(2, counter.MaxValuesPerKey);
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", T0, "v1", "a"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", T0.AddSeconds(1), "v2", "b"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", T0.AddSeconds(2), "V1", "c")); // v1 is now the most recent
        Assert.Equal(WindowTriggerOutcome.ValueCapExceeded, counter.Add("k", T0.AddSeconds(3), "v3", "d")); // forgets v2
        Assert.Equal(2, counter.GetCount("k"));
        Assert.Equal(WindowTriggerOutcome.ValueCapExceeded, counter.Add("k", T0.AddSeconds(4), "v2", "e")); // forgets v1

        var operatorDiagnostics = new List<EngineDiagnostic>();
        var source = System.Reactive.Linq.Observable.ToObservable(new[] { Dev("a", 0, "v1"), Dev("b", 1, "v2"), Dev("c", 2, "v3") });
        var options = new WindowedTriggerOperatorOptions { MaxValuesPerKey = 1, Diagnostics = operatorDiagnostics.Add };
        using (source.DistinctCount("Device", 5, TimeSpan.FromMinutes(1), TriggerScope.User, options).Subscribe(_ => { }))
        {
        }

        Assert.Equal([DiagnosticKind.ValueCapExceeded, DiagnosticKind.ValueCapExceeded], operatorDiagnostics.Select(x => x.Kind));
        Assert.Equal(["b", "c"], operatorDiagnostics.Select(x => x.ActivityId));
    }

    [Fact]
    public void Late_activities_are_reported_and_not_counted()
    {
        var (detector, diagnostics) = Detector(ThreeInAMinute, new AlertEngineOptions { AllowedLateness = TimeSpan.FromSeconds(10) });
        Assert.Null(detector.Observe(Dev("a", 100, "d1")));
        Assert.Null(detector.Observe(Dev("b", 95, "d2")));  // within the lateness: counted
        Assert.Null(detector.Observe(Dev("c", 80, "d3")));  // beyond it: late
        Assert.Equal([DiagnosticKind.Late], diagnostics.Select(x => x.Kind));
        Assert.Equal(["b", "a", "d"], Ids(detector.Observe(Dev("d", 101, "d3"))!)); // in time order
    }

    [Fact]
    public void Memory_per_key_is_bounded_and_idle_keys_are_evicted()
    {
        var counter = new DistinctCounter<int>(1000, TimeSpan.FromSeconds(10), new WindowedTriggerOptions { MaxValuesPerKey = 8 });
        for (var i = 0; i < 100; i++)
        {
            counter.Add("k" + (i % 10), T0.AddSeconds(i), "v" + i, i);
        }

        Assert.All(Enumerable.Range(0, 10), k => Assert.True(counter.GetCount("k" + k) <= 8));
        counter.AdvanceTo(T0.AddHours(1));
        Assert.Equal(0, counter.TrackedKeys);
    }

    [Fact]
    public void Steady_state_allocates_nothing_per_activity()
    {
        var counter = new DistinctCounter<string?>(50, TimeSpan.FromSeconds(30), new WindowedTriggerOptions { KeyComparer = StringComparer.OrdinalIgnoreCase });
        var keys = Enumerable.Range(0, 100).Select(i => "user" + i).ToArray();
        var values = Enumerable.Range(0, 8).Select(i => "10.0.0." + i).ToArray();
        void Run(int pass)
        {
            for (var i = 0; i < 20_000; i++)
            {
                counter.Add(keys[i % keys.Length], T0.AddSeconds((pass * 20_000) + i), values[i % values.Length].AsSpan(), null);
            }
        }

        Run(0);
        Assert.Equal(0, Allocations.FewestBytesPerPass(Run, firstPass: 1));
    }
}
