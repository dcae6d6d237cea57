using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>The incidents list and the incident page: phase, timeline, the 72-hour notice deadline with time left, and the
/// phase, declaration, notice and postmortem forms.</summary>
internal static class IncidentPages
{
    private static IResult NotEnabled(DashboardContext page) =>
        page.Message("Incidents", "Incident response is not enabled in this application.", StatusCodes.Status404NotFound);

    private static IResult NotFound(DashboardContext page, string id) =>
        page.Message("Not found", $"There is no incident '{id}' that you may see.", StatusCodes.Status404NotFound);

    public static async Task<IResult> ListAsync(DashboardContext page, CancellationToken cancellationToken)
    {
        var caller = page.Caller;
        if (caller.Incidents is not { } incidents)
        {
            return NotEnabled(page);
        }

        var includeClosed = page.Http.Request.Query["includeClosed"].ToString() == "true";
        var visible = await IncidentAccess.VisibleAsync(incidents, new IncidentQuery { IncludeClosed = includeClosed }, caller.Permissions, caller.AlertStore, cancellationToken).ConfigureAwait(false);
        var now = incidents.TimeProvider.GetUtcNow();
        var html = new Html().Element("h1", "Incidents");
        html.Raw("<p>").Link(page.Url(includeClosed ? "/incidents" : "/incidents?includeClosed=true"), includeClosed ? "Hide closed incidents" : "Show closed incidents").Raw("</p>");
        html.Raw("<table id=\"incidents\"><thead><tr><th>Incident</th><th>Severity</th><th>Phase</th><th>Alerts</th><th>First alert</th><th>Customer notice</th></tr></thead><tbody>");
        foreach (var incident in visible)
        {
            html.Raw("<tr class=\"incident-row\"").Attr("data-incident-id", incident.Id).Raw("><td>").Link(page.Url("/incidents/" + DashboardContext.Segment(incident.Id)), incident.Title).Raw("</td>")
                .Raw("<td>").Element("span", incident.Severity.ToString(), "sev sev-" + incident.Severity).Raw("</td>")
                .Element("td", incident.Phase.ToString())
                .Element("td", incident.AlertIds.Length.ToString(CultureInfo.InvariantCulture))
                .Element("td", Html.Time(incident.FirstAlertAt));
            Deadline(html, incident, now);
            html.Raw("</tr>");
        }

        html.Raw("</tbody></table>");
        if (visible.Count == 0)
        {
            html.Element("p", "No incidents.", "empty");
        }

        return page.Page("Incidents", "Incidents", html);
    }

    private static void Deadline(Html html, Incident incident, DateTimeOffset now)
    {
        if (incident.NotificationDeadline is not { } deadline)
        {
            html.Element("td", "—");
        }
        else if (incident.FirstNotification is { } notice)
        {
            html.Element("td", "Notified " + Html.Time(notice.RecordedAt) + (notice.OnTime ? " (on time)" : " (late)"));
        }
        else
        {
            var left = deadline - now;
            html.Raw("<td class=\"deadline\">").Text("Due " + Html.Time(deadline) + " · ").Element("span", Html.TimeLeft(left), left < TimeSpan.Zero ? "overdue time-left" : "time-left").Raw("</td>");
        }
    }

