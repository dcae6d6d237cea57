using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore.Tests.Api;

/// <summary><c>POST policies/sigma</c>: Sigma rules (YAML) become policies, all or nothing.</summary>
public sealed class SigmaEndpointTests
{
    /// <summary>A plain detection rule (expressible in the JSON policy format) and a regex one (not expressible).</summary>
    public const string Rules = """
        title: Threat operation seen
        id: sigma-threat-op
        status: stable
        level: high
        logsource:
            product: m365
        detection:
            selection:
                Operation: Op-ThreatManagement
            condition: selection
        ---
        title: Forwarding to <script>alert(1)</script>
        id: sigma-forward-regex
        level: medium
        logsource:
            product: m365
        detection:
            selection:
                Operation: Set-Mailbox
                ForwardingSmtpAddress|re: '^att[a-z]+@'
            condition: selection
        """;

    private static IReadOnlyList<AlertPolicy> Running(AlertEngineAppFactory app) => app.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies;

    public static Task<HttpResponseMessage> PostYamlAsync(HttpClient client, string yaml, string mediaType = "application/yaml") =>
        client.PostAsync(ApiTestHelpers.Url("/policies/sigma"), new StringContent(yaml, Encoding.UTF8, mediaType));

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("text/yaml")]
    public async Task SigmaRulesBecomePoliciesThatEvaluateAndAppearInThePolicyList(string mediaType)
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        var response = await PostYamlAsync(client, Rules, mediaType);

        var created = await response.JsonAsync(HttpStatusCode.Created);
        Assert.Equal(TestApp.ApiPrefix + "/policies", response.Headers.Location?.OriginalString);
        Assert.Equal(["sigma-threat-op", "sigma-forward-regex"], created.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.Equal("High", created[0].GetProperty("severity").GetString());
        Assert.Contains(Running(app), p => p.Id == "sigma-threat-op");
        Assert.Contains(Running(app), p => p.Id == "sigma-forward-regex");

        var list = await (await client.GetApiAsync("/policies")).JsonAsync(HttpStatusCode.OK);
        Assert.Contains("sigma-forward-regex", list.EnumerateArray().Select(p => p.GetProperty("id").GetString()));

        var ingested = await (await client.PostLinesAsync(TestApp.ActivityLine(AlertCategory.ThreatManagement, "t1", TestApp.Day))).JsonAsync(HttpStatusCode.OK);
        Assert.Contains(ingested.GetProperty("alertIds").EnumerateArray(), id => id.GetString()!.StartsWith("sigma-threat-op", StringComparison.Ordinal));
    }

    [Fact]
    public async Task APolicyTheJsonFormatCannotExpressReadsAsAReadOnlySummary()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        await (await PostYamlAsync(client, Rules)).JsonAsync(HttpStatusCode.Created);

        var regex = await (await client.GetApiAsync("/policies/sigma-forward-regex")).JsonAsync(HttpStatusCode.OK);
        var plain = await (await client.GetApiAsync("/policies/sigma-threat-op")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("Forwarding to <script>alert(1)</script>", regex.GetProperty("name").GetString());
        Assert.Contains("cannot express", regex.GetProperty("readOnly").GetString(), StringComparison.Ordinal);
        Assert.False(regex.TryGetProperty("conditions", out _));
        Assert.False(plain.TryGetProperty("readOnly", out _));
        Assert.Equal(["Op-ThreatManagement"], plain.GetProperty("activities").EnumerateArray().Select(a => a.GetString()));

        var off = await (await client.PostAsync(ApiTestHelpers.Url("/policies/sigma-forward-regex/disable"), null, TestContext.Current.CancellationToken)).JsonAsync(HttpStatusCode.OK);
        Assert.False(off.GetProperty("enabled").GetBoolean());
        var put = await (await client.PutJsonAsync("/policies/sigma-forward-regex", regex.GetRawText())).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(put.Errors());
    }

    [Fact]
    public async Task ARuleThatDoesNotLoadIsNamedWithItsLineAndNothingIsCreated()
    {
        await using var app = new AlertEngineAppFactory();
        var before = Running(app);
        var broken = Rules + """

            ---
            title: Broken rule
            id: sigma-broken
            logsource:
                product: m365
            detection:
                selection:
                    Operation: Op-MailFlow
                condition: selection and missing
            """;

        var problem = await (await PostYamlAsync(app.As("admin", Roles.OrgManagement), broken)).ProblemAsync(HttpStatusCode.BadRequest);

        var (where, messages) = Assert.Single(problem.Errors());
        Assert.StartsWith("line ", where, StringComparison.Ordinal);
        Assert.Contains("rule sigma-broken \"Broken rule\"", Assert.Single(messages), StringComparison.Ordinal);
        Assert.Same(before, Running(app));
    }

    [Fact]
    public async Task YamlAliasesThatWouldMultiplyARuleIntoBillionsOfValuesAreRefusedAndNothingIsCreated()
    {
        await using var app = new AlertEngineAppFactory();
        var before = Running(app);
        var yaml = new StringBuilder("title: Laughs\nid: sigma-laughs\nlogsource:\n    product: m365\nl0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
        for (var level = 1; level < 9; level++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        yaml.Append("detection:\n    selection:\n        Operation: Op-MailFlow\n        UserId: *l8\n    condition: selection\n");

        var problem = await (await PostYamlAsync(app.As("admin", Roles.OrgManagement), yaml.ToString())).ProblemAsync(HttpStatusCode.BadRequest);

        var (where, messages) = Assert.Single(problem.Errors());
        Assert.Equal("line 1", where);
        Assert.Contains("YAML aliases (*name) repeat nodes", Assert.Single(messages), StringComparison.Ordinal);
        Assert.Same(before, Running(app));
    }

    [Fact]
    public async Task DeeplyNestedYamlIsA400NotAStackOverflowOfTheHost()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        var problem = await (await PostYamlAsync(client, "title: Deep\nid: sigma-deep\ndeep: " + new string('[', 200_000))).ProblemAsync(HttpStatusCode.BadRequest);

        var (where, messages) = Assert.Single(problem.Errors());
        Assert.Equal("line 3", where);
        Assert.Contains("nests more than 64 levels", Assert.Single(messages), StringComparison.Ordinal);
        await (await PostYamlAsync(client, Rules)).JsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task APolicyTheManagerRefusesNamesItsRuleAndNothingIsCreated()
    {
        await using var app = new AlertEngineAppFactory();
        var before = Running(app);

        var problem = await (await PostYamlAsync(app.As("admin", Roles.OrgManagement), Rules.Replace("id: sigma-forward-regex", "id: policy-mailflow", StringComparison.Ordinal)))
            .ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem.Errors();
        Assert.Contains("rule policy-mailflow", errors.Keys);
        Assert.Contains(errors["rule policy-mailflow"], m => m.Contains("already exists", StringComparison.Ordinal));
        Assert.Same(before, Running(app));
        Assert.DoesNotContain(Running(app), p => p.Id == "sigma-threat-op");
    }

    [Fact]
    public async Task SigmaNeedsManageAlertsTheCategoryAndYaml()
    {
        await using var app = new AlertEngineAppFactory();
        var before = Running(app);

        await (await PostYamlAsync(app.As("r", Roles.RecordsManagement), Rules)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await PostYamlAsync(app.As("c", Roles.ComplianceAdmin), Rules)).ProblemAsync(HttpStatusCode.Forbidden);
        // Another media type is refused by routing (the endpoint's Accepts metadata) before the handler runs.
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PostYamlAsync(app.As("admin", Roles.OrgManagement), Rules, "application/json")).StatusCode);
        var untyped = new ByteArrayContent(Encoding.UTF8.GetBytes(Rules));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await app.As("admin", Roles.OrgManagement).PostAsync(ApiTestHelpers.Url("/policies/sigma"), untyped, TestContext.Current.CancellationToken)).StatusCode);
        var empty = await (await PostYamlAsync(app.As("admin", Roles.OrgManagement), "")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(empty.Errors());
        await (await PostYamlAsync(app.As("admin", Roles.OrgManagement), new string('#', 1024 * 1024 + 1))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Same(before, Running(app));
    }
}
