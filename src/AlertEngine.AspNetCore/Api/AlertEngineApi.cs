using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AlertEngine.AspNetCore.Api;

/// <summary>
/// The handlers of the HTTP API. Every handler resolves the caller through the role table and calls the domain
/// managers (<see cref="AlertManager"/>, <see cref="AlertPolicyManager"/>, <see cref="IncidentManager"/>,
/// <see cref="IAlertEngine"/>); nothing here decides what a domain rule decides. Thread-safe (stateless apart from
/// the options and the rate sampler).
/// </summary>
internal sealed class AlertEngineApi(AlertEngineWebOptions options, EngineHealth health)
{
    private WebCaller Caller(HttpContext context) => WebCaller.From(context, options);

    // ---- activities ----

    public async Task<Results<Ok<IngestResultModel>, ProblemHttpResult, ValidationProblem>> IngestAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        if (!caller.Permissions.CanManagePolicies)
        {
            return ApiResults.Forbidden($"{caller.Permissions.Name} needs the Manage Alerts role to ingest activities");
        }

        var (outcome, activities, errors) = await ActivityBatch.ReadAsync(context.Request, options.MaxIngestBytes, cancellationToken).ConfigureAwait(false);
        if (outcome == ActivityBatch.Outcome.TooLarge)
        {
            return ApiResults.TooLarge(options.MaxIngestBytes);
        }

        if (outcome == ActivityBatch.Outcome.Invalid)
        {
            return ApiResults.Invalid(errors, "Invalid activities: nothing of the request was evaluated");
        }

        var evaluated = await ActivityIngest.EvaluateAsync(caller, activities, cancellationToken).ConfigureAwait(false);
        if (evaluated.StoreBehind is { } message)
        {
            // The store is behind and the engine is configured to refuse rather than wait (StoreBackpressureMode.Fail):
            // the activities before this one were evaluated, this one and the rest were not.
            return TypedResults.Problem(
                $"{message} The first {evaluated.Evaluated} of {evaluated.Total} activities were evaluated; send the rest again later (duplicates are recognised).",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "The alert store is behind");
        }

