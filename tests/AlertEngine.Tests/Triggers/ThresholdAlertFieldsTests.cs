using System.Globalization;
using System.Net;
using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers;

/// <summary>
/// A threshold detector whose windows keep only what an alert lists of each activity (<see cref="AlertFields"/>, the
/// Orleans partitions' choice): the same detections as the naive oracle, with activities equal in every field an
/// alert reads, across a restart from its own checkpoint or from a whole-activity detector's checkpoint (the format
/// written before) at a random cut, and checkpoints that a whole-activity detector reads back.
/// </summary>
public class ThresholdAlertFieldsTests
{
    private static readonly string[] Workloads = ["SharePoint", "Exchange"];

    private static AlertPolicy Policy(ThresholdTrigger trigger) => new()
    {
        Id = "mass-delete",
        Name = "Mass file deletion",
        Operations = ["FileDeleted", "FileRecycled"],
        Trigger = trigger,
    };

    /// <summary>The scenario's activities with every field set on some of them (objects, addresses, tags, workloads,
    /// properties), and two operations.</summary>
    private static List<Activity> Rich(ThresholdScenario scenario)
    {
        var list = new List<Activity>();
        var plain = scenario.Activities();
        for (var i = 0; i < plain.Count; i++)
        {
            var a = plain[i];
            var n = i.ToString(CultureInfo.InvariantCulture);
            list.Add(new Activity(a.Id, a.Time, i % 3 == 0 ? "FileRecycled" : "FileDeleted")
            {
                UserId = a.UserId,
                ObjectId = i % 2 == 0 ? "/sites/x/doc" + n + ".docx" : null,
                ClientIp = i % 4 == 1 ? IPAddress.Parse("10.0.0." + (i % 250).ToString(CultureInfo.InvariantCulture)) : i % 4 == 3 ? IPAddress.IPv6Loopback : null,
                UserTags = i % 5 == 0 ? ["Priority account", "t" + n] : [],
                Workload = Workloads[i % 2],
                Properties = i % 3 == 1 ? new Dictionary<string, string> { ["FileName"] = "doc" + n, ["Site"] = "x" } : new Dictionary<string, string>(),
            });
        }

        return list;
    }

    private static ThresholdDetector Detector(ThresholdScenario scenario, bool alertFieldsOnly)
    {
        var counter = scenario.CounterOptions();
        var trigger = new ThresholdTrigger(scenario.Threshold, scenario.Window, TriggerScope.User);
        var options = new AlertEngineOptions
        {
            ThresholdResolution = counter.Resolution,
            AllowedLateness = counter.AllowedLateness,
            MaxActivitiesPerAlert = counter.MaxItemsPerDetection,
        };
        return new ThresholdDetector(Policy(trigger), trigger, options, _ => { }, alertFieldsOnly);
    }

    private static ThresholdDetector Restored(ThresholdScenario scenario, ThresholdDetector from, bool alertFieldsOnly)
    {
        using var writer = new CheckpointWriter();
        from.WriteState(writer);
        var reader = new CheckpointReader(writer.Written.ToArray());
        var restored = Detector(scenario, alertFieldsOnly);
        restored.ReadState(reader);
        reader.ExpectEnd("the threshold state");
        return restored;
    }

    /// <summary>What an alert reads of an activity (<see cref="AlertAggregator"/>: <see cref="AlertActivity"/> and the
    /// user tags).</summary>
    private static string AlertView(Activity a) =>
        $"{AlertActivity.From(a)} tags [{string.Join("|", a.UserTags)}]";

    private static string Describe(Detection d, Func<Activity, string> view) =>
        $"{d.Time:O} {d.TriggeringActivity.Id} {d.ScopeKey} x{d.HitCount} [{string.Join(", ", d.Activities.Select(view))}]";

