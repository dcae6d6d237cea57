using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>
/// The sum core expires a key lazily while its values are whole multiples of 1/1024, not negative, with totals below
/// 2^43 (values that left the window stay counted until the total could reach the threshold, a ring would grow, or the
/// state is read). Lazy expiry may not show: outcomes, detections (hit count, total bits, items), totals and exported
/// state — bit for bit — equal those of a core that expires every key at once, with values that keep a key lazy, values
/// that make it eager (negative, not exact in binary, near 2^43), and across a checkpoint.
/// </summary>
public class SumLazyExpiryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    // Mostly values that keep a key lazy; then values that make it eager (negative, inexact, at and near 2^43).
    private static readonly double[] Values =
        [1, 2, 3, 0.25, 0.5, 7, 0, 1.0 / 1024, 2.75, 4, 1, 2, -0.0, 0.1, -1, -6, -20, 1e16, 3.3, 4398046511104, 8796093022207, 1.0 / 2048];

    public sealed record Step(int Key, int DeltaMillis, int Value, bool ReadTotal);

    public sealed record Case(int WindowSeconds, int ResolutionSeconds, int LatenessSeconds, double Threshold, int MaxItems, Step[] Steps, int Cut);

    public static class Arbitraries
    {
        public static Arbitrary<Case> Cases() => Arb.From(
            from window in Gen.Choose(1, 20)
            from resolution in Gen.Frequency((3, Gen.Constant(1)), (2, Gen.Choose(2, 5)))
            from lateness in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, 10)))
            from threshold in Gen.Elements(6.0, 10.5, 20.0, 8796093022208.0, 1e300, 0.6, 1e16)
            from maxItems in Gen.Frequency((2, Gen.Constant(1000)), (1, Gen.Constant(0)), (3, Gen.Choose(1, 4)))
            from steps in Gen.ArrayOf(
                from key in Gen.Choose(0, 2)
                from delta in Gen.Frequency(
                    (4, Gen.Constant(0)), (4, Gen.Choose(1, 3).Select(s => s * 1000)), (2, Gen.Choose(1, 2500)),
                    (1, Gen.Choose(5, 25).Select(s => s * 1000)), (2, Gen.Choose(-8000, -1)))
                from value in Gen.Frequency((10, Gen.Choose(0, 12)), (3, Gen.Choose(13, Values.Length - 1)))
                from read in Gen.Frequency((6, Gen.Constant(false)), (1, Gen.Constant(true)))
                select new Step(key, delta, value, read))
            from cut in Gen.Choose(0, 200)
            select new Case(window, resolution, lateness, threshold, maxItems, steps, cut));
    }

    [Property(MaxTest = 500, Arbitrary = [typeof(Arbitraries)])]
    public Property Lazy_expiry_changes_no_outcome_detection_total_or_checkpoint(Case c)
    {
        var eager = Run(c, eagerly: true, cut: null);
        var lazy = Run(c, eagerly: false, cut: null);
        var restarted = Run(c, eagerly: false, cut: c.Cut % (c.Steps.Length + 1));
        return (eager.SequenceEqual(lazy) && lazy.SequenceEqual(restarted))
            .Label($"eager {string.Join(" | ", eager)}\nlazy {string.Join(" | ", lazy)}\nrestarted {string.Join(" | ", restarted)}");
    }

    // In the examples a value 0 at 6 s keeps the key from being evicted as idle (which would start it afresh).
    [Fact]
    public void A_key_fires_when_its_window_reaches_the_threshold_after_values_left_it_unexpired()
    {
        // Whole values keep the key lazy: 4 and 4 at 0 s and 1 s leave the 10 s window at 10 s and 11 s; at 12 s the
        // stale total 8 + 3 would reach 10, but the window holds only 3 (after expiring), so no detection; 5 more at
        // 13 s (window 8) neither; 2 at 14 s brings the window to 10.
        var sum = new SlidingWindowSum<int>(10, TimeSpan.FromSeconds(10));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0, 4, 1));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(1), 4, 2));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(6), 0, 3));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(12), 3, 4));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(13), 5, 5));
        Assert.Equal(8, sum.GetTotal("k"));
        Assert.Equal(WindowTriggerOutcome.Detected, sum.Add("k", T0.AddSeconds(14), 2, 6));
        Assert.Equal(4, sum.LastDetection.HitCount);
        Assert.Equal(10, sum.LastDetection.Total);
        Assert.Equal(new[] { 3, 4, 5, 6 }, sum.LastDetection.Items.ToArray());
    }

    [Fact]
    public void A_negative_value_that_left_the_window_does_not_hide_a_detection()
    {
        // -5 at 0 s leaves the 10 s window at 10 s: at 11 s the window holds 0 and 12, which reaches the threshold 10
        // (a total still counting the -5, 7, would not: a negative value makes the key expire at once).
        var sum = new SlidingWindowSum<int>(10, TimeSpan.FromSeconds(10));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0, -5, 1));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(6), 0, 2));
        Assert.Equal(WindowTriggerOutcome.Detected, sum.Add("k", T0.AddSeconds(11), 12, 3));
        Assert.Equal(2, sum.LastDetection.HitCount);
        Assert.Equal(12, sum.LastDetection.Total);
    }

    [Fact]
    public void A_negative_value_after_values_left_the_window_is_summed_over_the_window_only()
    {
        // 9 at 0 s leaves the window at 10 s; at 11 s a negative value makes the key expire at once: the window holds
        // 0 and -1, then 10 at 12 s brings it to 9 (not 18, which the stale 9 would give), below the threshold 10.
        var sum = new SlidingWindowSum<int>(10, TimeSpan.FromSeconds(10));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0, 9, 1));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(6), 0, 2));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(11), -1, 3));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(12), 10, 4));
        Assert.Equal(9, sum.GetTotal("k"));
    }

    /// <summary>A core restored from <paramref name="sum"/>'s exported state into <paramref name="core"/>, as after a
    /// restart from a checkpoint (every key, idle ones too).</summary>
    internal static SlidingWindowSum<TItem> Restarted<TItem>(SlidingWindowSum<TItem> sum, SlidingWindowSum<TItem> core)
    {
        core.RestoreWatermark(sum.Clock.Watermark);
        foreach (var view in sum.Export())
        {
            core.RestoreKey(view);
        }

        return core;
    }

    private static SlidingWindowSum<int> Core(Case c, bool eagerly) => new(
        c.Threshold,
        TimeSpan.FromSeconds(c.WindowSeconds),
        new WindowedTriggerOptions
        {
            Resolution = TimeSpan.FromSeconds(c.ResolutionSeconds),
            AllowedLateness = TimeSpan.FromSeconds(c.LatenessSeconds),
            MaxItemsPerDetection = c.MaxItems,
        })
    {
        ExpiresEagerly = eagerly,
    };

    /// <summary>Per step: outcome, on a detection its hit count, total (bits) and items, and when the step asks, the key's
    /// total (bits); at the end the exported state of the keys a checkpoint holds.</summary>
    private static List<string> Run(Case c, bool eagerly, int? cut)
    {
        var sum = Core(c, eagerly);
        var results = new List<string>();
        var time = T0;
        for (var i = 0; i < c.Steps.Length; i++)
        {
            if (i == cut)
            {
                sum = Restarted(sum, Core(c, eagerly));
            }

            var s = c.Steps[i];
            time = time.AddMilliseconds(s.DeltaMillis);
            var key = "k" + s.Key;
            var outcome = sum.Add(key, time, Values[s.Value], i);
            var detection = outcome == WindowTriggerOutcome.Detected
                ? $" {sum.LastDetection.HitCount} {BitConverter.DoubleToInt64Bits(sum.LastDetection.Total)} [{string.Join(",", sum.LastDetection.Items.ToArray())}]"
                : string.Empty;

            // Reading a total expires the key (lazily expired keys): only at some steps, so that stale values pile up.
            var total = s.ReadTotal && outcome == WindowTriggerOutcome.Counted ? $" {BitConverter.DoubleToInt64Bits(sum.GetTotal(key))}" : string.Empty;
            results.Add($"{outcome}{total}{detection}");
        }

        // The state a checkpoint holds: without idle keys (a restart reschedules the sweeps that evict them).
        var keys = sum.Export();
        WindowedDetectors.RemoveIdle(keys, static k => k.NewestSlot, sum.Clock);
        results.Add(SumKeptItemsFormTests.Describe(keys));
        return results;
    }
}
