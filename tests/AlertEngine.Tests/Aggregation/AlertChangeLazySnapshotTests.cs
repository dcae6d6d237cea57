using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Aggregation;

/// <summary>
/// A change the aggregator makes keeps what its alert snapshot needs and makes the <see cref="Alert"/> when it is first
/// read (<see cref="AlertChange"/>, AlertSnapshotSource): a change kept by an observer and read late, in any order, on
/// any thread, after any number of later detections, new alerts and checkpoint restores, must show exactly the snapshot
/// it had when it was made (the naive oracle: every rule of <see cref="AlertAggregator"/> with a fresh copy per change).
/// </summary>
public class AlertChangeLazySnapshotTests
{
    private static readonly string[] Tags = ["VIP", "vip", "Priority account", "finance"];

    /// <summary>One detection: 1–3 activities (user from a small pool in varying case or none, operation, 0–2 tags,
    /// time step), extra hits beyond its activities (a capped detection), whether the change is read as soon as it is
    /// made, and whether the aggregator is checkpointed and restored into a fresh one before it.</summary>
    private static Arbitrary<((int User, bool Upper, int Operation, int Tag, int Step)[] Activities, int ExtraHits, bool ReadNow, bool Restore)[]> AnyDetections() =>
        Arb.From(Gen.ArrayOf(
            from activities in Gen.ArrayOf(
                from user in Gen.Choose(-1, 8)
                from upper in Gen.Elements(false, true)
                from operation in Gen.Choose(0, 2)
                from tag in Gen.Choose(-1, Tags.Length - 1)
                from step in Gen.Choose(-3, 25)
                select (user, upper, operation, tag, step)).Where(a => a.Length is >= 1 and <= 3)
            from extra in Gen.Elements(0, 0, 0, 2)
            from readNow in Gen.Elements(false, false, true)
            from restore in Gen.Elements(false, false, false, false, false, false, false, true)
            select (activities, extra, readNow, restore)));

    private sealed record Expected(
        AlertChangeKind Kind, string Id, DateTimeOffset CreatedAt, DateTimeOffset First, DateTimeOffset Last, int Hits,
        int Detections, string[] Users, string[] Operations, string[] Tags, string[] Activities, bool Truncated);