    [Property(MaxTest = 300, Arbitrary = [typeof(ThresholdArbitraries)])]
    public Property Detections_equal_the_oracle_in_every_alert_field_across_a_restart_at_a_random_cut(ThresholdScenario scenario, NonNegativeInt cut, bool fromWholeCheckpoint)
    {
        var activities = Rich(scenario);
        var counter = scenario.CounterOptions();
        counter.KeyComparer = StringComparer.OrdinalIgnoreCase;
        var expected = ThresholdOracle.Detections(activities, scenario.Threshold, scenario.Window, a => a.UserId, counter);

        // Before the cut: an alert-fields detector, or (fromWholeCheckpoint) a whole-activity one whose checkpoint an
        // alert-fields detector then reads: a partition restored from state that an earlier build persisted.
        var split = activities.Count == 0 ? 0 : cut.Get % (activities.Count + 1);
        var before = Detector(scenario, alertFieldsOnly: !fromWholeCheckpoint);
        var actual = new List<Detection>();
        var triggeringIsTheObserved = true;
        for (var i = 0; i < split; i++)
        {
            if (before.Observe(activities[i]) is { } d)
            {
                triggeringIsTheObserved &= ReferenceEquals(d.TriggeringActivity, activities[i]);
                actual.Add(d);
            }
        }

        var after = Restored(scenario, before, alertFieldsOnly: true);
        for (var i = split; i < activities.Count; i++)
        {
            if (after.Observe(activities[i]) is { } d)
            {
                triggeringIsTheObserved &= ReferenceEquals(d.TriggeringActivity, activities[i]);
                actual.Add(d);
            }
        }

        var e = expected.Select(d => Describe(d, AlertView)).ToList();
        var a = actual.Select(d => Describe(d, AlertView)).ToList();
        return (after.KeepsAlertFieldsOnly && triggeringIsTheObserved && e.SequenceEqual(a))
            .Label($"split at {split} of {activities.Count}: {SlidingWindowCounterPropertyTests.Explain(e, a)}");
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(ThresholdArbitraries)])]
    public Property A_whole_activity_detector_restored_from_an_alert_fields_checkpoint_detects_the_same(ThresholdScenario scenario, NonNegativeInt cut)
    {
        // Activities without workload and properties: then the whole detector's kept activities are the alert
        // fields, and both kinds write the same bytes.
        var activities = scenario.Activities().ToList();
        var split = activities.Count == 0 ? 0 : cut.Get % (activities.Count + 1);
        var whole = Detector(scenario, alertFieldsOnly: false);
        var fields = Detector(scenario, alertFieldsOnly: true);
        var expected = new List<string>();
        var actual = new List<string>();
        for (var i = 0; i < split; i++)
        {
            Add(expected, whole.Observe(activities[i]));
            Add(actual, fields.Observe(activities[i]));
        }

        using var wholeBytes = new CheckpointWriter();
        whole.WriteState(wholeBytes);
        using var fieldBytes = new CheckpointWriter();
        fields.WriteState(fieldBytes);
        var sameBytes = wholeBytes.Written.SequenceEqual(fieldBytes.Written);

        var back = Restored(scenario, fields, alertFieldsOnly: false);
        for (var i = split; i < activities.Count; i++)
        {
            Add(expected, whole.Observe(activities[i]));
            Add(actual, back.Observe(activities[i]));
        }

        return (sameBytes && !back.KeepsAlertFieldsOnly && expected.SequenceEqual(actual))
            .Label($"split at {split}: same bytes {sameBytes}; {SlidingWindowCounterPropertyTests.Explain(expected, actual)}");

        static void Add(List<string> into, Detection? d)
        {
            if (d is not null)
            {
                into.Add(Describe(d, AlertView));
            }
        }
    }

    [Fact]
    public void Kept_activities_keep_the_alert_fields_and_drop_the_rest_and_the_triggering_one_is_the_instance()
    {
        var t0 = ThresholdScenario.Start;
        var trigger = new ThresholdTrigger(2, TimeSpan.FromMinutes(1), TriggerScope.User);
        var detector = new ThresholdDetector(Policy(trigger), trigger, new AlertEngineOptions(), _ => { }, alertFieldsOnly: true);
        var first = new Activity("a", t0, "FileDeleted")
        {
            UserId = "alice",
            ObjectId = "/x.docx",
            ClientIp = IPAddress.Parse("10.1.2.3"),
            UserTags = ["Priority account"],
            Workload = "SharePoint",
            Properties = new Dictionary<string, string> { ["FileName"] = "x.docx" },
        };
        var second = new Activity("b", t0.AddSeconds(1), "FileRecycled") { UserId = "ALICE", Workload = "SharePoint" };

        Assert.Null(detector.Observe(first));
        var d = detector.Observe(second);

        Assert.NotNull(d);
        Assert.Same(second, d.TriggeringActivity);
        Assert.Same(second, d.Activities[1]);
        var kept = d.Activities[0];
        Assert.NotSame(first, kept);
        Assert.Equal(AlertActivity.From(first), AlertActivity.From(kept));
        Assert.Equal(first.UserTags, kept.UserTags);
        Assert.Null(kept.Workload);
        Assert.Empty(kept.Properties);
    }

    [Fact]
    public void Whole_activity_detectors_carry_the_counted_instances()
    {
        var t0 = ThresholdScenario.Start;
        var trigger = new ThresholdTrigger(2, TimeSpan.FromMinutes(1), TriggerScope.User);
        var detector = new ThresholdDetector(Policy(trigger), trigger, new AlertEngineOptions(), _ => { });
        var first = new Activity("a", t0, "FileDeleted") { UserId = "alice", Properties = new Dictionary<string, string> { ["FileName"] = "x" } };

        Assert.Null(detector.Observe(first));
        var d = detector.Observe(new Activity("b", t0.AddSeconds(1), "FileDeleted") { UserId = "alice" });

        Assert.NotNull(d);
        Assert.Same(first, d.Activities[0]);
        Assert.False(detector.KeepsAlertFieldsOnly);
    }
}
