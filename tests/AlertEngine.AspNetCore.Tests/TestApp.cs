using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.AspNetCore.Tests;

/// <summary>
/// The application the tests run: one every-time policy per alert category (operation <c>Op-{Category}</c>, no
/// aggregation, so each activity is one alert), one built-in System policy, incidents, the API under
/// <see cref="ApiPrefix"/> and the dashboard under <see cref="DashboardPrefix"/>. Callers sign in with the
/// <c>X-Test-User</c>/<c>X-Test-Roles</c> headers or the <c>alertengine-test</c> cookie (<c>user|role,role</c>).
/// </summary>
public static class TestApp
{
    public const string ApiPrefix = "/api/alertengine";
    public const string DashboardPrefix = "/alertengine";
    public const string CookieName = "alertengine-test";

    public static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset Day = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static AlertCategory[] Categories { get; } = Enum.GetValues<AlertCategory>();

    /// <summary>The built-in policy the tests use (the first of the catalog available under E5).</summary>
    public static AlertPolicy SystemPolicy { get; } = SystemPolicyCatalog.All[0];

    public static string PolicyId(AlertCategory category) => "policy-" + category.ToString().ToLowerInvariant();

    public static string PoliciesJson(string nameSuffix = "")
    {
        var items = new List<string>();
        var severities = Enum.GetValues<AlertSeverity>();
        for (var i = 0; i < Categories.Length; i++)
        {
            var c = Categories[i];
            items.Add($$"""
                {"id":"{{PolicyId(c)}}","name":"{{c}} policy{{nameSuffix}}","category":"{{c}}","severity":"{{severities[i % severities.Length]}}",
                 "activities":["Op-{{c}}"],"aggregation":{"mode":"none"},"notification":{"enabled":true,"recipients":["soc@contoso.com"]} }
                """);
        }

        return "[" + string.Join(",", items) + "]";
    }

