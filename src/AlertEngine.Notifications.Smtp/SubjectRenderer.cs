using System.Globalization;
using System.Text;

namespace AlertEngine;

/// <summary>Renders <see cref="SmtpNotifierOptions.SubjectTemplate"/>: <c>{Name}</c> placeholders, <c>{{</c> and <c>}}</c> for braces.</summary>
internal static class SubjectRenderer
{
    public static readonly string[] Names = ["Kind", "PolicyName", "PolicyId", "AlertId", "Severity", "Category", "HitCount", "Users"];

    /// <summary>Lists what is wrong with a template: unknown placeholders, unbalanced braces.</summary>
    public static List<string> Check(string template)
    {
        var problems = new List<string>();
        Render(template, null, problems);
        return problems;
    }

    public static string Render(string template, AlertNotification notification) => Render(template, notification, null);

    private static string Render(string template, AlertNotification? n, List<string>? problems)
    {
        var text = new StringBuilder(template.Length + 64);
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{')
            {
                text.Append('{');
                i++;
            }
            else if (c == '}' && i + 1 < template.Length && template[i + 1] == '}')
            {
                text.Append('}');
                i++;
            }
            else if (c == '{')
            {
                var end = template.IndexOf('}', i + 1);
                if (end < 0)
                {
                    problems?.Add($"'{{' at position {i} is not closed (write '{{{{' for a brace)");
                    break;
                }

                var name = template[(i + 1)..end];
                var value = n is null ? string.Empty : Value(name, n);
                if (value is null || (n is null && Array.IndexOf(Names, name) < 0))
                {
                    problems?.Add($"unknown placeholder {{{name}}}; use one of {string.Join(", ", Names.Select(x => "{" + x + "}"))}");
                }

                text.Append(value);
                i = end;
            }
            else if (c == '}')
            {
                problems?.Add($"'}}' at position {i} has no opening '{{' (write '}}}}' for a brace)");
            }
            else
            {
                text.Append(c);
            }
        }

        // A subject is one line.
        return text.Replace('\r', ' ').Replace('\n', ' ').ToString();
    }

    private static string? Value(string name, AlertNotification n) => name switch
    {
        "Kind" => KindText(n.Kind),
        "PolicyName" => n.PolicyName,
        "PolicyId" => n.PolicyId,
        "AlertId" => n.AlertId ?? string.Empty,
        "Severity" => n.Severity.ToString(),
        "Category" => n.Category.ToString(),
        "HitCount" => n.HitCount.ToString(CultureInfo.InvariantCulture),
        "Users" => string.Join(", ", n.Users),
        _ => null,
    };

    public static string KindText(NotificationKind kind) => kind switch
    {
        NotificationKind.AlertCreated => "New alert",
        NotificationKind.AlertUpdated => "Alert updated",
        NotificationKind.EarlyWarning => "Early warning",
        _ => kind.ToString(),
    };
}
