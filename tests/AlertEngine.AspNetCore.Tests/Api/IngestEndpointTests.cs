using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore.Tests.Api;

public sealed class IngestEndpointTests
{
    private static long Processed(AlertEngineAppFactory app) => app.Services.GetRequiredService<IAlertEngine>().Pipeline.Statistics.ActivitiesProcessed;

    [Fact]
    public async Task JsonLinesAreEvaluatedAndTheirAlertsStored()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        var result = await (await client.PostLinesAsync(
            TestApp.ActivityLine(AlertCategory.MailFlow, "a1", TestApp.Day),
            "",
            TestApp.ActivityLine(AlertCategory.Permissions, "a2", TestApp.Day.AddMinutes(1)))).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(2, result.GetProperty("accepted").GetInt32());
        Assert.Equal(2, result.GetProperty("alertsCreated").GetInt32());
        Assert.Equal(["policy-mailflow:a1", "policy-permissions:a2"], result.GetProperty("alertIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["policy-mailflow:a1", "policy-permissions:a2"], await client.AlertIdsAsync());
    }

    [Fact]
    public async Task AJsonArrayMayMixNativeAndUnifiedAuditLogRecords()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);
        var audit = """{"CreationTime":"2026-03-01T10:00:00","Id":"ual-1","Operation":"Op-Others","UserId":"bob@contoso.com","ClientIP":"[10.1.2.3]:443","Workload":"Exchange","RecordType":1}""";

        var result = await (await client.PostJsonAsync("/activities", "[\n  " + TestApp.ActivityLine(AlertCategory.MailFlow, "a1", TestApp.Day) + ",\n  " + audit + "\n]")).JsonAsync(HttpStatusCode.OK);

        Assert.Equal(2, result.GetProperty("accepted").GetInt32());
        var alert = await (await client.GetApiAsync("/alerts/policy-others:ual-1")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal("10.1.2.3", alert.GetProperty("activities")[0].GetProperty("clientIp").GetString());
        Assert.Equal("bob@contoso.com", alert.GetProperty("users")[0].GetString());
    }

    [Fact]
    public async Task ABadLineIsA400NamingTheLineAndNothingOfTheRequestIsEvaluated()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        var problem = await (await client.PostLinesAsync(
            TestApp.ActivityLine(AlertCategory.MailFlow, "a1", TestApp.Day),
            """{"id":"a2","time":"not a time","operation":"Op-MailFlow"}""",
            TestApp.ActivityLine(AlertCategory.MailFlow, "a3", TestApp.Day))).ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem.Errors();
        Assert.Equal(["line 2"], errors.Keys);
        Assert.Contains("time", errors["line 2"][0], StringComparison.Ordinal);
        Assert.Equal(0, Processed(app));
        Assert.Empty(await client.AlertIdsAsync());
    }

    [Fact]
    public async Task ABadArrayElementIsNamedByIndex()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        var problem = await (await client.PostJsonAsync("/activities", "[" + TestApp.ActivityLine(AlertCategory.MailFlow, "a1", TestApp.Day) + ", 42, {\"id\":\"x\"}]"))
            .ProblemAsync(HttpStatusCode.BadRequest);

        var errors = problem.Errors();
        Assert.Equal(["[1]", "[2]"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0, Processed(app));
    }

    [Theory]
    [InlineData("[{\"id\":\"a1\",")]
    [InlineData("{\"id\":")]
    [InlineData("   ")]
    public async Task MalformedJsonIsA400AndNothingIsEvaluated(string body)
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        var response = await client.PostAsync(ApiTestHelpers.Url("/activities"), new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.NotEmpty(problem.Errors());
        Assert.Equal(0, Processed(app));
    }

    [Fact]
    public async Task AnOversizedBodyIs413AndNothingIsEvaluated()
    {
        await using var app = new AlertEngineAppFactory(web => web.MaxIngestBytes = 300);
        var client = app.As("admin", Roles.OrgManagement);
        var lines = Enumerable.Range(0, 5).Select(i => TestApp.ActivityLine(AlertCategory.MailFlow, "a" + i, TestApp.Day)).ToArray();

        await (await client.PostLinesAsync(lines)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(0, Processed(app));
        var ok = await client.PostLinesAsync(lines[0]);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData(Roles.RecordsManagement)]
    [InlineData(Roles.EDiscovery)]
    public async Task IngestNeedsManageAlerts(string role)
    {
        await using var app = new AlertEngineAppFactory();

        await (await app.As("viewer", role).PostLinesAsync(TestApp.ActivityLine(AlertCategory.MailFlow, "a1", TestApp.Day))).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(0, Processed(app));
    }

    [Fact]
    public async Task AnonymousCallersAre401()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.Anonymous();

        await (await client.PostLinesAsync(TestApp.ActivityLine(AlertCategory.MailFlow, "a1", TestApp.Day))).ProblemAsync(HttpStatusCode.Unauthorized);
        await (await client.GetApiAsync("/alerts")).ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(0, Processed(app));
    }

    [Fact]
    public async Task IngestedAlertsAreGroupedIntoIncidents()
    {
        await using var app = new AlertEngineAppFactory();
        var client = app.As("admin", Roles.OrgManagement);

        await (await client.PostLinesAsync(TestApp.ActivityLine(AlertCategory.MailFlow, "a1", TestApp.Day))).JsonAsync(HttpStatusCode.OK);

        var incidents = await (await client.GetApiAsync("/incidents")).JsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, incidents.GetArrayLength());
    }

    private sealed class FailingStore : IAlertStore
    {
        private readonly InMemoryAlertStore _inner = new();

        public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default) => throw new IOException("the store is down");

        public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default) => _inner.TryUpdateManagementAsync(current, updated, cancellationToken);

        public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);
    }

    [Fact]
    public async Task AFullStoreQueueIs503SayingHowManyActivitiesWereEvaluated()
    {
        await using var app = new AlertEngineAppFactory(services: services =>
        {
            services.AddSingleton<IAlertStore, FailingStore>();
            services.Configure<AlertEngineServiceOptions>(options =>
            {
                options.MaxPendingStoreWrites = 1;
                options.StoreBackpressure = StoreBackpressureMode.Fail;
            });
        });

        var problem = await (await app.As("admin", Roles.OrgManagement).PostLinesAsync(
            TestApp.ActivityLine(AlertCategory.MailFlow, "a1", TestApp.Day),
            TestApp.ActivityLine(AlertCategory.MailFlow, "a2", TestApp.Day),
            TestApp.ActivityLine(AlertCategory.MailFlow, "a3", TestApp.Day))).ProblemAsync(HttpStatusCode.ServiceUnavailable);

        Assert.Contains("The first 1 of 3 activities were evaluated", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, Processed(app));
    }
}
