using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;

namespace AlertEngine.AspNetCore.Tests.Dashboard;

/// <summary>The dashboard in a real headless Chromium: what a person sees and does.</summary>
[Collection(nameof(BrowserCollection))]
public sealed class DashboardBrowserTests
{
    private const string Comment = "<script>document.title='pwned'</script> checked with the user";

    [Fact]
    public async Task AnAdministratorFiltersOpensAnAlertAndChangesItsStatus()
    {
        await using var browser = await BrowserSession.StartAsync();
        browser.SignIn("Ada Admin", Roles.OrgManagement);

        browser.Open("/");
        Assert.Equal("6 alerts", browser.TextOf("#total"));
        Assert.Equal(6, browser.Driver.FindElements(By.CssSelector("tr.alert-row")).Count);
        Assert.NotEmpty(browser.Driver.FindElements(By.CssSelector("#chart rect.bar")));
        Assert.Contains("Ada Admin", browser.TextOf("#who"), StringComparison.Ordinal);

        browser.Select("#filter-category", "MailFlow");
        browser.Element("#apply-filters").Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#total")).Text == "1 alert", "the filtered count");
        var rows = browser.Driver.FindElements(By.CssSelector("tr.alert-row"));
        Assert.Single(rows);
        Assert.Equal(TestApp.AlertId(AlertCategory.MailFlow, 2), rows[0].GetAttribute("data-alert-id"));

        rows[0].FindElement(By.CssSelector("a.alert-link")).Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#alert-status")).Text == "Active", "the alert page");
        Assert.Equal("user2@contoso.com", browser.TextOf("#users li"));
        Assert.Contains("Op-MailFlow", browser.TextOf("#activities"), StringComparison.Ordinal);

        browser.Select("#status", "Investigating");
        browser.Element("#comment").SendKeys(Comment);
        browser.Element("#change-status").Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#message")).Text == "Status changed.", "the confirmation");

        Assert.Equal("Investigating", browser.TextOf("#alert-status"));
        Assert.Equal(Comment, browser.TextOf("#history td.comment"));
        Assert.DoesNotContain("pwned", browser.Driver.Title, StringComparison.Ordinal);
        var stored = await browser.Services.GetRequiredService<IAlertStore>().GetAsync(TestApp.AlertId(AlertCategory.MailFlow, 2), TestContext.Current.CancellationToken);
        Assert.Equal(AlertStatus.Investigating, stored!.Status);
        Assert.Equal("Ada Admin", stored.History[0].ChangedBy);

        browser.Element("#suppress").Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#alert-notifications")).Text == "Suppressed", "suppression");
    }

    [Fact]
    public async Task AnAdministratorTurnsAPolicyOff()
    {
        await using var browser = await BrowserSession.StartAsync();
        browser.SignIn("Ada Admin", Roles.OrgManagement);

        browser.Open("/policies");
        var row = browser.Element("tr.policy-row[data-policy-id='policy-mailflow']");
        Assert.Equal("On", row.FindElement(By.CssSelector(".state")).Text);
        row.FindElement(By.CssSelector("button.toggle")).Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#message")).Text == "Policy turned off.", "the confirmation");

        Assert.Equal("Off", browser.Element("tr.policy-row[data-policy-id='policy-mailflow'] .state").Text);
        Assert.Equal("Turn on", browser.Element("tr.policy-row[data-policy-id='policy-mailflow'] button.toggle").Text);
        Assert.False(browser.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies.Single(p => p.Id == "policy-mailflow").Enabled);
    }

