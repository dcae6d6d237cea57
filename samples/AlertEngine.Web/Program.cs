// A web host over the bundled sample tenant: the AlertEngine HTTP API, its OpenAPI document and the dashboard.
//
//   dotnet run --project samples/AlertEngine.Web        then open http://localhost:5080/
//
// It loads samples/data/policies.json, evaluates samples/data/activities.jsonl at start (alerts go to the in-memory
// store and are grouped into incidents), and serves:
//   /alertengine              the dashboard
//   /api/alertengine/...      the API (see the package readme)
//   /openapi/v1.json          the OpenAPI document
// In Development only, /demo/signin signs you in as a demo role group of the default role table (a cookie; no
// password): a stand-in for your real authentication, clearly marked and never mapped outside Development.
using System.Security.Claims;
using AlertEngine;
using AlertEngine.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

var builder = WebApplication.CreateBuilder(args);
var dataDirectory = Path.GetFullPath(builder.Configuration["AlertEngine:Data"] ?? Path.Combine(builder.Environment.ContentRootPath, "..", "data"));

var loaded = PolicySerializer.Load(File.ReadAllText(Path.Combine(dataDirectory, "policies.json")));
if (!loaded.IsValid)
{
    Console.Error.WriteLine(string.Join(Environment.NewLine, loaded.Errors));
    return 1;
}

builder.Services.AddAlertEngine(options =>
{
    foreach (var policy in loaded.Value)
    {
        options.Policies.Add(policy);
    }
});
builder.Services.AddAlertEngineIncidents();
builder.Services.AddAntiforgery();
builder.Services.AddOpenApi();
builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
    .AddCookie(options => options.LoginPath = "/demo/signin");
builder.Services.AddAuthorization();

var app = builder.Build();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapOpenApi();
app.MapAlertEngineApi("/api/alertengine");
app.MapAlertEngineDashboard("/alertengine");

if (app.Environment.IsDevelopment())
{
    DemoSignIn.Map(app);
}
else
{
    app.MapGet("/", () => Results.Text("AlertEngine sample: the demo sign-in exists only in Development (ASPNETCORE_ENVIRONMENT=Development); plug in your own authentication."));
}

// Evaluate the bundled activities once at start, as the ingest endpoint would, grouping alerts into incidents.
var engine = app.Services.GetRequiredService<IAlertEngine>();
var incidents = app.Services.GetRequiredService<IncidentManager>();
await using (var file = File.OpenRead(Path.Combine(dataDirectory, "activities.jsonl")))
{
    foreach (var result in ActivityReader.Read(file, "activities.jsonl"))
    {
        if (result.Activity is not { } activity)
        {
            app.Logger.LogWarning("{Problem}", result.ToString());
            continue;
        }

        foreach (var change in await engine.ProcessAsync(activity))
        {
            await incidents.CorrelateAsync(change);
        }
    }
}

app.Logger.LogInformation("Evaluated the sample activities: {Statistics}", engine.Pipeline.Statistics);
await app.RunAsync();
return 0;

/// <summary>The development-only demo sign-in: pick a role group, get a cookie. Not authentication: a stand-in for yours.</summary>
internal static class DemoSignIn
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Results.Redirect("/demo/signin"));
        app.MapGet("/demo/signin", (HttpContext http, IAntiforgery antiforgery) =>
        {
            var tokens = antiforgery.GetAndStoreTokens(http);
            var encoder = System.Text.Encodings.Web.HtmlEncoder.Default;
            var html = new System.Text.StringBuilder();
            html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Demo sign-in · AlertEngine</title>")
                .Append("<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:42rem}.dev{background:#fff3cd;border:1px solid #e0c36b;padding:.6rem}button{margin:.2rem 0;padding:.4rem .8rem;min-width:20rem;text-align:left}</style></head><body>")
                .Append("<p class=\"dev\"><strong>Development only.</strong> This demo sign-in has no password and exists only when ASPNETCORE_ENVIRONMENT is Development. Use your own authentication in a real application.</p>")
                .Append("<h1>Sign in as a demo role group</h1>");
            foreach (var group in AlertRoleTable.Default.Groups)
            {
                html.Append("<form method=\"post\" action=\"/demo/signin\"><input type=\"hidden\" name=\"").Append(encoder.Encode(tokens.FormFieldName))
                    .Append("\" value=\"").Append(encoder.Encode(tokens.RequestToken!)).Append("\"><input type=\"hidden\" name=\"role\" value=\"").Append(encoder.Encode(group.Name))
                    .Append("\"><button type=\"submit\">").Append(encoder.Encode(group.Name)).Append(" — ").Append(encoder.Encode(string.Join(", ", group.Categories)))
                    .Append("</button></form>");
            }

            html.Append("<p><a href=\"/openapi/v1.json\">OpenAPI document</a></p></body></html>");
            return Results.Content(html.ToString(), "text/html; charset=utf-8");
        });
        app.MapPost("/demo/signin", async (HttpContext http, [Microsoft.AspNetCore.Mvc.FromForm] string role) =>
        {
            if (!AlertRoleTable.Default.TryGetGroup(role, out var group))
            {
                return Results.BadRequest("unknown role group");
            }

            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "Demo " + group.Name), new Claim(ClaimTypes.Role, group.Name)],
                CookieAuthenticationDefaults.AuthenticationScheme);
            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
            return Results.Redirect("/alertengine");
        });
    }
}
