using System.Net;
using System.Text.Json;

namespace AlertEngine.AspNetCore.Tests.Api;

public sealed class IncidentEndpointTests
{
    private static async Task<string> IncidentOfAsync(HttpClient client, AlertCategory category)
    {
        var alertId = TestApp.AlertId(category, Array.IndexOf(TestApp.Categories, category));
        var list = await (await client.GetApiAsync("/incidents")).JsonAsync(HttpStatusCode.OK);
        foreach (var item in list.EnumerateArray())
        {
            var id = item.GetProperty("id").GetString()!;
            var detail = await (await client.GetApiAsync("/incidents/" + Uri.EscapeDataString(id))).JsonAsync(HttpStatusCode.OK);
            if (detail.GetProperty("alertIds").EnumerateArray().Any(a => a.GetString() == alertId))
            {
                return id;
            }
        }

        throw new InvalidOperationException("no incident for " + alertId);
    }

    [Fact]
    public async Task IncidentsAreVisibleOnlyWhenEveryAlertOfThemIs()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var admin = app.As("admin", Roles.OrgManagement);
        var threat = await IncidentOfAsync(admin, AlertCategory.ThreatManagement);

        var all = await (await admin.GetApiAsync("/incidents")).JsonAsync(HttpStatusCode.OK);
        var compliance = await (await app.As("c", Roles.ComplianceAdmin).GetApiAsync("/incidents")).JsonAsync(HttpStatusCode.OK);
        var records = await (await app.As("r", Roles.RecordsManagement).GetApiAsync("/incidents")).JsonAsync(HttpStatusCode.OK);
        var ediscovery = await (await app.As("e", Roles.EDiscovery).GetApiAsync("/incidents")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(TestApp.Categories.Length, all.GetArrayLength());
        Assert.Equal(TestApp.Categories.Length - 1, compliance.GetArrayLength());
        Assert.DoesNotContain(compliance.EnumerateArray(), i => i.GetProperty("id").GetString() == threat);
        Assert.Equal(1, records.GetArrayLength());
        Assert.Equal(0, ediscovery.GetArrayLength());
        await (await app.As("c", Roles.ComplianceAdmin).GetApiAsync("/incidents/" + threat)).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.As("c", Roles.ComplianceAdmin).PostJsonAsync($"/incidents/{threat}/phase", """{"phase":"Escalated"}""")).ProblemAsync(HttpStatusCode.NotFound);
        var unchanged = await (await admin.GetApiAsync("/incidents/" + threat)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Detected", unchanged.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task AnIncidentGoesThroughItsPhasesNoticeAndPostmortem()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("Ada", Roles.OrgManagement);
        var id = await IncidentOfAsync(client, AlertCategory.DataLossPrevention);

        var escalated = await (await client.PostJsonAsync($"/incidents/{id}/phase", """{"phase":"Escalated","note":"paging"}""")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Escalated", escalated.GetProperty("phase").GetString());
        Assert.Equal(["Assessed"], escalated.GetProperty("nextPhases").EnumerateArray().Select(p => p.GetString()));

        var declared = await (await client.PostJsonAsync($"/incidents/{id}/declare", """{"note":"payroll file leaked"}""")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(TestApp.Now.AddHours(72), declared.GetProperty("notificationDeadline").GetDateTimeOffset());
        app.Clock.Advance(TimeSpan.FromHours(10));
        var later = await (await client.GetApiAsync("/incidents/" + id)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(TimeSpan.FromHours(62), TimeSpan.Parse(later.GetProperty("notificationTimeLeft").GetString()!, System.Globalization.CultureInfo.InvariantCulture));

        var incomplete = await (await client.PostJsonAsync($"/incidents/{id}/notices", """{"natureOfBreach":"payroll"}""")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.True(incomplete.Errors().Count >= 2);
        var afterRefusal = await (await client.GetApiAsync("/incidents/" + id)).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, afterRefusal.GetProperty("notices").GetArrayLength());

        var noticed = await (await client.PostJsonAsync($"/incidents/{id}/notices", """
            {"natureOfBreach":"payroll file shared","approximateAffectedUsers":12,"mitigationSteps":["link revoked"],"investigationComplete":true}
            """)).JsonAsync(HttpStatusCode.OK);
        Assert.True(noticed.GetProperty("notices")[0].GetProperty("onTime").GetBoolean());
        Assert.Equal(JsonValueKind.Null, noticed.GetProperty("notificationTimeLeft").ValueKind);

        foreach (var phase in new[] { "Assessed", "Contained", "Eradicated", "Recovered" })
        {
            await (await client.PostJsonAsync($"/incidents/{id}/phase", $$"""{"phase":"{{phase}}"}""")).JsonAsync(HttpStatusCode.OK);
        }

        var closing = await (await client.PostJsonAsync($"/incidents/{id}/phase", """{"phase":"Closed"}""")).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("postmortem", closing.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var closed = await (await client.PostJsonAsync($"/incidents/{id}/postmortem", """{"summary":"s","rootCause":"r","actions":["a"]}""")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("Closed", closed.GetProperty("phase").GetString());
        Assert.Equal("Ada", closed.GetProperty("postmortem").GetProperty("recordedBy").GetString());
        Assert.Equal(0, (await (await client.GetApiAsync("/incidents")).JsonAsync(HttpStatusCode.OK)).EnumerateArray().Count(i => i.GetProperty("id").GetString() == id));
        Assert.Equal(1, (await (await client.GetApiAsync("/incidents?includeClosed=true&phase=Closed")).JsonAsync(HttpStatusCode.OK)).GetArrayLength());
    }

    [Theory]
    [InlineData("/phase", """{"phase":"Recovered"}""", HttpStatusCode.Conflict)]
    [InlineData("/phase", """{"phase":"Nowhere"}""", HttpStatusCode.BadRequest)]
    [InlineData("/phase", """{"phase":""", HttpStatusCode.BadRequest)]
    [InlineData("/notices", """{"natureOfBreach":"x","approximateAffectedUsers":1,"mitigationSteps":["m"],"investigationComplete":true}""", HttpStatusCode.Conflict)]
    [InlineData("/postmortem", """{"summary":"s","rootCause":"r","actions":["a"]}""", HttpStatusCode.Conflict)]
    public async Task RefusedIncidentCommandsChangeNothing(string command, string body, HttpStatusCode expected)
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var id = await IncidentOfAsync(client, AlertCategory.MailFlow);
        var before = (await (await client.GetApiAsync("/incidents/" + id)).JsonAsync(HttpStatusCode.OK)).GetRawText();

        await (await client.PostJsonAsync($"/incidents/{id}{command}", body)).ProblemAsync(expected);

        Assert.Equal(before, (await (await client.GetApiAsync("/incidents/" + id)).JsonAsync(HttpStatusCode.OK)).GetRawText());
    }

    [Fact]
    public async Task UnknownIncidentsAre404()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);

        await (await client.GetApiAsync("/incidents/nope")).ProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostJsonAsync("/incidents/nope/phase", """{"phase":"Escalated"}""")).ProblemAsync(HttpStatusCode.NotFound);
    }
}
