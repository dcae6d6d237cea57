using System.Globalization;
using System.Text;
using AlertEngine.Sigma;

namespace AlertEngine.Benchmarks.Sigma;

/// <summary>
/// 50 generated Sigma detection rules (seeded), loaded with <see cref="SigmaRuleLoader"/>, and the same 50 rules built
/// directly as policies from the same random choices; plus a stream of activities shaped like unified-audit-log records
/// (some operations no rule tracks, field values that hit the rules now and then). With <c>modifiers</c>, a third of the
/// selections use the appendix's other modifiers instead (<c>re</c> on a dotted path, <c>base64|contains</c>,
/// <c>gte</c>, <c>cidr</c>, <c>neq</c>), built by hand as the conditions they mean.
/// </summary>
internal static class SigmaRuleSet
{
    public const int Rules = 50;
    public const int Activities = 20_000;

    private static readonly string[] Operations =
    [
        "New-InboxRule", "Set-InboxRule", "Set-Mailbox", "Add-MailboxPermission", "FileDownloaded", "FileDeleted",
        "Update user.", "Add member to role.", "UserLoggedIn", "New-ComplianceSearchAction",
    ];

    private static readonly string[] Unrouted = ["MailItemsAccessed", "FileAccessed"];
    private static readonly string[] Fields = ["UserId", "ObjectId", "Workload", "Parameters", "ClientInfoString", "ResultStatus"];
    private static readonly string[] Words = ["forward", "admin", "export", "evil", "contoso", "pst", "legacy", "true", "mfa", "guest"];

    private sealed record Selection(string Field, string Modifier, string[] Values);

    private sealed record RuleSpec(int Index, string[] Operations, Selection[] Select, Selection? Filter);

