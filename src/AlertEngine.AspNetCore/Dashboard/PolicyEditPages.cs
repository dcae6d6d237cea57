using System.Text;
using AlertEngine.AspNetCore.Api;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>
/// Whole-policy editing: a policy's JSON (the interchange format, as the API returns it) in a form, and a form for a new
/// policy. Both go through <see cref="PolicyCommands"/>, exactly as the API's <c>PUT policies/{id}</c> and
/// <c>POST policies</c> do: Manage Alerts and the category needed, every problem shown next to the form with its JSON
/// path, System policies refusing the fields they lock, nothing changed by a refused form.
/// </summary>
internal static class PolicyEditPages
{
    private const string NewPolicyTemplate = """
        {
          "id": "my-policy",
          "name": "My policy",
          "category": "ThreatManagement",
          "severity": "Medium",
          "activities": ["FileDownloaded"],
          "trigger": { "type": "threshold", "count": 100, "window": "PT1H", "scope": "user" },
          "notification": { "enabled": false, "recipients": [] }
        }
        """;

    public static IResult Edit(DashboardContext page, string id, string? submitted = null, IReadOnlyList<ValidationError>? errors = null)
    {
        if (PolicyPages.Find(page, id, out var refused) is not { } policy)
        {
            return refused!;
        }

        if (!page.Permissions.CanManagePolicies)
        {
            return page.Message("Forbidden", "Changing policies needs the Manage Alerts role.", StatusCodes.Status403Forbidden);
        }

        var html = new Html();
        html.Raw("<p>").Link(page.Url("/policies/" + DashboardContext.Segment(policy.Id)), "← " + policy.Name).Raw("</p>").Element("h1", "Edit " + policy.Name);
        if (!PolicyJson.TryWrite(policy, out var json, out var readOnly))
        {
            html.Raw("<p id=\"policy-read-only\">").Text("This policy cannot be edited as JSON: " + readOnly + ". It can still be turned on or off, and deleted through the API.").Raw("</p>");
            return page.Page("Edit " + policy.Name, "Policies", html);
        }

        if (policy.Type == PolicyType.System)
        {
            html.Element("p", "A System (built-in) policy: only enabled and the notification settings can change; a change to any other field is refused.");
        }

        Form(page, html, page.Url("/policies/" + DashboardContext.Segment(policy.Id) + "/edit"), submitted ?? PolicyJson.Indented(json), errors, "Save");
        return page.Page("Edit " + policy.Name, "Policies", html, errors is { Count: > 0 } ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    public static IResult Save(DashboardContext page, string id, IFormCollection form)
    {
        var text = form["json"].ToString();
        var result = PolicyCommands.Update(page.Caller, id, Bytes(text));
        return result.Outcome switch
        {
            ManagementOutcome.Succeeded => page.Redirect("/policies/" + DashboardContext.Segment(id) + "?done=saved"),
            ManagementOutcome.Invalid => Edit(page, id, text, result.Errors),
            _ => Failure(page, id, result),
        };
    }

    public static IResult New(DashboardContext page, string? submitted = null, IReadOnlyList<ValidationError>? errors = null)
    {
        if (!page.Permissions.CanManagePolicies)
        {
            return page.Message("Forbidden", "Creating policies needs the Manage Alerts role.", StatusCodes.Status403Forbidden);
        }

        var html = new Html();
        html.Raw("<p>").Link(page.Url("/policies"), "← Policies").Raw("</p>").Element("h1", "New policy")
            .Element("p", "One policy in the interchange format (docs/formats.md), as the API's POST policies takes it. It starts evaluating as soon as it is created.");
        Form(page, html, page.Url("/new-policy"), submitted ?? NewPolicyTemplate, errors, "Create");
        return page.Page("New policy", "Policies", html, errors is { Count: > 0 } ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    public static IResult Create(DashboardContext page, IFormCollection form)
    {
        var text = form["json"].ToString();
        var result = PolicyCommands.Create(page.Caller, Bytes(text));
        return result.Outcome switch
        {
            ManagementOutcome.Succeeded => page.Redirect("/policies/" + DashboardContext.Segment(result.Policy!.Id) + "?done=created"),
            ManagementOutcome.Invalid => New(page, text, result.Errors),
            _ => Failure(page, null, result),
        };
    }

    private static void Form(DashboardContext page, Html html, string action, string json, IReadOnlyList<ValidationError>? errors, string button)
    {
        if (errors is { Count: > 0 })
        {
            html.Raw("<div class=\"errors\" role=\"alert\" id=\"policy-errors\"><p>Nothing was changed:</p><ul>");
            foreach (var error in errors)
            {
                html.Raw("<li class=\"policy-error\">").Element("code", error.Path.Length == 0 ? "policy" : error.Path, "path").Text(": " + error.Message).Raw("</li>");
            }

            html.Raw("</ul></div>");
        }

        html.Raw("<form method=\"post\" class=\"stack wide\" id=\"policy-form\"").Attr("action", action).Raw(">");
        page.Antiforgery(html);
        html.Raw("<label>Policy JSON<textarea name=\"json\" id=\"policy-json-input\" class=\"json-input\" rows=\"24\" spellcheck=\"false\">").Text(json).Raw("</textarea></label>")
            .Raw("<button type=\"submit\" id=\"save-policy\">").Text(button).Raw("</button></form>");
    }

    private static IResult Failure(DashboardContext page, string? id, PolicyCommandResult result) => result.Outcome switch
    {
        ManagementOutcome.NotFound => PolicyPages.NotFound(page, id),
        ManagementOutcome.Forbidden => page.Message("Forbidden", result.Detail, StatusCodes.Status403Forbidden),
        _ => page.Message("Conflict", result.Detail, StatusCodes.Status409Conflict),
    };

    /// <summary>The form's text as UTF-8; <see langword="null"/> when longer than the API's policy body limit.</summary>
    private static byte[]? Bytes(string text) =>
        Encoding.UTF8.GetByteCount(text) > PolicyJson.MaxBodyBytes ? null : Encoding.UTF8.GetBytes(text);
}
