using System.Globalization;
using System.Net;
using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers;

public class ActivityArenaTests
{
    /// <summary>
    /// Records added and freed in any order (a free list per size, chunks, large records) keep their contents: every live
    /// record reads back as its activity's checkpoint encoding and makes an activity with the same encoding, and a freed
    /// record's cells are reused (the arena never holds more than the peak of its live records needs).
    /// </summary>
    [Property(MaxTest = 200)]
    public Property Records_freed_and_reused_keep_their_contents(NonEmptyArray<(bool Add, NonNegativeInt Pick, NonNegativeInt Size)> ops)
    {
        var arena = new ActivityArena();
        var live = new List<(KeptActivity Record, byte[] Encoding)>();
        var ok = true;
        var peakLive = 0;
        var n = 0;
        foreach (var (add, pick, size) in ops.Get)
        {
            if (add || live.Count == 0)
            {
                var activity = Make(n++, size.Get);
                live.Add((arena.Add(activity), Encode(activity)));
                peakLive = Math.Max(peakLive, live.Count);
            }
            else
            {
                var i = pick.Get % live.Count;
                arena.Free(live[i].Record);
                live.RemoveAt(i);
            }

            foreach (var (record, encoding) in live)
            {
                ok &= arena.Encoded(record).SequenceEqual(encoding) && Encode(arena.Materialize(record)).AsSpan().SequenceEqual(encoding);
            }
        }

        // Adding the same records again after freeing them all reuses their cells: nothing more is reserved.
        var reserved = arena.ReservedBytes;
        var again = new List<KeptActivity>();
        foreach (var (record, _) in live)
        {
            arena.Free(record);
        }

        ok &= arena.LiveRecords == 0;
        for (var i = 0; i < live.Count; i++)
        {
            again.Add(arena.Add(live[i].Encoding));
        }

        for (var i = 0; i < live.Count; i++)
        {
            ok &= arena.Encoded(again[i]).SequenceEqual(live[i].Encoding);
        }

        return (ok && arena.ReservedBytes == reserved).Label($"peak {peakLive} records, reserved {reserved} then {arena.ReservedBytes}");
    }