    public static async Task<IResult> DetailAsync(DashboardContext page, string id, IReadOnlyList<ValidationError>? errors, CancellationToken cancellationToken)
    {
        var caller = page.Caller;
        if (caller.Incidents is not { } incidents)
        {
            return NotEnabled(page);
        }

        var incident = await IncidentAccess.GetAsync(incidents, id, caller.Permissions, caller.AlertStore, cancellationToken).ConfigureAwait(false);
        if (incident is null)
        {
            return NotFound(page, id);
        }

        var now = incidents.TimeProvider.GetUtcNow();
        var action = page.Url("/incidents/" + DashboardContext.Segment(incident.Id));
        var html = new Html();
        html.Raw("<p>").Link(page.Url("/incidents"), "← Incidents").Raw("</p>").Element("h1", incident.Title);
        page.Done(html);
        DashboardContext.Errors(html, errors);
        html.Raw("<dl id=\"incident\">")
            .Element("dt", "Id").Element("dd", incident.Id)
            .Element("dt", "Phase").Raw("<dd id=\"incident-phase\">").Text(incident.Phase.ToString()).Raw("</dd>")
            .Element("dt", "Severity").Raw("<dd>").Element("span", incident.Severity.ToString(), "sev sev-" + incident.Severity).Raw("</dd>")
            .Element("dt", "Alerts").Raw("<dd>");
        foreach (var alertId in incident.AlertIds)
        {
            html.Link(page.Url("/alerts/" + DashboardContext.Segment(alertId)), alertId).Raw(" ");
        }

        html.Raw("</dd>").Element("dt", "Entities").Element("dd", string.Join(", ", incident.Entities))
            .Element("dt", "Security incident").Element("dd", incident.Declaration is { } d ? "Declared " + Html.Time(d.DeclaredAt) + " by " + d.DeclaredBy : "No")
            .Element("dt", "Customer notice");
        html.Raw("<dd>");
        if (incident.NotificationDeadline is { } deadline && incident.Notifications.IsEmpty)
        {
            var left = deadline - now;
            html.Text("Due " + Html.Time(deadline) + " · ").Element("span", Html.TimeLeft(left), left < TimeSpan.Zero ? "overdue time-left" : "time-left");
        }
        else if (incident.FirstNotification is { } first)
        {
            html.Text("Sent " + Html.Time(first.RecordedAt) + (first.OnTime ? " (on time)" : " (late)"));
        }
        else
        {
            html.Text("—");
        }

        html.Raw("</dd></dl>");

        var next = IncidentPhases.NextPhases(incident.Phase);
        if (next.Count > 0)
        {
            html.Element("h2", "Move to another phase").Raw("<form method=\"post\" class=\"stack\" id=\"phase-form\"").Attr("action", action + "/phase").Raw(">");
            page.Antiforgery(html);
            html.Raw("<label>Phase <select name=\"phase\" id=\"phase\">");
            foreach (var phase in next)
            {
                html.Raw("<option").Attr("value", phase.ToString()).Raw(">").Text(phase.ToString()).Raw("</option>");
            }

            html.Raw("</select></label><label>Note<input type=\"text\" name=\"note\" maxlength=\"4000\"></label><button type=\"submit\" id=\"change-phase\">Move</button></form>");
        }

        if (incident.Declaration is null && incident.Phase != IncidentPhase.Closed)
        {
            html.Element("h2", "Declare a security incident").Raw("<form method=\"post\" class=\"stack\" id=\"declare-form\"").Attr("action", action + "/declare").Raw(">");
            page.Antiforgery(html);
            html.Raw("<label>What was breached<input type=\"text\" name=\"note\" maxlength=\"4000\"></label><button type=\"submit\" id=\"declare\">Declare (starts the 72-hour notice clock)</button></form>");
        }

        if (incident.Declaration is not null)
        {
            html.Element("h2", "Record a customer notice").Raw("<form method=\"post\" class=\"stack\" id=\"notice-form\"").Attr("action", action + "/notice").Raw(">");
            page.Antiforgery(html);
            html.Raw("<label>Nature of the breach<input type=\"text\" name=\"natureOfBreach\"></label>")
                .Raw("<label>Approximate number of affected users<input type=\"number\" min=\"0\" name=\"approximateAffectedUsers\"></label>")
                .Raw("<label>Mitigation steps (one per line)<textarea name=\"mitigationSteps\" rows=\"2\"></textarea></label>")
                .Raw("<label><input type=\"checkbox\" name=\"investigationComplete\" value=\"true\"> Investigation complete</label>")
                .Raw("<label>Next steps (one per line)<textarea name=\"nextSteps\" rows=\"2\"></textarea></label>")
                .Raw("<label>Timeline<input type=\"text\" name=\"timeline\"></label><button type=\"submit\" id=\"record-notice\">Record notice</button></form>");
        }

        if (IncidentPhases.CanTransition(incident.Phase, IncidentPhase.Closed))
        {
            html.Element("h2", "Postmortem (closes the incident)").Raw("<form method=\"post\" class=\"stack\" id=\"postmortem-form\"").Attr("action", action + "/postmortem").Raw(">");
            page.Antiforgery(html);
            html.Raw("<label>Summary<textarea name=\"summary\" rows=\"2\"></textarea></label><label>Root cause<textarea name=\"rootCause\" rows=\"2\"></textarea></label>")
                .Raw("<label>Actions (one per line)<textarea name=\"actions\" rows=\"2\"></textarea></label><button type=\"submit\" id=\"record-postmortem\">Record postmortem and close</button></form>");
        }

        html.Element("h2", "Timeline").Raw("<table id=\"timeline\"><thead><tr><th>When</th><th>By</th><th>From</th><th>To</th><th>Note</th></tr></thead><tbody>");
        foreach (var t in incident.Transitions)
        {
            html.Raw("<tr>").Element("td", Html.Time(t.At)).Element("td", t.By).Element("td", t.From.ToString()).Element("td", t.To.ToString()).Element("td", t.Note).Raw("</tr>");
        }

        html.Raw("</tbody></table>");
        foreach (var notice in incident.Notifications)
        {
            html.Element("h2", "Customer notice of " + Html.Time(notice.RecordedAt)).Element("p", notice.Notification.NatureOfBreach);
        }

        if (incident.Postmortem is { } postmortem)
        {
            html.Element("h2", "Postmortem").Element("p", postmortem.Postmortem.Summary).Element("p", "Root cause: " + postmortem.Postmortem.RootCause);
        }

        return page.Page(incident.Title, "Incidents", html, errors is { Count: > 0 } ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    public static async Task<IResult> CommandAsync(DashboardContext page, string id, string command, IFormCollection form, CancellationToken cancellationToken)
    {
        var caller = page.Caller;
        if (caller.Incidents is not { } incidents)
        {
            return NotEnabled(page);
        }

        if (await IncidentAccess.GetAsync(incidents, id, caller.Permissions, caller.AlertStore, cancellationToken).ConfigureAwait(false) is null)
        {
            return NotFound(page, id);
        }

        var by = caller.Permissions.Name;
        string? Text(string name) => form[name].ToString() is { Length: > 0 } value ? value : null;
        List<string> Lines(string name) => [.. (form[name].ToString()).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
        var outcome = await IncidentCommands.RunAsync(async () =>
        {
            switch (command)
            {
                case "phase":
                    return Api.EnumText.TryParse<IncidentPhase>(Text("phase"), out var phase)
                        ? LoadResult.Success(await incidents.TransitionAsync(id, phase, by, Text("note"), cancellationToken).ConfigureAwait(false))
                        : LoadResult.Failure<Incident>([new("phase", Api.EnumText.Allowed<IncidentPhase>())]);
                case "declare":
                    return LoadResult.Success(await incidents.DeclareSecurityIncidentAsync(id, by, Text("note"), cancellationToken).ConfigureAwait(false));
                case "notice":
                    int? affected = int.TryParse(Text("approximateAffectedUsers"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
                    return await incidents.RecordNotificationAsync(id, new CustomerNotification
                    {
                        NatureOfBreach = Text("natureOfBreach"),
                        ApproximateAffectedUsers = affected,
                        MitigationSteps = Lines("mitigationSteps"),
                        InvestigationComplete = Text("investigationComplete") == "true",
                        NextSteps = Lines("nextSteps"),
                        Timeline = Text("timeline"),
                    }, by, cancellationToken).ConfigureAwait(false);
                default:
                    return await incidents.RecordPostmortemAsync(id, new Postmortem { Summary = Text("summary"), RootCause = Text("rootCause"), Actions = Lines("actions") }, by, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);

        return outcome switch
        {
            { Incident: not null } => page.Redirect("/incidents/" + DashboardContext.Segment(id) + "?done=" + command),
            { Errors: { } errors } => await DetailAsync(page, id, errors, cancellationToken).ConfigureAwait(false),
            { NotFound: true } => NotFound(page, id),
            _ => await DetailAsync(page, id, [new ValidationError("", outcome.Conflict!)], cancellationToken).ConfigureAwait(false),
        };
    }
}
