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
        DashboardContext.Errors(html, errors);
        html.Raw("<table id=\"policies\"><thead><tr><th>Policy</th><th>Type</th><th>Category</th><th>Severity</th><th>Notifications</th><th>State</th></tr></thead><tbody>");
        foreach (var policy in result.Value)
        {
            html.Raw("<tr class=\"policy-row\"").Attr("data-policy-id", policy.Id).Raw("><td>").Element("strong", policy.Name).Raw("<br><small>").Text(policy.Id).Raw("</small></td>")
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
            ManagementOutcome.NotFound => page.Message("Not found", $"There is no policy '{id}' that you may see.", StatusCodes.Status404NotFound),
            ManagementOutcome.Forbidden => page.Message("Forbidden", "Changing policies needs the Manage Alerts role.", StatusCodes.Status403Forbidden),
            _ => List(page, result.Errors),
        };
    }
}
