using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>
/// The dashboard's routes. Every request resolves the caller first (anonymous: a 401 page; no alert role at all: a
/// 403 page); every POST validates its antiforgery token before anything else (a bad or missing token: a 400 page,
/// nothing changed) and answers with a redirect to the page it came from (Post/Redirect/Get), or the page again with
/// the errors where the change was refused.
/// </summary>
internal static class DashboardEndpoints
{
    public static void Map(RouteGroupBuilder group, AlertEngineWebOptions options, EngineHealth health)
    {
        group.MapGet("/", (HttpContext http, CancellationToken ct) => Run(http, options, page => AlertPages.ListAsync(page, options, ct)));
        group.MapGet("/alerts/{id}", (HttpContext http, string id, CancellationToken ct) => Run(http, options, page => AlertPages.DetailAsync(page, id, null, ct)));
        group.MapPost("/alerts/{id}/status", (HttpContext http, string id, CancellationToken ct) => Post(http, options, (page, form) => AlertPages.ChangeStatusAsync(page, id, form, ct)));
        group.MapPost("/alerts/{id}/suppression", (HttpContext http, string id, CancellationToken ct) => Post(http, options, (page, form) => AlertPages.SuppressAsync(page, id, form, ct)));
        group.MapGet("/policies", (Delegate)((HttpContext http) => Run(http, options, page => Task.FromResult(PolicyPages.List(page)))));
        group.MapGet("/policies/{id}", (HttpContext http, string id) => Run(http, options, page => Task.FromResult(PolicyPages.Detail(page, id))));
        group.MapPost("/policies/{id}/notifications", (HttpContext http, string id) => Post(http, options, (page, form) => Task.FromResult(PolicyPages.SetNotifications(page, id, form))));
        group.MapPost("/policies/{id}/enabled", (HttpContext http, string id) => Post(http, options, (page, form) => Task.FromResult(PolicyPages.SetEnabled(page, id, form))));
        group.MapGet("/policies/{id}/edit", (HttpContext http, string id) => Run(http, options, page => Task.FromResult(PolicyEditPages.Edit(page, id))));
        group.MapPost("/policies/{id}/edit", (HttpContext http, string id) => Post(http, options, (page, form) => Task.FromResult(PolicyEditPages.Save(page, id, form))));
        group.MapGet("/new-policy", (Delegate)((HttpContext http) => Run(http, options, page => Task.FromResult(PolicyEditPages.New(page)))));
        group.MapPost("/new-policy", (Delegate)((HttpContext http) => Post(http, options, (page, form) => Task.FromResult(PolicyEditPages.Create(page, form)))));
        group.MapGet("/upload", (Delegate)((HttpContext http) => Run(http, options, page => Task.FromResult(UploadPage.Form(page, options)))));
        group.MapPost("/upload", (HttpContext http, CancellationToken ct) => Post(http, options, (page, form) => UploadPage.UploadAsync(page, options, form, ct), options.MaxIngestBytes + UploadPage.FormOverheadBytes, UploadPage.Refused));
        group.MapGet("/incidents", (HttpContext http, CancellationToken ct) => Run(http, options, page => IncidentPages.ListAsync(page, ct)));
        group.MapGet("/incidents/{id}", (HttpContext http, string id, CancellationToken ct) => Run(http, options, page => IncidentPages.DetailAsync(page, id, null, ct)));
        foreach (var command in new[] { "phase", "declare", "notice", "postmortem" })
        {
            group.MapPost("/incidents/{id}/" + command, (HttpContext http, string id, CancellationToken ct) =>
                Post(http, options, (page, form) => IncidentPages.CommandAsync(page, id, command, form, ct)));
        }

        group.MapGet("/health", (Delegate)((HttpContext http) => Run(http, options, page => Task.FromResult(HealthPage.Render(page, health)))));
    }

    private static async Task<IResult> Run(HttpContext http, AlertEngineWebOptions options, Func<DashboardContext, Task<IResult>> render)
    {
        var page = new DashboardContext(http, options, BasePath(http));
        if (!page.Caller.IsAuthenticated)
        {
            return page.Message("Sign in required", "Sign in to use the AlertEngine dashboard.", StatusCodes.Status401Unauthorized);
        }

        if (page.Permissions.Categories.Count == 0 && !page.Permissions.CanViewPolicies)
        {
            return page.Message("No access", $"{page.Permissions.Name} has no alert role: ask an administrator for one.", StatusCodes.Status403Forbidden);
        }

        return await render(page).ConfigureAwait(false);
    }

    /// <summary>A form post: the caller, then <paramref name="refuse"/> (a role check before the body is read), then (with
    /// <paramref name="maxBodyBytes"/>) the body's size, then the antiforgery token, then the change.</summary>
    private static Task<IResult> Post(
        HttpContext http,
        AlertEngineWebOptions options,
        Func<DashboardContext, IFormCollection, Task<IResult>> change,
        long? maxBodyBytes = null,
        Func<DashboardContext, IResult?>? refuse = null) =>
        Run(http, options, async page =>
        {
            if (refuse?.Invoke(page) is { } refused)
            {
                return refused;
            }

            if (maxBodyBytes is { } max)
            {
                // Refuse a declared oversize body before reading it, and cap an undeclared (chunked) one where the server allows.
                if (http.Request.ContentLength > max)
                {
                    return UploadPage.TooLarge(page, options);
                }

                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                {
                    limit.MaxRequestBodySize = max;
                }
            }

            IFormCollection form;
            try
            {
                await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http).ConfigureAwait(false);
                form = await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false);
            }
            catch (AntiforgeryValidationException)
            {
                return page.Message("Form expired", "The form's security token is missing or invalid; nothing was changed. Go back, reload the page and try again.", StatusCodes.Status400BadRequest);
            }
            catch (Exception ex) when (maxBodyBytes is not null && ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } or InvalidDataException)
            {
                return UploadPage.TooLarge(page, options);
            }

            return await change(page, form).ConfigureAwait(false);
        });

    /// <summary>The dashboard's own path (the route group's prefix), from the matched route pattern.</summary>
    private static string BasePath(HttpContext http)
    {
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "/";
        var prefix = pattern;
        foreach (var suffix in new[] { "/alerts/{id}/status", "/alerts/{id}/suppression", "/alerts/{id}", "/policies/{id}/enabled", "/policies/{id}/notifications", "/policies/{id}/edit", "/policies/{id}", "/policies", "/new-policy", "/upload", "/incidents/{id}/phase", "/incidents/{id}/declare", "/incidents/{id}/notice", "/incidents/{id}/postmortem", "/incidents/{id}", "/incidents", "/health" })
        {
            if (pattern.EndsWith(suffix, StringComparison.Ordinal))
            {
                prefix = pattern[..^suffix.Length];
                break;
            }
        }

        prefix = prefix.TrimEnd('/');
        return http.Request.PathBase.Value + (prefix.StartsWith('/') || prefix.Length == 0 ? prefix : "/" + prefix);
    }
}
