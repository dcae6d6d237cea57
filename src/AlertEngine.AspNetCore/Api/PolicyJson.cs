using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AlertEngine.AspNetCore.Api;

/// <summary>
/// Policies on the wire in the interchange format (<see cref="PolicySerializer"/>): one policy object per request body,
/// read with every problem listed under its JSON path (<c>policy.trigger.count</c>), and written exactly as the
/// serializer writes a policies document.
/// </summary>
internal static class PolicyJson
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static LoadResult<AlertPolicy> Read(ReadOnlySpan<byte> utf8, Plan plan)
    {
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(utf8);
        }
        catch (DecoderFallbackException)
        {
            return LoadResult.Failure<AlertPolicy>([new("policy", "the body is not valid UTF-8")]);
        }

        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return LoadResult.Failure<AlertPolicy>([new("policy", "must be one JSON object (a policy)")]);
            }
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line
                ? $" (line {(line + 1).ToString(CultureInfo.InvariantCulture)}, position {((ex.BytePositionInLine ?? 0) + 1).ToString(CultureInfo.InvariantCulture)})"
                : string.Empty;
            return LoadResult.Failure<AlertPolicy>([new("policy", "the body is not valid JSON" + where)]);
        }

        var loaded = PolicySerializer.Load("[" + text + "]", new PolicyLoadOptions { Plan = plan });
        if (!loaded.IsValid)
        {
            var errors = new List<ValidationError>(loaded.Errors.Count);
            foreach (var error in loaded.Errors)
            {
                errors.Add(error with { Path = Rewrite(error.Path) });
            }

            return LoadResult.Failure<AlertPolicy>(errors);
        }

        return LoadResult.Success(loaded.Value[0]);
    }

    /// <summary><c>policies[0].x</c> (the one policy of the wrapped document) is <c>policy.x</c>.</summary>
    private static string Rewrite(string path)
    {
        const string Prefix = "policies[0]";
        return path.StartsWith(Prefix, StringComparison.Ordinal) ? "policy" + path[Prefix.Length..]
            : path == "policies" ? "policy"
            : path;
    }

    public static JsonElement Write(AlertPolicy policy)
    {
        using var document = JsonDocument.Parse(PolicySerializer.Save([policy]));
        return document.RootElement[0].Clone();
    }

    public static JsonElement Write(IReadOnlyList<AlertPolicy> policies)
    {
        using var document = JsonDocument.Parse(PolicySerializer.Save(policies));
        return document.RootElement.Clone();
    }
}