    [Fact]
    public async Task ARoleWithoutAccessSeesNothingOfTheHiddenCategories()
    {
        await using var browser = await BrowserSession.StartAsync();
        browser.SignIn("Rita Records", Roles.RecordsManagement);

        browser.Open("/");
        Assert.Equal("1 alert", browser.TextOf("#total"));
        var rows = browser.Driver.FindElements(By.CssSelector("tr.alert-row"));
        Assert.Equal([TestApp.AlertId(AlertCategory.InformationGovernance, 1)], rows.Select(r => r.GetAttribute("data-alert-id")));
        Assert.Equal(["", "InformationGovernance"], browser.Element("#filter-category").FindElements(By.TagName("option")).Select(o => o.GetAttribute("value")));
        var text = browser.Element("body").Text;
        foreach (var category in TestApp.Categories.Where(c => c != AlertCategory.InformationGovernance))
        {
            Assert.DoesNotContain(category + " policy", text, StringComparison.Ordinal);
        }

        browser.Open("/policies");
        Assert.Equal(["policy-informationgovernance"], browser.Driver.FindElements(By.CssSelector("tr.policy-row")).Select(r => r.GetAttribute("data-policy-id")));
        Assert.Empty(browser.Driver.FindElements(By.CssSelector("button.toggle")));

        browser.Open("/incidents");
        Assert.Single(browser.Driver.FindElements(By.CssSelector("tr.incident-row")));

        browser.Open("/alerts/" + Uri.EscapeDataString(TestApp.AlertId(AlertCategory.ThreatManagement, 4)));
        Assert.Equal("Not found", browser.TextOf("h1"));
    }

