using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers;

public class SlidingWindowCounterPropertyTests
{
    [Property(MaxTest = 300, Arbitrary = [typeof(ThresholdArbitraries)])]
    public Property Counter_outcomes_and_detections_equal_the_naive_oracle(ThresholdScenario scenario)
    {
        var events = scenario.Events();
        var expected = ThresholdOracle.Run(events, scenario.Threshold, scenario.Window, scenario.CounterOptions());
        var actual = RunCounter(new SlidingWindowCounter<int>(scenario.Threshold, scenario.Window, scenario.CounterOptions()), events);
        return expected.SequenceEqual(actual).Label(Explain(expected, actual));
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(ThresholdArbitraries)])]
    public Property A_restart_from_a_snapshot_at_any_point_gives_the_same_results(ThresholdScenario scenario, NonNegativeInt cut)
    {
        var events = scenario.Events();
        var split = events.Count == 0 ? 0 : cut.Get % (events.Count + 1);
        var expected = RunCounter(new SlidingWindowCounter<int>(scenario.Threshold, scenario.Window, scenario.CounterOptions()), events);

        var before = new SlidingWindowCounter<int>(scenario.Threshold, scenario.Window, scenario.CounterOptions());
        var actual = RunCounter(before, events.Take(split)).ToList();
        var after = new SlidingWindowCounter<int>(scenario.Threshold, scenario.Window, scenario.CounterOptions());
        after.Restore(before.CreateSnapshot());
        actual.AddRange(RunCounter(after, events.Skip(split)));

        return expected.SequenceEqual(actual).Label($"split at {split}: " + Explain(expected, actual));
    }

    /// <summary>
    /// With items of a reference type (the engine's activities) the counter clears what it stops keeping: its debug
    /// build asserts that every array it grows out of or gives back to its pool holds no item, which this runs through
    /// growth, expiry, detections and eviction (at the end the watermark moves to the end of time).
    /// </summary>
    [Property(MaxTest = 200, Arbitrary = [typeof(ThresholdArbitraries)])]
    public Property Counter_keeping_reference_items_equals_the_naive_oracle(ThresholdScenario scenario)
    {
        var events = scenario.Events()
            .Select(e => new ThresholdEvent<string>(e.Key, e.Time, e.Item.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        var expected = ThresholdOracle.Run(events, scenario.Threshold, scenario.Window, scenario.CounterOptions())
            .Select(r => (r.Outcome, r.Key, r.HitCount, string.Join(",", r.Items)))
            .ToList();
        var counter = new SlidingWindowCounter<string>(scenario.Threshold, scenario.Window, scenario.CounterOptions());
        var actual = new List<(SlidingWindowOutcome, string, int, string)>();
        foreach (var e in events)
        {
            var outcome = counter.Add(e.Key, e.Time, e.Item);
            actual.Add(outcome == SlidingWindowOutcome.Detected
                ? (outcome, counter.LastDetection.Key, counter.LastDetection.HitCount, string.Join(",", counter.LastDetection.Items.ToArray()))
                : (outcome, e.Key, 0, string.Join(",", Array.Empty<string>())));
        }

        // Evicts every key whose window ends before the end of time (all of them unless the window is that long).
        counter.AdvanceTo(DateTimeOffset.MaxValue);
        return expected.SequenceEqual(actual).Label(Explain(expected, actual));
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(ThresholdArbitraries)])]
    public Property No_key_ever_holds_more_than_its_slot_bound(ThresholdScenario scenario)
    {
        var counter = new SlidingWindowCounter<int>(scenario.Threshold, scenario.Window, scenario.CounterOptions());
        var bound = (int)Math.Min(scenario.Threshold - 1, (long)Math.Ceiling(scenario.WindowUnits / (double)scenario.ResolutionUnits));
        var ok = true;
        foreach (var e in scenario.Events())
        {
            counter.Add(e.Key, e.Time, e.Item);
            ok &= counter.SlotCapacity(e.Key) <= bound && counter.MaxSlotsPerKey == bound;
        }

        return ok.Label($"bound {bound}");
    }

    internal static List<ThresholdResult<int>> RunCounter(SlidingWindowCounter<int> counter, IEnumerable<ThresholdEvent<int>> events)
    {
        var results = new List<ThresholdResult<int>>();
        foreach (var e in events)
        {
            var outcome = counter.Add(e.Key, e.Time, e.Item);
            results.Add(outcome == SlidingWindowOutcome.Detected
                ? new(outcome, counter.LastDetection.Key, counter.LastDetection.HitCount, counter.LastDetection.Items.ToArray())
                : new(outcome, e.Key, 0, []));
        }

        return results;
    }

    internal static string Explain<T>(IReadOnlyList<T> expected, IReadOnlyList<T> actual)
    {
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            var e = i < expected.Count ? expected[i]?.ToString() : "(none)";
            var a = i < actual.Count ? actual[i]?.ToString() : "(none)";
            if (e != a)
            {
                return $"first difference at input {i}: expected {e}, actual {a}";
            }
        }

        return "equal";
    }
}

public static class ThresholdArbitraries
{
    public static Arbitrary<ThresholdScenario> Scenarios() => ThresholdGenerators.Scenarios();
}
