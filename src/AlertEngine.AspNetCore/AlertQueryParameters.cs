using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace AlertEngine.AspNetCore;

/// <summary>
/// Reads an <see cref="AlertQuery"/> from query string parameters, for the API and the dashboard alike: <c>status</c>,
/// <c>severity</c>, <c>category</c>, <c>tag</c> (each repeatable or comma-separated), <c>policyId</c>, <c>source</c>,
/// <c>from</c>, <c>to</c> (ISO-8601), <c>includeResolved</c>, <c>take</c> and <c>after</c> (the cursor of the previous page).
/// Every bad parameter is reported, each under its name.
/// </summary>
internal static class AlertQueryParameters
{
    public static AlertQuery Parse(IQueryCollection query, AlertEngineWebOptions options, List<ValidationError> errors)
    {
        var result = new AlertQuery
        {
            Statuses = Enums<AlertStatus>(query, "status", errors),
            Severities = Enums<AlertSeverity>(query, "severity", errors),
            Categories = Enums<AlertCategory>(query, "category", errors),
            Tags = Strings(query["tag"]),
            PolicyId = Single(query, "policyId"),
            Source = Single(query, "source"),
            CreatedFrom = Time(query, "from", errors),
            CreatedTo = Time(query, "to", errors),
            IncludeResolved = Bool(query, "includeResolved", errors),
            Take = options.DefaultPageSize,
        };

        if (Single(query, "take") is { } takeText)
        {
            if (!int.TryParse(takeText, NumberStyles.None, CultureInfo.InvariantCulture, out var take) || take < 1 || take > options.MaxPageSize)
            {
                errors.Add(new("take", $"must be a whole number from 1 to {options.MaxPageSize}"));
            }
            else
            {
                result = result with { Take = take };
            }
        }

        if (Single(query, "after") is { } after)
        {
            if (AlertCursor.TryParse(after, out var cursor))
            {
                result = result with { After = cursor };
            }
            else
            {
                errors.Add(new("after", "is not a cursor returned as next by an earlier page"));
            }
        }

        return result;
    }

    private static string? Single(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.Count > 0 && !string.IsNullOrWhiteSpace(values[^1]) ? values[^1]!.Trim() : null;

    private static List<string>? Strings(StringValues values)
    {
        List<string>? list = null;
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                (list ??= []).Add(part);
            }
        }

        return list;
    }

    private static List<T>? Enums<T>(IQueryCollection query, string name, List<ValidationError> errors)
        where T : struct, Enum
    {
        if (Strings(query[name]) is not { } texts)
        {
            return null;
        }

        var values = new List<T>(texts.Count);
        foreach (var text in texts)
        {
            if (Api.EnumText.TryParse<T>(text, out var value))
            {
                values.Add(value);
            }
            else
            {
                errors.Add(new(name, Api.EnumText.Allowed<T>()));
            }
        }

        return values;
    }

    private static DateTimeOffset? Time(IQueryCollection query, string name, List<ValidationError> errors)
    {
        if (Single(query, name) is not { } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        errors.Add(new(name, "must be an ISO-8601 time, e.g. 2026-03-01T00:00:00Z"));
        return null;
    }

    /// <summary>A true/false parameter (<c>on</c> and <c>1</c>, as HTML check boxes send, are true); absent is false.</summary>
    internal static bool Bool(IQueryCollection query, string name, List<ValidationError> errors)
    {
        if (Single(query, name) is not { } text)
        {
            return false;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        if (text is "on" or "1")
        {
            return true;
        }

        errors.Add(new(name, "must be true or false"));
        return false;
    }
}
