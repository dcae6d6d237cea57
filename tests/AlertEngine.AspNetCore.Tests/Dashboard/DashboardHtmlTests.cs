using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;

using static AlertEngine.AspNetCore.Tests.Dashboard.DashboardForms;

namespace AlertEngine.AspNetCore.Tests.Dashboard;

/// <summary>The dashboard's HTML over HTTP (no browser): permissions, encoding, antiforgery.</summary>
public sealed class DashboardHtmlTests
{
    private const string Script = "<script>alert('x')</script>";


    [Fact]
    public async Task AnonymousVisitorsGetASignInPage()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();

        var response = await app.Anonymous().GetAsync(Url("/"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("policy-", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HiddenCategoriesShowNowhere()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("r", Roles.RecordsManagement);

        var pages = string.Concat(await Task.WhenAll(new[] { "/", "/policies", "/incidents", "/health" }.Select(p => client.GetStringAsync(Url(p)))));

        Assert.Contains("InformationGovernance policy", pages, StringComparison.Ordinal);
        foreach (var category in TestApp.Categories.Where(c => c != AlertCategory.InformationGovernance))
        {
            Assert.DoesNotContain(category + " policy", pages, StringComparison.Ordinal);
            Assert.DoesNotContain(TestApp.PolicyId(category), pages, StringComparison.Ordinal);
        }

        var hidden = await client.GetAsync(Url("/alerts/" + Uri.EscapeDataString(TestApp.AlertId(AlertCategory.ThreatManagement, 4))), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.As("e", Roles.EDiscovery).GetAsync(Url("/"), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task ScriptShapedTextIsAlwaysEncoded()
    {
        await using var app = new AlertEngineAppFactory(policiesJson: TestApp.PoliciesJson(" " + Script.Replace("'", "\\u0027", StringComparison.Ordinal)));
        await TestApp.SeedAsync(app.Services, [TestApp.ActivityLine(AlertCategory.MailFlow, "x<img src=x onerror=alert(1)>", TestApp.Day, user: Script + "@contoso.com", objectId: Script)]);
        var client = app.As(Script, Roles.OrgManagement);
        var id = "policy-mailflow:x<img src=x onerror=alert(1)>";
        await app.Services.GetRequiredService<AlertManager>().ChangeStatusAsync(
            new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new(System.Security.Claims.ClaimTypes.Role, Roles.OrgManagement)], "t")),
            id, AlertStatus.Investigating, Script, TestContext.Current.CancellationToken);

        var pages = string.Concat(await Task.WhenAll(new[] { "/", "/alerts/" + Uri.EscapeDataString(id), "/policies", "/incidents" }.Select(p => client.GetStringAsync(Url(p)))));

        Assert.DoesNotContain("<script", pages, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", pages, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", pages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFormWithoutAValidAntiforgeryTokenChangesNothing()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var id = TestApp.AlertId(AlertCategory.Others, 5);

        var noToken = await client.PostAsync(Url("/alerts/" + Uri.EscapeDataString(id) + "/status"), new FormUrlEncodedContent(new Dictionary<string, string> { ["status"] = "Dismissed" }), TestContext.Current.CancellationToken);
        var badToken = await client.PostAsync(Url("/policies/policy-others/enabled"), new FormUrlEncodedContent(new Dictionary<string, string> { ["enabled"] = "false", ["__RequestVerificationToken"] = "forged" }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badToken.StatusCode);
        Assert.Equal(AlertStatus.Active, (await app.Services.GetRequiredService<IAlertStore>().GetAsync(id, TestContext.Current.CancellationToken))!.Status);
        Assert.True(app.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies.Single(p => p.Id == "policy-others").Enabled);
    }

    [Fact]
    public async Task EveryFormCarriesAnAntiforgeryToken()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var incident = (await app.Services.GetRequiredService<IncidentManager>().Store.QueryAsync(IncidentQuery.All, TestContext.Current.CancellationToken))[0];
        await app.Services.GetRequiredService<IncidentManager>().DeclareSecurityIncidentAsync(incident.Id, "admin", cancellationToken: TestContext.Current.CancellationToken);

        foreach (var path in new[] { "/alerts/" + Uri.EscapeDataString(TestApp.AlertId(AlertCategory.Others, 5)), "/policies", "/incidents/" + Uri.EscapeDataString(incident.Id) })
        {
            var html = await client.GetStringAsync(Url(path), TestContext.Current.CancellationToken);
            var forms = Regex.Matches(html, "<form method=\"post\"").Count;
            Assert.True(forms > 0, path);
            Assert.Equal(forms, TokenField().Matches(html).Count);
        }
    }

    [Fact]
    public async Task ARefusedChangeShowsTheErrorAndChangesNothing()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var id = TestApp.AlertId(AlertCategory.Others, 5);
        var detail = "/alerts/" + Uri.EscapeDataString(id);
        var token = TokenField().Match(await client.GetStringAsync(Url(detail), TestContext.Current.CancellationToken)).Groups[1].Value;

        var response = await client.PostAsync(Url(detail + "/status"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["status"] = "Active",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        }), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("class=\"errors\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.True((await app.Services.GetRequiredService<IAlertStore>().GetAsync(id, TestContext.Current.CancellationToken))!.History.IsDefaultOrEmpty);
    }

    [Fact]
    public async Task AChangeToAHiddenAlertIsNotFoundEvenWithAValidToken()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("r", Roles.RecordsManagement);
        var hidden = TestApp.AlertId(AlertCategory.ThreatManagement, 4);

        var response = await PostFormAsync(client, "/alerts/" + Uri.EscapeDataString(TestApp.AlertId(AlertCategory.InformationGovernance, 1)),
            "/alerts/" + Uri.EscapeDataString(hidden) + "/status", new() { ["status"] = "Dismissed" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(AlertStatus.Active, (await app.Services.GetRequiredService<IAlertStore>().GetAsync(hidden, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task NotificationSettingsAreValidatedWhereTheyAreEdited()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var page = "/policies/" + TestApp.SystemPolicy.Id;
        AlertPolicy Running() => app.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies.Single(p => p.Id == TestApp.SystemPolicy.Id);
        var before = Running();

        var refused = await PostFormAsync(client, page, page + "/notifications", new() { ["enabled"] = "true", ["recipients"] = "soc@contoso.com", ["dailyLimit"] = "0" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("policy.notification.dailyLimit", await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Same(before, Running());

        var saved = await PostFormAsync(client, page, page + "/notifications", new() { ["enabled"] = "true", ["recipients"] = "soc@contoso.com\nciso@contoso.com", ["dailyLimit"] = "5" });
        Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        Assert.Equal(["soc@contoso.com", "ciso@contoso.com"], Running().Notification!.Recipients);
        Assert.Equal(5, Running().Notification!.DailyLimit);
        Assert.Equal(before.Name, Running().Name);
    }

    [Fact]
    public async Task AnIncidentIsWorkedThroughItsFormsToThePostmortem()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("Ada", Roles.OrgManagement);
        var manager = app.Services.GetRequiredService<IncidentManager>();
        var id = (await manager.Store.QueryAsync(IncidentQuery.All, TestContext.Current.CancellationToken))[0].Id;
        var page = "/incidents/" + Uri.EscapeDataString(id);
        async Task<HttpResponseMessage> Post(string command, Dictionary<string, string> fields) => await PostFormAsync(client, page, page + "/" + command, fields);

        Assert.Equal(HttpStatusCode.SeeOther, (await Post("declare", new() { ["note"] = "payroll leak" })).StatusCode);
        Assert.Contains("72 h 0 min left", await client.GetStringAsync(Url(page), TestContext.Current.CancellationToken), StringComparison.Ordinal);

        var incomplete = await Post("notice", new() { ["natureOfBreach"] = "payroll file shared" });
        Assert.Equal(HttpStatusCode.BadRequest, incomplete.StatusCode);
        Assert.Contains("class=\"errors\"", await incomplete.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Empty((await manager.GetAsync(id, TestContext.Current.CancellationToken))!.Notifications);

        var notice = await Post("notice", new()
        {
            ["natureOfBreach"] = "payroll file shared",
            ["approximateAffectedUsers"] = "12",
            ["mitigationSteps"] = "link revoked\nrecipient asked to delete",
            ["investigationComplete"] = "true",
        });
        Assert.Equal(HttpStatusCode.SeeOther, notice.StatusCode);
        Assert.Equal(["link revoked", "recipient asked to delete"], (await manager.GetAsync(id, TestContext.Current.CancellationToken))!.Notifications[0].Notification.MitigationSteps);

        var tooEarly = await Post("postmortem", new() { ["summary"] = "s", ["rootCause"] = "r", ["actions"] = "a" });
        Assert.Equal(HttpStatusCode.BadRequest, tooEarly.StatusCode);
        foreach (var phase in new[] { "Escalated", "Assessed", "Contained", "Eradicated", "Recovered" })
        {
            Assert.Equal(HttpStatusCode.SeeOther, (await Post("phase", new() { ["phase"] = phase })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.SeeOther, (await Post("postmortem", new() { ["summary"] = "s", ["rootCause"] = "r", ["actions"] = "a" })).StatusCode);
        var closed = (await manager.GetAsync(id, TestContext.Current.CancellationToken))!;
        Assert.Equal(IncidentPhase.Closed, closed.Phase);
        Assert.Equal("Ada", closed.Postmortem!.RecordedBy);
    }
}
