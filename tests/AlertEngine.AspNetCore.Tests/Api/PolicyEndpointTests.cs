using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore.Tests.Api;

public sealed class PolicyEndpointTests
{
    private const string NewPolicy = """
        {"id":"mass-download","name":"Mass download","category":"DataLossPrevention","severity":"High","activities":["FileDownloaded"],
         "trigger":{"type":"threshold","count":100,"window":"PT1H","scope":"user"}}
        """;

    private static IReadOnlyList<AlertPolicy> Running(AlertEngineAppFactory app) => app.Services.GetRequiredService<IAlertEngine>().Pipeline.Policies;

    [Fact]
    public async Task ViewersSeeThePoliciesOfTheirCategoriesOnly()
    {
        await using var app = new AlertEngineAppFactory();

        var all = await (await app.As("o", Roles.OrgManagement).GetApiAsync("/policies")).JsonAsync(HttpStatusCode.OK);
        var records = await (await app.As("r", Roles.RecordsManagement).GetApiAsync("/policies")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(Running(app).Count, all.GetArrayLength());
        Assert.Equal(["policy-informationgovernance"], records.EnumerateArray().Select(p => p.GetProperty("id").GetString()).Where(id => id!.StartsWith("policy-", StringComparison.Ordinal)));
        Assert.All(records.EnumerateArray(), p => Assert.Equal("InformationGovernance", p.GetProperty("category").GetString()));
        await (await app.As("e", Roles.EDiscovery).GetApiAsync("/policies")).ProblemAsync(HttpStatusCode.Forbidden);
        await (await app.As("c", Roles.ComplianceAdmin).GetApiAsync("/policies/policy-threatmanagement")).ProblemAsync(HttpStatusCode.NotFound);
        var one = await (await app.As("c", Roles.ComplianceAdmin).GetApiAsync("/policies/policy-mailflow")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("MailFlow policy", one.GetProperty("name").GetString());
    }

    [Fact]
    public async Task CreateReadUpdateDisableEnableDelete()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        var created = await client.PostJsonAsync("/policies", NewPolicy);
        var body = await created.JsonAsync(HttpStatusCode.Created);
        Assert.Equal(TestApp.ApiPrefix + "/policies/mass-download", created.Headers.Location?.OriginalString);
        Assert.Equal(100, body.GetProperty("trigger").GetProperty("count").GetInt32());
        Assert.Contains(Running(app), p => p.Id == "mass-download");

        var updated = await (await client.PutJsonAsync("/policies/mass-download", NewPolicy.Replace("\"count\":100", "\"count\":50", StringComparison.Ordinal))).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(50, updated.GetProperty("trigger").GetProperty("count").GetInt32());

        var off = await (await client.PostAsync(ApiTestHelpers.Url("/policies/mass-download/disable"), null, TestContext.Current.CancellationToken)).JsonAsync(HttpStatusCode.OK);
        Assert.False(off.GetProperty("enabled").GetBoolean());
        Assert.False(Running(app).Single(p => p.Id == "mass-download").Enabled);
        var on = await (await client.PostAsync(ApiTestHelpers.Url("/policies/mass-download/enable"), null, TestContext.Current.CancellationToken)).JsonAsync(HttpStatusCode.OK);
        Assert.True(on.GetProperty("enabled").GetBoolean());

        var deleted = await client.DeleteAsync(ApiTestHelpers.Url("/policies/mass-download"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain(Running(app), p => p.Id == "mass-download");
        await (await client.GetApiAsync("/policies/mass-download")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnInvalidPolicyIsA400WithEveryProblemByJsonPathAndNothingChanges()
    {
        await using var app = new AlertEngineAppFactory();
        var before = Running(app);

        var problem = await (await app.As("admin", Roles.OrgManagement).PostJsonAsync("/policies", """
            {"id":"bad","name":"Bad","category":"Nope","severity":"High","activities":[],"trigger":{"type":"threshold","count":0,"window":"PT1H"}}
            """)).ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem.Errors();
        Assert.Contains("policy.category", errors.Keys);
        Assert.Contains("policy.trigger.count", errors.Keys);
        Assert.Contains("policy.activities", errors.Keys);
        Assert.Same(before, Running(app));
    }

    [Theory]
    [InlineData("{\"id\":")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task MalformedPolicyBodiesAre400(string body)
    {
        await using var app = new AlertEngineAppFactory();
        var before = Running(app);

        var problem = await (await app.As("admin", Roles.OrgManagement).PostJsonAsync("/policies", body)).ProblemAsync(HttpStatusCode.BadRequest);

        Assert.NotEmpty(problem.Errors());
        Assert.Same(before, Running(app));
    }

    [Fact]
    public async Task ADuplicateIdOrAnIdThatDiffersFromTheUrlIsRefused()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        var duplicate = await (await client.PostJsonAsync("/policies", NewPolicy.Replace("mass-download", "policy-mailflow", StringComparison.Ordinal))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("policy.id", duplicate.Errors().Keys);

        var moved = await (await client.PutJsonAsync("/policies/policy-mailflow", NewPolicy.Replace("DataLossPrevention", "MailFlow", StringComparison.Ordinal))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["policy.id"], moved.Errors().Keys);
    }

    [Fact]
    public async Task SystemPoliciesRefuseTheFieldsTheyLockButMayBeTurnedOff()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        var id = TestApp.SystemPolicy.Id;
        var json = (await (await client.GetApiAsync("/policies/" + id)).JsonAsync(HttpStatusCode.OK)).GetRawText();

        var renamed = await (await client.PutJsonAsync("/policies/" + id, json.Replace(TestApp.SystemPolicy.Name, "Renamed <b>", StringComparison.Ordinal))).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("policy.name", renamed.Errors().Keys);
        Assert.Equal(TestApp.SystemPolicy.Name, Running(app).Single(p => p.Id == id).Name);

        await (await client.DeleteAsync(ApiTestHelpers.Url("/policies/" + id), TestContext.Current.CancellationToken)).ProblemAsync(HttpStatusCode.BadRequest);
        var off = await (await client.PostAsync(ApiTestHelpers.Url($"/policies/{id}/disable"), null, TestContext.Current.CancellationToken)).JsonAsync(HttpStatusCode.OK);
        Assert.False(off.GetProperty("enabled").GetBoolean());

        var system = NewPolicy.Replace("\"id\":\"mass-download\"", "\"id\":\"mine\",\"type\":\"System\"", StringComparison.Ordinal);
        var created = await (await client.PostJsonAsync("/policies", system)).ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(created.Errors());
        Assert.DoesNotContain(Running(app), p => p.Id == "mine");
    }

    [Fact]
    public async Task ChangingPoliciesNeedsManageAlertsAndTheCategory()
    {
        await using var app = new AlertEngineAppFactory();
        var before = Running(app);

        await (await app.As("r", Roles.RecordsManagement).PostJsonAsync("/policies", NewPolicy)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await app.As("r", Roles.RecordsManagement).PostAsync(ApiTestHelpers.Url("/policies/policy-informationgovernance/disable"), null, TestContext.Current.CancellationToken)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await app.As("r", Roles.RecordsManagement).DeleteAsync(ApiTestHelpers.Url("/policies/policy-informationgovernance"), TestContext.Current.CancellationToken)).ProblemAsync(HttpStatusCode.Forbidden);
        await (await app.As("c", Roles.ComplianceAdmin).PostJsonAsync("/policies", NewPolicy.Replace("DataLossPrevention", "ThreatManagement", StringComparison.Ordinal))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await app.As("c", Roles.ComplianceAdmin).PostAsync(ApiTestHelpers.Url("/policies/policy-threatmanagement/disable"), null, TestContext.Current.CancellationToken)).ProblemAsync(HttpStatusCode.NotFound);
        await (await app.As("c", Roles.ComplianceAdmin).PutJsonAsync("/policies/policy-threatmanagement", NewPolicy)).ProblemAsync(HttpStatusCode.NotFound);

        Assert.Same(before, Running(app));
    }
}