    /// <summary>Creates the rule sets and the stream. With <paramref name="freshStrings"/>, every property key and field
    /// value of an activity is its own string instance (as an activity reader produces them), so no comparison succeeds
    /// by reference; otherwise keys are the interned literals the hand-built policies also use.</summary>
    public static (IReadOnlyList<AlertPolicy> Sigma, IReadOnlyList<AlertPolicy> Direct, Activity[] Stream) Create(bool freshStrings, int seed = 42, bool modifiers = false)
    {
        var random = new Random(seed);
        var specs = new List<RuleSpec>();
        for (var i = 0; i < Rules; i++)
        {
            var ops = Enumerable.Range(0, random.Next(1, 3)).Select(_ => Operations[random.Next(Operations.Length)]).Distinct().ToArray();
            var selects = Enumerable.Range(0, random.Next(1, 3)).Select(_ => NewSelection(random, modifiers)).DistinctBy(s => s.Field).ToArray();
            var filter = random.Next(3) == 0 ? NewSelection(random, modifiers) : null;
            specs.Add(new RuleSpec(i, ops, selects, filter));
        }

        var yaml = string.Join("\n---\n", specs.Select(Yaml));
        var loaded = SigmaRuleLoader.LoadText(yaml, "generated.yml");
        if (!loaded.IsValid)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, loaded.Errors));
        }

        var direct = specs.Select(Direct).ToArray();
        var stream = new Activity[Activities];
        for (var i = 0; i < stream.Length; i++)
        {
            var op = random.Next(10) == 0 ? Unrouted[random.Next(Unrouted.Length)] : Operations[random.Next(Operations.Length)];
            string S(string text) => freshStrings ? new string(text.AsSpan()) : text;
            var props = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                [S("Parameters")] = "[{\"Name\":\"" + Word(random) + "\",\"Value\":\"" + Word(random) + "@" + Word(random) + ".com\"}]",
                [S("ClientInfoString")] = "Client=OWA;Action=" + Word(random),
                [S("ResultStatus")] = S(random.Next(4) == 0 ? "False" : "True"),
            };
            if (modifiers)
            {
                props[S("ClientInfoString")] += ";Data=" + Convert.ToBase64String(Encoding.UTF8.GetBytes("x" + Word(random)));
                props[S("ItemCount")] = random.Next(100).ToString(CultureInfo.InvariantCulture);
            }

            stream[i] = new Activity("a" + i.ToString(CultureInfo.InvariantCulture), new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(i), S(op))
            {
                UserId = Word(random) + "@contoso.com",
                ObjectId = "https://contoso.sharepoint.com/sites/" + Word(random) + "/" + Word(random) + ".docx",
                Workload = S(random.Next(2) == 0 ? "Exchange" : "SharePoint"),
                Properties = props,
                ClientIp = modifiers ? new System.Net.IPAddress([random.Next(2) == 0 ? (byte)10 : (byte)192, 168, (byte)random.Next(4), 1]) : null,
            };
        }

        return (loaded.Policies, direct, stream);
    }

    private static string Word(Random random) => Words[random.Next(Words.Length)];

    private static Selection NewSelection(Random random, bool modifiers)
    {
        if (modifiers && random.Next(3) == 0)
        {
            return random.Next(5) switch
            {
                0 => new Selection("Parameters.Value", "re", ["@(" + Word(random) + "|" + Word(random) + ")\\.com$"]),
                1 => new Selection("ClientInfoString", "base64|contains", [Word(random)]),
                2 => new Selection("ItemCount", "gte", [random.Next(100).ToString(CultureInfo.InvariantCulture)]),
                3 => new Selection("ClientIP", "cidr", ["10.168." + random.Next(4).ToString(CultureInfo.InvariantCulture) + ".0/24"]),
                _ => new Selection("ResultStatus", "neq", [random.Next(2) == 0 ? "False" : "True"]),
            };
        }

        var field = Fields[random.Next(Fields.Length)];
        var modifier = new[] { "", "contains", "startswith", "endswith" }[random.Next(4)];
        var values = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Word(random) + (random.Next(6) == 0 ? "*" : string.Empty)).Distinct().ToArray();
        return new Selection(field, modifier, values);
    }

    private static string Yaml(RuleSpec spec)
    {
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"title: Generated rule {spec.Index}\nid: sigma-{spec.Index}\nstatus: test\nlevel: medium\nlogsource:\n    product: m365\n    service: audit\ndetection:\n    selection:\n");
        b.Append("        Operation: [").Append(string.Join(", ", spec.Operations.Select(o => "'" + o + "'"))).Append("]\n");
        foreach (var s in spec.Select)
        {
            Append(b, s);
        }

        if (spec.Filter is { } filter)
        {
            b.Append("    filter:\n");
            Append(b, filter);
            b.Append("    condition: selection and not filter\n");
        }
        else
        {
            b.Append("    condition: selection\n");
        }

        return b.ToString();
    }

    private static void Append(StringBuilder b, Selection s) =>
        b.Append("        ").Append(s.Field).Append(s.Modifier.Length > 0 ? "|" + s.Modifier : string.Empty).Append(": [")
            .Append(string.Join(", ", s.Values.Select(v => "'" + v + "'"))).Append("]\n");

    /// <summary>The rule written by hand as a policy, from the same choices.</summary>
    private static AlertPolicy Direct(RuleSpec spec)
    {
        var parts = new List<Condition> { new PropertyCondition("Operation", spec.Operations.Length == 1 ? PropertyOperator.Equals : PropertyOperator.In, spec.Operations) };
        parts.AddRange(spec.Select.Select(Direct));
        Condition selection = new AllCondition(parts);
        return new AlertPolicy
        {
            Id = "sigma-" + spec.Index.ToString(CultureInfo.InvariantCulture),
            Name = "Generated rule " + spec.Index.ToString(CultureInfo.InvariantCulture),
            Category = AlertCategory.ThreatManagement,
            Severity = AlertSeverity.Medium,
            Operations = spec.Operations,
            Conditions = spec.Filter is { } filter ? new AllCondition([selection, new NotCondition(Direct(filter))]) : selection,
        };
    }

    private static Condition Direct(Selection s)
    {
        switch (s.Modifier)
        {
            case "re":
                return new RegexCondition(s.Field, s.Values[0], false, false, false);
            case "base64|contains":
                return new PropertyCondition(s.Field, PropertyOperator.Matches, ["*" + Convert.ToBase64String(Encoding.UTF8.GetBytes(s.Values[0])) + "*"]);
            case "gte":
                return new NumberCondition(s.Field, NumberComparison.GreaterOrEqual, double.Parse(s.Values[0], CultureInfo.InvariantCulture), DatePart.None);
            case "cidr":
                return new IpAddressesCondition([System.Net.IPNetwork.Parse(s.Values[0])]);
            case "neq":
                return new AllCondition([new PropertyCondition(s.Field, PropertyOperator.Matches, ["*"]), new NotCondition(new PropertyCondition(s.Field, PropertyOperator.Equals, s.Values))]);
        }

        var globs = s.Values.Select(v => (s.Modifier is "contains" or "endswith" ? "*" : string.Empty) + v + (s.Modifier is "contains" or "startswith" ? "*" : string.Empty)).ToArray();
        var plain = globs.Where(g => !g.Contains('*', StringComparison.Ordinal)).ToArray();
        var conditions = new List<Condition>();
        if (plain.Length > 0)
        {
            conditions.Add(new PropertyCondition(s.Field, plain.Length == 1 ? PropertyOperator.Equals : PropertyOperator.In, plain));
        }

        conditions.AddRange(globs.Where(g => g.Contains('*', StringComparison.Ordinal)).Select(g => new PropertyCondition(s.Field, PropertyOperator.Matches, [g])));
        return conditions.Count == 1 ? conditions[0] : new AnyCondition(conditions);
    }
}