        return TypedResults.Ok(new IngestResultModel(evaluated.Total, evaluated.Created, evaluated.Updated, evaluated.AlertIds));
    }

    // ---- alerts ----

    public async Task<Results<Ok<AlertPageModel>, ProblemHttpResult, ValidationProblem>> QueryAlertsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        var errors = new List<ValidationError>();
        var query = AlertQueryParameters.Parse(context.Request.Query, options, errors);
        if (errors.Count > 0)
        {
            return ApiResults.Invalid(errors);
        }

        var result = await caller.Alerts.QueryAsync(caller.Principal, query, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return Unwrap<AlertPageModel>(ApiResults.Failure(result));
        }

        var items = new List<AlertSummaryModel>(result.Value.Alerts.Count);
        foreach (var alert in result.Value.Alerts)
        {
            items.Add(AlertSummaryModel.From(alert));
        }

        return TypedResults.Ok(new AlertPageModel(items, result.Value.Next?.ToString()));
    }

    public async Task<Results<Ok<AlertCountsModel>, ValidationProblem>> CountAlertsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        var errors = new List<ValidationError>();
        var query = AlertQueryParameters.Parse(context.Request.Query, options, errors);
        if (errors.Count > 0)
        {
            return ApiResults.Invalid(errors);
        }

        var result = await caller.Alerts.CountAsync(caller.Principal, query, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(AlertCountsModel.From(result.Value));
    }

    public async Task<Results<Ok<AlertDetailModel>, ProblemHttpResult, ValidationProblem>> GetAlertAsync(HttpContext context, string id, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        var result = await caller.Alerts.GetAsync(caller.Principal, id, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? TypedResults.Ok(AlertDetailModel.From(result.Value)) : Unwrap<AlertDetailModel>(ApiResults.Failure(result));
    }

    public async Task<Results<Ok<AlertDetailModel>, ProblemHttpResult, ValidationProblem>> ChangeStatusAsync(HttpContext context, string id, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        var (request, errors) = await JsonBody.ReadAsync<AlertStatusRequest>(context.Request, cancellationToken).ConfigureAwait(false);
        if (request is null)
        {
            // Out-of-scope alerts stay 404 whatever the body: check visibility first.
            var visible = await caller.Alerts.GetAsync(caller.Principal, id, cancellationToken).ConfigureAwait(false);
            return visible.Succeeded ? ApiResults.Invalid(errors) : Unwrap<AlertDetailModel>(ApiResults.Failure(visible));
        }

        if (!EnumText.TryParse<AlertStatus>(request.Status, out var status))
        {
            var visible = await caller.Alerts.GetAsync(caller.Principal, id, cancellationToken).ConfigureAwait(false);
            return visible.Succeeded ? ApiResults.Invalid("status", EnumText.Allowed<AlertStatus>()) : Unwrap<AlertDetailModel>(ApiResults.Failure(visible));
        }

        var result = await caller.Alerts.ChangeStatusAsync(caller.Principal, id, status, request.Comment, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? TypedResults.Ok(AlertDetailModel.From(result.Value)) : Unwrap<AlertDetailModel>(ApiResults.Failure(result));
    }

    public async Task<Results<Ok<AlertDetailModel>, ProblemHttpResult, ValidationProblem>> SetSuppressedAsync(HttpContext context, string id, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        var (request, errors) = await JsonBody.ReadAsync<AlertSuppressionRequest>(context.Request, cancellationToken).ConfigureAwait(false);
        if (request?.Suppressed is not { } suppressed)
        {
            var visible = await caller.Alerts.GetAsync(caller.Principal, id, cancellationToken).ConfigureAwait(false);
            return visible.Succeeded
                ? ApiResults.Invalid(request is null ? errors : [new ValidationError("suppressed", "is required: true or false")])
                : Unwrap<AlertDetailModel>(ApiResults.Failure(visible));
        }

        var result = await caller.Alerts.SetNotificationsSuppressedAsync(caller.Principal, id, suppressed, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? TypedResults.Ok(AlertDetailModel.From(result.Value)) : Unwrap<AlertDetailModel>(ApiResults.Failure(result));
    }

    // ---- policies ----

    public Results<Ok<JsonElement>, ProblemHttpResult, ValidationProblem> ListPolicies(HttpContext context)
    {
        var caller = Caller(context);
        var result = caller.Policies.GetPolicies(caller.Principal);
        return result.Succeeded ? TypedResults.Ok(PolicyJson.Write(result.Value)) : Unwrap<JsonElement>(ApiResults.Failure(result));
    }

    public Results<Ok<JsonElement>, ProblemHttpResult, ValidationProblem> GetPolicy(HttpContext context, string id)
    {
        var caller = Caller(context);
        var result = caller.Policies.GetPolicy(caller.Principal, id);
        return result.Succeeded ? TypedResults.Ok(PolicyJson.Write(result.Value)) : Unwrap<JsonElement>(ApiResults.Failure(result));
    }

    public async Task<Results<Created<JsonElement>, ProblemHttpResult, ValidationProblem>> CreatePolicyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        var body = caller.Permissions.CanManagePolicies ? await JsonBody.ReadBytesAsync(context.Request, PolicyJson.MaxBodyBytes, cancellationToken).ConfigureAwait(false) : [];
        var result = PolicyCommands.Create(caller, body);
        if (!result.Succeeded)
        {
            return PolicyFailure(result).Result switch { ProblemHttpResult p => p, ValidationProblem v => v, _ => throw new InvalidOperationException() };
        }

        return TypedResults.Created(context.Request.Path.Value + "/" + Uri.EscapeDataString(result.Policy!.Id), PolicyJson.Write(result.Policy));
    }

    public async Task<Results<Ok<JsonElement>, ProblemHttpResult, ValidationProblem>> UpdatePolicyAsync(HttpContext context, string id, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        var body = await JsonBody.ReadBytesAsync(context.Request, PolicyJson.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        var result = PolicyCommands.Update(caller, id, body);
        return result.Succeeded ? TypedResults.Ok(PolicyJson.Write(result.Policy!)) : Unwrap<JsonElement>(PolicyFailure(result));
    }

    /// <summary>The media types <c>POST policies/sigma</c> takes (the body is YAML).</summary>
    public static readonly string[] YamlMediaTypes = ["application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml"];

    public async Task<Results<Created<JsonElement>, ProblemHttpResult, ValidationProblem>> CreateSigmaPoliciesAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        if (!caller.Permissions.CanManagePolicies)
        {
            return ApiResults.Forbidden($"{caller.Permissions.Name} needs the Manage Alerts role");
        }

        var mediaType = context.Request.ContentType is { } contentType && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            ? parsed.MediaType.Value
            : null;
        if (mediaType is null || Array.FindIndex(YamlMediaTypes, t => string.Equals(t, mediaType, StringComparison.OrdinalIgnoreCase)) < 0)
        {
            return ApiResults.UnsupportedMediaType("Send the Sigma rules as YAML: Content-Type " + string.Join(", ", YamlMediaTypes) + ".");
        }

        var body = await JsonBody.ReadBytesAsync(context.Request, PolicyJson.MaxBodyBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return TypedResults.Problem($"The request body is larger than {PolicyJson.MaxBodyBytes} bytes; nothing was created. Send fewer rules per request.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large");
        }

        string yaml;
        try
        {
            yaml = new System.Text.UTF8Encoding(false, true).GetString(body.AsSpan().StartsWith("\uFEFF"u8) ? body.AsSpan(3) : body);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return ApiResults.Invalid("yaml", "the body is not valid UTF-8");
        }

        var result = SigmaPolicyCommands.Create(caller, yaml, options.SigmaOptions);
        if (!result.Succeeded)
        {
            return result.Outcome switch
            {
                ManagementOutcome.Forbidden => ApiResults.Forbidden(result.Detail),
                ManagementOutcome.NotFound => ApiResults.NotFound(result.Detail),
                ManagementOutcome.Conflict => ApiResults.Conflict(result.Detail),
                _ => ApiResults.Invalid(result.Errors, "Invalid Sigma rules: nothing was created"),
            };
        }

        var path = context.Request.Path.Value!.TrimEnd('/');
        return TypedResults.Created(path[..path.LastIndexOf('/')], PolicyJson.Write(result.Policies));
    }

    private static Results<ProblemHttpResult, ValidationProblem> PolicyFailure(PolicyCommandResult result) => result.Outcome switch
    {
        ManagementOutcome.NotFound => ApiResults.NotFound(result.Detail),
        ManagementOutcome.Forbidden => ApiResults.Forbidden(result.Detail),
        ManagementOutcome.Conflict => ApiResults.Conflict(result.Detail),
        _ => ApiResults.Invalid(result.Errors, "Invalid policy: nothing was changed"),
    };

    public Results<Ok<PolicyEnabledModel>, ProblemHttpResult, ValidationProblem> SetPolicyEnabled(HttpContext context, string id, bool enabled)
    {
        var caller = Caller(context);
        var result = caller.Policies.SetEnabled(caller.Principal, id, enabled);
        return result.Succeeded ? TypedResults.Ok(new PolicyEnabledModel(result.Value.Id, result.Value.Enabled)) : Unwrap<PolicyEnabledModel>(ApiResults.Failure(result));
    }

    public Results<NoContent, ProblemHttpResult, ValidationProblem> DeletePolicy(HttpContext context, string id)
    {
        var caller = Caller(context);
        var result = caller.Policies.Delete(caller.Principal, id);
        if (result.Succeeded)
        {
            return TypedResults.NoContent();
        }

        return ApiResults.Failure(result).Result switch { ProblemHttpResult p => p, ValidationProblem v => v, _ => throw new InvalidOperationException() };
    }

    // ---- incidents ----

    public async Task<Results<Ok<List<IncidentSummaryModel>>, ProblemHttpResult, ValidationProblem>> ListIncidentsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        if (caller.Incidents is not { } incidents)
        {
            return NoIncidents();
        }

        var errors = new List<ValidationError>();
        var query = IncidentQueryParameters.Parse(context.Request.Query, errors);
        if (errors.Count > 0)
        {
            return ApiResults.Invalid(errors);
        }

        var visible = await IncidentAccess.VisibleAsync(incidents, query, caller.Permissions, caller.AlertStore, cancellationToken).ConfigureAwait(false);
        var items = new List<IncidentSummaryModel>(visible.Count);
        foreach (var incident in visible)
        {
            items.Add(IncidentSummaryModel.From(incident));
        }

        return TypedResults.Ok(items);
    }

    public async Task<Results<Ok<IncidentDetailModel>, ProblemHttpResult, ValidationProblem>> GetIncidentAsync(HttpContext context, string id, CancellationToken cancellationToken)
    {
        var caller = Caller(context);
        if (caller.Incidents is not { } incidents)
        {
            return NoIncidents();
        }

        var incident = await IncidentAccess.GetAsync(incidents, id, caller.Permissions, caller.AlertStore, cancellationToken).ConfigureAwait(false);
        return incident is null ? IncidentNotFound(id) : TypedResults.Ok(IncidentDetailModel.From(incident, incidents.TimeProvider.GetUtcNow()));
    }

    public Task<Results<Ok<IncidentDetailModel>, ProblemHttpResult, ValidationProblem>> ChangePhaseAsync(HttpContext context, string id, CancellationToken cancellationToken) =>
        IncidentCommandAsync<IncidentPhaseRequest>(context, id, async (incidents, request, by) =>
        {
            if (!EnumText.TryParse<IncidentPhase>(request.Phase, out var phase))
            {
                return LoadResult.Failure<Incident>([new("phase", EnumText.Allowed<IncidentPhase>())]);
            }

            return LoadResult.Success(await incidents.TransitionAsync(id, phase, by, request.Note, cancellationToken).ConfigureAwait(false));
        }, cancellationToken);

    public Task<Results<Ok<IncidentDetailModel>, ProblemHttpResult, ValidationProblem>> DeclareAsync(HttpContext context, string id, CancellationToken cancellationToken) =>
        IncidentCommandAsync<IncidentDeclareRequest>(context, id, async (incidents, request, by) =>
            LoadResult.Success(await incidents.DeclareSecurityIncidentAsync(id, by, request.Note, cancellationToken).ConfigureAwait(false)), cancellationToken);

    public Task<Results<Ok<IncidentDetailModel>, ProblemHttpResult, ValidationProblem>> RecordNoticeAsync(HttpContext context, string id, CancellationToken cancellationToken) =>
        IncidentCommandAsync<CustomerNoticeRequest>(context, id, (incidents, request, by) =>
            incidents.RecordNotificationAsync(id, request.ToNotification(), by, cancellationToken), cancellationToken);

    public Task<Results<Ok<IncidentDetailModel>, ProblemHttpResult, ValidationProblem>> RecordPostmortemAsync(HttpContext context, string id, CancellationToken cancellationToken) =>
        IncidentCommandAsync<PostmortemRequest>(context, id, (incidents, request, by) =>
            incidents.RecordPostmortemAsync(id, request.ToPostmortem(), by, cancellationToken), cancellationToken);

    private async Task<Results<Ok<IncidentDetailModel>, ProblemHttpResult, ValidationProblem>> IncidentCommandAsync<TRequest>(
        HttpContext context,
        string id,
        Func<IncidentManager, TRequest, string, ValueTask<LoadResult<Incident>>> command,
        CancellationToken cancellationToken)
        where TRequest : class
    {
        var caller = Caller(context);
        if (caller.Incidents is not { } incidents)
        {
            return NoIncidents();
        }

        var (request, errors) = await JsonBody.ReadAsync<TRequest>(context.Request, cancellationToken).ConfigureAwait(false);
        if (await IncidentAccess.GetAsync(incidents, id, caller.Permissions, caller.AlertStore, cancellationToken).ConfigureAwait(false) is null)
        {
            return IncidentNotFound(id);
        }

        if (request is null)
        {
            return ApiResults.Invalid(errors);
        }

        var outcome = await IncidentCommands.RunAsync(() => command(incidents, request, caller.Permissions.Name)).ConfigureAwait(false);
        return outcome switch
        {
            { Incident: { } incident } => TypedResults.Ok(IncidentDetailModel.From(incident, incidents.TimeProvider.GetUtcNow())),
            { Errors: { } invalid } => ApiResults.Invalid(invalid),
            { NotFound: true } => IncidentNotFound(id),
            _ => ApiResults.Conflict(outcome.Conflict!),
        };
    }

    private static ProblemHttpResult NoIncidents() =>
        ApiResults.NotFound("incident response is not enabled in this application (services.AddAlertEngineIncidents())");

    private static ProblemHttpResult IncidentNotFound(string id) => ApiResults.NotFound($"no incident '{id}' that you may see");

    // ---- statistics ----

    public Results<Ok<EngineStatisticsModel>, ProblemHttpResult> Statistics(HttpContext context)
    {
        var caller = Caller(context);
        if (caller.Permissions.Categories.Count == 0 && !caller.Permissions.CanViewPolicies)
        {
            return ApiResults.Forbidden($"{caller.Permissions.Name} has no alert role");
        }

        return TypedResults.Ok(health.Read(caller.Engine, caller.Clock));
    }

    private static Results<Ok<T>, ProblemHttpResult, ValidationProblem> Unwrap<T>(Results<ProblemHttpResult, ValidationProblem> failure) =>
        failure.Result switch
        {
            ProblemHttpResult p => p,
            ValidationProblem v => v,
            _ => throw new InvalidOperationException("unreachable"),
        };
}
