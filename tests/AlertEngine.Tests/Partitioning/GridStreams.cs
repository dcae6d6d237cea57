using System.Globalization;
using AlertEngine.Tests.Triggers.Anomaly;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Partitioning;

/// <summary>The anomaly dispersion grid's streams, policies and options (issue 15's internal switch), shared by the
/// partitioned engine's grid tests and the Orleans cluster's (linked there).</summary>
internal static class GridStreams
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 1, 17, 0, 0, TimeSpan.Zero);

    /// <summary>The options; with <paramref name="zone"/>, a non-UTC engine zone and per-key zones for some keys (the
    /// grid's day starts stay UTC's); <paramref name="grid"/> false: the population profile without the grid.</summary>
    internal static AlertEngineOptions GridOptions(bool zone = false, bool grid = true) => new()
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
    internal static IReadOnlyList<AlertPolicy> GridPolicies() =>
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
    internal sealed class ThrowingProperties : Dictionary<string, string>, IReadOnlyDictionary<string, string>
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

    /// <summary>Four days, a jump of <paramref name="jumpDays"/> days (run ahead in a partitioned engine), two more
    /// days.</summary>
    internal static List<Activity> JumpStream(int jumpDays = 33)
    {
        var head = Stream(5, hours: 4 * 24, jumps: false);
        var tail = Stream(6, hours: 2 * 24, jumps: false)
            .Select(a => new Activity("t" + a.Id, a.Time + TimeSpan.FromDays(4 + jumpDays), a.Operation) { UserId = a.UserId });
        return [.. head, .. tail];
    }

    private static readonly string[] Keys = [.. Enumerable.Range(0, 12).Select(u => "user" + u.ToString(CultureInfo.InvariantCulture) + "@contoso.com")];

    /// <summary>The grid's state of every grid policy: the prior in force, the pending totals and every key's φ̂ (from
    /// the model that tracks the key: the single engine's, or the partition's that owns it).</summary>
    internal static List<string> GridState(IReadOnlyList<AlertPolicy> policies, Func<int, IReadOnlyList<BaselineModel<Activity>>> models)
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

    internal static List<string> GridState(AlertPipeline pipeline) =>
        GridState(pipeline.Policies, i => pipeline.DetectorOf(pipeline.Policies[i].Id) is AnomalyDetector { Model: { HasGrid: true } model } ? [model] : []);
}