    [Fact]
    public async Task AnIncidentShowsTheNoticeDeadlineAndMovesThroughPhases()
    {
        await using var browser = await BrowserSession.StartAsync();
        browser.SignIn("Ada Admin", Roles.OrgManagement);
        var incidents = browser.Services.GetRequiredService<IncidentManager>();
        var incident = (await incidents.Store.QueryAsync(IncidentQuery.All, TestContext.Current.CancellationToken))[0];
        await incidents.DeclareSecurityIncidentAsync(incident.Id, "Ada Admin", "payroll leak", TestContext.Current.CancellationToken);

        browser.Open("/incidents");
        Assert.Equal("72 h 0 min left", browser.TextOf($"tr.incident-row[data-incident-id='{incident.Id}'] .time-left"));
        browser.Element($"tr.incident-row[data-incident-id='{incident.Id}'] a").Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#incident-phase")).Text == "Detected", "the incident page");

        browser.Select("#phase", "Escalated");
        browser.Element("#change-phase").Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#message")).Text == "Phase changed.", "the confirmation");
        Assert.Equal("Escalated", browser.TextOf("#incident-phase"));
        Assert.Contains("Ada Admin", browser.TextOf("#timeline"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheHealthPageShowsTheEngineCounters()
    {
        await using var browser = await BrowserSession.StartAsync();
        browser.SignIn("Ada Admin", Roles.OrgManagement);

        browser.Open("/health");

        Assert.Equal("6", browser.TextOf("#health-processed"));
        Assert.Equal("0", browser.TextOf("#health-duplicates"));
        Assert.Equal("7 / 7", browser.TextOf("#health-policies"));
        Assert.Equal("0", browser.TextOf("#health-tracked-keys"));
    }

    [Fact]
    public async Task AnAdministratorUploadsAFileAndSeesItsAlertsAndABadFileEvaluatesNothing()
    {
        await using var browser = await BrowserSession.StartAsync();
        browser.SignIn("Ada Admin", Roles.OrgManagement);
        var directory = Directory.CreateTempSubdirectory("alertengine-upload-");
        try
        {
            var good = Path.Combine(directory.FullName, "activities.jsonl");
            await File.WriteAllTextAsync(good, TestApp.ActivityLine(AlertCategory.MailFlow, "upload-1", TestApp.Day.AddDays(3), "uploader@contoso.com") + "\n", TestContext.Current.CancellationToken);
            var bad = Path.Combine(directory.FullName, "bad.jsonl");
            await File.WriteAllTextAsync(bad, TestApp.ActivityLine(AlertCategory.Permissions, "upload-2", TestApp.Day.AddDays(3)) + "\n{\"id\":\"upload-3\",\"operation\":\"<script>document.title='pwned'</script>\"}\n", TestContext.Current.CancellationToken);

            browser.Open("/");
            browser.Element("header a[href$='/upload']").Click();
            browser.Element("#upload-file").SendKeys(good);
            browser.Element("#upload").Click();
            browser.WaitUntil(d => d.FindElement(By.CssSelector("#upload-result")).Text.StartsWith("Evaluated 1 activity from activities.jsonl: 1 alert created", StringComparison.Ordinal), "the upload result");
            browser.Element("#upload-alerts a.alert-link").Click();
            browser.WaitUntil(d => d.FindElement(By.CssSelector("#users li")).Text == "uploader@contoso.com", "the uploaded alert");
            browser.Open("/");
            Assert.Equal("7 alerts", browser.TextOf("#total"));

            browser.Open("/upload");
            browser.Element("#upload-file").SendKeys(bad);
            browser.Element("#upload").Click();
            browser.WaitUntil(d => d.FindElement(By.CssSelector("h1")).Text == "Upload refused", "the refusal");
            Assert.Equal(["line 2"], browser.Driver.FindElements(By.CssSelector("#upload-errors td.where")).Select(e => e.Text).Distinct());
            Assert.Contains("Nothing of bad.jsonl was evaluated", browser.TextOf("#upload-refused"), StringComparison.Ordinal);
            Assert.DoesNotContain("pwned", browser.Driver.Title, StringComparison.Ordinal);
            browser.Open("/");
            Assert.Equal("7 alerts", browser.TextOf("#total"));
            Assert.Null(await browser.Services.GetRequiredService<IAlertStore>().GetAsync(TestApp.PolicyId(AlertCategory.Permissions) + ":upload-2", TestContext.Current.CancellationToken));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AnAdministratorEditsAPolicyAsJsonAndCreatesOne()
    {
        await using var browser = await BrowserSession.StartAsync();
        browser.SignIn("Ada Admin", Roles.OrgManagement);
        const string Name = "Mail <script>document.title='pwned'</script>";

        browser.Open("/policies/policy-mailflow");
        browser.Element("a.edit-policy").Click();
        var json = browser.WaitFor(d => d.FindElement(By.CssSelector("#policy-json-input")).GetAttribute("value"), "the policy JSON");
        Assert.Contains("\"id\": \"policy-mailflow\"", json, StringComparison.Ordinal);

        SetJson(browser, json!.Replace("\"Op-MailFlow\"", "", StringComparison.Ordinal));
        browser.Element("#save-policy").Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#policy-errors")).Displayed, "the errors");
        Assert.Contains("policy.activities", browser.Driver.FindElements(By.CssSelector("#policy-errors code.path")).Select(e => e.Text));
        Assert.Equal("MailFlow policy", browser.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies.Single(p => p.Id == "policy-mailflow").Name);

        SetJson(browser, json.Replace("MailFlow policy", Name, StringComparison.Ordinal));
        browser.Element("#save-policy").Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#message")).Text == "Policy saved.", "the confirmation");
        Assert.Equal(Name, browser.TextOf("h1"));
        Assert.Equal(Name + " · AlertEngine", browser.Driver.Title); // shown as text; the script did not run

        browser.Open("/policies");
        browser.Element("a.new-policy").Click();
        SetJson(browser, """{"id":"new-one","name":"New one","category":"Others","severity":"Low","activities":["Op-Others"],"aggregation":{"mode":"none"}}""");
        browser.Element("#save-policy").Click();
        browser.WaitUntil(d => d.FindElement(By.CssSelector("#message")).Text == "Policy created.", "the confirmation");
        Assert.Equal("New one", browser.TextOf("h1"));
        Assert.Contains(browser.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies, p => p.Id == "new-one");
    }

    private static void SetJson(BrowserSession browser, string json)
    {
        var input = browser.Element("#policy-json-input");
        input.Clear();
        input.SendKeys(json);
    }
}

/// <summary>Browser tests run one at a time: each starts a Chromium, and the machine is small.</summary>
[CollectionDefinition(nameof(BrowserCollection), DisableParallelization = true)]
public sealed class BrowserCollection;
