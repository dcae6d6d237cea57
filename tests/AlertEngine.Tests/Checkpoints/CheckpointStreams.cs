using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Tests.Checkpoints;

/// <summary>Streams and policies for the exactly-once properties: every trigger kind, aggregation on and off,
/// re-delivered duplicates, activities late within (and beyond) the allowed lateness.</summary>
internal static class CheckpointStreams
{
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    public static readonly string[] Users = ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"];
    public static readonly string[] Operations = ["FileDeleted", "FileDownloaded", "MailRedirect"];
    public static readonly TimeSpan Lateness = TimeSpan.FromMinutes(2);

    public static AlertEngineOptions Options() => new()
    {
        AllowedLateness = Lateness,
        MaxActivitiesPerAlert = 5,
    };

    public static IReadOnlyList<AlertPolicy> AllPolicies() =>
    [
        Policy("every-policy", "FileDeleted", EveryTimeTrigger.Instance, new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(10))),
        Policy("every-none", "MailRedirect", EveryTimeTrigger.Instance, new AggregationSettings(AggregationMode.None)),
        Policy("threshold-user", "FileDeleted", new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(30))),
        Policy("threshold-org", "FileDownloaded", new ThresholdTrigger(5, TimeSpan.FromMinutes(5), TriggerScope.Organization), new AggregationSettings(AggregationMode.None)),
        Policy("anomaly-user", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.High, TimeSpan.FromMinutes(10)), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromHours(1))),
        Policy("newvalue-org", "FileDownloaded", new NewValueTrigger("userId", TriggerScope.Organization, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20)), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(5))),
        Policy("absence-user", "FileDeleted", new AbsenceTrigger(TimeSpan.FromMinutes(15), TriggerScope.User), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(20))),
        Policy("distinct-org", "FileDeleted", new DistinctTrigger("userId", 3, TimeSpan.FromMinutes(10), TriggerScope.Organization), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(5))),
        Policy("spike-user", "FileDownloaded", new SpikeTrigger(2, TimeSpan.FromMinutes(10), 2, 1, TriggerScope.User), new AggregationSettings(AggregationMode.None)),
        Policy("sum-user", "MailRedirect", new SumTrigger("Bytes", 5000, TimeSpan.FromMinutes(10), TriggerScope.User), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(15))),
        Policy("temporal-user", "FileDeleted", Temporal(ordered: false, "FileDownloaded", "FileDeleted"), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(10))) with { Operations = ["FileDeleted", "FileDownloaded"] },
        Policy("temporal-ordered-user", "FileDeleted", Temporal(ordered: true, "FileDeleted", "MailRedirect"), new AggregationSettings(AggregationMode.None)) with { Operations = ["FileDeleted", "MailRedirect"] },
    ];

    private static TemporalTrigger Temporal(bool ordered, params string[] operations) => new(
        [.. operations.Select(o => (Condition)new PropertyCondition("operation", PropertyOperator.Equals, [o]))],
        ordered,
        TimeSpan.FromMinutes(5),
        TriggerScope.User);

    public static AlertPolicy Policy(string id, string operation, Trigger trigger, AggregationSettings aggregation) => new()
    {
        Id = id,
        Name = "Policy " + id,
        Severity = AlertSeverity.Medium,
        Category = AlertCategory.ThreatManagement,
        Operations = [operation],
        Trigger = trigger,
        Aggregation = aggregation,
    };

    /// <summary>A learning prefix (steady downloads every 10 minutes for 3 hours), then random traffic with bursts,
    /// re-delivered ids and late activities; plus a cut point and how many activities before the cut are delivered
    /// again after the restore.</summary>
    public static Arbitrary<Scenario> Scenarios() => Arb.From(
        from steps in Gen.ListOf(Step()).Select(s => s.Take(160).ToArray())
        from cutFraction in Gen.Choose(0, 1000)
        from overlap in Gen.Frequency((3, Gen.Constant(0)), (2, Gen.Choose(1, 30)))
        select Build(steps, cutFraction, overlap));

    private static Gen<(int Gap, int User, int Op, int Burst, int Special)> Step() =>
        from gap in Gen.Frequency((3, Gen.Constant(0)), (3, Gen.Choose(1, 59)), (3, Gen.Choose(60, 600)), (1, Gen.Choose(600, 3600)))
        from user in Gen.Choose(0, Users.Length - 1)
        from op in Gen.Choose(0, Operations.Length - 1)
        from burst in Gen.Frequency((8, Gen.Constant(1)), (2, Gen.Choose(2, 25)))
        from special in Gen.Choose(0, 19)
        select (gap, user, op, burst, special);

    private static Scenario Build((int Gap, int User, int Op, int Burst, int Special)[] steps, int cutFraction, int overlap)
    {
        var list = new List<Activity>();
        var n = 0;
        for (var minute = 0; minute < 180; minute += 10)
        {
            foreach (var user in Users)
            {
                list.Add(new Activity("learn" + n++, Start.AddMinutes(minute), "FileDownloaded") { UserId = user });
            }
        }

        var time = Start.AddMinutes(180);
        foreach (var (gap, user, op, burst, special) in steps)
        {
            time = time.AddSeconds(gap);
            for (var b = 0; b < burst; b++)
            {
                var bytes = special == 4 ? "n/a" : ((gap * 37) + (b * 500)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                list.Add(new Activity("a" + n++, time.AddSeconds(b % 3), Operations[op])
                {
                    UserId = Users[user],
                    Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Bytes"] = bytes },
                });
            }

            switch (special)
            {
                case 0 when list.Count > 3:
                    list.Add(list[list.Count - 1 - (gap % 3)]); // an at-least-once source delivers one again
                    break;
                case 1:
                    list.Add(new Activity("late" + n++, time - TimeSpan.FromSeconds(gap % 100), Operations[op]) { UserId = Users[(user + 1) % Users.Length] });
                    break;
                case 2:
                    list.Add(new Activity("tooLate" + n++, time - TimeSpan.FromMinutes(5), Operations[op]) { UserId = Users[user] });
                    break;
                case 3:
                    list.Add(new Activity("anon" + n++, time, Operations[op]));
                    break;
            }
        }

        var cut = (int)((long)list.Count * cutFraction / 1000);
        return new Scenario(list, cut, Math.Min(overlap, cut));
    }

    /// <summary>A change as text: everything the contract says must be equal.</summary>
    public static string Describe(AlertChange c)
    {
        var a = c.Alert;
        return string.Join('|',
            c.Kind,
            a.Id,
            a.HitCount,
            a.DetectionCount,
            a.CreatedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            a.FirstActivityAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            a.LastActivityAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            string.Join(',', a.Users),
            string.Join(',', a.Operations),
            string.Join(',', a.Activities.Select(x => x.Id)),
            a.ActivitiesTruncated,
            c.Detection.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            c.Detection.HitCount,
            string.Join(',', c.Detection.Activities.Select(x => x.Id)),
            c.Detection.Anomaly?.Observed,
            c.Detection.Reason);
    }

    internal sealed record Scenario(List<Activity> Activities, int Cut, int Overlap)
    {
        public override string ToString() => $"{Activities.Count} activities, cut at {Cut}, {Overlap} re-delivered";
    }
}
