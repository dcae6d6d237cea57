using System.Net;

namespace AlertEngine.AspNetCore.Tests.Api;

public sealed class StatisticsAndOpenApiTests
{
    [Fact]
    public async Task StatisticsCountWhatTheEngineDid()
    {
        await using var app = await new AlertEngineAppFactory().SeededAsync();
        var client = app.As("admin", Roles.OrgManagement);
        await client.PostLinesAsync(TestApp.ActivityLine(AlertCategory.MailFlow, "seed-2", TestApp.Day.AddHours(12)));

        var statistics = await (await client.GetApiAsync("/statistics")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(TestApp.Categories.Length + 1, statistics.GetProperty("activitiesProcessed").GetInt64());
        Assert.Equal(1, statistics.GetProperty("duplicates").GetInt64());
        Assert.Equal(TestApp.Categories.Length, statistics.GetProperty("alertsCreated").GetInt64());
        Assert.Equal(TestApp.Categories.Length + 1, statistics.GetProperty("policies").GetInt32());
        Assert.Equal(0, statistics.GetProperty("trackedKeys").GetInt64());
        await (await app.As("e", Roles.EDiscovery).GetApiAsync("/statistics")).ProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TrackedKeysCountTheScopeKeysThresholdPoliciesHold()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        await (await client.PostJsonAsync("/policies", """
            {"id":"downloads","name":"Downloads","category":"DataLossPrevention","severity":"High","activities":["FileDownloaded"],
             "trigger":{"type":"threshold","count":100,"window":"PT1H","scope":"user"}}
            """)).JsonAsync(HttpStatusCode.Created);
        string Download(string id, string user) =>
            "{\"id\":\"" + id + "\",\"time\":\"2026-03-01T09:00:00Z\",\"operation\":\"FileDownloaded\",\"userId\":\"" + user + "\"}";

        await (await client.PostLinesAsync(Download("d1", "ann@contoso.com"), Download("d2", "bob@contoso.com"), Download("d3", "ann@contoso.com"))).JsonAsync(HttpStatusCode.OK);

        var statistics = await (await client.GetApiAsync("/statistics")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, statistics.GetProperty("trackedKeys").GetInt64());
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesEveryEndpoint()
    {
        await using var app = new AlertEngineAppFactory();

        var document = await (await app.Anonymous().GetAsync("/openapi/v1.json", TestContext.Current.CancellationToken)).JsonAsync(HttpStatusCode.OK);

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/activities", "/alerts", "/alerts/counts", "/alerts/{id}", "/alerts/{id}/status", "/alerts/{id}/suppression", "/policies", "/policies/{id}",
                     "/policies/{id}/enable", "/policies/{id}/disable", "/incidents", "/incidents/{id}", "/incidents/{id}/phase", "/incidents/{id}/declare",
                     "/incidents/{id}/notices", "/incidents/{id}/postmortem", "/statistics", "/policies/sigma" })
        {
            Assert.True(paths.TryGetProperty(TestApp.ApiPrefix + path, out _), "missing " + path);
        }

        var alerts = paths.GetProperty(TestApp.ApiPrefix + "/alerts/{id}").GetProperty("get").GetProperty("responses");
        Assert.True(alerts.TryGetProperty("200", out _));
        Assert.True(alerts.TryGetProperty("404", out _) || alerts.TryGetProperty("400", out _));
        var example = paths.GetProperty(TestApp.ApiPrefix + "/alerts/{id}/status").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("example");
        Assert.Equal("Investigating", example.GetProperty("status").GetString());
        var ingest = paths.GetProperty(TestApp.ApiPrefix + "/activities").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.Equal(System.Text.Json.JsonValueKind.Array, ingest.GetProperty("application/json").GetProperty("example").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.String, ingest.GetProperty("application/x-ndjson").GetProperty("example").ValueKind);
        var sigma = paths.GetProperty(TestApp.ApiPrefix + "/policies/sigma").GetProperty("post");
        Assert.Contains("title:", sigma.GetProperty("requestBody").GetProperty("content").GetProperty("application/yaml").GetProperty("example").GetString(), StringComparison.Ordinal);
        Assert.True(sigma.GetProperty("responses").TryGetProperty("415", out _));
        Assert.True(ingest.TryGetProperty("text/csv", out _));
        Assert.DoesNotContain("/alertengine/", paths.EnumerateObject().Select(p => p.Name).Where(n => !n.StartsWith(TestApp.ApiPrefix, StringComparison.Ordinal)));
    }
}
