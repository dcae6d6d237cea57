using AlertEngine.AspNetCore.Dashboard;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore;

/// <summary>Maps the AlertEngine dashboard.</summary>
public static class AlertEngineDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the dashboard under <paramref name="prefix"/> (for example <c>/alertengine</c>): server-rendered HTML pages
    /// with everything embedded (no scripts, no CDN, works offline): alerts with filters, counts, a chart of alerts over
    /// time by severity and paging; alert detail with activities, users, history, status change with a comment and
    /// notification suppression; policies with on/off, notification settings, the whole policy edited as JSON and new
    /// policies (through the same code as the API's <c>PUT policies/{id}</c> and <c>POST policies</c>: errors shown with
    /// their JSON paths, System policies refusing the fields they lock); an upload of a file of activities (the API's
    /// ingest: same formats, Purview CSV exports included, same <see cref="AlertEngineWebOptions.MaxIngestBytes"/>, same
    /// role, and a file with a bad line refused whole with every bad line listed by number); incidents with phase
    /// changes, the 72-hour customer-notice deadline and time left, notice and postmortem forms; engine health with
    /// tracked keys.
    /// <para>The same permissions as <see cref="AlertEngineApiEndpointRouteBuilderExtensions.MapAlertEngineApi"/>, from
    /// the signed-in user: hidden categories show nowhere (not in lists, counts, charts or filters). Every form carries an
    /// antiforgery token, validated before anything changes; every piece of user text is HTML-encoded.</para>
    /// <para>Needs <c>services.AddAlertEngine(...)</c> and <c>services.AddAntiforgery()</c> (added by most web stacks),
    /// and authentication that signs users in: the dashboard does not sign anyone in; an anonymous visitor sees a
    /// 401 page.</para>
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="prefix">The route prefix.</param>
    /// <param name="configure">Sets options; <see langword="null"/> for the defaults.</param>
    /// <returns>The route group, to add conventions.</returns>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    /// <exception cref="InvalidOperationException">Antiforgery is not registered.</exception>
    public static RouteGroupBuilder MapAlertEngineDashboard(this IEndpointRouteBuilder endpoints, string prefix, Action<AlertEngineWebOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var options = new AlertEngineWebOptions();
        configure?.Invoke(options);
        options.Validate();
        if (endpoints.ServiceProvider.GetService<IServiceProviderIsService>() is { } isService && !isService.IsService(typeof(IAntiforgery)))
        {
            throw new InvalidOperationException("The AlertEngine dashboard protects its forms with antiforgery tokens: call services.AddAntiforgery() first.");
        }

        var group = endpoints.MapGroup(prefix).ExcludeFromDescription();
        if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
        }

        DashboardEndpoints.Map(group, options, new EngineHealth());
        return group;
    }
}