    [Property(MaxTest = 300)]
    public Property A_change_kept_and_read_late_shows_the_snapshot_it_had_when_made(int cap, int seed, bool none) =>
        Prop.ForAll(AnyDetections(), detections =>
        {
            var maxActivities = 1 + (Math.Abs(cap) % 9); // small caps: the lists grow past 4 and 8, and fill up
            var policy = EveryTime("p1", "FileDeleted", "FileDownloaded", "FileAccessed") with
            {
                Aggregation = new AggregationSettings(none ? AggregationMode.None : AggregationMode.Policy),
            };
            var aggregator = new AlertAggregator(policy, TimeSpan.FromSeconds(60), maxActivities);
            var kept = new List<(AlertChange Change, Alert? ReadNow, Expected Expected)>();
            Expected? open = null;
            var t = 0;
            var n = 0;
            foreach (var (activities, extraHits, readNow, restore) in detections)
            {
                if (restore)
                {
                    using var writer = new CheckpointWriter();
                    aggregator.WriteState(writer);
                    aggregator = new AlertAggregator(policy, TimeSpan.FromSeconds(60), maxActivities);
                    aggregator.ReadState(new CheckpointReader(writer.Written.ToArray()));
                }

                var list = new List<Activity>();
                foreach (var (user, upper, operation, tag, step) in activities)
                {
                    t += step;
                    var name = user < 0 ? null : upper ? "USER" + user : "user" + user;
                    var op = operation switch { 0 => "FileDeleted", 1 => "FileDownloaded", _ => "FileAccessed" };
                    list.Add(new Activity("a" + n++, T0.AddSeconds(t), op) { UserId = name, UserTags = tag < 0 ? [] : [Tags[tag]] });
                }

                var last = list[^1];
                var detection = list.Count == 1 && extraHits == 0
                    ? Detection.ForActivity(last, "p1")
                    : new Detection(last.Time, last, list, list.Count + extraHits, "") { PolicyId = "p1" };
                var change = aggregator.Add(detection);
                open = Oracle(open, detection, none, maxActivities);
                kept.Add((change, readNow ? change.Alert : null, open));
                if (!ReferenceEquals(aggregator.OpenAlert, change.Alert))
                {
                    return false.Label("OpenAlert is not the last change's alert");
                }
            }

            // The rest read at the end, in shuffled order, half of them on another thread.
            var order = Enumerable.Range(0, kept.Count).ToArray();
            new Random(seed).Shuffle(order);
            var alerts = new Alert[kept.Count];
            var other = Task.Run(() =>
            {
                for (var i = 0; i < order.Length; i += 2)
                {
                    alerts[order[i]] = kept[order[i]].Change.Alert;
                }
            });
            for (var i = 1; i < order.Length; i += 2)
            {
                alerts[order[i]] = kept[order[i]].Change.Alert;
            }

            other.Wait();
            for (var i = 0; i < kept.Count; i++)
            {
                var (change, readNow, expected) = kept[i];
                var alert = alerts[i];
                var problem = Compare(alert, change.Kind, expected)
                    ?? (readNow is not null && !ReferenceEquals(readNow, alert) ? "a second read gave another instance" : null)
                    ?? (!change.Equals(change with { }) || change.GetHashCode() != (change with { }).GetHashCode() ? "a copy is not equal" : null);
                if (problem is not null)
                {
                    return false.Label($"change {i}: {problem}");
                }
            }

            return true.ToProperty();
        });

    [Fact]
    public void A_change_read_late_shows_its_snapshot_after_the_lists_grew_and_a_new_alert_started()
    {
        var aggregator = new AlertAggregator(EveryTime("p1"), TimeSpan.FromMinutes(1), maxActivities: 5);
        var first = aggregator.Add(Detection.ForActivity(Act("a", 0, user: "bob"), "p1"));
        var second = aggregator.Add(Detection.ForActivity(Act("b", 1, user: "alice"), "p1"));
        for (var i = 0; i < 10; i++)
        {
            aggregator.Add(Detection.ForActivity(Act("c" + i, 2 + i, user: "u" + i), "p1"));
        }

        var later = aggregator.Add(Detection.ForActivity(Act("d", 120, user: "dave"), "p1")); // a new alert
        Assert.Equal(AlertChangeKind.Created, later.Kind);
        Assert.Equal(["bob"], first.Alert.Users);
        Assert.Equal(["a"], first.Alert.Activities.Select(a => a.Id));
        Assert.Equal(1, first.Alert.HitCount);
        Assert.Equal(["bob", "alice"], second.Alert.Users);
        Assert.Equal(["a", "b"], second.Alert.Activities.Select(a => a.Id));
        Assert.Equal(2, second.Alert.DetectionCount);
        Assert.Equal(Act("b", 1).Time, second.Alert.LastActivityAt);
        Assert.Equal("p1:a", second.Alert.Id);
        Assert.Equal(["dave"], later.Alert.Users);
        Assert.Same(second.Alert, second.Alert);
    }

    [Fact]
    public void A_change_given_its_alert_returns_it_and_a_copy_with_another_alert_returns_that()
    {
        var aggregator = new AlertAggregator(EveryTime("p1"), TimeSpan.FromMinutes(1));
        var change = aggregator.Add(Detection.ForActivity(Act("a", 0, user: "bob"), "p1"));
        var other = change.Alert with { Status = AlertStatus.Resolved };
        var copy = change with { Alert = other };
        Assert.Same(other, copy.Alert);
        Assert.Equal(AlertStatus.Active, change.Alert.Status);
        Assert.NotEqual(change, copy);
        var given = new AlertChange(AlertChangeKind.Created, other, change.Detection);
        Assert.Same(other, given.Alert);
        Assert.Equal(copy, given);
        var (kind, alert, detection) = given;
        Assert.Equal((AlertChangeKind.Created, other, change.Detection), (kind, alert, detection));
    }

