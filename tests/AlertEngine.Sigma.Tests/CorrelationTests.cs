using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Sigma.Tests;

/// <summary>Sigma correlation rules become threshold, distinct, sum and temporal policies, and run exactly as the
/// oracles of those triggers say.</summary>
public sealed class CorrelationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    internal const string Rules = """
        title: Failed sign-in
        id: failed-login
        name: failed_login
        status: test
        logsource:
            product: azure
            service: signinlogs
        detection:
            sel:
                Operation: UserLoginFailed
            condition: sel
        ---
        title: Inbox rule created
        id: inbox-rule
        name: inbox_rule
        status: test
        logsource:
            product: m365
            service: audit
        detection:
            sel:
                Operation: New-InboxRule
            condition: sel
        ---
        title: File downloaded
        id: download
        name: download
        status: test
        logsource:
            product: m365
            service: audit
        detection:
            sel:
                Operation: FileDownloaded
            condition: sel
        ---
        title: Brute force
        id: brute-force
        level: high
        correlation:
            type: event_count
            rules: [failed_login]
            group-by: [UserId]
            timespan: 10m
            condition:
                gte: 3
        ---
        title: Sign-ins from many addresses
        id: many-ips
        correlation:
            type: value_count
            rules: failed_login
            group-by: [UserId]
            timespan: 10m
            condition:
                field: ClientIP
                gt: 1
        ---
        title: Mass download
        id: mass-download
        correlation:
            type: value_sum
            rules: [download]
            group-by: [UserId, Workload]
            timespan: 10m
            condition:
                field: Size
                gte: 1000
        ---
        title: Failed sign-in then inbox rule
        id: failed-then-rule
        level: critical
        correlation:
            type: temporal_ordered
            rules: [failed_login, inbox-rule]
            group-by: [UserId]
            timespan: 5m
        ---
        title: Sign-in and inbox rule together
        id: login-and-rule
        correlation:
            type: temporal
            rules: [failed_login, inbox_rule]
            group-by: [UserId]
            timespan: 5m
            generate: true
        """;

    private static IReadOnlyList<AlertPolicy> Load()
    {
        var result = SigmaRuleLoader.LoadText(Rules, "correlations.yml");
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        return result.Policies;
    }

    [Fact]
    public void Correlations_become_the_matching_triggers()
    {
        var p = Load().ToDictionary(x => x.Id);
        Assert.Equal(new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.Property("UserId")), p["brute-force"].Trigger);
        Assert.Equal(new DistinctTrigger("ClientIP", 2, TimeSpan.FromMinutes(10), TriggerScope.Property("UserId")), p["many-ips"].Trigger);
        Assert.Equal(new SumTrigger("Size", 1000, TimeSpan.FromMinutes(10), TriggerScope.Properties(["UserId", "Workload"])), p["mass-download"].Trigger);
        var ordered = Assert.IsType<TemporalTrigger>(p["failed-then-rule"].Trigger);
        Assert.True(ordered.Ordered);
        Assert.Equal(2, ordered.Steps.Count);
        Assert.Equal(["UserLoginFailed", "New-InboxRule"], p["failed-then-rule"].Operations);
        Assert.Equal(AlertSeverity.High, p["failed-then-rule"].Severity);
        Assert.False(Assert.IsType<TemporalTrigger>(p["login-and-rule"].Trigger).Ordered);

        // Referenced rules only alert when a correlation says generate: true; "download" is referenced without it.
        Assert.False(p["download"].Enabled);
        Assert.True(p["failed-login"].Enabled);
        Assert.True(p["inbox-rule"].Enabled);
        Assert.Empty(PolicyValidator.Validate(Load(), Plan.E5));
    }

    [Theory]
    [InlineData("type: event_count\n    rules: [nope]\n    timespan: 1h\n    condition: {gte: 2}", "'nope' is not among the rules loaded")]
    [InlineData("type: event_count\n    rules: [failed_login]\n    timespan: 1h\n    condition: {lt: 2}", "'lt' is not supported")]
    [InlineData("type: event_count\n    rules: [failed_login]\n    timespan: 1w\n    condition: {gte: 2}", "not a timespan")]
    [InlineData("type: value_count\n    rules: [failed_login]\n    timespan: 1h\n    condition: {gte: 2}", "'field' is required")]
    [InlineData("type: temporal\n    rules: [failed_login, inbox_rule]\n    timespan: 1h\n    condition: {gte: 1}", "other than all 2 rules")]
    [InlineData("type: nearby\n    rules: [failed_login]\n    timespan: 1h", "unknown correlation type")]
    [InlineData("type: event_count\n    rules: [brute-force]\n    timespan: 1h\n    condition: {gte: 2}", "chained correlations")]
    public void Bad_correlations_are_errors(string body, string message)
    {
        var yaml = Rules + "\n---\ntitle: Bad\nid: bad\ncorrelation:\n    " + body + "\n";
        var result = SigmaRuleLoader.LoadText(yaml, "c.yml");
        var error = Assert.Single(result.Errors);
        Assert.Equal(("c.yml", "bad", "Bad"), (error.File, error.RuleId, error.Title));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Policies, p => p.Id == "bad");
    }

    private static Arbitrary<List<Activity>> Streams() => Arb.From(
        from items in Gen.ListOf(
            from gap in Gen.Frequency((2, Gen.Constant(0)), (4, Gen.Choose(1, 90)), (1, Gen.Choose(91, 900)))
            from op in Gen.Elements("UserLoginFailed", "New-InboxRule", "FileDownloaded", "FileDeleted")
            from user in Gen.Elements("alice", "bob")
            from ip in Gen.Elements("10.0.0.1", "10.0.0.2", "10.0.0.3")
            from workload in Gen.Elements("SharePoint", "OneDrive")
            from size in Gen.Choose(0, 600)
            select (gap, op, user, ip, workload, size))
        select Build(items));

    private static List<Activity> Build(IEnumerable<(int Gap, string Op, string User, string Ip, string Workload, int Size)> items)
    {
        var time = T0;
        var n = 0;
        var list = new List<Activity>();
        foreach (var (gap, op, user, ip, workload, size) in items)
        {
            time = time.AddSeconds(gap);
            list.Add(new Activity("a" + n++, time, op)
            {
                UserId = user,
                ClientIp = System.Net.IPAddress.Parse(ip),
                Workload = workload,
                Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Size"] = size.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            });
        }

        return list;
    }

    [Property(MaxTest = 100)]
    public Property Correlation_policies_fire_as_their_trigger_oracles_say() => Prop.ForAll(Streams(), activities =>
    {
        var policies = Load().Select(p => p with { Aggregation = new AggregationSettings(AggregationMode.None) }).ToList();
        using var pipeline = new AlertPipeline(policies);
        var actual = new List<(string Policy, string Trigger, string Items)>();
        foreach (var a in activities)
        {
            foreach (var change in pipeline.Process(a))
            {
                actual.Add((change.Alert.PolicyId, a.Id, string.Join(",", change.Alert.Activities.Select(x => x.Id))));
            }
        }

        var expected = new List<(string Policy, string Trigger, string Items)>();
        var byId = policies.ToDictionary(p => p.Id);
        IEnumerable<Activity> Matching(string id) => activities.Where(a =>
            byId[id].Operations.Contains(a.Operation, StringComparer.OrdinalIgnoreCase) && ConditionCompiler.Compile(byId[id].Conditions)(a));
        void Add(string id, IEnumerable<Detection> detections) =>
            expected.AddRange(detections.Select(d => (id, d.TriggeringActivity.Id, string.Join(",", d.Activities.Select(x => x.Id)))));

        foreach (var id in new[] { "failed-login", "inbox-rule" })
        {
            expected.AddRange(Matching(id).Select(a => (id, a.Id, a.Id)));
        }

        Add("brute-force", ThresholdOracle.Detections(Matching("brute-force"), 3, TimeSpan.FromMinutes(10), a => a.UserId));
        Add("many-ips", DistinctOracle.Run(Matching("many-ips"), "ClientIP", 2, TimeSpan.FromMinutes(10), a => a.UserId).Detections);
        Add("mass-download", SumOracle.Run(Matching("mass-download"), "Size", 1000, TimeSpan.FromMinutes(10), a => a.UserId + "\u001f" + a.Workload).Detections);
        foreach (var (id, ordered) in new[] { ("failed-then-rule", true), ("login-and-rule", false) })
        {
            var steps = Assert.IsType<TemporalTrigger>(byId[id].Trigger).Steps.Select(ConditionCompiler.Compile).ToArray();
            var matching = Matching(id).ToList();
            foreach (var d in TemporalOracle.Run(matching, steps, ordered, TimeSpan.FromMinutes(5), a => a.UserId, TimeSpan.Zero))
            {
                var carried = actual.Find(x => x.Policy == id && x.Trigger == matching[d.Index].Id).Items;
                expected.Add((id, matching[d.Index].Id, d.Activities is { } exact ? string.Join(",", exact.Select(x => x.Id)) : carried ?? "?"));
            }
        }

        var order = activities.Select((a, i) => (a.Id, i)).ToDictionary(x => x.Id, x => x.i);
        static IEnumerable<(string, string, string)> Sorted(IEnumerable<(string Policy, string Trigger, string Items)> list, Dictionary<string, int> order) =>
            list.OrderBy(x => order[x.Trigger]).ThenBy(x => x.Policy, StringComparer.Ordinal);
        Assert.Equal(Sorted(expected, order), Sorted(actual, order));
    });
}
