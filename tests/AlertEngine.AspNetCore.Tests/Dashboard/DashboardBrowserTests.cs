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
        var stored = await browser.Services.GetRequiredService<IAlertStore>().GetAsync(TestApp.AlertId(AlertCategory.MailFlow, 2));
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
        var incident = (await incidents.Store.QueryAsync(IncidentQuery.All))[0];
        await incidents.DeclareSecurityIncidentAsync(incident.Id, "Ada Admin", "payroll leak");

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
    }
}

/// <summary>Browser tests run one at a time: each starts a Chromium, and the machine is small.</summary>
[CollectionDefinition(nameof(BrowserCollection), DisableParallelization = true)]
public sealed class BrowserCollection;
