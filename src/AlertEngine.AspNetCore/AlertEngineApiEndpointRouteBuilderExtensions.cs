using AlertEngine.AspNetCore.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace AlertEngine.AspNetCore;

/// <summary>Maps the AlertEngine HTTP API.</summary>
public static class AlertEngineApiEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the AlertEngine HTTP API under <paramref name="prefix"/> (for example <c>/api/alertengine</c>):
    /// <list type="bullet">
    /// <item><c>POST activities</c>: ingest a JSON array of activities or JSON Lines (native or unified audit log records),
    /// or a Purview audit search CSV export;
    /// all or nothing: one bad line is a 400 naming it and nothing of the request is evaluated; a body over
    /// <see cref="AlertEngineWebOptions.MaxIngestBytes"/> is 413. Needs Manage Alerts. Alert changes are correlated into
    /// incidents when incident response is registered.</item>
    /// <item><c>GET alerts</c> (filters <c>status</c>, <c>severity</c>, <c>category</c>, <c>policyId</c>, <c>tag</c>,
    /// <c>source</c>, <c>from</c>, <c>to</c>, <c>includeResolved</c>; keyset paging <c>take</c>, <c>after</c>),
    /// <c>GET alerts/counts</c>, <c>GET alerts/{id}</c>, <c>POST alerts/{id}/status</c> (<c>{"status","comment"}</c>),
    /// <c>PUT alerts/{id}/suppression</c> (<c>{"suppressed"}</c>).</item>
    /// <item><c>GET policies</c>, <c>GET policies/{id}</c>, <c>POST policies</c>, <c>PUT policies/{id}</c> (one policy in
    /// the interchange format), <c>POST policies/{id}/enable</c>, <c>POST policies/{id}/disable</c>,
    /// <c>DELETE policies/{id}</c>. A policy the interchange format cannot express (a Sigma rule's regex condition,
    /// temporal trigger or several-field group-by) reads as a summary with a <c>readOnly</c> reason.</item>
    /// <item><c>POST policies/sigma</c>: Sigma rules (YAML: <c>application/yaml</c> or <c>text/yaml</c>) created as
    /// policies with <see cref="Sigma.SigmaRuleLoader"/> (options: <see cref="AlertEngineWebOptions.SigmaOptions"/>), all or
    /// nothing; errors name the rule id, title and YAML line. Needs Manage Alerts and the policies' category.</item>
    /// <item><c>GET incidents</c> (<c>phase</c>, <c>includeClosed</c>, <c>securityOnly</c>), <c>GET incidents/{id}</c>,
    /// <c>POST incidents/{id}/phase</c>, <c>POST incidents/{id}/declare</c>, <c>POST incidents/{id}/notices</c>,
    /// <c>POST incidents/{id}/postmortem</c>.</item>
    /// <item><c>GET statistics</c>: the engine's counters and health.</item>
    /// </list>
    /// <para><b>Permissions</b> come from the request's <see cref="System.Security.Claims.ClaimsPrincipal"/> through the
    /// <see cref="AlertRoleTable"/> of the registered <see cref="AlertManager"/>, exactly as the managers apply them: an
    /// alert (or policy) of a category the caller may not see is 404 for reading and for changing; policy changes need
    /// Manage Alerts (403 otherwise). An incident is visible only when every one of its alerts is. Unauthenticated
    /// requests are 401.</para>
    /// <para><b>Errors</b> are ProblemDetails (RFC 9457); invalid input is a validation problem whose <c>errors</c> are
    /// keyed by JSON path (<c>policy.trigger.count</c>, <c>line 3</c>). A refused request changes nothing.</para>
    /// <para>Needs <c>services.AddAlertEngine(...)</c> (and <c>AddAlertEngineIncidents()</c> for the incident endpoints,
    /// which are 404 without it). The endpoints carry OpenAPI metadata: add <c>services.AddOpenApi()</c> and
    /// <c>app.MapOpenApi()</c> to publish the document.</para>
    /// </summary>
    /// <param name="endpoints">The application's endpoints.</param>
    /// <param name="prefix">The route prefix.</param>
    /// <param name="configure">Sets options; <see langword="null"/> for the defaults.</param>
    /// <returns>The route group, to add conventions (rate limiting, CORS, more authorization).</returns>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public static RouteGroupBuilder MapAlertEngineApi(this IEndpointRouteBuilder endpoints, string prefix, Action<AlertEngineWebOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var options = new AlertEngineWebOptions();
        configure?.Invoke(options);
        options.Validate();
        var api = new AlertEngineApi(options, new EngineHealth());

        var group = endpoints.MapGroup(prefix).WithTags("AlertEngine");
        if (options.AuthorizationPolicy is { } policy)
        {
            group.RequireAuthorization(policy);
        }

        group.AddEndpointFilter(async (context, next) =>
            WebCaller.From(context.HttpContext, options).IsAuthenticated ? await next(context).ConfigureAwait(false) : ApiResults.Unauthorized());
        group.ProducesProblem(StatusCodes.Status401Unauthorized);

        group.MapPost("/activities", api.IngestAsync)
            .WithName("AlertEngine_IngestActivities")
            .WithSummary("Ingest activities")
            .WithDescription("A JSON array of activities, or JSON Lines (one activity per line), in the native format or as unified audit log records, or a Purview audit search CSV export (recognised from its header). All or nothing: a bad line is a 400 naming it and nothing is evaluated.")
            .Accepts<string>("application/json", "application/x-ndjson", "application/jsonl", "text/plain", "text/csv")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithRequestExample(OpenApiExamples.Activities, OpenApiExamples.JsonLines);

        var alerts = group.MapGroup("/alerts");
        alerts.MapGet("/", api.QueryAlertsAsync).WithName("AlertEngine_QueryAlerts").WithSummary("List alerts (filters, keyset paging)");
        alerts.MapGet("/counts", api.CountAlertsAsync).WithName("AlertEngine_CountAlerts").WithSummary("Count alerts by severity, category and status");
        alerts.MapGet("/{id}", api.GetAlertAsync).WithName("AlertEngine_GetAlert").WithSummary("Read one alert with its activities and history");
        alerts.MapPost("/{id}/status", api.ChangeStatusAsync).WithName("AlertEngine_ChangeAlertStatus").WithSummary("Change an alert's status, with a comment")
            .Accepts<AlertStatusRequest>("application/json").WithRequestExample(OpenApiExamples.Status);
        alerts.MapPut("/{id}/suppression", api.SetSuppressedAsync).WithName("AlertEngine_SuppressAlertNotifications").WithSummary("Suppress (or restore) an alert's notifications")
            .Accepts<AlertSuppressionRequest>("application/json").WithRequestExample(OpenApiExamples.Suppression);

        var policies = group.MapGroup("/policies");
        policies.MapGet("/", api.ListPolicies).WithName("AlertEngine_ListPolicies").WithSummary("List policies (interchange format)");
        policies.MapPost("/sigma", api.CreateSigmaPoliciesAsync).WithName("AlertEngine_CreateSigmaPolicies").WithSummary("Create policies from Sigma rules (YAML)")
            .WithDescription("Sigma detection and correlation rules (SigmaHQ specification v2), one or more YAML documents, loaded as the replay's --sigma loads them. All or nothing: a rule that does not load, or a policy that is refused, creates nothing; errors name the rule id, title and YAML line.")
            .Accepts<string>(AlertEngineApi.YamlMediaTypes[0], AlertEngineApi.YamlMediaTypes[1..])
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithTextRequestExample(OpenApiExamples.Sigma);
        policies.MapGet("/{id}", api.GetPolicy).WithName("AlertEngine_GetPolicy").WithSummary("Read one policy");
        policies.MapPost("/", api.CreatePolicyAsync).WithName("AlertEngine_CreatePolicy").WithSummary("Create a custom policy")
            .Accepts<System.Text.Json.JsonElement>("application/json").WithRequestExample(OpenApiExamples.Policy);
        policies.MapPut("/{id}", api.UpdatePolicyAsync).WithName("AlertEngine_UpdatePolicy").WithSummary("Replace a policy (System policies: enabled and notification settings only)")
            .Accepts<System.Text.Json.JsonElement>("application/json").WithRequestExample(OpenApiExamples.Policy);
        policies.MapPost("/{id}/enable", (HttpContext context, string id) => api.SetPolicyEnabled(context, id, true)).WithName("AlertEngine_EnablePolicy").WithSummary("Turn a policy on");
        policies.MapPost("/{id}/disable", (HttpContext context, string id) => api.SetPolicyEnabled(context, id, false)).WithName("AlertEngine_DisablePolicy").WithSummary("Turn a policy off");
        policies.MapDelete("/{id}", api.DeletePolicy).WithName("AlertEngine_DeletePolicy").WithSummary("Delete a custom policy");

        var incidents = group.MapGroup("/incidents");
        incidents.MapGet("/", api.ListIncidentsAsync).WithName("AlertEngine_ListIncidents").WithSummary("List incidents");
        incidents.MapGet("/{id}", api.GetIncidentAsync).WithName("AlertEngine_GetIncident").WithSummary("Read one incident with its timeline");
        incidents.MapPost("/{id}/phase", api.ChangePhaseAsync).WithName("AlertEngine_ChangeIncidentPhase").WithSummary("Move an incident to another response phase")
            .Accepts<IncidentPhaseRequest>("application/json").WithRequestExample(OpenApiExamples.Phase);
        incidents.MapPost("/{id}/declare", api.DeclareAsync).WithName("AlertEngine_DeclareSecurityIncident").WithSummary("Declare a security incident (starts the 72-hour notice clock)")
            .Accepts<IncidentDeclareRequest>("application/json").WithRequestExample(OpenApiExamples.Declare);
        incidents.MapPost("/{id}/notices", api.RecordNoticeAsync).WithName("AlertEngine_RecordCustomerNotice").WithSummary("Record a customer notice")
            .Accepts<CustomerNoticeRequest>("application/json").WithRequestExample(OpenApiExamples.Notice);
        incidents.MapPost("/{id}/postmortem", api.RecordPostmortemAsync).WithName("AlertEngine_RecordPostmortem").WithSummary("Record the postmortem and close the incident")
            .Accepts<PostmortemRequest>("application/json").WithRequestExample(OpenApiExamples.Postmortem);

        group.MapGet("/statistics", api.Statistics).WithName("AlertEngine_Statistics").WithSummary("Engine statistics and health");
        return group;
    }
}
