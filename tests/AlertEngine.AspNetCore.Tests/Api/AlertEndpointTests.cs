using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore.Tests.Api;

public sealed class AlertEndpointTests
{
    public static TheoryData<string, AlertCategory> RolesByCategory()
    {
        var data = new TheoryData<string, AlertCategory>();
        foreach (var role in new[] { Roles.OrgManagement, Roles.ComplianceAdmin, Roles.RecordsManagement, Roles.EDiscovery })
        {
            foreach (var category in TestApp.Categories)
            {
                data.Add(role, category);
            }
        }

        return data;
    }

    private static bool Sees(string role, AlertCategory category)
    {
        AlertRoleTable.Default.TryGetGroup(role, out var group);
        return group.Categories.Contains(category);
    }

    [Theory]
    [MemberData(nameof(RolesByCategory))]
    public async Task EachRoleReadsAndChangesExactlyTheCategoriesTheRoleTableGivesIt(string role, AlertCategory category)
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("someone", role);
        var id = TestApp.AlertId(category, Array.IndexOf(TestApp.Categories, category));
        var sees = Sees(role, category);

        Assert.Equal(sees, (await client.AlertIdsAsync()).Contains(id));
        var read = await client.GetApiAsync("/alerts/" + id);
        var status = await client.PostJsonAsync($"/alerts/{id}/status", """{"status":"Investigating","comment":"looking"}""");
        var suppress = await client.PutJsonAsync($"/alerts/{id}/suppression", """{"suppressed":true}""");
        var stored = await app.Services.GetRequiredService<IAlertStore>().GetAsync(id, TestContext.Current.CancellationToken);

