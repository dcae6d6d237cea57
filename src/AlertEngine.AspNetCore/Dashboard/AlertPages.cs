using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>The alerts list (filters, counts, chart, paging) and the alert detail page with its forms.</summary>
internal static class AlertPages
{
    private const int ChartLimit = 5000;

    public static async Task<IResult> ListAsync(DashboardContext page, AlertEngineWebOptions options, CancellationToken cancellationToken)
    {
        var request = page.Http.Request.Query;
        var errors = new List<ValidationError>();
        var query = AlertQueryParameters.Parse(request, options, errors);
        var html = new Html().Element("h1", "Alerts");
        page.Done(html);
        DashboardContext.Errors(html, errors);
        Filters(html, page, request);
        if (errors.Count > 0)
        {
            return page.Page("Alerts", "Alerts", html, StatusCodes.Status400BadRequest);
        }

        var caller = page.Caller;
        var counts = (await caller.Alerts.CountAsync(caller.Principal, query, cancellationToken).ConfigureAwait(false)).Value;
        html.Raw("<div class=\"counts\"><span id=\"total\">").Text(counts.Total.ToString(CultureInfo.InvariantCulture) + (counts.Total == 1 ? " alert" : " alerts")).Raw("</span>");
        foreach (var severity in new[] { AlertSeverity.High, AlertSeverity.Medium, AlertSeverity.Low, AlertSeverity.Informational })
        {
            html.Raw("<span").Attr("id", "count-" + severity).Raw("><span").Attr("class", "sev sev-" + severity).Raw(">").Text(severity.ToString()).Raw("</span> ")
                .Text(counts.Of(severity).ToString(CultureInfo.InvariantCulture)).Raw("</span>");
        }

        html.Raw("</div>");
        var chart = await caller.Alerts.QueryAsync(caller.Principal, query with { After = null, Take = ChartLimit }, cancellationToken).ConfigureAwait(false);
        SeverityChart.Render(html, chart.Value.Alerts);

        var result = await caller.Alerts.QueryAsync(caller.Principal, query, cancellationToken).ConfigureAwait(false);
        html.Raw("<table id=\"alerts\"><thead><tr><th>Created</th><th>Severity</th><th>Status</th><th>Alert</th><th>Category</th><th>Users</th><th>Hits</th></tr></thead><tbody>");
        foreach (var alert in result.Value.Alerts)
        {
            html.Raw("<tr class=\"alert-row\"").Attr("data-alert-id", alert.Id).Raw(">")
                .Element("td", Html.Time(alert.CreatedAt))
                .Raw("<td>").Element("span", alert.Severity.ToString(), "sev sev-" + alert.Severity).Raw("</td>")
                .Element("td", alert.Status.ToString(), "status")
                .Raw("<td>").Link(page.Url("/alerts/" + DashboardContext.Segment(alert.Id)), alert.PolicyName, "alert-link").Raw("</td>")
                .Element("td", alert.Category.ToString())
                .Element("td", alert.Users.IsDefaultOrEmpty ? "" : string.Join(", ", alert.Users))
                .Element("td", alert.HitCount.ToString(CultureInfo.InvariantCulture))
                .Raw("</tr>");
        }

        html.Raw("</tbody></table>");
        if (result.Value.Alerts.Count == 0)
        {
            html.Element("p", "No alerts match.", "empty");
        }

        if (result.Value.Next is { } next)
        {
            html.Raw("<p>").Link(page.Url("/") + QueryWith(request, "after", next.ToString()), "Next page →", "next-page").Raw("</p>");
        }

        return page.Page("Alerts", "Alerts", html);
    }

    private static string QueryWith(IQueryCollection query, string name, string value)
    {
        var parts = new List<string>();
        foreach (var (key, values) in query)
        {
            if (key == name || key == "done")
            {
                continue;
            }

            foreach (var v in values)
            {
                parts.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(v ?? ""));
            }
        }

