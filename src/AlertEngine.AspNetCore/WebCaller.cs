using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore;

/// <summary>
/// One request's view of the engine: the caller (mapped by the options), its permissions from the role table, and the
/// engine's services. Created per request; not shared.
/// </summary>
internal sealed class WebCaller
{
    private WebCaller(HttpContext context, ClaimsPrincipal principal, AlertManager alerts)
    {
        Context = context;
        Principal = principal;
        Alerts = alerts;
        Permissions = alerts.Roles.Resolve(principal);
    }

    public HttpContext Context { get; }

    public ClaimsPrincipal Principal { get; }

    public AlertPermissions Permissions { get; }

    public bool IsAuthenticated => Principal.Identity is { IsAuthenticated: true };

    public AlertManager Alerts { get; }

    public AlertPolicyManager Policies => Context.RequestServices.GetRequiredService<AlertPolicyManager>();

    public IAlertEngine Engine => Context.RequestServices.GetRequiredService<IAlertEngine>();

    public IAlertStore AlertStore => Context.RequestServices.GetRequiredService<IAlertStore>();

    /// <summary>The incident manager, when incident response is registered (<c>AddAlertEngineIncidents</c>).</summary>
    public IncidentManager? Incidents => Context.RequestServices.GetService<IncidentManager>();

    public TimeProvider Clock => Context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;

    public static WebCaller From(HttpContext context, AlertEngineWebOptions options)
    {
        var principal = context.User;
        if (options.MapCaller is { } map)
        {
            principal = map(principal) ?? throw new InvalidOperationException($"{nameof(AlertEngineWebOptions)}.{nameof(AlertEngineWebOptions.MapCaller)} returned null.");
        }

        if (options.RoleClaimType is { } roleClaimType)
        {
            var identities = new List<ClaimsIdentity>();
            foreach (var identity in principal.Identities)
            {
                identities.Add(new ClaimsIdentity(identity.Claims, identity.AuthenticationType, identity.NameClaimType, roleClaimType));
            }

            principal = new ClaimsPrincipal(identities);
        }

        return new WebCaller(context, principal, context.RequestServices.GetRequiredService<AlertManager>());
    }
}
