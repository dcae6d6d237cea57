using AlertEngine.Testing;
using AlertEngine.Tests.Triggers.Absence;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.NewValue;

/// <summary>
/// The checkpoint contract of the new-value and absence detectors: for any stream and cut point i, run A over the whole
/// stream; run B over stream[..i], WriteState, ReadState into a fresh detector C, run C over stream[i..]: the detections
/// of B then C equal A's (times, activities, hit counts, reasons).
/// </summary>
public class NewValueCheckpointTests
{
    private static readonly NewValueTrigger Trigger = new("Tag", TriggerScope.User, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(7));

    private static readonly AlertPolicy Policy = new() { Id = "nv", Name = "nv", Operations = ["Op"], Trigger = Trigger };

    [Property(MaxTest = 300, Arbitrary = [typeof(NewValueArbitraries)])]
    public Property NewValue_detector_restored_at_any_cut_gives_the_detections_of_one_run(NewValueScenario scenario, NonNegativeInt cut)
    {
        var trigger = Trigger with { Lookback = scenario.Lookback, LearningPeriod = scenario.Learning };
        var policy = Policy with { Trigger = trigger };
        var activities = scenario.Events.Select((e, i) => new Activity("a" + i, e.Time, "Op")
        {
            UserId = e.Key,
            Properties = e.Value is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Tag"] = e.Value },
        }).ToList();
        var split = cut.Get % (activities.Count + 1);
        NewValueDetector Fresh() => new(policy, trigger, new AlertEngineOptions(), _ => { });

        var expected = Observe(Fresh(), activities);
        var before = Fresh();
        var actual = Observe(before, activities.Take(split));
        var after = Fresh();
        Restore(before, after);
        actual.AddRange(Observe(after, activities.Skip(split)));

        var oracle = NewValueOracle.Detections(activities, a => a.TryGetProperty("Tag", out var t) ? t : null, a => a.UserId, scenario.Lookback, scenario.Learning);
        return (NewValuePropertyTests.Same(expected, actual) && NewValuePropertyTests.Same(oracle, expected.Select(d => Unnamed(d)).ToList()))
            .Label($"split at {split}: {NewValuePropertyTests.Describe(expected)} vs {NewValuePropertyTests.Describe(actual)}");
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(AbsenceArbitraries)])]
    public Property Absence_detector_restored_at_any_cut_gives_the_detections_of_one_run(AbsenceScenario scenario, NonNegativeInt cut)
    {
        var trigger = new AbsenceTrigger(scenario.Window, TriggerScope.User);
        var policy = new AlertPolicy { Id = "ab", Name = "ab", Operations = ["FileDeleted"], Trigger = trigger };
        var activities = scenario.Events.Select(e => new Activity("a" + e.Item, e.Time, e.Matches ? "FileDeleted" : "Other") { UserId = e.Key }).ToList();
        var split = cut.Get % (activities.Count + 1);
        AbsenceDetector Fresh() => new(policy, trigger, new AlertEngineOptions(), _ => { });

        var expected = new List<Detection>();
        RunEngineStyle(Fresh(), activities, long.MinValue, expected);
        var before = Fresh();
        var actual = new List<Detection>();
        var clock = RunEngineStyle(before, activities.Take(split), long.MinValue, actual);
        var after = Fresh();
        Restore(before, after);
        RunEngineStyle(after, activities.Skip(split), clock, actual);

        var oracle = AbsenceOracle.Detections(activities, scenario.Window, a => a.UserId, a => a.Operation == "FileDeleted");
        return (NewValuePropertyTests.Same(expected, actual) && NewValuePropertyTests.Same(oracle, expected.Select(d => Unnamed(d)).ToList()))
            .Label($"split at {split}: {NewValuePropertyTests.Describe(expected)} vs {NewValuePropertyTests.Describe(actual)}");
    }

    [Fact]
    public void Malformed_state_is_invalid_data()
    {
        var detector = new NewValueDetector(Policy, Trigger, new AlertEngineOptions(), _ => { });
        detector.Observe(new Activity("a", NewValuePropertyTests.T0, "Op") { UserId = "alice", Properties = new Dictionary<string, string> { ["Tag"] = "x" } });
        using var writer = new CheckpointWriter();
        detector.WriteState(writer);
        var bytes = writer.Written.ToArray();

        for (var length = 0; length < bytes.Length; length++)
        {
            var fresh = new NewValueDetector(Policy, Trigger, new AlertEngineOptions(), _ => { });
            Assert.Throws<InvalidDataException>(() =>
            {
                var reader = new CheckpointReader(bytes.AsMemory(0, length));
                fresh.ReadState(reader);
                reader.ExpectEnd("the state");
            });
        }
    }

    [Fact]
    public void State_over_the_key_cap_of_the_new_options_does_not_fit()
    {
        var trigger = new AbsenceTrigger(TimeSpan.FromMinutes(1), TriggerScope.User);
        var policy = new AlertPolicy { Id = "ab", Name = "ab", Operations = ["FileDeleted"], Trigger = trigger };
        var detector = new AbsenceDetector(policy, trigger, new AlertEngineOptions(), _ => { });
        detector.Observe(new Activity("a", NewValuePropertyTests.T0, "FileDeleted") { UserId = "alice" });
        detector.Observe(new Activity("b", NewValuePropertyTests.T0, "FileDeleted") { UserId = "bob" });
        using var writer = new CheckpointWriter();
        detector.WriteState(writer);

        var small = new AbsenceDetector(policy, trigger, new AlertEngineOptions { MaxTrackedKeysPerPolicy = 1 }, _ => { });
        Assert.Throws<ArgumentException>(() => small.ReadState(new CheckpointReader(writer.Written.ToArray())));
    }

    /// <summary>Drives an absence detector as the engine does: a later time first advances the clock, then the activity
    /// is observed if it matches. Returns the clock.</summary>
    internal static long RunEngineStyle(AbsenceDetector detector, IEnumerable<Activity> activities, long clock, List<Detection> detections)
    {
        foreach (var activity in activities)
        {
            if (activity.Time.UtcTicks > clock)
            {
                clock = activity.Time.UtcTicks;
                detector.AdvanceClock(activity.Time, detections);
            }

            if (activity.Operation == "FileDeleted")
            {
                Assert.Null(detector.Observe(activity));
            }
        }

        return clock;
    }

    private static List<Detection> Observe(NewValueDetector detector, IEnumerable<Activity> activities) =>
        activities.Select(detector.Observe).OfType<Detection>().ToList();

    private static void Restore(IPolicyDetector from, IPolicyDetector to)
    {
        using var writer = new CheckpointWriter();
        from.WriteState(writer);
        writer.CheckComplete();
        var reader = new CheckpointReader(writer.Written.ToArray());
        to.ReadState(reader);
        reader.ExpectEnd("the detector state");
    }

    private static Detection Unnamed(Detection d) =>
        new(d.Time, d.TriggeringActivity, d.Activities, d.HitCount, d.ScopeKey) { Reason = d.Reason };
}
