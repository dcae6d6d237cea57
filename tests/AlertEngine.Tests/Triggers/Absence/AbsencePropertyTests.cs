using System.Reactive.Linq;
using AlertEngine.Testing;
using AlertEngine.Tests.Triggers.NewValue;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Absence;

/// <summary>A generated absence case: the window in seconds and inputs in time order (equal times frequent, gaps at the
/// window's edge, inputs of other operations that only move the clock).</summary>
public sealed record AbsenceScenario(int WindowSeconds, IReadOnlyList<AbsenceEvent<int>> Events)
{
    public TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);

    public override string ToString() =>
        $"window {WindowSeconds}s: " +
        string.Join(", ", Events.Select(e => $"{(e.Matches ? e.Key : "·")}@{(e.Time - AbsencePropertyTests.T0).TotalSeconds}#{e.Item}"));
}

public static class AbsenceArbitraries
{
    private static readonly string[] Keys = ["alice", "ALICE", "bob", "carol"];

    public static Arbitrary<AbsenceScenario> Scenarios()
    {
        var gen =
            from window in Gen.Choose(1, 8)
            from n in Gen.Choose(0, 40)
            from steps in Gen.ArrayOf(
                from key in Gen.Elements(Keys)
                from matches in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
                from delta in Gen.Frequency(
                    (4, Gen.Constant(0)),
                    (3, Gen.Choose(1, 3)),
                    (2, Gen.Elements(window - 1, window, window + 1)),
                    (1, Gen.Choose(window, 4 * window)))
                select (key, matches, delta), n)
            select new AbsenceScenario(window, ToEvents(steps));
        return Arb.From(gen, s => Enumerable.Range(0, s.Events.Count).Select(i => s with { Events = [.. s.Events.Where((_, j) => j != i)] }));
    }

    private static List<AbsenceEvent<int>> ToEvents((string Key, bool Matches, int Delta)[] steps)
    {
        var t = AbsencePropertyTests.T0;
        var events = new List<AbsenceEvent<int>>();
        for (var i = 0; i < steps.Length; i++)
        {
            t = t.AddSeconds(steps[i].Delta);
            events.Add(new AbsenceEvent<int>(steps[i].Key, t, i, steps[i].Matches));
        }

        return events;
    }
}

public class AbsencePropertyTests
{
    internal static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Property(MaxTest = 400, Arbitrary = [typeof(AbsenceArbitraries)])]
    public Property Tracker_firings_equal_the_naive_oracle(AbsenceScenario scenario)
    {
        var expected = AbsenceOracle.Run(scenario.Events, scenario.Window);
        var actual = Run(new SilenceTracker<int>(scenario.Window), scenario.Events, 0, long.MinValue);
        return expected.SequenceEqual(actual).Label(SlidingWindowCounterPropertyTests.Explain(expected, actual));
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(AbsenceArbitraries)])]
    public Property A_restart_from_exported_state_at_any_point_gives_the_same_firings(AbsenceScenario scenario, NonNegativeInt cut)
    {
        var split = cut.Get % (scenario.Events.Count + 1);
        var expected = Run(new SilenceTracker<int>(scenario.Window), scenario.Events, 0, long.MinValue);
        var before = new SilenceTracker<int>(scenario.Window);
        var actual = Run(before, scenario.Events.Take(split), 0, long.MinValue);
        var after = new SilenceTracker<int>(scenario.Window);
        after.ImportSequence(before.Sequence);
        foreach (var (key, last, sequence, item) in before.ExportKeys().Reverse())
        {
            after.ImportKey(key, last, sequence, item); // any order: the queue sorts by (due, sequence)
        }

        var clock = split == 0 ? long.MinValue : scenario.Events.Take(split).Max(e => e.Time.UtcTicks);
        actual.AddRange(Run(after, scenario.Events.Skip(split), split, clock));
        return expected.SequenceEqual(actual).Label($"split at {split}: " + SlidingWindowCounterPropertyTests.Explain(expected, actual));
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(AbsenceArbitraries)])]
    public Property The_operator_over_activities_equals_the_oracle_detections(AbsenceScenario scenario)
    {
        var activities = scenario.Events.Select(e => new Activity("a" + e.Item, e.Time, e.Matches ? "FileDeleted" : "UserLoggedIn") { UserId = e.Key }).ToList();
        Func<Activity, bool> matches = a => a.Operation == "FileDeleted";
        var expected = AbsenceOracle.Detections(activities, scenario.Window, a => a.UserId, matches);
        var actual = NewValuePropertyTests.Collect(activities.ToObservable().Absences(scenario.Window, TriggerScope.User, matches));
        return NewValuePropertyTests.Same(expected, actual)
            .Label($"{NewValuePropertyTests.Describe(expected)} vs {NewValuePropertyTests.Describe(actual)}");
    }

    /// <summary>Drives a tracker as the engine does: each input first moves the clock (firing what is due), then counts if it matches.</summary>
    internal static List<AbsenceFiring<int>> Run(SilenceTracker<int> tracker, IEnumerable<AbsenceEvent<int>> events, int firstIndex, long clock)
    {
        var fired = new List<AbsenceFiring<int>>();
        var i = firstIndex;
        foreach (var e in events)
        {
            if (e.Time.UtcTicks > clock)
            {
                clock = e.Time.UtcTicks;
                while (tracker.TryFire(e.Time, out var f))
                {
                    fired.Add(new AbsenceFiring<int>(i, f.Key, f.LastTime, f.Due, f.Item));
                }
            }

            if (e.Matches)
            {
                tracker.Observe(e.Key, e.Time, e.Item);
            }

            i++;
        }

        return fired;
    }
}
