using System.Buffers;
using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace AlertEngine;

/// <summary>Parses one activity line (UTF-8) in the native or the unified-audit-log format. See <see cref="ActivityReader"/>.</summary>
/// <remarks>
/// <para>Thread-safe: <see cref="Parse"/> may run on several threads at once. Its only shared state is the interning
/// tables (<see cref="Utf8InternTable"/>, lock-free) and a per-thread scratch array of fields.</para>
/// <para>How it is fast (issue 16; benchmarks/results/end-to-end.md): one <see cref="Utf8JsonReader"/> pass over the line
/// records each top-level field's kind and byte range; field names are compared as bytes (ASCII, case-insensitively)
/// and never become strings unless they are property names (interned) or appear in an error; operation and workload
/// names are interned (user names are not: see <see cref="InternUserIds"/>); times take <see cref="Iso8601FastPath"/> before the general parse; client IPs are parsed
/// from a stack buffer; and the other fields of an audit record become <see cref="Utf8Properties"/>, their bytes
/// copied once and decoded only when read. Errors and notes are exactly those of the straightforward parser this
/// replaced (tests/AlertEngine.Tests/Serialization/ReferenceActivityLineParser.cs, compared by property tests).</para>
/// </remarks>
internal static partial class ActivityLineParser
{
    private const int MaxStackChars = 128;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };
    private static readonly IReadOnlyDictionary<string, string> NoProperties = FrozenDictionary<string, string>.Empty;

    [ThreadStatic]
    private static Field[]? t_fields;

    /// <summary>
    /// Whether user names go through <see cref="Utf8InternTable.Values"/>. Off: on the uniform workload of issue 16
    /// (20,000 users, more than the table holds) interning them made the parse 1.4x slower (826 against 599 ns per
    /// line, benchmarks/results/end-to-end.md), as lookups miss and evict each other; operation and workload names,
    /// few and repeated, are interned. A switch for the e2e-parse benchmark's side-by-side row.
    /// </summary>
    internal static bool InternUserIds { get; set; }

    /// <summary>Parses a line. Returns <see langword="null"/> for a blank line (white space only, or a byte order mark).</summary>
    /// <param name="line">The line, UTF-8.</param>
    /// <param name="sourceName">The input's name for messages.</param>
    /// <param name="lineNumber">The line number for messages.</param>
    /// <param name="plainAscii">The caller already knows every byte of the line is ASCII and none is NUL (the CSV
    /// splitter finds it while unescaping AuditData): the NUL and UTF-8 checks are skipped.</param>
    /// <param name="reuse">A result of the same source, without errors or notes, to hand out again for a line read on
    /// the fast path (<see cref="ActivityReaderOptions.ReuseResults"/>), or <see langword="null"/>.</param>
    public static ActivityReadResult? Parse(ReadOnlySpan<byte> line, string sourceName, long lineNumber, bool plainAscii = false, ActivityReadResult? reuse = null)
    {
        var ctx = new Context(sourceName, lineNumber) { PlainAscii = plainAscii };
        if (line.StartsWith("\uFEFF"u8))
        {
            line = line[3..];
        }

        if (TryParsePlainNative(line) is { } plain)
        {
            // The commonest shape, read without the JSON reader (the general path below gives the same activity).
            return reuse is not null ? reuse.Reuse(lineNumber, plain) : ctx.Result(plain);
        }

        if (line.IndexOfAnyExcept(" \t\r\n"u8) < 0)
        {
            return null;
        }

        var nul = plainAscii ? -1 : line.IndexOf((byte)0);
        if (nul >= 0)
        {
            ctx.Error(string.Create(CultureInfo.InvariantCulture, $"contains a NUL byte at byte {nul + 1}: not a text line"));
            return ctx.Result(null);
        }

        if (!plainAscii && !Utf8.IsValid(line))
        {
            ctx.Error(string.Create(CultureInfo.InvariantCulture, $"not valid UTF-8 at byte {FirstInvalidUtf8(line) + 1}"));
            return ctx.Result(null);
        }

        // A scratch array per thread (Parse calls nothing that could re-enter it); grown for wide lines.
        var fields = t_fields ?? new Field[32];
        t_fields = null;
        var count = 0;
        try
        {
            if (!Scan(line, plainAscii, ref fields, ref count, ref ctx))
            {
                return ctx.Result(null);
            }

            var found = fields.AsSpan(0, count);
            var activity = Classify(found) == Format.Native ? BuildNative(line, found, ref ctx) : BuildAudit(line, found, ref ctx);
            return ctx.Result(ctx.HasErrors ? null : activity);
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader.GetString throws this for a string escaping a lone surrogate ("\uD800").
            ctx.Error("not valid JSON: " + ex.Message);
            return ctx.Result(null);
        }
        finally
        {
            if (fields.Length <= 1024)
            {
                Array.Clear(fields, 0, count);
                t_fields = fields;
            }
        }
    }

    /// <summary>Reads the top-level object: each field's kind, name and the byte range of its value. With
    /// <paramref name="plainAscii"/> (the whole line is known to be ASCII) names are not checked for ASCII again.</summary>
    private static bool Scan(ReadOnlySpan<byte> line, bool plainAscii, ref Field[] fields, ref int count, ref Context ctx)
    {
        var reader = new Utf8JsonReader(line, isFinalBlock: true, new JsonReaderState(ReaderOptions));
        var seen = 0u;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                ctx.Error("not a JSON object");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var f = default(Field);
                var raw = reader.ValueSpan;
                f.NameStart = (int)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(line), ref MemoryMarshal.GetReference(raw));
                f.NameLength = raw.Length;
                if (reader.ValueIsEscaped)
                {
                    f.Name = reader.GetString()!;
                    f.Kind = KindOf(f.Name);
                }
                else if (plainAscii || System.Text.Ascii.IsValid(raw))
                {
                    f.Kind = KindOf(raw);
                }
                else
                {
                    f.Name = Encoding.UTF8.GetString(raw);
                    f.Kind = KindOf(f.Name);
                }

                if (f.Kind == FieldKind.Other && f.Name is null)
                {
                    // An ASCII name: hashed for the duplicate check (escaped and other names keep NameHash 0).
                    f.Name = Utf8InternTable.Names.GetOrAdd(raw);
                    f.NameHash = AsciiIgnoreCaseHash(raw);
                }

                f.FirstUpper = f.Name is not null
                    ? f.Name.Length > 0 && char.IsAsciiLetterUpper(f.Name[0])
                    : raw.Length > 0 && char.IsAsciiLetterUpper((char)raw[0]);

                reader.Read();
                f.Type = reader.TokenType;
                f.Start = (int)reader.TokenStartIndex;
                if (f.Type is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
                else if (f.Type == JsonTokenType.String)
                {
                    f.Escaped = reader.ValueIsEscaped;
                }

                f.End = (int)reader.BytesConsumed;
                if (IsDuplicate(fields.AsSpan(0, count), ref f, ref seen))
                {
                    ctx.Error(NameOf(line, f) + ": duplicate field");
                    continue;
                }

                if (count == fields.Length)
                {
                    Array.Resize(ref fields, fields.Length * 2);
                }

                fields[count++] = f;
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

    /// <summary>
    /// Whether a field of the same name (case-insensitive) came before. Known names are one kind each (a bit of
    /// <paramref name="seen"/>); other names compare with the earlier other names, their hash codes first.
    /// </summary>
    private static bool IsDuplicate(ReadOnlySpan<Field> earlier, ref Field f, ref uint seen)
    {
        if (f.Kind != FieldKind.Other)
        {
            var bit = 1u << (int)f.Kind;
            var duplicate = (seen & bit) != 0;
            seen |= bit;
            return duplicate;
        }

        foreach (ref readonly var e in earlier)
        {
            if (e.Kind == FieldKind.Other && (e.NameHash == f.NameHash || e.NameHash == 0 || f.NameHash == 0)
                && string.Equals(e.Name, f.Name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A hash of an ASCII name that ignores letter case (bytes or'ed with 0x20: equal for names that differ only in
    /// the case of letters, sometimes equal for others, which the comparison after it sorts out); never 0.
    /// </summary>
    private static int AsciiIgnoreCaseHash(ReadOnlySpan<byte> name)
    {
        var h = 2166136261u;
        foreach (var b in name)
        {
            h = (h ^ (uint)(b | 0x20)) * 16777619u;
        }

        return (int)(h | 1);
    }

    /// <summary>A known field name, compared as ASCII bytes, case-insensitively.</summary>
    /// <remarks>
    /// Every known name is letters only, so a byte matches a name's lower-case letter <c>c</c> in either case exactly
    /// when the byte with bit 0x20 set is <c>c</c> (only <c>c</c> and <c>c - 0x20</c>, its upper case, qualify): the
    /// name is compared 2, 4 or 8 bytes at a time with that bit set, instead of one
    /// <see cref="System.Text.Ascii.EqualsIgnoreCase(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> call per candidate
    /// (up to four for the 8-byte names; issue 16, benchmarks/results/end-to-end.md "replay-t1-2").
    /// </remarks>
    private static FieldKind KindOf(ReadOnlySpan<byte> name)
    {
        switch (name.Length)
        {
            case 2:
                return (U16(name) | 0x2020) == NameId ? FieldKind.Id : FieldKind.Other;
            case 4:
                return (U32(name) | 0x20202020) == NameTime ? FieldKind.Time : FieldKind.Other;
            case 6:
                return (U32(name) | 0x20202020) == NameUser && (U16(name[4..]) | 0x2020) == NameId ? FieldKind.UserId : FieldKind.Other;
            case 8:
                return (U64(name) | Lower8) switch
                {
                    NameObjectId => FieldKind.ObjectId,
                    NameWorkload => FieldKind.Workload,
                    NameClientIp => FieldKind.ClientIp,
                    NameUserTags => FieldKind.UserTags,
                    _ => FieldKind.Other,
                };
            case 9:
                return (U64(name) | Lower8) == NameOperatio && (name[8] | 0x20) == 'n' ? FieldKind.Operation : FieldKind.Other;
            case 10:
                return (U64(name) | Lower8) == NameProperti && (U16(name[8..]) | 0x2020) == NameEs ? FieldKind.Properties : FieldKind.Other;
            case 12:
                return (U64(name) | Lower8) == NameCreation && (U32(name[8..]) | 0x20202020) == NameTime ? FieldKind.CreationTime : FieldKind.Other;
            default:
                return FieldKind.Other;
        }
    }

    // Lower-case ASCII letters read as little-endian integers (the first letter in the lowest byte), for KindOf.
    private const ulong Lower8 = 0x2020202020202020;
    private const ushort NameId = 'i' | ('d' << 8);
    private const ushort NameEs = 'e' | ('s' << 8);
    private const uint NameTime = 't' | ('i' << 8) | ('m' << 16) | ((uint)'e' << 24);
    private const uint NameUser = 'u' | ('s' << 8) | ('e' << 16) | ((uint)'r' << 24);
    private const ulong NameObjectId = 'o' | ((ulong)'b' << 8) | ((ulong)'j' << 16) | ((ulong)'e' << 24) | ((ulong)'c' << 32) | ((ulong)'t' << 40) | ((ulong)'i' << 48) | ((ulong)'d' << 56);
    private const ulong NameWorkload = 'w' | ((ulong)'o' << 8) | ((ulong)'r' << 16) | ((ulong)'k' << 24) | ((ulong)'l' << 32) | ((ulong)'o' << 40) | ((ulong)'a' << 48) | ((ulong)'d' << 56);
    private const ulong NameClientIp = 'c' | ((ulong)'l' << 8) | ((ulong)'i' << 16) | ((ulong)'e' << 24) | ((ulong)'n' << 32) | ((ulong)'t' << 40) | ((ulong)'i' << 48) | ((ulong)'p' << 56);
    private const ulong NameUserTags = 'u' | ((ulong)'s' << 8) | ((ulong)'e' << 16) | ((ulong)'r' << 24) | ((ulong)'t' << 32) | ((ulong)'a' << 40) | ((ulong)'g' << 48) | ((ulong)'s' << 56);
    private const ulong NameOperatio = 'o' | ((ulong)'p' << 8) | ((ulong)'e' << 16) | ((ulong)'r' << 24) | ((ulong)'a' << 32) | ((ulong)'t' << 40) | ((ulong)'i' << 48) | ((ulong)'o' << 56);
    private const ulong NameProperti = 'p' | ((ulong)'r' << 8) | ((ulong)'o' << 16) | ((ulong)'p' << 24) | ((ulong)'e' << 32) | ((ulong)'r' << 40) | ((ulong)'t' << 48) | ((ulong)'i' << 56);
    private const ulong NameCreation = 'c' | ((ulong)'r' << 8) | ((ulong)'e' << 16) | ((ulong)'a' << 24) | ((ulong)'t' << 32) | ((ulong)'i' << 40) | ((ulong)'o' << 48) | ((ulong)'n' << 56);

    private static ushort U16(ReadOnlySpan<byte> bytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(bytes);

    private static uint U32(ReadOnlySpan<byte> bytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);

    private static ulong U64(ReadOnlySpan<byte> bytes) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes);

    /// <summary>A known field name, for names that are escaped or not ASCII (the rule of the straightforward parser).</summary>
    private static FieldKind KindOf(string name)
    {
        ReadOnlySpan<(string Name, FieldKind Kind)> known =
        [
            ("id", FieldKind.Id), ("time", FieldKind.Time), ("operation", FieldKind.Operation), ("userId", FieldKind.UserId),
            ("objectId", FieldKind.ObjectId), ("workload", FieldKind.Workload), ("clientIp", FieldKind.ClientIp),
            ("userTags", FieldKind.UserTags), ("properties", FieldKind.Properties), ("CreationTime", FieldKind.CreationTime),
        ];
        foreach (var (text, kind) in known)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                return kind;
            }
        }

        return FieldKind.Other;
    }

    /// <summary>The field's name as written (unescaped).</summary>
    private static string NameOf(ReadOnlySpan<byte> line, in Field f) => f.Name ?? Encoding.UTF8.GetString(line.Slice(f.NameStart, f.NameLength));

    private static Format Classify(ReadOnlySpan<Field> fields)
    {
        var upper = 0;
        var lower = 0;
        foreach (ref readonly var f in fields)
        {
            switch (f.Kind)
            {
                case FieldKind.Time:
                    return Format.Native;
                case FieldKind.CreationTime:
                    return Format.Audit;
            }

            if (f.FirstUpper)
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

    private static Activity? BuildNative(ReadOnlySpan<byte> line, ReadOnlySpan<Field> fields, ref Context ctx)
    {
        string? id = null, operation = null, userId = null, objectId = null, workload = null;
        DateTimeOffset? time = null;
        IPAddress? clientIp = null;
        IReadOnlyList<string>? tags = null;
        Dictionary<string, string>? properties = null;
        bool seenId = false, seenTime = false, seenOperation = false;

        foreach (ref readonly var f in fields)
        {
            switch (f.Kind)
            {
                case FieldKind.Id:
                    seenId = true;
                    id = RequiredString(line, f, "id", intern: false, ref ctx);
                    break;
                case FieldKind.Time:
                    seenTime = true;
                    time = RequiredTime(line, f, "time", ref ctx);
                    break;
                case FieldKind.Operation:
                    seenOperation = true;
                    operation = RequiredString(line, f, "operation", intern: true, ref ctx);
                    break;
                case FieldKind.UserId:
                    userId = EmptyToNull(OptionalString(line, f, "userId", intern: InternUserIds, ref ctx));
                    break;
                case FieldKind.ObjectId:
                    objectId = EmptyToNull(OptionalString(line, f, "objectId", intern: false, ref ctx));
                    break;
                case FieldKind.Workload:
                    workload = EmptyToNull(OptionalString(line, f, "workload", intern: true, ref ctx));
                    break;
                case FieldKind.ClientIp:
                    if (IsOptionalString(f, "clientIp", ref ctx))
                    {
                        clientIp = NativeClientIp(line, f, ref ctx);
                    }

                    break;
                case FieldKind.UserTags:
                    tags = UserTags(line, f, ref ctx);
                    break;
                case FieldKind.Properties:
                    properties = Properties(line, f, ref ctx);
                    break;
                default:
                    ctx.Error(NameOf(line, f) + ": unknown field");
                    break;
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

    private static Activity? BuildAudit(ReadOnlySpan<byte> line, Span<Field> fields, ref Context ctx)
    {
        string? id = null, operation = null, userId = null, objectId = null, workload = null, rawClientIp = null;
        DateTimeOffset? time = null;
        IPAddress? clientIp = null;
        bool seenId = false, seenTime = false, seenOperation = false;
        var propertyCount = 0;
        var propertyBytes = 0;
        var decoded = false;

        foreach (ref var f in fields)
        {
            switch (f.Kind)
            {
                case FieldKind.Id:
                    seenId = true;
                    id = RequiredString(line, f, "Id", intern: false, ref ctx);
                    break;
                case FieldKind.CreationTime:
                    seenTime = true;
                    time = RequiredTime(line, f, "CreationTime", ref ctx);
                    break;
                case FieldKind.Operation:
                    seenOperation = true;
                    operation = RequiredString(line, f, "Operation", intern: true, ref ctx);
                    break;
                case FieldKind.UserId:
                    userId = EmptyToNull(OptionalString(line, f, "UserId", intern: InternUserIds, ref ctx));
                    break;
                case FieldKind.ObjectId:
                    objectId = EmptyToNull(OptionalString(line, f, "ObjectId", intern: false, ref ctx));
                    break;
                case FieldKind.Workload:
                    workload = EmptyToNull(OptionalString(line, f, "Workload", intern: true, ref ctx));
                    break;
                case FieldKind.ClientIp:
                    if (IsOptionalString(f, "ClientIP", ref ctx))
                    {
                        clientIp = AuditClientIp(line, f, out rawClientIp);
                    }

                    break;
                default:
                    // Every other field is a property, its value as text; JSON null leaves it out.
                    if (f.Type == JsonTokenType.Null)
                    {
                        break;
                    }

                    propertyCount++;
                    if (f.Type == JsonTokenType.String && f.Escaped)
                    {
                        // Unescaped now, as the line is read: a lone surrogate makes the line invalid.
                        f.Value = EscapedString(line, f);
                        decoded = true;
                    }
                    else
                    {
                        propertyBytes += ValueRange(f).Length;
                    }

                    break;
            }
        }

        MissingRequired(seenId, "Id", ref ctx);
        MissingRequired(seenTime, "CreationTime", ref ctx);
        MissingRequired(seenOperation, "Operation", ref ctx);
        if (ctx.HasErrors || id is null || operation is null || time is null)
        {
            return null;
        }

        IReadOnlyDictionary<string, string> properties = NoProperties;
        if (propertyCount > 0 || rawClientIp is not null)
        {
            properties = AuditProperties(line, fields, propertyCount, propertyBytes, decoded, rawClientIp);
        }

        if (rawClientIp is not null)
        {
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
            Properties = properties,
        };
    }

    /// <summary>The properties of an audit record: the other fields' value bytes copied into one array, in order.</summary>
    private static Utf8Properties AuditProperties(ReadOnlySpan<byte> line, ReadOnlySpan<Field> fields, int count, int bytes, bool decoded, string? rawClientIp)
    {
        var total = count + (rawClientIp is null ? 0 : 1);
        var slots = new Utf8Properties.Slot[total];
        var utf8 = bytes == 0 ? [] : new byte[bytes];
        var values = decoded || rawClientIp is not null ? new string?[total] : null;
        var n = 0;
        var offset = 0;
        foreach (ref readonly var f in fields)
        {
            if (f.Kind is not (FieldKind.Other or FieldKind.Time or FieldKind.UserTags or FieldKind.Properties) || f.Type == JsonTokenType.Null)
            {
                continue;
            }

            if (f.Value is not null)
            {
                values![n] = f.Value;
                slots[n++] = new Utf8Properties.Slot(NameOf(line, f), 0, 0);
                continue;
            }

            var range = ValueRange(f);
            line.Slice(range.Start, range.Length).CopyTo(utf8.AsSpan(offset));
            slots[n++] = new Utf8Properties.Slot(NameOf(line, f), offset, range.Length);
            offset += range.Length;
        }

        if (rawClientIp is not null)
        {
            values![n] = rawClientIp;
            slots[n] = new Utf8Properties.Slot("ClientIP", 0, 0);
        }

        return new Utf8Properties(slots, utf8, values);
    }

    /// <summary>A value's text in the line: a string's content between its quotes, anything else as its raw JSON.</summary>
    private static (int Start, int Length) ValueRange(in Field f) =>
        f.Type == JsonTokenType.String ? (f.Start + 1, f.End - f.Start - 2) : (f.Start, f.End - f.Start);

    private static void MissingRequired(bool seen, string name, ref Context ctx)
    {
        if (!seen)
        {
            ctx.Error(name + ": required");
        }
    }

    private static string? RequiredString(ReadOnlySpan<byte> line, in Field f, string name, bool intern, ref Context ctx)
    {
        if (f.Type == JsonTokenType.Null)
        {
            ctx.Error(name + ": required");
            return null;
        }

        var value = OptionalString(line, f, name, intern, ref ctx);
        if (value is not null && value.Length == 0)
        {
            ctx.Error(name + ": must not be empty");
            return null;
        }

        return value;
    }

    private static string? EmptyToNull(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>A string field; <see langword="null"/> for JSON null. Other JSON types are errors.</summary>
    private static string? OptionalString(ReadOnlySpan<byte> line, in Field f, string name, bool intern, ref Context ctx) =>
        IsOptionalString(f, name, ref ctx) ? StringValue(line, f, intern, ctx.PlainAscii) : null;

    /// <summary>Whether the field is a string; JSON null is not, and is fine; other JSON types are errors.</summary>
    private static bool IsOptionalString(in Field f, string name, ref Context ctx)
    {
        switch (f.Type)
        {
            case JsonTokenType.Null:
                return false;
            case JsonTokenType.String:
                return true;
            default:
                ctx.Error(name + ": must be a string, not " + Describe(f.Type));
                return false;
        }
    }

    private static IPAddress? NativeClientIp(ReadOnlySpan<byte> line, in Field f, ref Context ctx)
    {
        var raw = line.Slice(f.Start + 1, f.End - f.Start - 2);
        if (f.Escaped || raw.Length > MaxStackChars)
        {
            var text = EscapedString(line, f);
            IPAddress? address = null;
            if (!string.IsNullOrWhiteSpace(text) && !ClientIpParser.TryParseAddress(text.AsSpan().Trim(), out address))
            {
                ctx.Error("clientIp: not an IPv4 or IPv6 address: " + Quote(text));
            }

            return address;
        }

        Span<char> buffer = stackalloc char[MaxStackChars];
        ReadOnlySpan<char> chars = buffer[..Encoding.UTF8.GetChars(raw, buffer)];
        if (chars.IsWhiteSpace())
        {
            return null;
        }

        if (!ClientIpParser.TryParseAddress(chars.Trim(), out var ip))
        {
            ctx.Error("clientIp: not an IPv4 or IPv6 address: " + Quote(new string(chars)));
        }

        return ip;
    }

    /// <summary>An audit ClientIP; when the text is not blank and not an address, <paramref name="raw"/> is the text.</summary>
    private static IPAddress? AuditClientIp(ReadOnlySpan<byte> line, in Field f, out string? raw)
    {
        raw = null;
        var bytes = line.Slice(f.Start + 1, f.End - f.Start - 2);
        if (f.Escaped || bytes.Length > MaxStackChars)
        {
            var text = EscapedString(line, f);
            IPAddress? address = null;
            if (!string.IsNullOrWhiteSpace(text) && !ClientIpParser.TryParseAuditClientIp(text, out address))
            {
                raw = text;
            }

            return address;
        }

        Span<char> buffer = stackalloc char[MaxStackChars];
        ReadOnlySpan<char> chars = buffer[..Encoding.UTF8.GetChars(bytes, buffer)];
        if (chars.IsWhiteSpace())
        {
            return null;
        }

        if (!ClientIpParser.TryParseAuditClientIp(chars, out var ip))
        {
            raw = new string(chars);
        }

        return ip;
    }

    private static DateTimeOffset? RequiredTime(ReadOnlySpan<byte> line, in Field f, string name, ref Context ctx)
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

        if (!f.Escaped && Iso8601FastPath.TryParse(line.Slice(f.Start + 1, f.End - f.Start - 2), out var fast))
        {
            return fast;
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

    private static string[]? UserTags(ReadOnlySpan<byte> line, in Field f, ref Context ctx)
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

    private static Dictionary<string, string>? Properties(ReadOnlySpan<byte> line, in Field f, ref Context ctx)
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
            var key = reader.ValueIsEscaped ? reader.GetString()! : Utf8InternTable.Names.GetOrAdd(reader.ValueSpan);
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

    /// <summary>The text of the value the reader is on: strings unescaped, numbers and booleans as their JSON text,
    /// objects and arrays as their raw JSON (moving past them); <see langword="null"/> for JSON null.</summary>
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

    /// <summary>A string value; with <paramref name="plainAscii"/> (the line is known to be ASCII) its bytes are widened
    /// to chars without being decoded as UTF-8 (the same text).</summary>
    private static string StringValue(ReadOnlySpan<byte> line, in Field f, bool intern, bool plainAscii)
    {
        if (f.Escaped)
        {
            return EscapedString(line, f);
        }

        var raw = line.Slice(f.Start + 1, f.End - f.Start - 2);
        return intern ? Utf8InternTable.Values.GetOrAdd(raw) : plainAscii ? Encoding.Latin1.GetString(raw) : Encoding.UTF8.GetString(raw);
    }

    /// <summary>A string value unescaped by the JSON reader (throws <see cref="InvalidOperationException"/> for a lone surrogate).</summary>
    private static string EscapedString(ReadOnlySpan<byte> line, in Field f)
    {
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

    /// <summary>The top-level fields the formats know (one kind per case-insensitive name).</summary>
    private enum FieldKind
    {
        Other,
        Id,
        Time,
        Operation,
        UserId,
        ObjectId,
        Workload,
        ClientIp,
        UserTags,
        Properties,
        CreationTime,
    }

    /// <summary>One top-level field of the line.</summary>
    private struct Field
    {
        /// <summary>Which known field, or <see cref="FieldKind.Other"/>.</summary>
        public FieldKind Kind;

        /// <summary>The value's JSON token type.</summary>
        public JsonTokenType Type;

        /// <summary>Whether the value is a string with escapes.</summary>
        public bool Escaped;

        /// <summary>Whether the name starts with an ASCII upper-case letter.</summary>
        public bool FirstUpper;

        /// <summary>The name as written (escaped) in the line.</summary>
        public int NameStart;

        /// <summary>The length of the name as written.</summary>
        public int NameLength;

        /// <summary>The value's first byte (the opening quote of a string).</summary>
        public int Start;

        /// <summary>Just past the value's last byte.</summary>
        public int End;

        /// <summary>For <see cref="FieldKind.Other"/> with an ASCII name: <see cref="AsciiIgnoreCaseHash"/>; otherwise 0 (no hash: always compared).</summary>
        public int NameHash;

        /// <summary>The name: always for <see cref="FieldKind.Other"/> (interned), else only when escaped or not ASCII.</summary>
        public string? Name;

        /// <summary>An audit property's value decoded up front (an escaped string).</summary>
        public string? Value;
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

        /// <summary>Whether the line is known to be ASCII without NUL (see <see cref="Parse"/>).</summary>
        public bool PlainAscii { get; init; }

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
