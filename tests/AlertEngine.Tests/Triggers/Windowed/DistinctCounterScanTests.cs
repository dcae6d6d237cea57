namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>The distinct core's value scan over its ring's array (in index order, after the ring wrapped) and its cache
/// of value strings, at the core's own API.</summary>
public class DistinctCounterScanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    [Fact]
    public void A_value_found_after_the_ring_wrapped_moves_to_the_newest_place_with_its_latest_spelling()
    {
        // N = 5: four values kept, in a ring of four. v1 leaves the window when v5 arrives, so v5 takes v1's place at
        // the start of the array while the ring starts at v2.
        var counter = new DistinctCounter<string>(5, TimeSpan.FromSeconds(60));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(0), "v1", "a"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(10), "v2", "b"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(20), "v3", "c"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(30), "v4", "d"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(65), "v5", "e"));
        Assert.Equal(4, counter.GetCount("k"));

        // v5 (first in the array, last in the ring) in another spelling, then v3 (in the middle of the ring).
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(66), "V5", "f"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(67), "v3", "g"));
        Assert.Equal(4, counter.GetCount("k"));

        Assert.Equal(WindowTriggerOutcome.Detected, counter.Add("k", At(68), "v6", "h"));
        var d = counter.LastDetection;
        Assert.Equal(5, d.HitCount);
        Assert.Equal(["v2", "v4", "V5", "v3", "v6"], d.Values.ToArray());
        Assert.Equal(["b", "d", "f", "g", "h"], d.Items.ToArray());
    }

    [Fact]
    public void A_value_seen_again_out_of_time_order_keeps_the_ring_in_time_order()
    {
        var counter = new DistinctCounter<string>(4, TimeSpan.FromSeconds(60), new WindowedTriggerOptions { AllowedLateness = TimeSpan.FromSeconds(30) });
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(10), "v1", "a"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(20), "v2", "b"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(30), "v3", "c"));

        // v1 again at 25: newer than its entry, older than v3's: it goes between v2 and v3.
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(25), "v1", "d"));
        Assert.Equal(WindowTriggerOutcome.Detected, counter.Add("k", At(31), "v4", "e"));
        Assert.Equal(["v2", "v1", "v3", "v4"], counter.LastDetection.Values.ToArray());
        Assert.Equal(["b", "d", "c", "e"], counter.LastDetection.Items.ToArray());
    }

    [Fact]
    public void Values_that_share_a_cache_place_stay_apart()
    {
        // Same length and same last four characters: the same place in the cache of value strings.
        var counter = new DistinctCounter<string>(4, TimeSpan.FromSeconds(60));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(0), "a-0000", "a"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(1), "b-0000", "b"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(2), "A-0000", "c"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("j", At(3), "a-0000", "d"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(4), "b-0000", "e"));
        Assert.Equal(2, counter.GetCount("k"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(5), "c-0000", "f"));
        Assert.Equal(WindowTriggerOutcome.Detected, counter.Add("k", At(6), "a", "g"));
        Assert.Equal(["A-0000", "b-0000", "c-0000", "a"], counter.LastDetection.Values.ToArray());
    }

    [Fact]
    public void Recurring_values_are_one_string()
    {
        var counter = new DistinctCounter<string>(3, TimeSpan.FromSeconds(60));
        Span<char> first = ['1', '0', '.', '0', '.', '0', '.', '1'];
        Span<char> second = ['1', '0', '.', '0', '.', '0', '.', '1'];
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(0), first, "a"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(1), "x", "b"));
        Assert.Equal(WindowTriggerOutcome.Detected, counter.Add("k", At(2), "y", "c"));
        var fromK = counter.LastDetection.Values[0];
        Assert.Equal("10.0.0.1", fromK);

        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("j", At(3), second, "d"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("j", At(4), "x", "e"));
        Assert.Equal(WindowTriggerOutcome.Detected, counter.Add("j", At(5), "y", "f"));
        Assert.Same(fromK, counter.LastDetection.Values[0]);
    }
}
