using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

using static AlertEngine.AspNetCore.Tests.Dashboard.DashboardForms;

namespace AlertEngine.AspNetCore.Tests.Dashboard;

/// <summary>The dashboard's upload and policy JSON forms over HTTP (no browser): rules, permissions, encoding.</summary>
public sealed class DashboardFormTests
{
    private const string Script = "<script>alert('x')</script>";


    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string fileName, string content, string tokenPage = "/upload")
    {
        var form = new MultipartFormDataContent
        {
            { new StringContent(await TokenAsync(client, tokenPage)), "__RequestVerificationToken" },
        };
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        return await client.PostAsync(Url("/upload"), form);
    }

    private static long Processed(AlertEngineAppFactory app) => app.Services.GetRequiredService<IAlertEngine>().Pipeline.Statistics.ActivitiesProcessed;

    private static AlertPolicy Running(AlertEngineAppFactory app, string id) => app.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies.Single(p => p.Id == id);

    [Fact]
    public async Task AnUploadedFileIsEvaluatedAndItsAlertsListed()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var lines = TestApp.ActivityLine(AlertCategory.MailFlow, "u1", TestApp.Day.AddDays(2)) + "\n" + TestApp.ActivityLine(AlertCategory.Permissions, "u2", TestApp.Day.AddDays(2)) + "\n";

        var response = await UploadAsync(client, "two.jsonl", lines);

        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Evaluated 2 activities from two.jsonl: 2 alerts created, 0 updated.", html, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString(TestApp.PolicyId(AlertCategory.MailFlow) + ":u1"), html, StringComparison.Ordinal);
        Assert.NotNull(await app.Services.GetRequiredService<IAlertStore>().GetAsync(TestApp.PolicyId(AlertCategory.Permissions) + ":u2", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task APurviewCsvExportIsReadAsTheApiReadsIt()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        static string Row(string id, string operation) =>
            "2026-03-01T09:00:00.0000000Z,ann@contoso.com,\"" + operation + "\",\"{\"\"CreationTime\"\":\"\"2026-03-01T09:00:00\"\",\"\"Id\"\":\"\"" + id
            + "\"\",\"\"Operation\"\":\"\"" + operation + "\"\",\"\"UserId\"\":\"\"ann@contoso.com\"\",\"\"Workload\"\":\"\"Exchange\"\"}\"";
        var csv = "\uFEFFCreationDate,UserIds,Operations,AuditData\r\n" + Row("c1", "Op-MailFlow") + "\r\n" + Row("c2", "Op-Others") + "\r\n";

        var response = await UploadAsync(client, "export.csv", csv);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Evaluated 2 activities from export.csv: 2 alerts created", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFileWithABadLineIsRefusedWholeWithTheLineNumberAndNothingEvaluated()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var before = Processed(app);
        var lines = TestApp.ActivityLine(AlertCategory.MailFlow, "b1", TestApp.Day.AddDays(2)) + "\n{\"id\":\"b2\",\"operation\":\"" + Script + "\"}\n";

        var response = await UploadAsync(client, Script + ".jsonl", lines);

        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("<td class=\"where\">line 2</td>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("line 1<", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, Processed(app));
        Assert.Null(await app.Services.GetRequiredService<IAlertStore>().GetAsync(TestApp.PolicyId(AlertCategory.MailFlow) + ":b1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UploadingNeedsTheIngestRoleTheTokenAndTheSizeLimit()
    {
        await using var app = new AlertEngineAppFactory(web => web.MaxIngestBytes = 1000);
        var line = TestApp.ActivityLine(AlertCategory.MailFlow, "s1", TestApp.Day) + "\n";
        var before = Processed(app);

        var viewer = app.As("r", Roles.RecordsManagement);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync(Url("/upload"), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await UploadAsync(viewer, "a.jsonl", line, tokenPage: "/")).StatusCode);
        Assert.DoesNotContain("/upload\"", await viewer.GetStringAsync(Url("/"), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var admin = app.As("admin", Roles.OrgManagement);
        var noToken = new MultipartFormDataContent { { new StringContent(line), "file", "a.jsonl" } };
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.PostAsync(Url("/upload"), noToken, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await UploadAsync(admin, "big.jsonl", string.Concat(Enumerable.Repeat(line, 20)))).StatusCode);
        Assert.Equal(before, Processed(app));

        Assert.Equal(HttpStatusCode.OK, (await UploadAsync(admin, "a.jsonl", line)).StatusCode);
        Assert.Equal(before + 1, Processed(app));
    }

    [Fact]
    public async Task APolicyIsEditedAsJsonWithErrorsByPathAndNothingChangedWhenRefused()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        const string Page = "/policies/policy-mailflow/edit";
        var form = await client.GetStringAsync(Url(Page), TestContext.Current.CancellationToken);
        var json = WebUtility.HtmlDecode(Regex.Match(form, "<textarea name=\"json\"[^>]*>([^<]*)</textarea>").Groups[1].Value);
        Assert.Contains("\"id\": \"policy-mailflow\"", json, StringComparison.Ordinal);
        var before = Running(app, "policy-mailflow");

        var refused = await PostFormAsync(client, Page, Page, new() { ["json"] = json.Replace("\"activities\": [", "\"activities\": [], \"x\": [", StringComparison.Ordinal) });
        var html = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("<code class=\"path\">policy.activities</code>", html, StringComparison.Ordinal);
        Assert.Same(before, Running(app, "policy-mailflow"));

        var saved = await PostFormAsync(client, Page, Page, new() { ["json"] = json.Replace("MailFlow policy", "Mail " + Script, StringComparison.Ordinal) });
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        Assert.Equal(Url("/policies/policy-mailflow?done=saved"), saved.Headers.Location?.OriginalString);
        Assert.Equal("Mail " + Script, Running(app, "policy-mailflow").Name);
        var pages = await client.GetStringAsync(Url("/policies/policy-mailflow"), TestContext.Current.CancellationToken) + await client.GetStringAsync(Url(Page), TestContext.Current.CancellationToken) + await client.GetStringAsync(Url("/policies"), TestContext.Current.CancellationToken);
        Assert.DoesNotContain("<script", pages, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ASystemPolicyRefusesTheFieldsItLocksAsTheApiDoes()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        var id = TestApp.SystemPolicy.Id;
        var page = "/policies/" + id + "/edit";
        var json = WebUtility.HtmlDecode(Regex.Match(await client.GetStringAsync(Url(page), TestContext.Current.CancellationToken), "<textarea name=\"json\"[^>]*>([^<]*)</textarea>").Groups[1].Value);
        var before = Running(app, id);

        var renamed = await PostFormAsync(client, page, page, new() { ["json"] = json.Replace(TestApp.SystemPolicy.Name, "Renamed", StringComparison.Ordinal) });
        Assert.Equal(HttpStatusCode.BadRequest, renamed.StatusCode);
        Assert.Contains("<code class=\"path\">policy.name</code>", await renamed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Same(before, Running(app, id));

        var off = await PostFormAsync(client, page, page, new() { ["json"] = json.Replace("\"enabled\": true", "\"enabled\": false", StringComparison.Ordinal) });
        Assert.Equal(HttpStatusCode.SeeOther, off.StatusCode);
        Assert.False(Running(app, id).Enabled);
    }

    [Fact]
    public async Task APolicyIsCreatedFromTheNewPolicyForm()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        const string Json = """
            {"id":"mass-download","name":"Mass download","category":"DataLossPrevention","severity":"High","activities":["FileDownloaded"],
             "trigger":{"type":"threshold","count":100,"window":"PT1H","scope":"user"}}
            """;

        var invalid = await PostFormAsync(client, "/new-policy", "/new-policy", new() { ["json"] = Json.Replace("\"count\":100", "\"count\":0", StringComparison.Ordinal) });
        var html = await invalid.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Contains("<code class=\"path\">policy.trigger.count</code>", html, StringComparison.Ordinal);
        Assert.Contains("&quot;count&quot;:0", html, StringComparison.Ordinal);
        Assert.DoesNotContain(app.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies, p => p.Id == "mass-download");

        var created = await PostFormAsync(client, "/new-policy", "/new-policy", new() { ["json"] = Json });
        Assert.Equal(HttpStatusCode.SeeOther, created.StatusCode);
        Assert.Equal(Url("/policies/mass-download?done=created"), created.Headers.Location?.OriginalString);
        Assert.Equal(100, ((ThresholdTrigger)Running(app, "mass-download").Trigger).Count);
    }

    [Fact]
    public async Task PolicyFormsNeedManageAlertsAndTheCategory()
    {
        await using var app = new AlertEngineAppFactory();
        var records = app.As("r", Roles.RecordsManagement);
        var compliance = app.As("c", Roles.ComplianceAdmin);

        Assert.Equal(HttpStatusCode.Forbidden, (await records.GetAsync(Url("/policies/policy-informationgovernance/edit"), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await records.GetAsync(Url("/new-policy"), TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await compliance.GetAsync(Url("/policies/policy-threatmanagement/edit"), TestContext.Current.CancellationToken)).StatusCode);
        var moved = await PostFormAsync(compliance, "/policies/policy-mailflow/edit", "/policies/policy-mailflow/edit", new()
        {
            ["json"] = """{"id":"policy-mailflow","name":"m","category":"ThreatManagement","severity":"High","activities":["Op-MailFlow"]}""",
        });
        Assert.Equal(HttpStatusCode.Forbidden, moved.StatusCode);
        Assert.Equal(AlertCategory.MailFlow, Running(app, "policy-mailflow").Category);
    }

    [Fact]
    public async Task SigmaPoliciesThatTheJsonFormatCannotExpressShowReadOnly()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        await (await Api.SigmaEndpointTests.PostYamlAsync(client, Api.SigmaEndpointTests.Rules)).Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        var detail = await client.GetAsync(Url("/policies/sigma-forward-regex"), TestContext.Current.CancellationToken);
        var edit = await client.GetStringAsync(Url("/policies/sigma-forward-regex/edit"), TestContext.Current.CancellationToken);
        var list = await client.GetStringAsync(Url("/policies"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        var html = await detail.Content.ReadAsStringAsync(TestContext.Current.CancellationToken) + edit + list;
        Assert.Contains("id=\"policy-read-only\"", edit, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"policy-form\"", edit, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Forwarding to &lt;script&gt;", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheNewFormsCarryAnAntiforgeryToken()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        foreach (var path in new[] { "/upload", "/new-policy", "/policies/policy-mailflow/edit", "/policies/" + TestApp.SystemPolicy.Id + "/edit" })
        {
            var html = await client.GetStringAsync(Url(path), TestContext.Current.CancellationToken);
            var forms = Regex.Matches(html, "<form method=\"post\"").Count;
            Assert.True(forms > 0, path);
            Assert.Equal(forms, TokenField().Matches(html).Count);
        }

        var forged = await client.PostAsync(Url("/new-policy"), new FormUrlEncodedContent(new Dictionary<string, string> { ["json"] = "{}", ["__RequestVerificationToken"] = "forged" }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task TheHealthPageShowsTrackedKeys()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();

        var html = await app.As("admin", Roles.OrgManagement).GetStringAsync(Url("/health"), TestContext.Current.CancellationToken);

        Assert.Matches("<td id=\"health-tracked-keys\">0</td>", html);
    }
}
