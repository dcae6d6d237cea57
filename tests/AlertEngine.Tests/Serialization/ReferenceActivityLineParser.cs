// The activity line parser as it was before the fast path of issue 16 (commit ad6efa5), kept unchanged as the
// oracle of ActivityLineParserOracleProperties: the fast parser must give the same results, errors and notes.
using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace AlertEngine.Tests.Serialization;

/// <summary>The reference parser (see the file header).</summary>
internal static class ReferenceActivityLineParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };
    private static readonly IReadOnlyDictionary<string, string> NoProperties = FrozenDictionary<string, string>.Empty;

    /// <summary>Parses a line. Returns <see langword="null"/> for a blank line (white space only, or a byte order mark).</summary>
    public static ActivityReadResult? Parse(ReadOnlySpan<byte> line, string sourceName, long lineNumber)
    {
        var ctx = new Context(sourceName, lineNumber);
        if (line.StartsWith("\uFEFF"u8))
        {
            line = line[3..];
        }

        if (line.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            return null;
        }

        var nul = line.IndexOf((byte)0);
        if (nul >= 0)
        {
            ctx.Error(string.Create(CultureInfo.InvariantCulture, $"contains a NUL byte at byte {nul + 1}: not a text line"));
            return ctx.Result(null);
        }

        if (!Utf8.IsValid(line))
        {
            ctx.Error(string.Create(CultureInfo.InvariantCulture, $"not valid UTF-8 at byte {FirstInvalidUtf8(line) + 1}"));
            return ctx.Result(null);
        }

        var fields = new List<Field>(12);
        try
        {
            if (!Scan(line, fields, ref ctx))
            {
                return ctx.Result(null);
            }

            var format = Classify(fields);
            var activity = format == Format.Native ? BuildNative(line, fields, ref ctx) : BuildAudit(line, fields, ref ctx);
            return ctx.Result(ctx.HasErrors ? null : activity);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader.GetString throws this for a string escaping a lone surrogate ("\uD800").
            ctx.Error("not valid JSON: " + ex.Message);
            return ctx.Result(null);
        }
    }

    /// <summary>Reads the top-level object: field names and the byte range of each value.</summary>
    private static bool Scan(ReadOnlySpan<byte> line, List<Field> fields, ref Context ctx)
    {
        var reader = new Utf8JsonReader(line, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                ctx.Error("not a JSON object");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                reader.Read();
                var type = reader.TokenType;
                var start = (int)reader.TokenStartIndex;
                if (type is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                var end = (int)reader.BytesConsumed;
                var duplicate = false;
                foreach (var f in fields)
                {
                    if (string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
                    {
                        duplicate = true;
                        break;
                    }
                }

                if (duplicate)
                {
                    ctx.Error(name + ": duplicate field");
                }
                else
                {
                    fields.Add(new Field(name, type, start, end));
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                ctx.Error("not valid JSON: the object is not closed");
                return false;
            }

            // Anything but white space after the object makes Read throw.
            reader.Read();
        }
        catch (JsonException ex)
        {
            ctx.Error(JsonProblem(ex));
            return false;
        }

        // Duplicate fields were reported; go on to report the other problems of the line too.
        return true;
    }

    private static Format Classify(List<Field> fields)
    {
        var upper = 0;
        var lower = 0;
        foreach (var f in fields)
        {
            if (f.Is("time"))
            {
                return Format.Native;
            }

            if (f.Is("CreationTime"))
            {
                return Format.Audit;
            }

            if (f.Name.Length > 0 && char.IsAsciiLetterUpper(f.Name[0]))
            {
                upper++;
            }
            else
            {
                lower++;
            }
        }

        // Neither time field: the casing of the names decides which "required" error the line gets.
        return upper > lower ? Format.Audit : Format.Native;
    }

    private static Activity? BuildNative(ReadOnlySpan<byte> line, List<Field> fields, ref Context ctx)
    {
        string? id = null, operation = null, userId = null, objectId = null, workload = null;
        DateTimeOffset? time = null;
        IPAddress? clientIp = null;
        IReadOnlyList<string>? tags = null;
        Dictionary<string, string>? properties = null;
        bool seenId = false, seenTime = false, seenOperation = false;

        foreach (var f in fields)
        {
            if (f.Is("id"))
            {
                seenId = true;
                id = RequiredString(line, f, "id", ref ctx);
            }
            else if (f.Is("time"))
            {
                seenTime = true;
                time = RequiredTime(line, f, "time", ref ctx);
            }
            else if (f.Is("operation"))
            {
                seenOperation = true;
                operation = RequiredString(line, f, "operation", ref ctx);
            }
            else if (f.Is("userId"))
            {
                userId = EmptyToNull(OptionalString(line, f, "userId", ref ctx));
            }
            else if (f.Is("objectId"))
            {
                objectId = EmptyToNull(OptionalString(line, f, "objectId", ref ctx));
            }
            else if (f.Is("workload"))
            {
                workload = EmptyToNull(OptionalString(line, f, "workload", ref ctx));
            }
            else if (f.Is("clientIp"))
            {
                var text = OptionalString(line, f, "clientIp", ref ctx);
                if (!string.IsNullOrWhiteSpace(text) && !ClientIpParser.TryParseAddress(text.AsSpan().Trim(), out clientIp))
                {
                    ctx.Error("clientIp: not an IPv4 or IPv6 address: " + Quote(text));
                }
            }
            else if (f.Is("userTags"))
            {
                tags = UserTags(line, f, ref ctx);
            }
            else if (f.Is("properties"))
            {
                properties = Properties(line, f, ref ctx);
            }
            else
            {
                ctx.Error(f.Name + ": unknown field");
            }
        }

        MissingRequired(seenId, "id", ref ctx);
        MissingRequired(seenTime, "time", ref ctx);
        MissingRequired(seenOperation, "operation", ref ctx);
        if (ctx.HasErrors || id is null || operation is null || time is null)
        {
            return null;
        }

        return new Activity(id, time.Value, operation)
        {
            UserId = userId,
            ClientIp = clientIp,
            ObjectId = objectId,
            Workload = workload,
            UserTags = tags ?? [],
            Properties = properties ?? NoProperties,
        };
    }

    private static Activity? BuildAudit(ReadOnlySpan<byte> line, List<Field> fields, ref Context ctx)
    {
        string? id = null, operation = null, userId = null, objectId = null, workload = null, rawClientIp = null;
        DateTimeOffset? time = null;
        IPAddress? clientIp = null;
        Dictionary<string, string>? properties = null;
        bool seenId = false, seenTime = false, seenOperation = false;

        foreach (var f in fields)
        {
            if (f.Is("Id"))
            {
                seenId = true;
                id = RequiredString(line, f, "Id", ref ctx);
            }
            else if (f.Is("CreationTime"))
            {
                seenTime = true;
                time = RequiredTime(line, f, "CreationTime", ref ctx);
            }
            else if (f.Is("Operation"))
            {
                seenOperation = true;
                operation = RequiredString(line, f, "Operation", ref ctx);
            }
            else if (f.Is("UserId"))
            {
                userId = EmptyToNull(OptionalString(line, f, "UserId", ref ctx));
            }
            else if (f.Is("ObjectId"))
            {
                objectId = EmptyToNull(OptionalString(line, f, "ObjectId", ref ctx));
            }
            else if (f.Is("Workload"))
            {
                workload = EmptyToNull(OptionalString(line, f, "Workload", ref ctx));
            }
            else if (f.Is("ClientIP"))
            {
                var text = OptionalString(line, f, "ClientIP", ref ctx);
                if (!string.IsNullOrWhiteSpace(text) && !ClientIpParser.TryParseAuditClientIp(text, out clientIp))
                {
                    rawClientIp = text;
                }
            }
            else
            {
                var value = ValueText(line, f);
                if (value is not null)
                {
                    properties ??= new Dictionary<string, string>(fields.Count, StringComparer.OrdinalIgnoreCase);
                    properties[f.Name] = value;
                }
            }
        }

        MissingRequired(seenId, "Id", ref ctx);
        MissingRequired(seenTime, "CreationTime", ref ctx);
        MissingRequired(seenOperation, "Operation", ref ctx);
        if (ctx.HasErrors || id is null || operation is null || time is null)
        {
            return null;
        }

        if (rawClientIp is not null)
        {
            properties ??= new Dictionary<string, string>(1, StringComparer.OrdinalIgnoreCase);
            properties["ClientIP"] = rawClientIp;
            ctx.Note(new EngineDiagnostic(
                DiagnosticKind.UnparsableClientIp,
                id,
                null,
                ctx.Location + ": ClientIP: not an IP address: " + Quote(rawClientIp) + "; kept in property ClientIP"));
        }

        return new Activity(id, time.Value, operation)
        {
            UserId = userId,
            ClientIp = clientIp,
            ObjectId = objectId,
            Workload = workload,
            Properties = properties ?? NoProperties,
        };
    }

    private static void MissingRequired(bool seen, string name, ref Context ctx)
    {
        if (!seen)
        {
            ctx.Error(name + ": required");
        }
    }

    private static string? RequiredString(ReadOnlySpan<byte> line, Field f, string name, ref Context ctx)
    {
        if (f.Type == JsonTokenType.Null)
        {
            ctx.Error(name + ": required");
            return null;
        }

        var value = OptionalString(line, f, name, ref ctx);
        if (value is not null && value.Length == 0)
        {
            ctx.Error(name + ": must not be empty");
            return null;
        }

        return value;
    }

    private static string? EmptyToNull(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>A string field; <see langword="null"/> for JSON null. Other JSON types are errors.</summary>
    private static string? OptionalString(ReadOnlySpan<byte> line, Field f, string name, ref Context ctx)
    {
        switch (f.Type)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return StringValue(line, f);
            default:
                ctx.Error(name + ": must be a string, not " + Describe(f.Type));
                return null;
        }
    }

    private static DateTimeOffset? RequiredTime(ReadOnlySpan<byte> line, Field f, string name, ref Context ctx)
    {
        if (f.Type == JsonTokenType.Null)
        {
            ctx.Error(name + ": required");
            return null;
        }

        if (f.Type != JsonTokenType.String)
        {
            ctx.Error(name + ": must be an ISO-8601 time string, not " + Describe(f.Type));
            return null;
        }

        var reader = new Utf8JsonReader(line[f.Start..f.End], ReaderOptions);
        reader.Read();
        var text = reader.GetString()!;
        if (HasOffset(text))
        {
            if (reader.TryGetDateTimeOffset(out var withOffset))
            {
                return withOffset.ToUniversalTime();
            }
        }
        else if (reader.TryGetDateTime(out var noOffset))
        {
            // No offset: the time is UTC (as audit records give CreationTime).
            return new DateTimeOffset(DateTime.SpecifyKind(noOffset, DateTimeKind.Utc));
        }

        ctx.Error(name + ": not an ISO-8601 time: " + Quote(text));
        return null;
    }

    private static bool HasOffset(string text)
    {
        if (text.EndsWith('Z') || text.EndsWith('z'))
        {
            return true;
        }

        var t = text.AsSpan().IndexOfAny('T', 't');
        return t >= 0 && text.AsSpan(t).IndexOfAny('+', '-') >= 0;
    }

    private static string[]? UserTags(ReadOnlySpan<byte> line, Field f, ref Context ctx)
    {
        if (f.Type == JsonTokenType.Null)
        {
            return null;
        }

        if (f.Type != JsonTokenType.StartArray)
        {
            ctx.Error("userTags: must be an array of strings, not " + Describe(f.Type));
            return null;
        }

        var reader = new Utf8JsonReader(line[f.Start..f.End], ReaderOptions);
        reader.Read();
        var tags = new List<string>();
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String)
            {
                tags.Add(reader.GetString()!);
            }
            else
            {
                ctx.Error(string.Create(CultureInfo.InvariantCulture, $"userTags[{index}]: must be a string, not {Describe(reader.TokenType)}"));
                reader.Skip();
            }

            index++;
        }

        return tags.ToArray();
    }

    private static Dictionary<string, string>? Properties(ReadOnlySpan<byte> line, Field f, ref Context ctx)
    {
        if (f.Type == JsonTokenType.Null)
        {
            return null;
        }

        if (f.Type != JsonTokenType.StartObject)
        {
            ctx.Error("properties: must be an object, not " + Describe(f.Type));
            return null;
        }

        var json = line[f.Start..f.End];
        var reader = new Utf8JsonReader(json, ReaderOptions);
        reader.Read();
        Dictionary<string, string>? properties = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            var value = CurrentValueText(ref reader, json);
            if (properties is not null && properties.ContainsKey(key))
            {
                ctx.Error("properties." + key + ": duplicate key");
                continue;
            }

            if (value is not null)
            {
                properties ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                properties[key] = value;
            }
        }

        return properties;
    }

    /// <summary>A value as text: strings unescaped, numbers and booleans as their JSON text, objects and arrays as
    /// their raw JSON; <see langword="null"/> for JSON null.</summary>
    private static string? ValueText(ReadOnlySpan<byte> line, Field f) => f.Type switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => StringValue(line, f),
        _ => Encoding.UTF8.GetString(line[f.Start..f.End]),
    };

    /// <summary>Like <see cref="ValueText"/> for the value the reader is on; moves past containers.</summary>
    private static string? CurrentValueText(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.StartObject or JsonTokenType.StartArray:
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                return Encoding.UTF8.GetString(json[start..(int)reader.BytesConsumed]);
            default:
                return Encoding.UTF8.GetString(reader.ValueSpan);
        }
    }

    private static string StringValue(ReadOnlySpan<byte> line, Field f)
    {
        var raw = line[(f.Start + 1)..(f.End - 1)];
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }

        var reader = new Utf8JsonReader(line[f.Start..f.End], ReaderOptions);
        reader.Read();
        return reader.GetString()!;
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Null => "null",
        _ => type.ToString(),
    };

    private static string Quote(string text)
    {
        const int max = 80;
        return text.Length <= max ? "'" + text + "'" : "'" + text[..max] + "…'";
    }

    private static string JsonProblem(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut >= 0)
        {
            message = message[..cut];
        }

        message = message.TrimEnd();
        var position = ex.BytePositionInLine is { } p ? string.Create(CultureInfo.InvariantCulture, $" (at byte {p + 1})") : string.Empty;
        return "not valid JSON: " + message + position;
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> line)
    {
        var i = 0;
        while (i < line.Length)
        {
            if (Rune.DecodeFromUtf8(line[i..], out _, out var consumed) != OperationStatus.Done)
            {
                return i;
            }

            i += consumed;
        }

        return i;
    }

    private enum Format
    {
        Native,
        Audit,
    }

    private readonly record struct Field(string Name, JsonTokenType Type, int Start, int End)
    {
        public bool Is(string name) => string.Equals(Name, name, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Collects the problems of one line; allocates only when there is one.</summary>
    internal struct Context
    {
        private readonly string _sourceName;
        private readonly long _lineNumber;
        private string? _location;
        private List<ValidationError>? _errors;
        private List<EngineDiagnostic>? _notes;

        public Context(string sourceName, long lineNumber)
        {
            _sourceName = sourceName;
            _lineNumber = lineNumber;
        }

        public readonly bool HasErrors => _errors is not null;

        public string Location => _location ??= ActivityReadResult.Format(_sourceName, _lineNumber);

        public void Error(string message) => (_errors ??= []).Add(new ValidationError(Location, message));

        public void Note(EngineDiagnostic note) => (_notes ??= []).Add(note);

        public readonly ActivityReadResult Result(Activity? activity)
        {
            if (activity is null)
            {
                AlertEngineMetrics.InvalidActivities.Add(1);
            }

            return new(_sourceName, _lineNumber, activity, (IReadOnlyList<ValidationError>?)_errors ?? [], (IReadOnlyList<EngineDiagnostic>?)_notes ?? []);
        }
    }
}