    /// <summary>The alert after <paramref name="detection"/>, by the documented rules, as fresh arrays.</summary>
    private static Expected Oracle(Expected? open, Detection detection, bool none, int cap)
    {
        var joins = !none && open is not null && detection.Time < open.CreatedAt + TimeSpan.FromSeconds(60);
        var users = joins ? open!.Users.ToList() : [];
        var operations = joins ? open!.Operations.ToList() : [];
        var tags = joins ? open!.Tags.ToList() : [];
        var activities = joins ? open!.Activities.ToList() : [];
        var first = joins ? open!.First : DateTimeOffset.MaxValue;
        var last = joins ? open!.Last : DateTimeOffset.MinValue;
        if (detection.Time > last)
        {
            last = detection.Time;
        }

        foreach (var a in detection.Activities)
        {
            first = a.Time < first ? a.Time : first;
            last = a.Time > last ? a.Time : last;
            if (a.UserId is { Length: > 0 } user && users.Count < cap && !users.Contains(user, StringComparer.OrdinalIgnoreCase))
            {
                users.Add(user);
            }

            if (operations.Count < cap && !operations.Contains(a.Operation, StringComparer.OrdinalIgnoreCase))
            {
                operations.Add(a.Operation);
            }

            foreach (var tag in a.UserTags)
            {
                if (tags.Count < cap && !tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
                {
                    tags.Add(tag);
                }
            }

            if (activities.Count < cap)
            {
                activities.Add(a.Id);
            }
        }

        var hits = (joins ? open!.Hits : 0) + detection.HitCount;
        return new Expected(
            joins ? AlertChangeKind.Updated : AlertChangeKind.Created,
            joins ? open!.Id : "p1:" + detection.TriggeringActivity.Id,
            joins ? open!.CreatedAt : detection.Time,
            first,
            last,
            hits,
            (joins ? open!.Detections : 0) + 1,
            [.. users],
            [.. operations],
            [.. tags],
            [.. activities],
            activities.Count < hits);
    }

    private static string? Compare(Alert alert, AlertChangeKind kind, Expected e)
    {
        if (kind != e.Kind || alert.Id != e.Id || alert.CreatedAt != e.CreatedAt || alert.FirstActivityAt != e.First
            || alert.LastActivityAt != e.Last || alert.HitCount != e.Hits || alert.DetectionCount != e.Detections
            || alert.ActivitiesTruncated != e.Truncated || alert.PolicyId != "p1" || alert.PolicyName != "Policy p1")
        {
            return $"{kind} {alert.Id} {alert.FirstActivityAt:O}..{alert.LastActivityAt:O} hits {alert.HitCount} detections {alert.DetectionCount}"
                + $" truncated {alert.ActivitiesTruncated}, expected {e.Kind} {e.Id} {e.First:O}..{e.Last:O} hits {e.Hits} detections {e.Detections} truncated {e.Truncated}";
        }

        if (!alert.Users.SequenceEqual(e.Users) || !alert.Operations.SequenceEqual(e.Operations) || !alert.Tags.SequenceEqual(e.Tags)
            || !alert.Activities.Select(a => a.Id).SequenceEqual(e.Activities))
        {
            return $"users [{string.Join(",", alert.Users)}] expected [{string.Join(",", e.Users)}], operations [{string.Join(",", alert.Operations)}]"
                + $" expected [{string.Join(",", e.Operations)}], tags [{string.Join(",", alert.Tags)}] expected [{string.Join(",", e.Tags)}],"
                + $" activities [{string.Join(",", alert.Activities.Select(a => a.Id))}] expected [{string.Join(",", e.Activities)}]";
        }

        return null;
    }
}
