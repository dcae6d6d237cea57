using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Aggregation;

/// <summary>
/// The snapshots of an open alert share its growing lists (AlertValuesBuffer / AlertValuesView): each snapshot must
/// still show exactly the users, operations and activities it had when it was made, whenever and in whatever order it
/// is read, as if every snapshot had its own copy (the naive oracle).
/// </summary>
public class AlertSnapshotSharingTests
{
    private static readonly AlertPolicy Policy = EveryTime("p1", "FileDeleted", "FileDownloaded");

    /// <summary>Detections: a user from a small pool in varying case (or none), one of two operations, a time step of
    /// 0–20 s; read order of the snapshots: some read as soon as made, the rest at the end in shuffled order.</summary>
    private static Arbitrary<(int User, bool Upper, int Operation, int Step, bool ReadNow)[]> AnyDetections() =>
        Arb.From(Gen.ArrayOf(
            from user in Gen.Choose(-1, 8)
            from upper in Gen.Elements(false, true)
            from operation in Gen.Choose(0, 1)
            from step in Gen.Choose(0, 20)
            from readNow in Gen.Elements(false, false, true)
            select (user, upper, operation, step, readNow)));

    [Property(MaxTest = 300)]
    public Property Every_snapshot_shows_its_own_lists_whenever_it_is_read(int cap, int seed) =>
        Prop.ForAll(AnyDetections(), detections =>
        {
            var maxActivities = 1 + (Math.Abs(cap) % 9); // small caps: the buffers grow past 4 and 8, and fill up
            var aggregator = new AlertAggregator(Policy, TimeSpan.FromSeconds(60), maxActivities);
            var made = new List<(Alert Alert, string[] Users, string[] Operations, string[] Activities, ImmutableArray<string> ReadUsers)>();
            var users = new List<string>();
            var operations = new List<string>();
            var activities = new List<string>();
            var t = 0;
            for (var i = 0; i < detections.Length; i++)
            {
                var (user, upper, operation, step, readNow) = detections[i];
                t += step;
                var name = user < 0 ? null : upper ? "USER" + user : "user" + user;
                var op = operation == 0 ? "FileDeleted" : "FileDownloaded";
                var change = aggregator.Add(Detection.ForActivity(Act("a" + i, t, op, name), "p1"));
                if (change.Kind == AlertChangeKind.Created)
                {
                    users.Clear();
                    operations.Clear();
                    activities.Clear();
                }

                // The oracle: the documented rules, with a fresh copy per snapshot.
                if (name is not null && users.Count < maxActivities && !users.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    users.Add(name);
                }

                if (operations.Count < maxActivities && !operations.Contains(op, StringComparer.OrdinalIgnoreCase))
                {
                    operations.Add(op);
                }

                if (activities.Count < maxActivities)
                {
                    activities.Add("a" + i);
                }

                made.Add((change.Alert, [.. users], [.. operations], [.. activities], readNow ? change.Alert.Users : default));
            }

            var order = Enumerable.Range(0, made.Count).ToArray();
            new Random(seed).Shuffle(order);
            foreach (var i in order)
            {
                var (alert, expectedUsers, expectedOperations, expectedActivities, readUsers) = made[i];
                if (!alert.Users.SequenceEqual(expectedUsers)
                    || !alert.Operations.SequenceEqual(expectedOperations)
                    || !alert.Activities.Select(a => a.Id).SequenceEqual(expectedActivities)
                    || alert.ActivitiesTruncated != (expectedActivities.Length < alert.HitCount)
                    || (!readUsers.IsDefault && !readUsers.SequenceEqual(expectedUsers)))
                {
                    return false.Label($"snapshot {i}: users [{string.Join(",", alert.Users)}] expected [{string.Join(",", expectedUsers)}], activities [{string.Join(",", alert.Activities.Select(a => a.Id))}] expected [{string.Join(",", expectedActivities)}]");
                }
            }

            return true.ToProperty();
        });

    [Fact]
    public void A_snapshot_read_twice_gives_the_same_collections_and_a_copy_made_with_with_is_equal()
    {
        var aggregator = new AlertAggregator(Policy, TimeSpan.FromMinutes(1));
        aggregator.Add(Detection.ForActivity(Act("a", 0, user: "bob"), "p1"));
        var alert = aggregator.Add(Detection.ForActivity(Act("b", 1, user: "alice"), "p1")).Alert;
        Assert.Equal(alert.Users, alert.Users); // ImmutableArray equality: the same array
        Assert.Same(alert.Activities, alert.Activities);
        var copy = alert with { Status = AlertStatus.Active };
        Assert.Equal(alert, copy);
        Assert.Equal(alert.GetHashCode(), copy.GetHashCode());
        Assert.Equal(["bob", "alice"], copy.Users);
    }

    [Fact]
    public void Collections_given_to_with_replace_the_shared_ones()
    {
        var aggregator = new AlertAggregator(Policy, TimeSpan.FromMinutes(1));
        var alert = aggregator.Add(Detection.ForActivity(Act("a", 0, user: "bob"), "p1")).Alert;
        var changed = alert with { Users = ["carol"], Operations = ["X"], Tags = ["t"], Activities = [] };
        Assert.Equal(["carol"], changed.Users);
        Assert.Equal(["X"], changed.Operations);
        Assert.Equal(["t"], changed.Tags);
        Assert.Empty(changed.Activities);
        Assert.Equal(["bob"], alert.Users);
        Assert.NotEqual(alert, changed);
    }

    [Fact]
    public void After_a_checkpoint_restore_later_detections_join_the_restored_lists()
    {
        var aggregator = new AlertAggregator(Policy, TimeSpan.FromMinutes(1));
        aggregator.Add(Detection.ForActivity(Act("a", 0, user: "bob"), "p1"));
        var before = aggregator.Add(Detection.ForActivity(Act("b", 1, user: "alice"), "p1")).Alert;
        using var writer = new CheckpointWriter();
        aggregator.WriteState(writer);
        var restored = new AlertAggregator(Policy, TimeSpan.FromMinutes(1));
        restored.ReadState(new CheckpointReader(writer.Written.ToArray()));
        var after = restored.Add(Detection.ForActivity(Act("c", 2, user: "BOB"), "p1")).Alert;
        var next = restored.Add(Detection.ForActivity(Act("d", 3, user: "dave"), "p1")).Alert;
        Assert.Equal(["bob", "alice"], after.Users);
        Assert.Equal(["a", "b", "c"], after.Activities.Select(x => x.Id));
        Assert.Equal(["bob", "alice", "dave"], next.Users);
        Assert.Equal(["bob", "alice"], before.Users);
    }
}
