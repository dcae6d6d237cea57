using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Aggregation;

/// <summary>
/// A change the aggregator makes for an aggregated alert keeps what its snapshot needs and makes the <see cref="Alert"/>
/// when it is first read (<see cref="AlertChange"/>, AlertSnapshotSource): a change kept by an observer and read late,
/// in any order, on any thread, while later detections are still being added, after new alerts and checkpoint restores,
/// and after the caller reused its detection's activity list, must show exactly the snapshot it had when it was made
/// (the naive oracle: every rule of <see cref="AlertAggregator"/>, evaluated eagerly with a fresh copy per change).
/// </summary>
public class AlertChangeLazySnapshotTests
{
    private static readonly string[] Tags = ["VIP", "vip", "Priority account", "finance", ""];

    /// <summary>When a change is read: right after <c>Add</c>, by the main thread before a later <c>Add</c> (out of order),
    /// by a reader thread while later detections are added, or only at the end (shuffled, on two threads).</summary>
    private enum ReadWhen
    {
        Now,
        BeforeALaterAdd,
        Concurrently,
        AtTheEnd,
    }

    /// <summary>One detection: 1–3 activities (user from a small pool in varying case or none, operation, 0–2 tags,
    /// time step), extra hits beyond its activities (a capped detection), when the change is read, and whether the
    /// aggregator is checkpointed and restored into a fresh one before it.</summary>
    private static Arbitrary<((int User, bool Upper, int Operation, int Tag, int Tag2, int Step)[] Activities, int ExtraHits, ReadWhen Read, bool Restore)[]> AnyDetections() =>
        Arb.From(Gen.ArrayOf(
            from activities in Gen.ArrayOf(
                from user in Gen.Choose(-1, 8)
                from upper in Gen.Elements(false, true)
                from operation in Gen.Choose(0, 2)
                from tag in Gen.Choose(-1, Tags.Length - 1)
                from tag2 in Gen.Choose(-1, Tags.Length - 1)
                from step in Gen.Choose(-3, 25)
                select (user, upper, operation, tag, tag2, step)).Where(a => a.Length is >= 1 and <= 3)
            from extra in Gen.Elements(0, 0, 0, 2)
            from read in Gen.Elements(ReadWhen.Now, ReadWhen.BeforeALaterAdd, ReadWhen.BeforeALaterAdd, ReadWhen.Concurrently, ReadWhen.Concurrently, ReadWhen.AtTheEnd)
            from restore in Gen.Elements(false, false, false, false, false, false, false, true)
            select (activities, extra, read, restore)));

    private sealed record Expected(
        AlertChangeKind Kind, string Id, DateTimeOffset CreatedAt, DateTimeOffset First, DateTimeOffset Last, int Hits,
        int Detections, string[] Users, string[] Operations, string[] Tags, AlertActivity[] Activities, bool Truncated);