        parts.Add(Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value));
        return "?" + string.Join("&", parts);
    }

    private static void Filters(Html html, DashboardContext page, IQueryCollection query)
    {
        html.Raw("<form class=\"filters\" method=\"get\" id=\"filters\"").Attr("action", page.Url("/")).Raw(">");
        Select(html, "status", "Status", Enum.GetNames<AlertStatus>(), query["status"].ToString());
        Select(html, "severity", "Severity", Enum.GetNames<AlertSeverity>(), query["severity"].ToString());
        var categories = new List<string>();
        foreach (var category in Enum.GetValues<AlertCategory>())
        {
            if (page.Permissions.CanSee(category))
            {
                categories.Add(category.ToString());
            }
        }

        Select(html, "category", "Category", categories, query["category"].ToString());
        var policies = page.Caller.Policies.GetPolicies(page.Caller.Principal);
        if (policies.Succeeded)
        {
            html.Raw("<label>Policy<select name=\"policyId\" id=\"filter-policyId\"><option value=\"\">Any</option>");
            foreach (var policy in policies.Value)
            {
                html.Raw("<option").Attr("value", policy.Id).Raw(policy.Id == query["policyId"].ToString() ? " selected" : "").Raw(">").Text(policy.Name).Raw("</option>");
            }

            html.Raw("</select></label>");
        }

        Input(html, "source", "Source", "text", query["source"].ToString());
        Input(html, "tag", "Tag", "text", query["tag"].ToString());
        Input(html, "from", "From (UTC)", "date", query["from"].ToString());
        Input(html, "to", "Before (UTC)", "date", query["to"].ToString());
        html.Raw("<label>Resolved<input type=\"checkbox\" name=\"includeResolved\" value=\"true\" id=\"filter-includeResolved\"")
            .Raw(query["includeResolved"].ToString() == "true" ? " checked" : "").Raw("></label>")
            .Raw("<button type=\"submit\" id=\"apply-filters\">Filter</button>").Link(page.Url("/"), "Clear").Raw("</form>");
    }

    private static void Select(Html html, string name, string label, IEnumerable<string> values, string selected)
    {
        html.Raw("<label>").Text(label).Raw("<select").Attr("name", name).Attr("id", "filter-" + name).Raw("><option value=\"\">Any</option>");
        foreach (var value in values)
        {
            html.Raw("<option").Attr("value", value).Raw(string.Equals(value, selected, StringComparison.OrdinalIgnoreCase) ? " selected" : "").Raw(">").Text(value).Raw("</option>");
        }

        html.Raw("</select></label>");
    }

    private static void Input(Html html, string name, string label, string type, string value) =>
        html.Raw("<label>").Text(label).Raw("<input").Attr("type", type).Attr("name", name).Attr("id", "filter-" + name).Attr("value", value).Raw("></label>");

    public static async Task<IResult> DetailAsync(DashboardContext page, string id, IReadOnlyList<ValidationError>? errors, CancellationToken cancellationToken)
    {
        var caller = page.Caller;
        var result = await caller.Alerts.GetAsync(caller.Principal, id, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return page.Message("Not found", $"There is no alert '{id}' that you may see.", StatusCodes.Status404NotFound);
        }

        var alert = result.Value;
        var html = new Html();
        html.Raw("<p>").Link(page.Url("/"), "← Alerts").Raw("</p>").Element("h1", alert.PolicyName);
        page.Done(html);
        DashboardContext.Errors(html, errors);
        html.Raw("<dl id=\"alert\">")
            .Element("dt", "Id").Element("dd", alert.Id)
            .Element("dt", "Severity").Raw("<dd>").Element("span", alert.Severity.ToString(), "sev sev-" + alert.Severity).Raw("</dd>")
            .Element("dt", "Status").Raw("<dd id=\"alert-status\">").Text(alert.Status.ToString()).Raw("</dd>")
            .Element("dt", "Category").Element("dd", alert.Category.ToString())
            .Element("dt", "Policy").Element("dd", alert.PolicyId)
            .Element("dt", "Source").Element("dd", alert.Source)
            .Element("dt", "Description").Element("dd", alert.Description ?? "—")
            .Element("dt", "Created").Element("dd", Html.Time(alert.CreatedAt))
            .Element("dt", "Activity").Element("dd", Html.Time(alert.FirstActivityAt) + " – " + Html.Time(alert.LastActivityAt))
            .Element("dt", "Hits").Element("dd", alert.HitCount.ToString(CultureInfo.InvariantCulture))
            .Element("dt", "Tags").Element("dd", alert.Tags.IsDefaultOrEmpty ? "—" : string.Join(", ", alert.Tags))
            .Element("dt", "Notifications").Raw("<dd id=\"alert-notifications\">").Text(alert.NotificationsSuppressed ? "Suppressed" : "On").Raw("</dd>")
            .Raw("</dl>");

        html.Element("h2", "Change status");
        html.Raw("<form method=\"post\" class=\"stack\" id=\"status-form\"").Attr("action", page.Url("/alerts/" + DashboardContext.Segment(alert.Id) + "/status")).Raw(">");
        page.Antiforgery(html);
        html.Raw("<label>Status <select name=\"status\" id=\"status\">");
        foreach (var status in Enum.GetValues<AlertStatus>())
        {
            html.Raw("<option").Attr("value", status.ToString()).Raw(status == alert.Status ? " selected" : "").Raw(">").Text(status.ToString()).Raw("</option>");
        }

        html.Raw("</select></label><label>Comment<textarea name=\"comment\" id=\"comment\" rows=\"2\" maxlength=\"4000\"></textarea></label><button type=\"submit\" id=\"change-status\">Change status</button></form>");

        html.Raw("<form method=\"post\" class=\"inline\" id=\"suppress-form\"").Attr("action", page.Url("/alerts/" + DashboardContext.Segment(alert.Id) + "/suppression")).Raw(">");
        page.Antiforgery(html);
        html.Raw("<input type=\"hidden\" name=\"suppressed\"").Attr("value", alert.NotificationsSuppressed ? "false" : "true").Raw("><p><button type=\"submit\" id=\"suppress\">")
            .Text(alert.NotificationsSuppressed ? "Restore notifications" : "Suppress notifications").Raw("</button></p></form>");

        html.Element("h2", "Users").Raw("<ul id=\"users\">");
        foreach (var user in alert.Users.IsDefault ? [] : alert.Users)
        {
            html.Element("li", user);
        }

        html.Raw("</ul>").Element("h2", alert.ActivitiesTruncated ? "Activities (the first ones kept)" : "Activities");
        html.Raw("<table id=\"activities\"><thead><tr><th>Time</th><th>Operation</th><th>User</th><th>Object</th><th>Client IP</th><th>Id</th></tr></thead><tbody>");
        foreach (var activity in alert.Activities)
        {
            html.Raw("<tr>").Element("td", Html.Time(activity.Time)).Element("td", activity.Operation).Element("td", activity.UserId)
                .Element("td", activity.ObjectId).Element("td", activity.ClientIp?.ToString()).Element("td", activity.Id).Raw("</tr>");
        }

        html.Raw("</tbody></table>").Element("h2", "History").Raw("<table id=\"history\"><thead><tr><th>When</th><th>By</th><th>From</th><th>To</th><th>Comment</th></tr></thead><tbody>");
        foreach (var change in alert.History.IsDefault ? [] : alert.History)
        {
            html.Raw("<tr>").Element("td", Html.Time(change.ChangedAt)).Element("td", change.ChangedBy).Element("td", change.From.ToString())
                .Element("td", change.To.ToString()).Element("td", change.Comment, "comment").Raw("</tr>");
        }

        html.Raw("</tbody></table>");
        return page.Page(alert.PolicyName, "Alerts", html, errors is { Count: > 0 } ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    public static async Task<IResult> ChangeStatusAsync(DashboardContext page, string id, IFormCollection form, CancellationToken cancellationToken)
    {
        var caller = page.Caller;
        if (!Api.EnumText.TryParse<AlertStatus>(form["status"].ToString(), out var status))
        {
            return await DetailAsync(page, id, [new("status", Api.EnumText.Allowed<AlertStatus>())], cancellationToken).ConfigureAwait(false);
        }

        var comment = form["comment"].ToString();
        var result = await caller.Alerts.ChangeStatusAsync(caller.Principal, id, status, comment.Length == 0 ? null : comment, cancellationToken).ConfigureAwait(false);
        return result.Outcome switch
        {
            ManagementOutcome.Succeeded => page.Redirect("/alerts/" + DashboardContext.Segment(id) + "?done=status"),
            ManagementOutcome.NotFound => page.Message("Not found", $"There is no alert '{id}' that you may see.", StatusCodes.Status404NotFound),
            _ => await DetailAsync(page, id, result.Errors, cancellationToken).ConfigureAwait(false),
        };
    }

    public static async Task<IResult> SuppressAsync(DashboardContext page, string id, IFormCollection form, CancellationToken cancellationToken)
    {
        var caller = page.Caller;
        if (!bool.TryParse(form["suppressed"].ToString(), out var suppressed))
        {
            return await DetailAsync(page, id, [new("suppressed", "must be true or false")], cancellationToken).ConfigureAwait(false);
        }

        var result = await caller.Alerts.SetNotificationsSuppressedAsync(caller.Principal, id, suppressed, cancellationToken).ConfigureAwait(false);
        return result.Outcome switch
        {
            ManagementOutcome.Succeeded => page.Redirect("/alerts/" + DashboardContext.Segment(id) + (suppressed ? "?done=suppressed" : "?done=restored")),
            ManagementOutcome.NotFound => page.Message("Not found", $"There is no alert '{id}' that you may see.", StatusCodes.Status404NotFound),
            _ => await DetailAsync(page, id, result.Errors, cancellationToken).ConfigureAwait(false),
        };
    }
}
