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

    /// <summary>
    /// A policy as the API returns it: the interchange format; or, for a policy that format cannot express (a Sigma rule's
    /// regex condition, temporal trigger or several-field group-by), a read-only summary (see <see cref="TryWrite"/>).
    /// </summary>
    public static JsonElement Write(AlertPolicy policy)
    {
        TryWrite(policy, out var json, out _);
        return json;
    }

    public static JsonElement Write(IReadOnlyList<AlertPolicy> policies)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var policy in policies)
            {
                Write(policy).WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Writes a policy in the interchange format, or says why it cannot be: the one switch for policies the public format
    /// cannot express. Such a policy (from a Sigma rule: regex conditions, temporal triggers, several-field group-by) is
    /// written as a read-only summary instead: its <c>id</c>, <c>name</c>, <c>description</c>, <c>enabled</c>,
    /// <c>type</c>, <c>category</c>, <c>severity</c>, and <c>readOnly</c> with the reason. It can still be enabled,
    /// disabled and deleted, but not edited as JSON (a summary sent back is not a valid policy).
    /// </summary>
    /// <returns>Whether the policy was written in full.</returns>
    public static bool TryWrite(AlertPolicy policy, out JsonElement json, out string? readOnlyReason)
    {
        try
        {
            using var document = JsonDocument.Parse(PolicySerializer.Save([policy]));
            json = document.RootElement[0].Clone();
            readOnlyReason = null;
            return true;
        }
        catch (NotSupportedException ex)
        {
            readOnlyReason = "read-only here: the JSON policy format cannot express this policy (" + ex.Message.TrimEnd('.') + ")";
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", policy.Id);
            writer.WriteString("name", policy.Name);
            if (policy.Description is not null)
            {
                writer.WriteString("description", policy.Description);
            }

            writer.WriteBoolean("enabled", policy.Enabled);
            writer.WriteString("type", policy.Type.ToString());
            writer.WriteString("category", policy.Category.ToString());
            writer.WriteString("severity", policy.Severity.ToString());
            writer.WriteString("readOnly", readOnlyReason);
            writer.WriteEndObject();
        }

        using (var summary = JsonDocument.Parse(buffer.WrittenMemory))
        {
            json = summary.RootElement.Clone();
        }

        return false;
    }

    /// <summary>A policy's JSON indented for reading and editing (the dashboard's policy page and edit form).</summary>
    public static string Indented(JsonElement json) => JsonSerializer.Serialize(json, IndentedOptions);

    private static readonly JsonSerializerOptions IndentedOptions = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