    [Fact]
    public void A_made_activity_has_every_field_of_the_kept_one()
    {
        var arena = new ActivityArena();
        var activity = new Activity("id-1", new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), "FileDeleted")
        {
            UserId = "ann@contoso.com",
            ClientIp = IPAddress.Parse("fe80::1%3"),
            ObjectId = "https://contoso.sharepoint.com/doc.docx",
            Workload = "SharePoint",
            UserTags = ["Priority account", "VIP"],
            Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["b"] = "2", ["A"] = "1" },
        };

        var made = arena.Materialize(arena.Add(activity));

        Assert.Equal(
            (activity.Id, activity.Time, activity.Operation, activity.UserId, activity.ClientIp, activity.ObjectId, activity.Workload),
            (made.Id, made.Time, made.Operation, made.UserId, made.ClientIp, made.ObjectId, made.Workload));
        Assert.Equal(activity.UserTags, made.UserTags);
        Assert.Equal(activity.Properties.OrderBy(p => p.Key, StringComparer.Ordinal), made.Properties.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Properties_read_from_a_record_are_written_as_their_decoded_values_would_be()
    {
        // "b" not decoded yet (copied as UTF-8), "A" decoded already, "c" invalid UTF-8 (written as U+FFFD, like its decoded value).
        var utf8 = "2é1"u8.ToArray().Concat(new byte[] { 0xC3, 0x28 }).ToArray();
        var record = new Utf8Properties(
            [new("b", 0, 3), new("A", 3, 1), new("c", 4, 2)],
            utf8,
            [null, "1", null]);
        var decoded = record.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        var fresh = new Utf8Properties([new("b", 0, 3), new("A", 3, 1), new("c", 4, 2)], utf8, [null, "1", null]);

        Assert.Equal(Encode(WithProperties(decoded)), Encode(WithProperties(fresh)));
        Assert.Equal("\uFFFD(", decoded["c"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Keeping_activities_in_steady_state_allocates_nothing(bool records)
    {
        // Activities with and without properties (a record's and a dictionary's), kept in windows of 200 keys that
        // never reach the threshold, expired and evicted as time goes on; built before measuring.
        var evaluator = new ThresholdEvaluator(
            1_000, TimeSpan.FromSeconds(30), static a => a.UserId, "user", new SlidingWindowCounterOptions(), "p", null, null, records);
        var passes = Enumerable.Range(0, 7).Select(p => Enumerable.Range(0, 5_000).Select(i =>
        {
            var n = (p * 5_000) + i;
            return new Activity("a" + n.ToString(CultureInfo.InvariantCulture), new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero).AddSeconds(n / 10.0), "FileDeleted")
            {
                UserId = "user" + (n * 7919 % 200).ToString(CultureInfo.InvariantCulture),
                ObjectId = "https://contoso.sharepoint.com/doc" + n.ToString(CultureInfo.InvariantCulture),
                ClientIp = IPAddress.Parse("10.0.0.1"),
                Properties = (n % 3) switch
                {
                    0 => new Utf8Properties([new("Size", 0, 2), new("Name", 2, 6), new("Mode", 8, 1)], "42héllo1"u8.ToArray(), null),
                    1 => new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Size"] = "42" },
                    _ => new Dictionary<string, string>(),
                },
            };
        }).ToArray()).ToArray();

        void Pass(int p)
        {
            foreach (var activity in passes[p])
            {
                Assert.Null(evaluator.Observe(activity));
            }
        }

        Pass(0);
        Pass(1);
        Assert.Equal(0, Allocations.FewestBytesPerPass(Pass, firstPass: 2));
        Assert.InRange(evaluator.Arena.LiveRecords, 100, 2_000);
    }

    /// <summary>
    /// The engine's threshold evaluator (its windows keeping arena records, or instances) against the naive oracle, with a restart from
    /// a checkpoint at a random cut: the same detections (the observed activity itself, the kept ones made again with
    /// every field), checkpoints byte-identical to a window keeping the activities themselves, and no record leaked
    /// (the arena holds exactly the items the windows keep, after the watermark moves to the end of time too).
    /// </summary>
    [Property(MaxTest = 300, Arbitrary = [typeof(ThresholdArbitraries)])]
    public Property Threshold_windows_over_the_arena_equal_the_oracle_across_a_checkpoint_restart(ThresholdScenario scenario, NonNegativeInt cut, bool records)
    {
        var events = scenario.Events();
        var activities = events.Select((e, i) => Make(i, i % 7 == 0 ? 300 : i % 40, e.Key, e.Time)).ToList();
        var split = events.Count == 0 ? 0 : cut.Get % (events.Count + 1);
        var expected = ThresholdOracle.Run(events, scenario.Threshold, scenario.Window, scenario.CounterOptions())
            .Select(r => r.Outcome == SlidingWindowOutcome.Detected ? $"{r.Key} x{r.HitCount} [{string.Join(",", r.Items.Select(i => activities[i].Id))}]" : "-")
            .ToList();

        var actual = new List<string>();
        var ok = true;
        var first = Evaluator(scenario, records);
        var whole = new SlidingWindowCounter<Activity>(scenario.Threshold, scenario.Window, scenario.CounterOptions());
        for (var i = 0; i < split; i++)
        {
            ok &= Observe(first, activities[i], actual);
            whole.Add(activities[i].UserId!, activities[i].Time, activities[i]);
        }

        using var arenaState = new CheckpointWriter();
        first.Counter.WriteCheckpoint(arenaState, (w, kept) => first.Arena.WriteTo(w, kept));
        using var wholeState = new CheckpointWriter();
        whole.WriteCheckpoint(wholeState, static (w, a) => w.WriteActivity(a));
        var sameBytes = arenaState.Written.SequenceEqual(wholeState.Written);

        var second = Evaluator(scenario, records);
        second.Counter.ReadCheckpoint(new CheckpointReader(arenaState.Written.ToArray()), r => second.Arena.Add(r.ReadActivity()));
        for (var i = split; i < activities.Count; i++)
        {
            ok &= Observe(second, activities[i], actual);
        }

        var keptBefore = Kept(second);
        var liveBefore = second.Arena.LiveRecords;
        second.Counter.AdvanceTo(DateTimeOffset.MaxValue);
        var keptAfter = Kept(second);
        var liveAfter = second.Arena.LiveRecords;
        return (expected.SequenceEqual(actual) && ok && sameBytes && keptBefore == liveBefore && keptAfter == liveAfter)
            .Label($"records {records}, split at {split}, same checkpoint bytes {sameBytes}, fields equal {ok}, kept/live {keptBefore}/{liveBefore} then {keptAfter}/{liveAfter}: "
                + SlidingWindowCounterPropertyTests.Explain(expected, actual));
    }

    private static ThresholdEvaluator Evaluator(ThresholdScenario scenario, bool records) =>
        new(scenario.Threshold, scenario.Window, static a => a.UserId, "user", scenario.CounterOptions(), "p", null, null, records);

    /// <summary>Observes one activity; the detection as text, and whether each of its activities has the encoding of
    /// the activity with its id (the observed one is the instance itself).</summary>
    private static bool Observe(ThresholdEvaluator evaluator, Activity activity, List<string> results)
    {
        var d = evaluator.Observe(activity);
        if (d is null)
        {
            results.Add("-");
            return true;
        }

        results.Add($"{d.ScopeKey} x{d.HitCount} [{string.Join(",", d.Activities.Select(a => a.Id))}]");
        var ok = ReferenceEquals(d.TriggeringActivity, activity);
        foreach (var a in d.Activities)
        {
            var n = int.Parse(a.Id.AsSpan(1), CultureInfo.InvariantCulture);
            ok &= Encode(a).AsSpan().SequenceEqual(Encode(Make(n, n % 7 == 0 ? 300 : n % 40, a.UserId!, a.Time)));
        }

        return ok;
    }

    /// <summary>The items the evaluator's windows keep (stale ones expired first).</summary>
    private static int Kept(ThresholdEvaluator evaluator) => evaluator.Counter.CreateSnapshot().Keys.Sum(k => k.Items.Count);

    private static Activity Make(int n, int size, string user = "ann@contoso.com", DateTimeOffset? time = null)
    {
        // Sizes from a few cells to past the largest small record (about 4 KB), with non-ASCII text now and then.
        var text = new string(n % 5 == 0 ? 'é' : 'x', size % 97) + (size > 200 ? new string('y', 3000 + size) : "");
        return new Activity("a" + n.ToString(CultureInfo.InvariantCulture), time ?? new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero).AddSeconds(n), "FileDeleted")
        {
            UserId = user,
            ObjectId = n % 3 == 0 ? null : "https://contoso.sharepoint.com/" + text,
            ClientIp = n % 2 == 0 ? IPAddress.Parse("10.0.0." + (n % 250).ToString(CultureInfo.InvariantCulture)) : null,
            Workload = n % 4 == 0 ? null : "SharePoint",
            UserTags = n % 6 == 0 ? ["Priority account"] : [],
            Properties = n % 5 == 1
                ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Size"] = size.ToString(CultureInfo.InvariantCulture), ["name"] = text }
                : new Dictionary<string, string>(),
        };
    }

    private static Activity WithProperties(IReadOnlyDictionary<string, string> properties) =>
        new("id", new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), "FileDeleted") { Properties = properties };

    private static byte[] Encode(Activity activity)
    {
        using var writer = new CheckpointWriter();
        writer.WriteActivity(activity);
        return writer.Written.ToArray();
    }
}