    /// <summary>One activity line (native format) for the category's policy.</summary>
    public static string ActivityLine(AlertCategory category, string id, DateTimeOffset time, string user = "alice@contoso.com", string? objectId = null) =>
        "{\"id\":" + System.Text.Json.JsonSerializer.Serialize(id)
        + ",\"time\":\"" + time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)
        + "\",\"operation\":\"Op-" + category + "\",\"userId\":" + System.Text.Json.JsonSerializer.Serialize(user)
        + ",\"objectId\":" + (objectId is null ? "null" : System.Text.Json.JsonSerializer.Serialize(objectId))
        + ",\"clientIp\":\"10.0.0.1\"}";

    public static void ConfigureServices(IServiceCollection services, FakeTimeProvider clock, string policiesJson)
    {
        services.AddSingleton<TimeProvider>(clock);
        services.AddRouting();
        services.AddAntiforgery();
        services.AddOpenApi();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddAuthentication(TestAuthHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, TestAuthHandler>(TestAuthHandler.SchemeName, null);
        services.AddAuthorization(options => options.AddPolicy("SecurityTeam", policy => policy.RequireClaim("team", "security")));
        var policies = PolicySerializer.Load(policiesJson).Value;
        services.AddAlertEngine(options =>
        {
            foreach (var policy in policies)
            {
                options.Policies.Add(policy);
            }

            options.Policies.Add(SystemPolicy);
        });
        services.AddAlertEngineIncidents();
    }

    public static void Configure(IApplicationBuilder app, Action<AlertEngineWebOptions>? web)
    {
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseEndpoints(endpoints =>
        {
            endpoints.MapOpenApi();
            endpoints.MapGet("/test-signin", (HttpContext http, string user, string roles) =>
            {
                http.Response.Cookies.Append(CookieName, Uri.EscapeDataString(user + "|" + roles));
                return Results.Text("signed in " + user);
            });
            endpoints.MapAlertEngineApi(ApiPrefix, web);
            endpoints.MapAlertEngineDashboard(DashboardPrefix, web);
        });
    }

    /// <summary>Feeds activities through the engine and into incident correlation, as the ingest endpoint does.</summary>
    public static async Task SeedAsync(IServiceProvider services, IEnumerable<string> lines)
    {
        var engine = services.GetRequiredService<IAlertEngine>();
        var incidents = services.GetRequiredService<IncidentManager>();
        foreach (var line in lines)
        {
            var activity = ActivityReader.ParseLine(line).Activity ?? throw new InvalidOperationException(line);
            foreach (var change in await engine.ProcessAsync(activity))
            {
                await incidents.CorrelateAsync(change);
            }
        }
    }

    /// <summary>One alert per category, each by its own user (so each incident holds one category), an hour apart.</summary>
    public static IEnumerable<string> OneAlertPerCategory()
    {
        for (var i = 0; i < Categories.Length; i++)
        {
            yield return ActivityLine(Categories[i], "seed-" + i.ToString(CultureInfo.InvariantCulture), Day.AddHours(i * 6), "user" + i.ToString(CultureInfo.InvariantCulture) + "@contoso.com");
        }
    }

    public static string AlertId(AlertCategory category, int seedIndex) => PolicyId(category) + ":seed-" + seedIndex.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A <see cref="WebApplicationFactory{TEntryPoint}"/> over <see cref="TestApp"/>, seeded with one alert per category.</summary>
public sealed class AlertEngineAppFactory : WebApplicationFactory<AlertEngineAppFactory>
{
    private readonly Action<AlertEngineWebOptions>? _web;
    private readonly string _policies;
    private readonly Action<IServiceCollection>? _services;

    static AlertEngineAppFactory() =>
        // The application is built here, not in a web project: its content root is the test output folder.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_ALERTENGINE_ASPNETCORE_TESTS", AppContext.BaseDirectory);

    public AlertEngineAppFactory(Action<AlertEngineWebOptions>? web = null, string? policiesJson = null, Action<IServiceCollection>? services = null)
    {
        _services = services;
        _web = web;
        _policies = policiesJson ?? TestApp.PoliciesJson();
    }

    public FakeTimeProvider Clock { get; } = new(TestApp.Now);

    protected override IHostBuilder CreateHostBuilder() =>
        Host.CreateDefaultBuilder()
            .ConfigureWebHost(web => web
                .UseContentRoot(AppContext.BaseDirectory)
                .UseTestServer()
                .ConfigureServices(services =>
                {
                    TestApp.ConfigureServices(services, Clock, _policies);
                    _services?.Invoke(services);
                })
                .Configure(app => TestApp.Configure(app, _web)));

    public async Task<AlertEngineAppFactory> SeededAsync()
    {
        await TestApp.SeedAsync(Services, TestApp.OneAlertPerCategory());
        return this;
    }

    public HttpClient As(string user, params string[] roles)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Test-User", user);
        client.DefaultRequestHeaders.Add("X-Test-Roles", string.Join(",", roles));
        return client;
    }

    public HttpClient Anonymous() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
}

/// <summary>Signs in from <c>X-Test-User</c>/<c>X-Test-Roles</c> (and <c>X-Test-Team</c>) headers, or the test cookie.</summary>
public sealed class TestAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? user = Request.Headers["X-Test-User"];
        string? roles = Request.Headers["X-Test-Roles"];
        if (user is null && Request.Cookies[TestApp.CookieName] is { } cookie)
        {
            var parts = Uri.UnescapeDataString(cookie).Split('|');
            user = parts[0];
            roles = parts.Length > 1 ? parts[1] : "";
        }

        if (string.IsNullOrEmpty(user))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, user) };
        foreach (var role in (roles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            claims.Add(new(ClaimTypes.Role, role));
            claims.Add(new("groups", role));
        }

        if (Request.Headers["X-Test-Team"] is { Count: > 0 } team)
        {
            claims.Add(new("team", team.ToString()));
        }

        var identity = new ClaimsIdentity(claims, SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

public static class Roles
{
    public const string OrgManagement = "Organization Management";
    public const string ComplianceAdmin = "Compliance Administrator";
    public const string RecordsManagement = "Records Management";
    public const string EDiscovery = "eDiscovery Manager";
}
