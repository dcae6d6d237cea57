using System.Net;
using System.Reactive.Linq;
using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.NewValue;

/// <summary>A generated new-value case: parameters in seconds and inputs in time order (equal times frequent).</summary>
public sealed record NewValueScenario(int LookbackSeconds, int LearningSeconds, IReadOnlyList<NewValueEvent> Events)
{
    public TimeSpan Lookback => TimeSpan.FromSeconds(LookbackSeconds);

    public TimeSpan Learning => TimeSpan.FromSeconds(LearningSeconds);

    public override string ToString() =>
        $"lookback {LookbackSeconds}s, learning {LearningSeconds}s: " +
        string.Join(", ", Events.Select(e => $"{e.Key}@{(e.Time - NewValuePropertyTests.T0).TotalSeconds}={e.Value ?? "∅"}"));
}

public static class NewValueArbitraries
{
    private static readonly string[] Keys = ["alice", "ALICE", "bob", "carol"];
    private static readonly string?[] Values = ["10.0.0.1", "a", "A", "b", "B", "c", null, ""];

    /// <summary>Values "v0" to "v9" (a key can remember more than the tracker scans, 8, and then use its index), and
    /// values that share the tracker's fingerprint with "a", "b", "v0" and "v1" (so that the scan meets fingerprints
    /// that are not the value), in either case.</summary>
    private static readonly string[] More =
    [
        .. Enumerable.Range(0, 10).Select(i => "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        SamePrint("a"), SamePrint("b"), SamePrint("v0"), SamePrint("V1"),
    ];

    /// <summary>A value other than <paramref name="value"/> with the same fingerprint in the tracker.</summary>
    internal static string SamePrint(string value)
    {
        var print = NewValueTracker.Print(value);
        for (var j = 0; ; j++)
        {
            var other = "p" + j.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (NewValueTracker.Print(other) == print && !other.Equals(value, StringComparison.OrdinalIgnoreCase))
            {
                return other;
            }
        }
    }

    public static Arbitrary<NewValueScenario> Scenarios()
    {
        var gen =
            from lookback in Gen.Choose(1, 12)
            from learning in Gen.Frequency((2, Gen.Constant(0)), (5, Gen.Choose(1, 20)))
            from n in Gen.Choose(0, 40)
            from steps in Gen.ArrayOf(
                from key in Gen.Elements(Keys)
                from value in Gen.Frequency(
                    (3, Gen.Elements(Values)),
                    (2, Gen.Elements(More).Select(v => (string?)v)),
                    (1, Gen.Elements(More).Select(v => (string?)v.ToUpperInvariant())))
                from delta in Gen.Frequency(
                    (4, Gen.Constant(0)),
                    (3, Gen.Choose(1, 3)),
                    (2, Gen.Elements(lookback - 1, lookback, lookback + 1, learning, learning + 1)),
                    (1, Gen.Choose(lookback, 3 * lookback)))
                select (key, value, delta: Math.Max(0, delta)), n)
            select new NewValueScenario(lookback, learning, ToEvents(steps));
        return Arb.From(gen, s => Enumerable.Range(0, s.Events.Count).Select(i => s with { Events = [.. s.Events.Where((_, j) => j != i)] }));
    }

    private static List<NewValueEvent> ToEvents((string Key, string? Value, int Delta)[] steps)
    {
        var t = NewValuePropertyTests.T0;
        var events = new List<NewValueEvent>();
        foreach (var (key, value, delta) in steps)
        {
            t = t.AddSeconds(delta);
            events.Add(new NewValueEvent(key, t, value));
        }

        return events;
    }
}

public class NewValuePropertyTests
{
    internal static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Property(MaxTest = 400, Arbitrary = [typeof(NewValueArbitraries)])]
    public Property Tracker_outcomes_equal_the_naive_oracle(NewValueScenario scenario)
    {
        var expected = NewValueOracle.Run(scenario.Events, scenario.Lookback, scenario.Learning);
        var actual = Run(new NewValueTracker(scenario.Lookback, scenario.Learning), scenario.Events);
        return expected.SequenceEqual(actual).Label(SlidingWindowCounterPropertyTests.Explain(expected, actual));
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(NewValueArbitraries)])]
    public Property A_restart_from_exported_state_at_any_point_gives_the_same_outcomes(NewValueScenario scenario, NonNegativeInt cut)
    {
        var split = cut.Get % (scenario.Events.Count + 1);
        var expected = Run(new NewValueTracker(scenario.Lookback, scenario.Learning), scenario.Events);
        var before = new NewValueTracker(scenario.Lookback, scenario.Learning);
        var actual = Run(before, scenario.Events.Take(split));
        var after = new NewValueTracker(scenario.Lookback, scenario.Learning);
        foreach (var (key, first, values) in before.ExportKeys())
        {
            after.ImportKey(key, first, values);
        }

        actual.AddRange(Run(after, scenario.Events.Skip(split)));
        return expected.SequenceEqual(actual).Label($"split at {split}: " + SlidingWindowCounterPropertyTests.Explain(expected, actual));
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(NewValueArbitraries)])]
    public Property The_operator_over_activities_equals_the_oracle_detections(NewValueScenario scenario)
    {
        // The value goes into clientIp when it is an address, otherwise into a property; a missing value is missing.
        var activities = scenario.Events.Select((e, i) => new Activity("a" + i, e.Time, "FileDownloaded")
        {
            UserId = e.Key,
            ClientIp = e.Value is { } v && IPAddress.TryParse(v, out var ip) ? ip.MapToIPv6() : null,
            Properties = e.Value is { Length: > 0 } p && !IPAddress.TryParse(p, out _) ? new Dictionary<string, string> { ["Tag"] = p } : new Dictionary<string, string>(),
        }).ToList();
        var ipExpected = NewValueOracle.Detections(activities, a => a.ClientIp?.MapToIPv4().ToString(), a => a.UserId, scenario.Lookback, scenario.Learning);
        var tagExpected = NewValueOracle.Detections(activities, a => a.TryGetProperty("Tag", out var t) ? t : null, a => a.UserId, scenario.Lookback, scenario.Learning);

        var ipActual = Collect(activities.ToObservable().NewValues("clientip", TriggerScope.User, scenario.Lookback, scenario.Learning));
        var tagActual = Collect(activities.ToObservable().NewValues("Tag", TriggerScope.User, scenario.Lookback, scenario.Learning));

        return (Same(ipExpected, ipActual) && Same(tagExpected, tagActual))
            .Label($"ip {Describe(ipExpected)} vs {Describe(ipActual)}; tag {Describe(tagExpected)} vs {Describe(tagActual)}");
    }

    internal static List<Detection> Collect(IObservable<Detection> detections)
    {
        var list = new List<Detection>();
        using var _ = detections.Subscribe(list.Add);
        return list;
    }

    /// <summary>Equal detections: times, activities (by id; a restored detector carries copies), hit counts, keys, reasons.</summary>
    internal static bool Same(IReadOnlyList<Detection> expected, IReadOnlyList<Detection> actual) =>
        expected.Count == actual.Count && expected.Zip(actual).All(p =>
            p.First.Time == p.Second.Time
            && p.First.TriggeringActivity.Id == p.Second.TriggeringActivity.Id
            && p.First.TriggeringActivity.Time == p.Second.TriggeringActivity.Time
            && p.First.Activities.Select(a => a.Id).SequenceEqual(p.Second.Activities.Select(a => a.Id))
            && p.First.HitCount == p.Second.HitCount
            && p.First.ScopeKey == p.Second.ScopeKey
            && Equals(p.First.Reason, p.Second.Reason)
            && p.First.PolicyId == p.Second.PolicyId);

    internal static string Describe(IReadOnlyList<Detection> detections) =>
        "[" + string.Join(", ", detections.Select(d => $"{d.TriggeringActivity.Id}@{d.Time:HH:mm:ss} {d.ScopeKey} {d.Reason}")) + "]";

    private static List<NewValueOutcome?> Run(NewValueTracker tracker, IEnumerable<NewValueEvent> events) =>
        events.Select(e => string.IsNullOrEmpty(e.Value) ? (NewValueOutcome?)null : tracker.Observe(e.Key, e.Time, e.Value)).ToList();
}
