using static AlertEngine.Tests.Triggers.Windowed.WindowedTestData;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>One test per sentence of the spec's <c>spike</c> trigger.</summary>
public class SpikeTriggerTests
{
    private static readonly SpikeTrigger Triple = new(3, TimeSpan.FromMinutes(10), 1, 1, TriggerScope.User);

    private static Activity A(string id, double minutes, string? user = "alice@contoso.com") => Act(id, minutes * 60, user);

    [Fact]
    public void Fires_carrying_the_current_window_when_cur_reaches_R_times_ref()
    {
        var (detector, diagnostics) = Detector(Triple);
        Assert.Null(detector.Observe(A("r", 0)));    // reference window of the later activities
        Assert.Null(detector.Observe(A("a", 11)));   // cur 1, ref 1
        Assert.Null(detector.Observe(A("b", 12)));   // cur 2, ref 1
        var d = detector.Observe(A("c", 13));        // cur 3 = 3 × ref: fires (≥)

        Assert.Equal(["a", "b", "c"], Ids(d!));
        Assert.Equal(3, d!.HitCount);
        Assert.Equal(new SpikeCounts(3, 1), d.Reason);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Cur_is_t_minus_window_to_t_and_ref_the_window_before_both_open_at_the_start()
    {
        // At t = 20 min: cur = (10, 20], ref = (0, 10]. "r0" at exactly 0 is in neither; "r10" at exactly 10 is in ref.
        var (detector, _) = Detector(new SpikeTrigger(2, TimeSpan.FromMinutes(10), 1, 1, TriggerScope.User));
        Assert.Null(detector.Observe(A("r0", 0)));
        Assert.Null(detector.Observe(A("r10", 10)));  // cur 1, ref 1
        Assert.Null(detector.Observe(A("c1", 20)));   // cur 1, ref 1 (r10)
        var d = detector.Observe(A("c2", 20));        // cur 2, ref 1: r0 left the reference window at exactly t − 2·window
        Assert.Equal(new SpikeCounts(2, 1), d!.Reason);
        Assert.Equal(["c1", "c2"], Ids(d));
    }

    [Fact]
    public void Needs_at_least_M_current_and_K_reference_activities()
    {
        var (noReference, _) = Detector(new SpikeTrigger(2, TimeSpan.FromMinutes(10), 1, 1, TriggerScope.User));
        Assert.Empty(Feed(noReference, A("a", 0), A("b", 1), A("c", 2))); // ref = 0 < K

        var (fewCurrent, _) = Detector(new SpikeTrigger(2, TimeSpan.FromMinutes(10), 4, 1, TriggerScope.User));
        Assert.Empty(Feed(fewCurrent, A("r", 0), A("a", 11), A("b", 12), A("c", 13))); // cur = 3 < M
        Assert.NotNull(fewCurrent.Observe(A("d", 14)));

        var (fewReference, _) = Detector(new SpikeTrigger(2, TimeSpan.FromMinutes(10), 1, 2, TriggerScope.User));
        Assert.Empty(Feed(fewReference, A("r", 0), A("a", 11), A("b", 12), A("c", 13))); // ref = 1 < K
    }

    [Fact]
    public void After_a_detection_the_key_is_quiet_until_t_plus_window_while_counting_goes_on()
    {
        var (detector, _) = Detector(new SpikeTrigger(2, TimeSpan.FromMinutes(10), 1, 1, TriggerScope.User));
        var fired = Feed(detector, A("r", 0), A("a", 11), A("b", 12)); // fires at 12 (cur 2, ref 1)
        Assert.Equal(["b"], fired.Select(d => d.TriggeringActivity.Id));

        // Until 22 min nothing fires, though cur keeps growing.
        Assert.Empty(Feed(detector, A("c", 13), A("d", 21.9)));
        // At exactly 22 min: cur = (12, 22] = c, d, e; ref = (2, 12] = a, b: 3 < 2 × 2, no detection; at 22.5 cur 4 ≥ 4.
        Assert.Null(detector.Observe(A("e", 22)));
        var d = detector.Observe(A("f", 22.5));
        Assert.Equal(new SpikeCounts(4, 2), d!.Reason);
        Assert.Equal(["c", "d", "e", "f"], Ids(d));
    }

    [Fact]
    public void The_quiet_period_ends_at_exactly_t_plus_window()
    {
        var (detector, _) = Detector(new SpikeTrigger(1.5, TimeSpan.FromMinutes(10), 1, 1, TriggerScope.User));
        Assert.Single(Feed(detector, A("r", 0), A("a", 10.5), A("b", 11))); // fires at 11 (cur 2, ref 1)
        Assert.Null(detector.Observe(A("c", 20.9)));
        var d = detector.Observe(A("d", 21)); // cur = (11, 21] = c, d; ref = (1, 11] = a, b: 2 ≥ 1.5 × 2? no
        Assert.Null(d);
        Assert.NotNull(detector.Observe(A("e", 21))); // cur 3 ≥ 3: fires at exactly 11 + 10 min
    }

    [Fact]
    public void The_operator_defaults_are_M_1_and_K_1()
    {
        var detections = new List<Detection>();
        var source = System.Reactive.Linq.Observable.ToObservable(new[] { A("r", 0), A("a", 11), A("b", 12) });
        using (source.Spike(2, TimeSpan.FromMinutes(10), TriggerScope.User).Subscribe(detections.Add))
        {
        }

        Assert.Equal(new SpikeCounts(2, 1), Assert.Single(detections).Reason);
        Assert.Null(detections[0].PolicyId);
    }

    [Fact]
    public void Keys_are_counted_separately_and_case_insensitively_missing_ones_under_the_empty_key()
    {
        var (detector, diagnostics) = Detector(Triple);
        Assert.Empty(Feed(detector, A("r", 0, "ALICE@contoso.com"), A("x", 11, "bob"), A("a", 11, "alice@contoso.com"), A("b", 12, "Alice@Contoso.com")));
        Assert.NotNull(detector.Observe(A("c", 13)));
        Assert.Null(detector.Observe(A("n", 14, null)));
        Assert.Equal([DiagnosticKind.MissingScopeKey], diagnostics.Select(x => x.Kind));
    }

    [Fact]
    public void Steady_state_allocates_nothing_per_activity()
    {
        var counter = new SpikeCounter<string?>(2, TimeSpan.FromSeconds(30), 1, 1, new WindowedTriggerOptions { KeyComparer = StringComparer.OrdinalIgnoreCase });
        var keys = Enumerable.Range(0, 100).Select(i => "user" + i).ToArray();
        void Run(int pass)
        {
            for (var i = 0; i < 20_000; i++)
            {
                counter.Add(keys[(i * 7) % keys.Length], T0.AddSeconds((pass * 20_000) + (i / 10)), null);
            }
        }

        Run(0);
        Run(1);
        Assert.Equal(0, Allocations.FewestBytesPerPass(Run, firstPass: 2));
    }
}
