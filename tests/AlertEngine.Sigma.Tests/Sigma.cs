namespace AlertEngine.Sigma.Tests;

/// <summary>Helpers: load rule text, compile, and build activities shaped like unified-audit-log records.</summary>
internal static class Sigma
{
    public static AlertPolicy One(string yaml, SigmaLoadOptions? options = null)
    {
        var result = SigmaRuleLoader.LoadText(yaml, "rule.yml", options);
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        return Assert.Single(result.Policies);
    }

    public static SigmaLoadError Error(string yaml, SigmaLoadOptions? options = null)
    {
        var result = SigmaRuleLoader.LoadText(yaml, "rule.yml", options);
        Assert.Empty(result.Policies);
        return Assert.Single(result.Errors);
    }

    /// <summary>A detection rule with the given detection body (indented under <c>detection:</c>).</summary>
    public static string Rule(string detection, string extra = "") => $"""
        title: Test rule
        id: rule-1
        status: test
        level: high
        logsource:
            product: m365
            service: audit
        {extra}
        detection:
        {Indent(detection)}
        """;

    public static Func<Activity, bool> Compile(string detection, SigmaLoadOptions? options = null) =>
        ConditionCompiler.Compile(One(Rule(detection), options).Conditions);

    public static Activity Audit(string operation, string? user = "alice@contoso.com", string? clientIp = null, params (string Key, string Value)[] properties)
    {
        var props = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in properties)
        {
            props[k] = v;
        }

        return new Activity(Guid.NewGuid().ToString(), new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), operation)
        {
            UserId = user,
            ClientIp = clientIp is null ? null : System.Net.IPAddress.Parse(clientIp),
            Workload = "Exchange",
            Properties = props,
        };
    }

    private static string Indent(string text) =>
        string.Join('\n', text.Split('\n').Select(l => "    " + l));
}
