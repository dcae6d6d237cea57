using System.Globalization;
using AlertEngine.AspNetCore.Api;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>
/// Uploading a file of activities: the API's ingest (<see cref="ActivityBatch"/> then <see cref="ActivityIngest"/>) behind
/// a form. The same role (Manage Alerts), the same size limit (<see cref="AlertEngineWebOptions.MaxIngestBytes"/>), the
/// same formats (JSON Lines or a JSON array, native or unified audit log records, or a Purview CSV export) and the same
/// rule: a file with a bad line is refused whole, every bad line listed by its line number, and nothing of it is evaluated.
/// </summary>
internal static class UploadPage
{
    /// <summary>Room for the form's other parts (boundaries, headers, the antiforgery token) on top of the file.</summary>
    public const long FormOverheadBytes = 64 * 1024;

    public static IResult Form(DashboardContext page, AlertEngineWebOptions options)
    {
        if (Refused(page) is { } refused)
        {
            return refused;
        }

        var html = new Html().Element("h1", "Upload activities");
        FormHtml(page, options, html);
        return page.Page("Upload activities", "Upload", html);
    }

    public static async Task<IResult> UploadAsync(DashboardContext page, AlertEngineWebOptions options, IFormCollection form, CancellationToken cancellationToken)
    {
        if (Refused(page) is { } refused)
        {
            return refused;
        }

        if (form.Files.GetFile("file") is not { } file)
        {
            var html = new Html().Element("h1", "Upload activities");
            DashboardContext.Errors(html, [new("file", "choose a file to upload")]);
            FormHtml(page, options, html);
            return page.Page("Upload activities", "Upload", html, StatusCodes.Status400BadRequest);
        }

        if (file.Length > options.MaxIngestBytes)
        {
            return TooLarge(page, options);
        }

        List<Activity> activities;
        List<ValidationError> errors;
        ActivityBatch.Outcome outcome;
        await using (var stream = file.OpenReadStream())
        {
            (outcome, activities, errors) = await ActivityBatch.ReadAsync(stream, file.Length, options.MaxIngestBytes, cancellationToken).ConfigureAwait(false);
        }

        if (outcome == ActivityBatch.Outcome.TooLarge)
        {
            return TooLarge(page, options);
        }

        if (outcome == ActivityBatch.Outcome.Invalid)
        {
            var html = new Html().Element("h1", "Upload refused");
            html.Raw("<div class=\"errors\" role=\"alert\" id=\"upload-refused\"><p>").Text($"Nothing of {file.FileName} was evaluated: ")
                .Text(errors.Count == 1 ? "it has a problem" : "it has problems").Text(" (below). Fix the file and upload it again.").Raw("</p></div>");
            html.Raw("<table id=\"upload-errors\"><thead><tr><th>Where</th><th>Problem</th></tr></thead><tbody>");
            foreach (var error in errors)
            {
                html.Raw("<tr class=\"upload-error\">").Element("td", error.Path.Length == 0 ? "the file" : error.Path, "where").Element("td", error.Message, "problem").Raw("</tr>");
            }

            html.Raw("</tbody></table>");
            FormHtml(page, options, html);
            return page.Page("Upload refused", "Upload", html, StatusCodes.Status400BadRequest);
        }

        var evaluated = await ActivityIngest.EvaluateAsync(page.Caller, activities, cancellationToken).ConfigureAwait(false);
        var done = new Html().Element("h1", evaluated.StoreBehind is null ? "Upload evaluated" : "Upload partly evaluated");
        if (evaluated.StoreBehind is { } behind)
        {
            done.Raw("<div class=\"errors\" role=\"alert\">").Text(
                $"{behind} The first {Count(evaluated.Evaluated)} of {Count(evaluated.Total)} activities were evaluated; upload the file again later (duplicates are recognised).").Raw("</div>");
        }

        done.Raw("<div class=\"message\" role=\"status\" id=\"upload-result\">")
            .Text($"Evaluated {Count(evaluated.Evaluated)} {(evaluated.Evaluated == 1 ? "activity" : "activities")} from {file.FileName}: ")
            .Text($"{Count(evaluated.Created)} {(evaluated.Created == 1 ? "alert" : "alerts")} created, {Count(evaluated.Updated)} updated.")
            .Raw("</div>");
        await VisibleAlertsAsync(page, evaluated.AlertIds, done, cancellationToken).ConfigureAwait(false);
        FormHtml(page, options, done);
        return page.Page("Upload evaluated", "Upload", done, evaluated.StoreBehind is null ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>Links to the changed alerts the caller may see (at most 100); alerts of hidden categories are counted but not shown.</summary>
    private static async Task VisibleAlertsAsync(DashboardContext page, IReadOnlyList<string> ids, Html html, CancellationToken cancellationToken)
    {
        const int MaxShown = 100;
        var shown = 0;
        html.Raw("<ul id=\"upload-alerts\">");
        foreach (var id in ids)
        {
            if (shown == MaxShown)
            {
                break;
            }

            var alert = await page.Caller.Alerts.GetAsync(page.Caller.Principal, id, cancellationToken).ConfigureAwait(false);
            if (alert.Succeeded)
            {
                html.Raw("<li>").Element("span", alert.Value.Severity.ToString(), "sev sev-" + alert.Value.Severity).Raw(" ")
                    .Link(page.Url("/alerts/" + DashboardContext.Segment(id)), alert.Value.PolicyName, "alert-link").Raw("</li>");
                shown++;
            }
        }

        html.Raw("</ul>");
    }

    private static void FormHtml(DashboardContext page, AlertEngineWebOptions options, Html html)
    {
        html.Element("h2", "Upload a file")
            .Element("p", "JSON Lines or a JSON array of activities (native or unified audit log records), or a Purview audit search CSV export, at most "
                + Size(options.MaxIngestBytes) + ". All or nothing: a file with a bad line is refused and nothing of it is evaluated.")
            .Raw("<form method=\"post\" class=\"stack\" id=\"upload-form\" enctype=\"multipart/form-data\"").Attr("action", page.Url("/upload")).Raw(">");
        page.Antiforgery(html);
        html.Raw("<input type=\"file\" name=\"file\" id=\"upload-file\" required accept=\".jsonl,.ndjson,.json,.csv,.txt\">")
            .Raw("<button type=\"submit\" id=\"upload\">Upload and evaluate</button></form>");
    }

    /// <summary>The ingest role check: whoever may ingest through the API (Manage Alerts) may upload.</summary>
    public static IResult? Refused(DashboardContext page) => page.Permissions.CanManagePolicies
        ? null
        : page.Message("Forbidden", $"{page.Permissions.Name} needs the Manage Alerts role to upload activities.", StatusCodes.Status403Forbidden);

    public static IResult TooLarge(DashboardContext page, AlertEngineWebOptions options) =>
        page.Message("File too large", $"The file is larger than {Size(options.MaxIngestBytes)}; nothing of it was evaluated. Split it into smaller files.", StatusCodes.Status413PayloadTooLarge);

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Size(long bytes) => bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0
        ? (bytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MiB"
        : bytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes";
}
