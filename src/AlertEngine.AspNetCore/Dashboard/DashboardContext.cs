using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>One dashboard request: the caller, the links of the dashboard, the antiforgery token of its forms, and the page layout.</summary>
internal sealed class DashboardContext
{
    private const string Style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
        header{background:#1f2a44;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
        header a{color:#dbe4ff;text-decoration:none;font-weight:600}header a.current{color:#fff;border-bottom:2px solid #fff}
        header .who{margin-left:auto;font-size:.85rem;color:#c9d3ea}
        main{padding:1rem 1.2rem;max-width:1200px}
        h1{font-size:1.35rem;margin:.2rem 0 .8rem}h2{font-size:1.05rem;margin:1.2rem 0 .5rem}
        table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
        th,td{border-bottom:1px solid #e3e6eb;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#eef1f5}
        form.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;background:#fff;padding:.6rem;border:1px solid #e3e6eb;margin-bottom:.8rem}
        form.filters label{display:flex;flex-direction:column;font-size:.8rem;gap:.15rem}
        form.inline{display:inline}form.stack{display:flex;flex-direction:column;gap:.4rem;max-width:32rem;background:#fff;padding:.6rem;border:1px solid #e3e6eb}
        input,select,textarea,button{font:inherit;font-size:.9rem}button{cursor:pointer;padding:.25rem .7rem}
        .sev{display:inline-block;padding:0 .45rem;border-radius:.6rem;font-size:.8rem;color:#fff}
        .sev-High{background:#c62828}.sev-Medium{background:#ef6c00}.sev-Low{background:#f9a825;color:#222}.sev-Informational{background:#1565c0}
        .counts{display:flex;gap:.6rem;flex-wrap:wrap;margin:.4rem 0 .8rem}.counts>span{background:#fff;border:1px solid #e3e6eb;padding:.25rem .6rem}
        .message{background:#e8f5e9;border:1px solid #a5d6a7;padding:.5rem .8rem;margin-bottom:.8rem}
        .errors{background:#ffebee;border:1px solid #ef9a9a;padding:.5rem .8rem;margin-bottom:.8rem}
        .overdue{color:#c62828;font-weight:600}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;background:#fff;padding:.6rem;border:1px solid #e3e6eb}
        dt{font-weight:600}dd{margin:0}.chart{background:#fff;border:1px solid #e3e6eb;padding:.4rem;margin-bottom:.8rem}
        form.stack.wide{max-width:60rem}textarea.json-input{font-family:ui-monospace,Menlo,Consolas,monospace;width:100%}
        .dev{background:#fff3cd;border-bottom:1px solid #e0c36b;padding:.3rem 1.2rem;font-size:.85rem}
        """;

    private AntiforgeryTokenSet? _tokens;

    public DashboardContext(HttpContext http, AlertEngineWebOptions options, string basePath)
    {
        Http = http;
        Caller = WebCaller.From(http, options);
        BasePath = basePath;
    }

    public HttpContext Http { get; }

    public WebCaller Caller { get; }

    public AlertPermissions Permissions => Caller.Permissions;

    /// <summary>The dashboard's path base (<c>/alertengine</c>), without a trailing slash.</summary>
    public string BasePath { get; }

    public string Url(string relative) => BasePath + relative;

    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>The hidden antiforgery field of a form.</summary>
    public void Antiforgery(Html html)
    {
        _tokens ??= Http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(Http);
        html.Raw("<input type=\"hidden\"").Attr("name", _tokens.FormFieldName).Attr("value", _tokens.RequestToken).Raw(">");
    }

    public IResult Page(string title, string section, Html body, int statusCode = StatusCodes.Status200OK)
    {
        var page = new Html();
        page.Raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Raw("<title>").Text(title).Raw(" · AlertEngine</title><style>").Raw(Style).Raw("</style></head><body><header><strong>AlertEngine</strong>");
        foreach (var (name, path) in new[] { ("Alerts", "/"), ("Policies", "/policies"), ("Incidents", "/incidents"), ("Upload", "/upload"), ("Health", "/health") })
        {
            if (name == "Upload" && !Permissions.CanManagePolicies)
            {
                continue;
            }

            page.Raw("<a").Attr("href", Url(path)).Attr("class", name == section ? "current" : null).Raw(">").Text(name).Raw("</a>");
        }

        page.Raw("<span class=\"who\" id=\"who\">").Text(Permissions.Name);
        if (Permissions.RoleGroups.Count > 0)
        {
            page.Text(" · " + string.Join(", ", Permissions.RoleGroups));
        }

        page.Raw("</span></header><main>").Raw(body.ToString()).Raw("</main></body></html>");
        return new HtmlResult(page.ToString(), statusCode);
    }

    public IResult Message(string title, string text, int statusCode)
    {
        var body = new Html().Element("h1", title).Element("p", text);
        return Page(title, "", body, statusCode);
    }

    public IResult Redirect(string relative) => new SeeOther(Url(relative));

    public static void Errors(Html html, IReadOnlyList<ValidationError>? errors)
    {
        if (errors is not { Count: > 0 })
        {
            return;
        }

        html.Raw("<div class=\"errors\" role=\"alert\"><ul>");
        foreach (var error in errors)
        {
            html.Element("li", error.ToString());
        }

        html.Raw("</ul></div>");
    }

    /// <summary>The confirmation after a change (Post/Redirect/Get): fixed texts chosen by the <c>done</c> parameter, never text from the request.</summary>
    public void Done(Html html)
    {
        var text = Http.Request.Query["done"].ToString() switch
        {
            "status" => "Status changed.",
            "suppressed" => "Notifications suppressed for this alert.",
            "restored" => "Notifications restored for this alert.",
            "on" => "Policy turned on.",
            "off" => "Policy turned off.",
            "notifications" => "Notification settings saved.",
            "saved" => "Policy saved.",
            "created" => "Policy created.",
            "phase" => "Phase changed.",
            "declared" => "Declared a security incident: the customer notice clock is running.",
            "notice" => "Customer notice recorded.",
            "postmortem" => "Postmortem recorded; the incident is closed.",
            _ => null,
        };
        if (text is not null)
        {
            html.Raw("<div class=\"message\" role=\"status\" id=\"message\">").Text(text).Raw("</div>");
        }
    }

    private sealed class HtmlResult(string html, int statusCode) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = "text/html; charset=utf-8";
            httpContext.Response.Headers.CacheControl = "no-store";
            httpContext.Response.Headers["X-Content-Type-Options"] = "nosniff";
            httpContext.Response.Headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'";
            return httpContext.Response.WriteAsync(html);
        }
    }

    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
