using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>The policies page: every visible policy with its notification settings, and on/off for Manage Alerts.</summary>
internal static class PolicyPages
{
    public static IResult List(DashboardContext page, IReadOnlyList<ValidationError>? errors = null)
    {
        var caller = page.Caller;
        var result = caller.Policies.GetPolicies(caller.Principal);
        if (!result.Succeeded)
        {
            return page.Message("Forbidden", "Viewing policies needs the View-Only Manage Alerts or Manage Alerts role.", StatusCodes.Status403Forbidden);
        }

        var html = new Html().Element("h1", "Policies");
        page.Done(html);
        if (caller.Permissions.CanManagePolicies)
        {
            html.Raw("<p>").Link(page.Url("/new-policy"), "New policy", "new-policy").Raw("</p>");
        }

        DashboardContext.Errors(html, errors);
        html.Raw("<table id=\"policies\"><thead><tr><th>Policy</th><th>Type</th><th>Category</th><th>Severity</th><th>Notifications</th><th>State</th></tr></thead><tbody>");
        foreach (var policy in result.Value)
        {
            html.Raw("<tr class=\"policy-row\"").Attr("data-policy-id", policy.Id).Raw("><td><strong>").Link(page.Url("/policies/" + DashboardContext.Segment(policy.Id)), policy.Name, "policy-link").Raw("</strong><br><small>").Text(policy.Id).Raw("</small></td>")
                .Element("td", policy.Type == PolicyType.System ? "System (built in)" : "Custom")
                .Element("td", policy.Category.ToString())
                .Raw("<td>").Element("span", policy.Severity.ToString(), "sev sev-" + policy.Severity).Raw("</td>")
                .Element("td", Notifications(policy.Notification))
                .Raw("<td>").Element("span", policy.Enabled ? "On" : "Off", "state");
            if (caller.Permissions.CanManagePolicies)
            {
                html.Raw(" <form method=\"post\" class=\"inline\"").Attr("action", page.Url("/policies/" + DashboardContext.Segment(policy.Id) + "/enabled")).Raw(">");
                page.Antiforgery(html);
                html.Raw("<input type=\"hidden\" name=\"enabled\"").Attr("value", policy.Enabled ? "false" : "true").Raw("><button type=\"submit\" class=\"toggle\">")
                    .Text(policy.Enabled ? "Turn off" : "Turn on").Raw("</button></form>");
            }

            html.Raw("</td></tr>");
        }

        html.Raw("</tbody></table>");
        if (!caller.Permissions.CanManagePolicies)
        {
            html.Element("p", "You may view these policies; changing them needs the Manage Alerts role.");
        }

        return page.Page("Policies", "Policies", html, errors is { Count: > 0 } ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    private static string Notifications(NotificationSettings? settings)
    {
        if (settings is not { Enabled: true })
        {
            return "Off";
        }

        var text = "Email " + string.Join(", ", settings.Recipients);
        if (settings.DailyLimit is { } limit)
        {
            text += "; at most " + limit.ToString(CultureInfo.InvariantCulture) + " a day";
        }

        if (settings.Throttle is { } throttle)
        {
            text += "; throttle " + throttle.Count.ToString(CultureInfo.InvariantCulture) + " per " + throttle.Window.ToString();
        }

        return text;
    }

    public static IResult SetEnabled(DashboardContext page, string id, IFormCollection form)
    {
        var caller = page.Caller;
        if (!bool.TryParse(form["enabled"].ToString(), out var enabled))
        {
            return List(page, [new("enabled", "must be true or false")]);
        }

        var result = caller.Policies.SetEnabled(caller.Principal, id, enabled);
        return result.Outcome switch
        {
            ManagementOutcome.Succeeded => page.Redirect("/policies?done=" + (enabled ? "on" : "off")),
            ManagementOutcome.NotFound => NotFound(page, id),
            ManagementOutcome.Forbidden => page.Message("Forbidden", "Changing policies needs the Manage Alerts role.", StatusCodes.Status403Forbidden),
            _ => List(page, result.Errors),
        };
    }

    /// <summary>The policy the caller may see, or the page that says why not (403 without a policy role, 404 otherwise).</summary>
    public static AlertPolicy? Find(DashboardContext page, string id, out IResult? refused)
    {
        var result = page.Caller.Policies.GetPolicy(page.Caller.Principal, id);
        refused = result.Outcome switch
        {
            ManagementOutcome.Succeeded => null,
            ManagementOutcome.Forbidden => page.Message("Forbidden", "Viewing policies needs the View-Only Manage Alerts or Manage Alerts role.", StatusCodes.Status403Forbidden),
            _ => NotFound(page, id),
        };
        return result.Succeeded ? result.Value : null;
    }

    public static IResult NotFound(DashboardContext page, string? id) =>
        page.Message("Not found", $"There is no policy '{id}' that you may see.", StatusCodes.Status404NotFound);

    public static IResult Detail(DashboardContext page, string id, IReadOnlyList<ValidationError>? errors = null)
    {
        var caller = page.Caller;
        if (Find(page, id, out var refused) is not { } policy)
        {
            return refused!;
        }

        var html = new Html();
        html.Raw("<p>").Link(page.Url("/policies"), "← Policies").Raw("</p>").Element("h1", policy.Name);
        page.Done(html);
        html.Raw("<dl id=\"policy\">")
            .Element("dt", "Id").Element("dd", policy.Id)
            .Element("dt", "Type").Element("dd", policy.Type == PolicyType.System ? "System (built in: only on/off and notifications can change)" : "Custom")
            .Element("dt", "Category").Element("dd", policy.Category.ToString())
            .Element("dt", "State").Element("dd", policy.Enabled ? "On" : "Off")
            .Element("dt", "Notifications").Raw("<dd id=\"policy-notifications\">").Text(Notifications(policy.Notification)).Raw("</dd></dl>");
        if (caller.Permissions.CanManagePolicies)
        {
            var settings = policy.Notification;
            html.Element("h2", "Notification settings");
            DashboardContext.Errors(html, errors);
            html.Raw("<form method=\"post\" class=\"stack\" id=\"notification-form\"").Attr("action", page.Url("/policies/" + DashboardContext.Segment(policy.Id) + "/notifications")).Raw(">");
            page.Antiforgery(html);
            html.Raw("<label><input type=\"checkbox\" name=\"enabled\" value=\"true\" id=\"notify-enabled\"").Raw(settings is { Enabled: true } ? " checked" : "").Raw("> Send email notifications</label>")
                .Raw("<label>Recipients (one per line)<textarea name=\"recipients\" id=\"notify-recipients\" rows=\"3\">").Text(settings is null ? "" : string.Join("\n", settings.Recipients)).Raw("</textarea></label>")
                .Raw("<label>Daily limit (empty for none)<input type=\"number\" min=\"1\" name=\"dailyLimit\" id=\"notify-limit\"").Attr("value", settings?.DailyLimit?.ToString(CultureInfo.InvariantCulture)).Raw("></label>")
                .Raw("<button type=\"submit\" id=\"save-notifications\">Save</button></form>");
        }

        var writable = Api.PolicyJson.TryWrite(policy, out var json, out var readOnly);
        html.Element("h2", "Definition (interchange format)");
        if (!writable)
        {
            html.Raw("<p id=\"policy-read-only\">").Text(readOnly).Raw("</p>");
        }
        else if (caller.Permissions.CanManagePolicies)
        {
            html.Raw("<p>").Link(page.Url("/policies/" + DashboardContext.Segment(policy.Id) + "/edit"), "Edit the JSON", "edit-policy").Raw("</p>");
        }

        html.Raw("<pre id=\"policy-json\">").Text(Api.PolicyJson.Indented(json)).Raw("</pre>");
        return page.Page(policy.Name, "Policies", html, errors is { Count: > 0 } ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    /// <summary>Changes a policy's notification settings (allowed on System policies too), keeping throttle and early warning.</summary>
    public static IResult SetNotifications(DashboardContext page, string id, IFormCollection form)
    {
        var caller = page.Caller;
        var existing = caller.Policies.GetPolicy(caller.Principal, id);
        if (!existing.Succeeded)
        {
            return Detail(page, id);
        }

        var errors = new List<ValidationError>();
        int? limit = null;
        if (form["dailyLimit"].ToString() is { Length: > 0 } limitText)
        {
            if (int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                limit = parsed;
            }
            else
            {
                errors.Add(new("policy.notification.dailyLimit", "must be a whole number"));
            }
        }

        if (errors.Count > 0)
        {
            return Detail(page, id, errors);
        }

        var recipients = form["recipients"].ToString().Split(['\n', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var old = existing.Value.Notification;
        var settings = new NotificationSettings(form["enabled"].ToString() == "true", recipients, limit)
        {
            Throttle = old?.Throttle,
            EarlyWarning = old?.EarlyWarning ?? false,
        };
        var result = caller.Policies.Update(caller.Principal, existing.Value with { Notification = settings });
        return result.Outcome switch
        {
            ManagementOutcome.Succeeded => page.Redirect("/policies/" + DashboardContext.Segment(id) + "?done=notifications"),
            ManagementOutcome.Forbidden => page.Message("Forbidden", "Changing policies needs the Manage Alerts role.", StatusCodes.Status403Forbidden),
            _ => Detail(page, id, result.Errors),
        };
    }
}