    [Property(MaxTest = 300)]
    public Property A_change_read_late_out_of_order_or_during_later_adds_shows_the_snapshot_it_had_when_made(int cap, int seed, bool none) =>
        Prop.ForAll(AnyDetections(), detections =>
        {
            var maxActivities = 1 + (Math.Abs(cap) % 9); // small caps: the lists grow past 4 and 8, and fill up
            var policy = EveryTime("p1", "FileDeleted", "FileDownloaded", "FileAccessed") with
            {
                Aggregation = new AggregationSettings(none ? AggregationMode.None : AggregationMode.Policy),
                Description = "Deletes, downloads or reads files",
            };
            var aggregator = new AlertAggregator(policy, TimeSpan.FromSeconds(60), maxActivities);
            var kept = new List<(AlertChange Change, Expected Expected)>();
            var reads = new Alert?[detections.Length];
            var problems = new ConcurrentQueue<string>();
            var random = new Random(seed);

            // The reader thread: reads the changes published to it while the main thread goes on adding.
            var published = new BlockingCollection<(int Index, AlertChange Change, Expected Expected)>();
            var reader = Task.Run(() =>
            {
                foreach (var (index, change, expected) in published.GetConsumingEnumerable())
                {
                    var alert = change.Alert;
                    if (Compare(alert, change.Kind, expected) is { } problem)
                    {
                        problems.Enqueue($"change {index} (read concurrently): {problem}");
                    }
                }
            });

            // The caller reuses one list for its detections' activities (the aggregator must have taken what it needs
            // by the time Add returns).
            var list = new List<Activity>();
            Expected? open = null;
            var t = 0;
            var n = 0;
            var pending = new List<int>();
            try
            {
                foreach (var (activities, extraHits, read, restore) in detections)
                {
                    if (restore)
                    {
                        using var writer = new CheckpointWriter();
                        aggregator.WriteState(writer);
                        aggregator = new AlertAggregator(policy, TimeSpan.FromSeconds(60), maxActivities);
                        aggregator.ReadState(new CheckpointReader(writer.Written.ToArray()));
                    }

                    // Before this Add: one earlier change not read yet, chosen at random (out of order).
                    if (pending.Count > 0 && random.Next(2) == 0)
                    {
                        var p = random.Next(pending.Count);
                        var i = pending[p];
                        pending.RemoveAt(p);
                        reads[i] = kept[i].Change.Alert;
                        if (Compare(reads[i]!, kept[i].Change.Kind, kept[i].Expected) is { } problem)
                        {
                            return false.Label($"change {i} (read before a later add): {problem}");
                        }
                    }

                    list.Clear();
                    foreach (var (user, upper, operation, tag, tag2, step) in activities)
                    {
                        t += step;
                        var name = user < 0 ? null : upper ? "USER" + user : "user" + user;
                        var op = operation switch { 0 => "FileDeleted", 1 => "FileDownloaded", _ => "FileAccessed" };
                        string[] tags = [.. new[] { tag, tag2 }.Where(x => x >= 0).Select(x => Tags[x])];
                        list.Add(new Activity("a" + n, T0.AddSeconds(t), op)
                        {
                            UserId = name,
                            UserTags = tags,
                            ObjectId = n % 3 == 0 ? null : "https://contoso.sharepoint.com/f" + (n % 4),
                            ClientIp = n % 2 == 0 ? null : new IPAddress([10, 0, 0, (byte)(n % 5)]),
                        });
                        n++;
                    }

                    var last = list[^1];
                    var detection = list.Count == 1 && extraHits == 0
                        ? Detection.ForActivity(last, "p1")
                        : new Detection(last.Time, last, list, list.Count + extraHits, "") { PolicyId = "p1" };
                    open = Oracle(open, detection, none, maxActivities);
                    var change = aggregator.Add(detection);
                    var index = kept.Count;
                    kept.Add((change, open));
                    switch (read)
                    {
                        case ReadWhen.Now:
                            reads[index] = change.Alert;
                            break;
                        case ReadWhen.BeforeALaterAdd:
                            pending.Add(index);
                            break;
                        case ReadWhen.Concurrently:
                            published.Add((index, change, open));
                            break;
                    }
                }
            }
            finally
            {
                published.CompleteAdding();
                reader.Wait();
            }

            if (problems.TryPeek(out var concurrent))
            {
                return false.Label(concurrent);
            }

            // The rest read at the end, in shuffled order, half of them on another thread.
            var order = Enumerable.Range(0, kept.Count).ToArray();
            random.Shuffle(order);
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
                var (change, expected) = kept[i];
                var alert = alerts[i];
                var problem = Compare(alert, change.Kind, expected)
                    ?? (reads[i] is { } early && !ReferenceEquals(early, alert) ? "a second read gave another instance" : null)
                    ?? (!change.Equals(change with { }) || change.GetHashCode() != (change with { }).GetHashCode() ? "a copy is not equal" : null)
                    ?? (change.SnapshotSource is not null ? "a read change still holds its alert's cell" : null);
                if (problem is not null)
                {
                    return false.Label($"change {i}: {problem}");
                }
            }

            // The open alert: the oracle's alert after the last detection (a fresh instance in policy mode, made when
            // read), the same instance when read again.
            var openAlert = aggregator.OpenAlert;
            if (open is null)
            {
                return (openAlert is null).Label("an open alert before any detection");
            }

            return openAlert is null
                ? false.Label("no open alert")
                : (Compare(openAlert, open.Kind, open) is { } openProblem
                    ? false.Label($"OpenAlert: {openProblem}")
                    : ReferenceEquals(openAlert, aggregator.OpenAlert).Label("OpenAlert read twice gave another instance"));
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

    [Theory]
    [InlineData(AggregationMode.Policy, true)]
    [InlineData(AggregationMode.Policy, false)]
    [InlineData(AggregationMode.None, true)]
    [InlineData(AggregationMode.None, false)]
    public void A_kept_change_keeps_neither_its_aggregator_nor_a_later_detection_alive(AggregationMode mode, bool read)
    {
        var (change, aggregator, laterDetection) = KeepFirstChange(mode, read);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(aggregator.IsAlive, "the aggregator is alive");
        Assert.False(laterDetection.IsAlive, "a later detection is alive");
        Assert.Equal(read || mode == AggregationMode.None, change.SnapshotSource is null);
        Assert.Equal(["bob"], change.Alert.Users);
        Assert.Equal(["a"], change.Alert.Activities.Select(a => a.Id));
        Assert.Null(change.SnapshotSource);
    }

    [Theory]
    [InlineData(AggregationMode.Policy, true)]
    [InlineData(AggregationMode.Policy, false)]
    [InlineData(AggregationMode.None, true)]
    [InlineData(AggregationMode.None, false)]
    public void A_live_aggregator_keeps_neither_a_dropped_change_nor_its_detection_alive(AggregationMode mode, bool read)
    {
        var policy = EveryTime("p1", "FileDeleted", "FileDownloaded") with { Aggregation = new AggregationSettings(mode) };
        var aggregator = new AlertAggregator(policy, TimeSpan.FromMinutes(1));
        var (detection, activities) = AddAndDropTheChange(aggregator, read);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(detection.IsAlive, "the detection is alive");
        Assert.False(activities.IsAlive, "the caller's activity list is alive");
        var open = aggregator.OpenAlert;
        Assert.NotNull(open);
        Assert.Equal(["bob", "alice"], open.Users);
        Assert.Equal(["a", "b"], open.Activities.Select(a => a.Id));
        Assert.Same(open, aggregator.OpenAlert);
        GC.KeepAlive(aggregator);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (WeakReference Detection, WeakReference Activities) AddAndDropTheChange(AlertAggregator aggregator, bool read)
    {
        var list = new List<Activity> { Act("a", 0, user: "bob"), Act("b", 1, user: "alice") };
        var detection = new Detection(list[^1].Time, list[^1], list, list.Count, "") { PolicyId = "p1" };
        var change = aggregator.Add(detection);
        if (read)
        {
            Assert.Equal(["bob", "alice"], change.Alert.Users);
        }

        return (new WeakReference(detection), new WeakReference(list));
    }

    [Fact]
    public void A_change_given_no_alert_still_has_none()
    {
        var change = new AlertChange(AlertChangeKind.Created, null!, Detection.ForActivity(Act("a", 0), "p1"));
        Assert.Null(change.Alert);
        Assert.Null(change.SnapshotSource);
        Assert.Equal(change, change with { });
        Assert.Equal(change.GetHashCode(), (change with { }).GetHashCode());
        Assert.StartsWith("AlertChange { Kind = Created, Alert = , Detection = ", change.ToString(), StringComparison.Ordinal);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (AlertChange Change, WeakReference Aggregator, WeakReference LaterDetection) KeepFirstChange(AggregationMode mode, bool read)
    {
        var policy = EveryTime("p1") with { Aggregation = new AggregationSettings(mode) };
        var aggregator = new AlertAggregator(policy, TimeSpan.FromMinutes(1));
        var first = aggregator.Add(Detection.ForActivity(Act("a", 0, user: "bob"), "p1"));
        if (read)
        {
            _ = first.Alert;
        }

        aggregator.Add(Detection.ForActivity(Act("b", 1, user: "alice"), "p1"));
        var later = Detection.ForActivity(Act("c", 2, user: "carol"), "p1");
        aggregator.Add(later);
        return (first, new WeakReference(aggregator), new WeakReference(later));
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
        Assert.StartsWith("AlertChange { Kind = Created, Alert = Alert { Id = p1:a,", change.ToString(), StringComparison.Ordinal);
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
                if (tag.Length > 0 && tags.Count < cap && !tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
                {
                    tags.Add(tag);
                }
            }

            if (activities.Count < cap)
            {
                activities.Add(AlertActivity.From(a));
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
            || alert.ActivitiesTruncated != e.Truncated || alert.PolicyId != "p1" || alert.PolicyName != "Policy p1"
            || alert.Severity != AlertSeverity.High || alert.Category != AlertCategory.ThreatManagement
            || alert.Description != "Deletes, downloads or reads files" || alert.Status != AlertStatus.Active
            || alert.Source != Alert.EngineSource || alert.NotificationsSuppressed || !alert.History.IsEmpty || !alert.SilencedBy.IsEmpty)
        {
            return $"{kind} {alert.Id} {alert.PolicyId} '{alert.PolicyName}' {alert.Severity} {alert.Category} '{alert.Description}' {alert.Status}"
                + $" {alert.Source} suppressed {alert.NotificationsSuppressed} history {alert.History.Length} silenced {alert.SilencedBy.Length}"
                + $" {alert.FirstActivityAt:O}..{alert.LastActivityAt:O} hits {alert.HitCount} detections {alert.DetectionCount}"
                + $" truncated {alert.ActivitiesTruncated}, expected {e.Kind} {e.Id} {e.First:O}..{e.Last:O} hits {e.Hits} detections {e.Detections} truncated {e.Truncated}";
        }

        if (!alert.Users.SequenceEqual(e.Users) || !alert.Operations.SequenceEqual(e.Operations) || !alert.Tags.SequenceEqual(e.Tags)
            || !alert.Activities.SequenceEqual(e.Activities))
        {
            return $"users [{string.Join(",", alert.Users)}] expected [{string.Join(",", e.Users)}], operations [{string.Join(",", alert.Operations)}]"
                + $" expected [{string.Join(",", e.Operations)}], tags [{string.Join(",", alert.Tags)}] expected [{string.Join(",", e.Tags)}],"
                + $" activities [{string.Join(",", alert.Activities)}] expected [{string.Join(",", e.Activities.AsEnumerable())}]";
        }

        return null;
    }
}