        if (sees)
        {
            await read.JsonAsync(HttpStatusCode.OK);
            await status.JsonAsync(HttpStatusCode.OK);
            await suppress.JsonAsync(HttpStatusCode.OK);
            Assert.Equal(AlertStatus.Investigating, stored!.Status);
            Assert.True(stored.NotificationsSuppressed);
        }
        else
        {
            // Out of scope is exactly "no such alert", for reading and for changing, and nothing changes.
            var missing = await (await client.GetApiAsync("/alerts/no-such-alert")).ProblemAsync(HttpStatusCode.NotFound);
            var hidden = await read.ProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal(missing.GetProperty("title").GetString(), hidden.GetProperty("title").GetString());
            await status.ProblemAsync(HttpStatusCode.NotFound);
            await suppress.ProblemAsync(HttpStatusCode.NotFound);
            Assert.Equal(AlertStatus.Active, stored!.Status);
            Assert.False(stored.NotificationsSuppressed);
        }
    }

    [Fact]
    public async Task CountsOnlyCoverVisibleCategories()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();

        var counts = await (await app.As("c", Roles.ComplianceAdmin).GetApiAsync("/alerts/counts")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(TestApp.Categories.Length - 1, counts.GetProperty("total").GetInt32());
        Assert.Equal(0, counts.GetProperty("byCategory").GetProperty("ThreatManagement").GetInt32());
    }

    [Fact]
    public async Task EveryFilterOfAlertQueryApplies()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var all = await client.AlertIdsAsync();
        Assert.Equal(TestApp.Categories.Length, all.Count);

        Assert.Equal([TestApp.AlertId(AlertCategory.MailFlow, 2)], await client.AlertIdsAsync("?category=mailflow"));
        Assert.Equal([TestApp.AlertId(AlertCategory.MailFlow, 2)], await client.AlertIdsAsync("?policyId=policy-mailflow"));
        Assert.Equal(2, (await client.AlertIdsAsync("?category=MailFlow,Permissions")).Count);
        Assert.Equal(2, (await client.AlertIdsAsync("?category=MailFlow&category=Permissions")).Count);
        // Severities cycle Low, Medium, High, Informational over the categories: MailFlow (the third) is the one High.
        Assert.Equal([TestApp.AlertId(AlertCategory.MailFlow, 2)], await client.AlertIdsAsync("?severity=High"));
        Assert.Equal(2, (await client.AlertIdsAsync("?severity=Low")).Count);
        Assert.Equal(all, await client.AlertIdsAsync("?source=AlertEngine"));
        Assert.Empty(await client.AlertIdsAsync("?source=Defender"));
        Assert.Empty(await client.AlertIdsAsync("?tag=vip"));
        Assert.Equal(all[..2], await client.AlertIdsAsync("?to=" + Uri.EscapeDataString(TestApp.Day.AddHours(7).ToString("O"))));
        Assert.Equal(all[2..], await client.AlertIdsAsync("?from=" + Uri.EscapeDataString(TestApp.Day.AddHours(7).ToString("O"))));

        await (await client.PostJsonAsync($"/alerts/{all[0]}/status", """{"status":"Resolved"}""")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(all[1..], await client.AlertIdsAsync());
        Assert.Equal(all, await client.AlertIdsAsync("?includeResolved=true"));
        Assert.Equal([all[0]], await client.AlertIdsAsync("?status=Resolved"));
    }

    [Fact]
    public async Task KeysetPagingVisitsEveryAlertOnce()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var seen = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var page = await (await client.GetApiAsync("/alerts?take=4" + (next is null ? "" : "&after=" + Uri.EscapeDataString(next)))).JsonAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetString()!));
            next = page.GetProperty("next").ValueKind == System.Text.Json.JsonValueKind.Null ? null : page.GetProperty("next").GetString();
            pages++;
        }
        while (next is not null && pages < 10);

        Assert.Equal(await client.AlertIdsAsync(), seen);
        Assert.Equal(2, pages);
    }

    [Theory]
    [InlineData("?severity=Extreme", "severity")]
    [InlineData("?status=1", "status")]
    [InlineData("?take=0", "take")]
    [InlineData("?take=100000", "take")]
    [InlineData("?after=garbage", "after")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?includeResolved=maybe", "includeResolved")]
    public async Task BadFiltersAre400WithTheParameterNamed(string query, string parameter)
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();

        var problem = await (await app.As("admin", Roles.OrgManagement).GetApiAsync("/alerts" + query)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal([parameter], problem.Errors().Keys);
    }

    [Fact]
    public async Task AnAlertHasItsActivitiesUsersAndHistory()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("Ada Admin", Roles.OrgManagement);
        var id = TestApp.AlertId(AlertCategory.Others, 5);

        var changed = await (await client.PostJsonAsync($"/alerts/{id}/status", """{"status":"Investigating","comment":"<script>alert(1)</script>"}""")).JsonAsync(HttpStatusCode.OK);
        var alert = await (await client.GetApiAsync("/alerts/" + id)).JsonAsync(HttpStatusCode.OK);

        Assert.Equal("Investigating", changed.GetProperty("status").GetString());
        Assert.Equal("seed-5", alert.GetProperty("activities")[0].GetProperty("id").GetString());
        Assert.Equal("user5@contoso.com", alert.GetProperty("users")[0].GetString());
        var history = alert.GetProperty("history")[0];
        Assert.Equal("Active", history.GetProperty("from").GetString());
        Assert.Equal("Investigating", history.GetProperty("to").GetString());
        Assert.Equal("Ada Admin", history.GetProperty("changedBy").GetString());
        Assert.Equal("<script>alert(1)</script>", history.GetProperty("comment").GetString());
        Assert.Equal(TestApp.Now, history.GetProperty("changedAt").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("""{"status":"Sleeping"}""", "status")]
    [InlineData("""{"comment":"no status"}""", "status")]
    [InlineData("""{"status":"Investigating","extra":1}""", null)]
    [InlineData("""{"status":""", null)]
    [InlineData("""[]""", null)]
    [InlineData("""{"status":"Active"}""", "status")]
    public async Task BadStatusChangesAre400AndChangeNothing(string body, string? path)
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        var id = TestApp.AlertId(AlertCategory.Others, 5);

        var problem = await (await client.PostJsonAsync($"/alerts/{id}/status", body)).ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem.Errors();
        Assert.NotEmpty(errors);
        if (path is not null)
        {
            Assert.Equal([path], errors.Keys);
        }

        var stored = await app.Services.GetRequiredService<IAlertStore>().GetAsync(id, TestContext.Current.CancellationToken);
        Assert.Equal(AlertStatus.Active, stored!.Status);
        Assert.True(stored.History.IsDefaultOrEmpty);
    }

    [Fact]
    public async Task ATooLongCommentIsRefused()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var id = TestApp.AlertId(AlertCategory.Others, 5);

        var problem = await (await app.As("admin", Roles.OrgManagement).PostJsonAsync($"/alerts/{id}/status",
            "{\"status\":\"Dismissed\",\"comment\":\"" + new string('x', AlertManager.MaxCommentLength + 1) + "\"}")).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["comment"], problem.Errors().Keys);
    }

    [Fact]
    public async Task SuppressionNeedsABoolean()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var id = TestApp.AlertId(AlertCategory.Others, 5);
        var client = app.As("admin", Roles.OrgManagement);

        var problem = await (await client.PutJsonAsync($"/alerts/{id}/suppression", "{}")).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["suppressed"], problem.Errors().Keys);

        var on = await (await client.PutJsonAsync($"/alerts/{id}/suppression", """{"suppressed":true}""")).JsonAsync(HttpStatusCode.OK);
        Assert.True(on.GetProperty("notificationsSuppressed").GetBoolean());
        var off = await (await client.PutJsonAsync($"/alerts/{id}/suppression", """{"suppressed":false}""")).JsonAsync(HttpStatusCode.OK);
        Assert.False(off.GetProperty("notificationsSuppressed").GetBoolean());
    }
}
