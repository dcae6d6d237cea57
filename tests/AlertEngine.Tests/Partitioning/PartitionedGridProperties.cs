using System.Globalization;
using AlertEngine.Tests.Triggers.Anomaly;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Partitioning;

/// <summary>
/// The anomaly dispersion grid (issue 15's internal switch) in the partitioned engine against the single engine (the
/// oracle): each partition sums only its own keys' posteriors at a UTC day start, and the coordinator sums the
/// partitions' totals before any partition applies them at the next day start (<see cref="GridExchange"/>). For
/// streams over several days with many keys, several anomaly policies with different clocks, late and repeated
/// activities and clock jumps (some over more than 32 day starts), any partition count and any batching (batches that
/// span several day starts included), the alert changes and diagnostics are the single engine's, byte for byte, and
/// checkpoints move between the two at any cut.
/// </summary>
public class PartitionedGridProperties
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 1, 17, 0, 0, TimeSpan.Zero);

    /// <summary>The options; with <paramref name="zone"/>, a non-UTC engine zone and per-key zones for some keys (the
    /// grid's day starts stay UTC's).</summary>
    private static AlertEngineOptions GridOptions(bool zone = false, bool grid = true) => new()
    {
        AllowedLateness = TimeSpan.FromMinutes(30),
        MaxActivitiesPerAlert = 3,
        AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault,
        AnomalyDispersionGrid = grid,
        TimeZone = zone ? TimeZoneInfo.FindSystemTimeZoneById("America/New_York") : TimeZoneInfo.Utc,
        AnomalyKeyTimeZone = zone ? (k => k.StartsWith("user1", StringComparison.Ordinal) ? TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata") : null) : null,
    };

    /// <summary>The shared generators' policies (one anomaly policy among them) and more anomaly policies, each running
    /// the grid on its own clock: hourly and 15-minute buckets, user and organization scope, and one whose conditions
    /// throw for some activities (the coordinator skips those entries when it follows the clocks).</summary>
    private static IReadOnlyList<AlertPolicy> GridPolicies() =>
    [
        .. AllPolicies(),
        Policy("grid-downloads", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None)),
        Policy("grid-dl-15m", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.High, TimeSpan.FromMinutes(15)), new AggregationSettings(AggregationMode.None)),
        Policy("grid-deletes", "FileDeleted", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None)),
        Policy("grid-redirect-org", "MailRedirect", new AnomalyTrigger(TriggerScope.Organization, TimeSpan.FromDays(1), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None)),
        Policy("grid-throwing", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None))
            with { Conditions = new NotCondition(new PropertyCondition(ThrowingProperties.Name, PropertyOperator.Equals, ["never"])) },
    ];

    /// <summary>Properties whose lookup of <see cref="Name"/> throws (an interface re-implementation: the activity keeps
    /// a case-insensitive dictionary as it is), so the conditions of <c>grid-throwing</c> throw for its activities.</summary>
    private sealed class ThrowingProperties : Dictionary<string, string>, IReadOnlyDictionary<string, string>
    {
        public const string Name = "Fragile";

        public ThrowingProperties()
            : base(StringComparer.OrdinalIgnoreCase)
        {
            Add("kind", "throwing");
        }

        bool IReadOnlyDictionary<string, string>.TryGetValue(string key, out string value) =>
            string.Equals(key, Name, StringComparison.OrdinalIgnoreCase)
                ? throw new InvalidOperationException("The fragile property cannot be read.")
                : TryGetValue(key, out value!);
    }

    /// <summary>The length of a property case's stream (the class's run time is mostly these streams).</summary>
    private const int HoursPerCase = 4 * 24;

    private static readonly int[] JumpDays = [2, 3, 31, 32, 33, 40];

    /// <summary>Hourly gamma-Poisson traffic of <paramref name="users"/> keys over <paramref name="hours"/> hours of
    /// activity (office hours busier, a per-key rate and burstiness, bursts), a fifth of it deletions; some activities
    /// late (within the lateness) or delivered twice; with <paramref name="jumps"/>, the clock jumps now and then by
    /// 2–40 days between two hours. With <paramref name="hard"/>, some activities in the first 20 minutes of a UTC day
    /// are moved to its start exactly (00:00 UTC, order kept) and some carry properties whose lookup throws.</summary>
    internal static List<Activity> Stream(int seed, int users = 12, int hours = 5 * 24, bool jumps = true, bool hard = false)
    {
        var random = new Random(seed);
        var rates = Enumerable.Range(0, users).Select(_ => 2 + (8 * random.NextDouble())).ToArray();
        var cvs = Enumerable.Range(0, users).Select(_ => 0.2 + (0.7 * random.NextDouble())).ToArray();
        var list = new List<Activity>();
        var offset = TimeSpan.Zero;
        var n = 0;
        for (var hour = 0; hour < hours; hour++)
        {
            if (jumps && hour > 30 && random.Next(60) == 0)
            {
                offset += TimeSpan.FromDays(JumpDays[random.Next(JumpDays.Length)]) + TimeSpan.FromMinutes(random.Next(600));
            }

            var start = Origin.AddHours(hour) + offset;
            var shape = start.Hour is >= 8 and < 18 ? 1.0 : 0.2;
            var events = new List<(long Ticks, int User)>();
            for (var u = 0; u < users; u++)
            {
                var cv = cvs[u];
                var count = GridReference.Poisson(random, rates[u] * shape * GridReference.Gamma(random, 1 / (cv * cv)) * cv * cv);
                if (random.Next(80) == 0)
                {
                    count += 20 + random.Next(40);
                }

                for (var i = 0; i < count; i++)
                {
                    events.Add((start.UtcTicks + random.NextInt64(TimeSpan.TicksPerHour), u));
                }
            }

            events.Sort();
            foreach (var (ticks, user) in events)
            {
                var time = new DateTimeOffset(ticks, TimeSpan.Zero);
                if (random.Next(50) == 0)
                {
                    time -= TimeSpan.FromMinutes(random.Next(20));
                }

                var operation = random.Next(5) == 0 ? "FileDeleted" : random.Next(30) == 0 ? "MailRedirect" : "FileDownloaded";
                if (hard && time.UtcTicks % TimeSpan.TicksPerDay < TimeSpan.TicksPerMinute * 20 && random.Next(3) == 0)
                {
                    time = new DateTimeOffset(time.UtcTicks / TimeSpan.TicksPerDay * TimeSpan.TicksPerDay, TimeSpan.Zero);
                }

                var activity = new Activity("e" + n++.ToString(CultureInfo.InvariantCulture), time, operation)
                {
                    UserId = "user" + user.ToString(CultureInfo.InvariantCulture) + "@contoso.com",
                    Properties = hard && random.Next(40) == 0 ? new ThrowingProperties() : new Dictionary<string, string>(),
                };
                list.Add(activity);
                if (random.Next(200) == 0)
                {
                    list.Add(activity);
                }
            }
        }

        return list;
    }

    /// <summary>Random batch boundaries: runs of small batches, of batches within a day, and batches that span
    /// several day starts.</summary>
    private static List<Activity[]> Batches(IReadOnlyList<Activity> activities, int seed)
    {
        var random = new Random(seed);
        var batches = new List<Activity[]>();
        var i = 0;
        while (i < activities.Count)
        {
            var size = random.Next(4) switch
            {
                0 => random.Next(1, 6),
                1 => random.Next(1, 300),
                2 => random.Next(300, 3000),
                _ => random.Next(3000, 12000),
            };
            size = Math.Min(size, activities.Count - i);
            batches.Add([.. activities.Skip(i).Take(size)]);
            if (random.Next(10) == 0)
            {
                batches.Add([]);
            }

            i += size;
        }

        return batches;
    }

    /// <summary>The shared comparison (<see cref="Checkpoints.CheckpointStreams.Describe"/>) with the policy.</summary>
    private static string Describe2(AlertChange c) => c.Detection.PolicyId + "|" + Describe(c);

    private static (List<string> Changes, List<string> Diagnostics, List<string> Grid) RunSingle(IReadOnlyList<Activity> activities, bool zone = false)
    {
        using var pipeline = new AlertPipeline(GridPolicies(), GridOptions(zone));
        var diagnostics = new List<string>();
        using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics.Add($"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}"));
        var changes = new List<string>();
        foreach (var activity in activities)
        {
            changes.AddRange(pipeline.Process(activity).Select(Describe2));
        }

        return (changes, diagnostics, GridState(pipeline));
    }

    private static (List<string> Changes, List<string> Grid) RunPartitioned(IReadOnlyList<Activity[]> batches, int partitions, List<string>? diagnostics = null, bool zone = false)
    {
        using var pipeline = new PartitionedAlertPipeline(GridPolicies(), partitions, GridOptions(zone));
        using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics?.Add($"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}"));
        var changes = new List<string>();
        foreach (var batch in batches)
        {
            changes.AddRange(pipeline.Process(batch).Select(Describe2));
        }

        AssertSamePrior(pipeline);
        return (changes, GridState(pipeline));
    }

    private static readonly string[] Keys = [.. Enumerable.Range(0, 12).Select(u => "user" + u.ToString(CultureInfo.InvariantCulture) + "@contoso.com")];

    /// <summary>The grid's state of every grid policy: the prior in force, the pending totals and every key's φ̂ (from
    /// the model that tracks the key: the single engine's, or the partition's that owns it).</summary>
    private static List<string> GridState(IReadOnlyList<AlertPolicy> policies, Func<int, IReadOnlyList<BaselineModel<Activity>>> models)
    {
        var state = new List<string>();
        for (var i = 0; i < policies.Count; i++)
        {
            var copies = models(i);
            if (copies.Count == 0)
            {
                continue;
            }

            var prior = copies[0].GridPriorState!;
            state.Add(string.Join('|', policies[i].Id, prior.Current.Number, prior.Current.Day, string.Join(',', prior.Current.LogWeights.ToArray().Select(BitConverter.DoubleToInt64Bits)), prior.PendingDay, prior.PendingKeys, string.Join(',', prior.PendingTotals.ToArray())));
            foreach (var key in Keys)
            {
                var tracked = copies.Select(m => m.DispersionOf(key)).Where(d => d is not null).ToList();
                state.Add($"{policies[i].Id}|{key}|{string.Join(',', tracked.Select(d => BitConverter.SingleToInt32Bits(d!.Value)))}");
            }
        }

        return state;
    }

    private static List<string> GridState(AlertPipeline pipeline) =>
        GridState(pipeline.Policies, i => pipeline.DetectorOf(pipeline.Policies[i].Id) is AnomalyDetector { Model: { HasGrid: true } model } ? [model] : []);

    private static List<string> GridState(PartitionedAlertPipeline pipeline) =>
        GridState(pipeline.Policies, i => pipeline.PartitionAt(0).GridModelAt(i) is null ? [] : [.. Enumerable.Range(0, pipeline.Partitions).Select(p => pipeline.PartitionAt(p).GridModelAt(i)!)]);

    /// <summary>Every partition's copy of every grid policy holds the same prior and pending totals.</summary>
    private static void AssertSamePrior(PartitionedAlertPipeline pipeline)
    {
        var policies = pipeline.Policies;
        for (var i = 0; i < policies.Count; i++)
        {
            if (pipeline.PartitionAt(0).GridModelAt(i) is not { } first)
            {
                continue;
            }

            var prior = first.GridPriorState!;
            for (var p = 1; p < pipeline.Partitions; p++)
            {
                var other = pipeline.PartitionAt(p).GridModelAt(i)!.GridPriorState!;
                Assert.Equal(prior.Current.Number, other.Current.Number);
                Assert.True(prior.Current.LogWeights.SequenceEqual(other.Current.LogWeights));
                Assert.Equal(prior.PendingDay, other.PendingDay);
                Assert.True(prior.PendingTotals.SequenceEqual(other.PendingTotals));
            }
        }
    }

    /// <summary>Up to 13 partitions (more than the 12 keys: some partitions own no key of a policy), with and without
    /// the non-UTC zones.</summary>
    private static Arbitrary<(int Seed, int Partitions, int BatchSeed, bool Zone)> Cases() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from partitions in Gen.Frequency((3, Gen.Choose(1, 4)), (1, Gen.Choose(5, 13)))
         from batchSeed in Gen.Choose(0, int.MaxValue)
         from zone in Gen.Elements(true, false)
         select (seed, partitions, batchSeed, zone)).ToArbitrary();

    [Property(MaxTest = 8)]
    public Property Any_partition_count_and_batching_gives_the_single_engines_alerts_with_the_grid() =>
        Prop.ForAll(Cases(), c =>
        {
            var activities = Stream(c.Seed, hours: HoursPerCase, hard: true);
            var (expected, expectedDiagnostics, expectedGrid) = RunSingle(activities, c.Zone);
            Assert.Contains(expectedDiagnostics, d => d.Contains("|grid-throwing|", StringComparison.Ordinal));
            var diagnostics = new List<string>();
            var (actual, grid) = RunPartitioned(Batches(activities, c.BatchSeed), c.Partitions, diagnostics, c.Zone);
            Assert.Equal(expected, actual);
            Assert.Equal(expectedDiagnostics, diagnostics);
            Assert.Equal(expectedGrid, grid);
        });

    /// <summary>Restores <paramref name="checkpoint"/> into the single engine (<paramref name="after"/> 1) or a
    /// partitioned one and runs <paramref name="rest"/> (the partitioned one in random batches, through
    /// <c>Process</c> or, with <paramref name="staged"/>, the staged phases); the changes and the grid's state.</summary>
    private static (List<string> Changes, List<string> Grid) Continue(MemoryStream checkpoint, int after, bool zone, List<Activity> rest, int batchSeed, bool staged)
    {
        if (after == 1)
        {
            using var single = new AlertPipeline(GridPolicies(), GridOptions(zone));
            Assert.Empty(single.RestoreCheckpoint(checkpoint).Skipped);
            return ([.. rest.SelectMany(single.Process).Select(Describe2)], GridState(single));
        }

        using var partitioned = new PartitionedAlertPipeline(GridPolicies(), after, GridOptions(zone));
        Assert.Empty(partitioned.RestoreCheckpoint(checkpoint).Skipped);
        var batches = Batches(rest, batchSeed ^ 1);
        List<string> changes = staged ? RunStaged(partitioned, batches, batchSeed ^ 2) : [.. batches.SelectMany(b => partitioned.Process(b)).Select(Describe2)];
        AssertSamePrior(partitioned);
        return (changes, GridState(partitioned));
    }

    /// <summary>A restart case: the stream's seed, the partition counts before and after the cut (1: the single engine
    /// where the property allows it), the non-UTC zones, a flag the property gives its meaning, the cut and the batching's
    /// seed.</summary>
    private static Arbitrary<(int seed, int before, int after, bool zone, bool flag, int cut, int batchSeed)> RestartCases() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from before in Gen.Choose(1, 13)
         from after in Gen.Choose(1, 13)
         from zone in Gen.Elements(true, false)
         from flag in Gen.Elements(true, false)
         from cut in Gen.Choose(0, 100_000)
         from batchSeed in Gen.Choose(0, int.MaxValue)
         select (seed, before, after, zone, flag, cut, batchSeed)).ToArbitrary();

    [Property(MaxTest = 6)]
    public Property Restart_from_a_checkpoint_at_a_random_cut_between_the_single_and_the_partitioned_engine_equals_the_uninterrupted_run() =>
        Prop.ForAll(
            RestartCases(),
            c =>
        {
            var activities = Stream(c.seed, hours: HoursPerCase, hard: true);
            var (expected, _, expectedGrid) = RunSingle(activities, c.zone);
            var cut = c.cut % (activities.Count + 1);
            var actual = new List<string>();
            using var checkpoint = new MemoryStream();

            // single → partitioned, or partitioned → single (or another partition count).
            if (c.flag)
            {
                using var single = new AlertPipeline(GridPolicies(), GridOptions(c.zone));
                actual.AddRange(activities.Take(cut).SelectMany(single.Process).Select(Describe2));
                single.SaveCheckpoint(checkpoint);
                checkpoint.Position = 0;
                using var partitioned = new PartitionedAlertPipeline(GridPolicies(), c.after, GridOptions(c.zone));
                Assert.Empty(partitioned.RestoreCheckpoint(checkpoint).Skipped);
                foreach (var batch in Batches(activities.Skip(cut).ToList(), c.batchSeed))
                {
                    actual.AddRange(partitioned.Process(batch).Select(Describe2));
                }

                Assert.Equal(expectedGrid, GridState(partitioned));
                AssertSamePrior(partitioned);
            }
            else
            {
                using (var partitioned = new PartitionedAlertPipeline(GridPolicies(), c.before, GridOptions(c.zone)))
                {
                    foreach (var batch in Batches(activities.Take(cut).ToList(), c.batchSeed))
                    {
                        actual.AddRange(partitioned.Process(batch).Select(Describe2));
                    }

                    partitioned.SaveCheckpoint(checkpoint);
                }

                checkpoint.Position = 0;
                var (changes, grid) = Continue(checkpoint, c.after, c.zone, activities.Skip(cut).ToList(), c.batchSeed, staged: false);
                actual.AddRange(changes);
                Assert.Equal(expectedGrid, grid);
            }

            Assert.Equal(expected, actual);
        });

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    public void One_batch_over_every_day_start_and_one_batch_per_day_give_the_single_engines_alerts(int partitions)
    {
        // Without clock jumps: the whole stream in one batch (every day start inside it: one part per day start), and
        // one batch per UTC day whose last activity is the first of the next day (each batch crosses one day start at
        // its end and the next batch crosses the following one).
        var activities = Stream(11, jumps: false);
        var (expected, _, grid) = RunSingle(activities);
        Assert.True(expected.Count(c => c.StartsWith("grid-", StringComparison.Ordinal)) >= 3, $"{expected.Count} changes");
        var prior = grid.First(line => line.StartsWith("grid-downloads|", StringComparison.Ordinal));
        Assert.True(int.Parse(prior.Split('|')[1], CultureInfo.InvariantCulture) >= 2, prior);
        var (whole, wholeGrid) = RunPartitioned([[.. activities]], partitions);
        Assert.Equal(expected, whole);
        Assert.Equal(grid, wholeGrid);

        var byDay = new List<Activity[]>();
        var current = new List<Activity>();
        foreach (var activity in activities)
        {
            current.Add(activity);
            if (current.Count > 1 && activity.Time.UtcTicks / TimeSpan.TicksPerDay > current[^2].Time.UtcTicks / TimeSpan.TicksPerDay)
            {
                byDay.Add([.. current]);
                current.Clear();
            }
        }

        byDay.Add([.. current]);
        var (daily, dailyGrid) = RunPartitioned(byDay, partitions);
        Assert.Equal(expected, daily);
        Assert.Equal(grid, dailyGrid);
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(2, 32)]
    [InlineData(3, 33)]
    public void A_clock_jump_over_several_day_starts_inside_a_batch_gives_the_single_engines_alerts(int partitions, int days)
    {
        // Four days of traffic, a jump of `days` days, two more days: in one batch, and in batches of 500.
        var head = Stream(5, hours: 4 * 24, jumps: false);
        var tail = Stream(6, hours: 2 * 24, jumps: false)
            .Select(a => new Activity("t" + a.Id, a.Time + TimeSpan.FromDays(4 + days), a.Operation) { UserId = a.UserId })
            .ToList();
        var activities = head.Concat(tail).ToList();
        var (expected, _, grid) = RunSingle(activities);
        Assert.Contains(expected, c => c.StartsWith("grid-", StringComparison.Ordinal));
        if (days < 30)
        {
            // (After a longer jump every key is swept as idle and learns again: the tail is too short to fire.)
            Assert.Contains(expected, c => c.StartsWith("grid-", StringComparison.Ordinal) && System.Text.RegularExpressions.Regex.IsMatch(c, @"[|,]te[0-9]"));
        }

        var (whole, wholeGrid) = RunPartitioned([[.. activities]], partitions);
        Assert.Equal(expected, whole);
        Assert.Equal(grid, wholeGrid);
        var (chunked, chunkedGrid) = RunPartitioned(activities.Chunk(500).ToList(), partitions);
        Assert.Equal(expected, chunked);
        Assert.Equal(grid, chunkedGrid);
    }

    /// <summary>Runs <paramref name="batches"/> through <paramref name="pipeline"/>'s staged phases with overlapping
    /// batches, as the replay's streaming path may order them: at tick t the plan, the duplicate answers (partitions in a
    /// random order) and the admission of batch t, the evaluation of batch t − 1 (partitions in a random order) and the
    /// apply of batch t − 2 (before or after that evaluation, at random); empty batches are skipped (the replay sends
    /// none).</summary>
    internal static List<string> RunStaged(PartitionedAlertPipeline pipeline, IReadOnlyList<Activity[]> batches, int seed)
    {
        var random = new Random(seed);
        var nonEmpty = batches.Where(b => b.Length > 0).ToList();
        PartitionedBatch[] inFlight = [pipeline.NewStagedBatch(), pipeline.NewStagedBatch(), pipeline.NewStagedBatch()];
        var changes = new List<string>();
        pipeline.BeginStaged();
        for (var t = 0; t < nonEmpty.Count + 2; t++)
        {
            var order = Enumerable.Range(0, pipeline.Partitions).OrderBy(_ => random.Next()).ToArray();
            if (t < nonEmpty.Count)
            {
                var next = inFlight[t % 3];
                next.Activities.AddRange(nonEmpty[t]);
                pipeline.StagePlan(next);
                foreach (var p in order)
                {
                    pipeline.StageCheckDuplicates(next, p);
                }

                pipeline.StageAdmit(next);
            }

            var applyFirst = random.Next(2) == 0;
            if (applyFirst && t >= 2)
            {
                changes.AddRange((pipeline.StageApply(inFlight[(t - 2) % 3]) ?? []).Select(Describe2));
            }

            if (t >= 1 && t - 1 < nonEmpty.Count)
            {
                foreach (var p in order.OrderBy(_ => random.Next()))
                {
                    pipeline.StageEvaluate(inFlight[(t - 1) % 3], p);
                }
            }

            if (!applyFirst && t >= 2)
            {
                changes.AddRange((pipeline.StageApply(inFlight[(t - 2) % 3]) ?? []).Select(Describe2));
            }
        }

        return changes;
    }

    [Property(MaxTest = 8)]
    public Property The_staged_phases_with_any_partition_count_and_batching_give_the_single_engines_alerts_with_the_grid() =>
        Prop.ForAll(Cases(), c =>
        {
            var activities = Stream(c.Seed, hours: HoursPerCase, hard: true);
            var (expected, expectedDiagnostics, expectedGrid) = RunSingle(activities, c.Zone);
            Assert.Contains(expected, e => e.StartsWith("grid-", StringComparison.Ordinal));
            using var pipeline = new PartitionedAlertPipeline(GridPolicies(), c.Partitions, GridOptions(c.Zone));
            var diagnostics = new List<string>();
            using var subscription = pipeline.Diagnostics.Subscribe(d => diagnostics.Add($"{d.Kind}|{d.ActivityId}|{d.PolicyId}|{d.Message}"));
            var actual = RunStaged(pipeline, Batches(activities, c.BatchSeed), c.BatchSeed);
            Assert.Equal(expected, actual);
            Assert.Equal(expectedDiagnostics, diagnostics);
            AssertSamePrior(pipeline);
            Assert.Equal(expectedGrid, GridState(pipeline));
        });

    [Property(MaxTest = 6)]
    public Property The_staged_phases_restart_from_a_checkpoint_at_a_random_cut_and_equal_the_uninterrupted_single_engine() =>
        Prop.ForAll(
            RestartCases(),
            c =>
        {
            // Staged up to the cut (a single engine when `before` is 1), the checkpoint, then staged (or the single
            // engine when `after` is 1) from the restored state.
            var activities = Stream(c.seed, hours: HoursPerCase, hard: true);
            var (expected, _, expectedGrid) = RunSingle(activities, c.zone);
            var cut = c.cut % (activities.Count + 1);
            var actual = new List<string>();
            using var checkpoint = new MemoryStream();
            if (c.before == 1)
            {
                using var single = new AlertPipeline(GridPolicies(), GridOptions(c.zone));
                actual.AddRange(activities.Take(cut).SelectMany(single.Process).Select(Describe2));
                single.SaveCheckpoint(checkpoint);
            }
            else
            {
                using var partitioned = new PartitionedAlertPipeline(GridPolicies(), c.before, GridOptions(c.zone));
                actual.AddRange(RunStaged(partitioned, Batches(activities.Take(cut).ToList(), c.batchSeed), c.batchSeed));
                AssertSamePrior(partitioned);
                partitioned.SaveCheckpoint(checkpoint);
            }

            checkpoint.Position = 0;
            var (changes, grid) = Continue(checkpoint, c.after, c.zone, activities.Skip(cut).ToList(), c.batchSeed, staged: true);
            actual.AddRange(changes);
            Assert.Equal(expectedGrid, grid);

            Assert.Equal(expected, actual);
        });

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 33)]
    public void The_staged_phases_with_one_batch_per_day_and_a_jump_inside_a_batch_give_the_single_engines_alerts(int partitions, int days)
    {
        // One batch per UTC day (each ends with the first activity of the next day, so the next batch crosses the
        // following day start: the exchange after a batch must come before the next batch's evaluation), then a jump of
        // `days` days inside a batch.
        var head = Stream(5, hours: 4 * 24, jumps: false);
        var tail = Stream(6, hours: 2 * 24, jumps: false)
            .Select(a => new Activity("t" + a.Id, a.Time + TimeSpan.FromDays(4 + days), a.Operation) { UserId = a.UserId })
            .ToList();
        var activities = head.Concat(tail).ToList();
        var (expected, _, grid) = RunSingle(activities);
        Assert.Contains(expected, c => c.StartsWith("grid-", StringComparison.Ordinal));
        var batches = new List<Activity[]>();
        var current = new List<Activity>();
        foreach (var activity in activities)
        {
            current.Add(activity);
            if (current.Count > 1 && activity.Time.UtcTicks / TimeSpan.TicksPerDay == current[^2].Time.UtcTicks / TimeSpan.TicksPerDay + 1)
            {
                batches.Add([.. current]);
                current.Clear();
            }
        }

        batches.Add([.. current]);
        Assert.True(batches.Count >= 4, $"{batches.Count} batches");
        using var pipeline = new PartitionedAlertPipeline(GridPolicies(), partitions, GridOptions());
        Assert.Equal(expected, RunStaged(pipeline, batches, partitions));
        Assert.Equal(grid, GridState(pipeline));
    }

    [Property(MaxTest = 5)]
    public Property A_checkpoint_under_the_other_grid_switch_restores_into_the_partitioned_engine_as_into_the_single_one() =>
        Prop.ForAll(
            RestartCases(),
            c =>
        {
            var savedWithGrid = c.flag;
            var after = Math.Max(2, c.after);
            // Saved under one switch by the single engine (`before` 1) or a partitioned one; restored under the other
            // switch (the snapshot's mix rule, GridCheckpointMixProperties) into a partitioned engine (Process or the
            // staged phases) and, as the oracle, into the single engine.
            var activities = Stream(c.seed, hours: HoursPerCase, hard: true);
            var cut = c.cut % (activities.Count + 1);
            using var checkpoint = new MemoryStream();
            if (c.before == 1)
            {
                using var single = new AlertPipeline(GridPolicies(), GridOptions(c.zone, savedWithGrid));
                foreach (var activity in activities.Take(cut))
                {
                    single.Process(activity);
                }

                single.SaveCheckpoint(checkpoint);
            }
            else
            {
                using var partitioned = new PartitionedAlertPipeline(GridPolicies(), c.before, GridOptions(c.zone, savedWithGrid));
                foreach (var batch in Batches(activities.Take(cut).ToList(), c.batchSeed))
                {
                    partitioned.Process(batch);
                }

                partitioned.SaveCheckpoint(checkpoint);
            }

            var bytes = checkpoint.ToArray();
            using var oracle = new AlertPipeline(GridPolicies(), GridOptions(c.zone, !savedWithGrid));
            Assert.Empty(oracle.RestoreCheckpoint(new MemoryStream(bytes)).Skipped);
            var expected = activities.Skip(cut).SelectMany(oracle.Process).Select(Describe2).ToList();

            using var restored = new PartitionedAlertPipeline(GridPolicies(), after, GridOptions(c.zone, !savedWithGrid));
            Assert.Empty(restored.RestoreCheckpoint(new MemoryStream(bytes)).Skipped);
            var rest = Batches(activities.Skip(cut).ToList(), c.batchSeed ^ 1);
            List<string> actual = c.batchSeed % 2 == 0
                ? RunStaged(restored, rest, c.batchSeed)
                : [.. rest.SelectMany(b => restored.Process(b)).Select(Describe2)];
            Assert.Equal(expected, actual);
            Assert.Equal(GridState(oracle), GridState(restored));
            if (!savedWithGrid)
            {
                AssertSamePrior(restored);
            }

            using var a = new MemoryStream();
            using var b = new MemoryStream();
            oracle.SaveCheckpoint(a);
            restored.SaveCheckpoint(b);
            using var fromA = new AlertPipeline(GridPolicies(), GridOptions(c.zone, !savedWithGrid));
            fromA.RestoreCheckpoint(new MemoryStream(a.ToArray()));
            using var fromB = new AlertPipeline(GridPolicies(), GridOptions(c.zone, !savedWithGrid));
            fromB.RestoreCheckpoint(new MemoryStream(b.ToArray()));
            Assert.Equal(GridState(fromA), GridState(fromB));
        });
}
