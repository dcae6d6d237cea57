using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Api;

/// <summary>Request body examples in the OpenAPI document, so a reader (or a tool) sees a valid request for each endpoint.</summary>
internal static class OpenApiExamples
{
    public const string Activities = """
        [{"id":"a1","time":"2026-03-02T10:15:00Z","operation":"New-InboxRule","userId":"dana@contoso.com","clientIp":"203.0.113.7","workload":"Exchange","properties":{"ForwardTo":"x@example.org"}},
         {"CreationTime":"2026-03-02T10:16:00","Id":"6f1c…","Operation":"FileDeleted","UserId":"ravi@contoso.com","ClientIP":"[10.1.2.3]:443","Workload":"SharePoint","ObjectId":"https://contoso.sharepoint.com/a.docx"}]
        """;

    public const string JsonLines = """
        {"id":"a1","time":"2026-03-02T10:15:00Z","operation":"New-InboxRule","userId":"dana@contoso.com"}
        {"CreationTime":"2026-03-02T10:16:00","Id":"6f1c…","Operation":"FileDeleted","UserId":"ravi@contoso.com","Workload":"SharePoint"}
        """;

    public const string Status = """{"status":"Investigating","comment":"Checking with the user"}""";

    public const string Suppression = """{"suppressed":true}""";

    public const string Policy = """
        {"id":"mass-download","name":"Mass download","category":"DataLossPrevention","severity":"High","activities":["FileDownloaded"],
         "trigger":{"type":"threshold","count":100,"window":"PT1H","scope":"user"},"notification":{"enabled":true,"recipients":["soc@contoso.com"],"dailyLimit":20}}
        """;

    public const string Sigma = """
        title: Inbox rule forwards mail outside the organization
        id: 7d2c1b9e-5f4a-4c1e-9b3a-2e8f6a1d0c55
        status: experimental
        level: high
        logsource:
          product: m365
          service: exchange
        detection:
          selection:
            Operation: New-InboxRule
            Parameters.Name: ForwardTo
          condition: selection
        """;

    public const string Phase = """{"phase":"Escalated","note":"Paged the on-call responder"}""";

    public const string Declare = """{"note":"Payroll file shared with an external address"}""";

    public const string Notice = """
        {"natureOfBreach":"A payroll spreadsheet was shared with an external address","approximateAffectedUsers":120,
         "mitigationSteps":["Sharing link revoked","External recipient asked to delete the file"],"investigationComplete":false,
         "nextSteps":["Review sharing policies"],"timeline":"Final report within 14 days"}
        """;

    public const string Postmortem = """{"summary":"External share of a payroll file","rootCause":"Anonymous links allowed on the HR site","actions":["Disable anonymous links on HR sites"]}""";

    /// <summary>Sets the example of every media type of the request body to a text (YAML).</summary>
    public static RouteHandlerBuilder WithTextRequestExample(this RouteHandlerBuilder builder, string text) =>
        builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            if (operation.RequestBody?.Content is { } content)
            {
                foreach (var media in content.Values)
                {
                    media.Example = JsonValue.Create(text);
                }
            }

            return Task.CompletedTask;
        });

    /// <summary>Sets the example of the request body's JSON media types (and a JSON Lines example for <c>application/x-ndjson</c>).</summary>
    public static RouteHandlerBuilder WithRequestExample(this RouteHandlerBuilder builder, string json, string? jsonLines = null) =>
        builder.AddOpenApiOperationTransformer((operation, context, cancellationToken) =>
        {
            if (operation.RequestBody?.Content is { } content)
            {
                foreach (var (type, media) in content)
                {
                    media.Example = type == "application/json" ? JsonNode.Parse(json) : jsonLines is null ? null : JsonValue.Create(jsonLines);
                }
            }

            return Task.CompletedTask;
        });
}
