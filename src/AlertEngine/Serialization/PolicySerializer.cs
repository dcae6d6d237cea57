using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace AlertEngine;

/// <summary>
/// Reads and writes alert policies as JSON: one array of policy objects, as in the interchange spec.
/// </summary>
/// <remarks>
/// <para><b>Format.</b> Each policy is an object with <c>id</c> (required, non-empty, unique in the file, compared
/// case-sensitively), <c>name</c> (required), <c>description</c>, <c>enabled</c> (default <c>true</c>), <c>type</c>
/// (<c>Custom</c> default, or <c>System</c>), <c>category</c> and <c>severity</c> (both required: there is no sensible
/// default for what an alert is about or how bad it is), <c>activities</c> (at least one operation), <c>conditions</c>
/// (optional tree of <c>all</c>/<c>any</c> arrays, <c>not</c>, <c>users</c>, <c>ipAddresses</c>, <c>fileNames</c>,
/// <c>urls</c>, <c>userTags</c>, or <c>{"property": …, "equals"|"in"|"matches": …}</c>; one kind per object),
/// <c>trigger</c> (optional, default <c>{"type": "everyTime"}</c>; <c>threshold</c> with <c>count</c> ≥ 1,
/// <c>window</c> &gt; 0 and <c>scope</c> default <c>user</c>; <c>anomaly</c> with <c>scope</c>, <c>learningPeriod</c>
/// default <c>P7D</c>, <c>sensitivity</c> default <c>medium</c>, <c>bucket</c> default <c>PT1H</c>; <c>distinct</c> with
/// <c>field</c>, <c>count</c> ≥ 1, <c>window</c> &gt; 0 and <c>scope</c>; <c>newValue</c> with <c>field</c>,
/// <c>scope</c>, <c>lookback</c> default <c>P30D</c> and <c>learningPeriod</c> default <c>P7D</c> (it may exceed the
/// lookback); <c>absence</c> with <c>window</c> &gt; 0 and <c>scope</c>; <c>spike</c> with <c>ratio</c> (a number
/// &gt; 1), <c>window</c> &gt; 0, <c>minCount</c> and <c>minReference</c> ≥ 1 (default 1) and <c>scope</c>; <c>sum</c>
/// with <c>field</c>, <c>threshold</c> (a number &gt; 0), <c>window</c> &gt; 0 and <c>scope</c>; every scope defaults
/// to <c>user</c>, every <c>field</c> is non-empty, and a member of another trigger type is an error),
/// <c>aggregation</c> (<c>mode</c> <c>policy</c> default or <c>none</c>, <c>interval</c> &gt; 0), <c>automatedInvestigation</c>
/// (default <c>false</c>) and <c>notification</c> (<c>enabled</c> default <c>false</c>, <c>recipients</c>, <c>dailyLimit</c> ≥ 1).</para>
/// <para><b>Extension.</b> Beyond the interchange spec, <c>notification</c> may also have <c>earlyWarning</c> (boolean,
/// default <c>false</c>; <c>true</c> only with a <c>threshold</c> trigger: one notification on the first match, before the
/// threshold is reached; see <see cref="NotificationSettings.EarlyWarning"/>) and <c>throttle</c>
/// (<c>{"count": 10, "window": "PT1H"}</c>, both required, <c>count</c> ≥ 1, <c>window</c> &gt; 0, no other properties: at
/// most <c>count</c> notifications of the policy per rolling <c>window</c>; see <see cref="NotificationSettings.Throttle"/>).
/// Both are optional: a document without them reads as before, and a policy that does not set them is written exactly
/// as before; a document that uses them needs this reader (a reader of the spec alone rejects them as unknown
/// properties).</para>
/// <para><b>Reading</b> is strict and reports everything at once. Property names and enum values match
/// case-insensitively; a JSON <c>null</c> for an optional property means absent. Unknown or repeated properties, wrong
/// JSON types, bad values and rule violations (see <see cref="PolicyValidator"/>) are all errors, each with its path,
/// e.g. <c>policies[2].trigger.count: must be at least 1</c>. Durations are ISO-8601 with days, hours, minutes and
/// seconds (<c>PT10M</c>, <c>P7D</c>, <c>PT1H30M</c>, <c>PT0.5S</c>; weeks <c>P1W</c> too; years and months are rejected
/// because their length varies). <c>ipAddresses</c> entries are IPv4/IPv6 addresses or CIDR ranges; a range with host
/// bits set (<c>10.1.2.3/8</c>) is an error. Globs must be non-empty and at most 1,000 characters. Conditions nest at
/// most 32 levels, JSON at most 64, and documents are at most 16 MiB (in UTF-8). Comments and trailing commas are not
/// JSON and are syntax errors, reported with line and position. Nothing is returned unless the whole document is
/// valid.</para>
/// <para><b>Writing</b> produces indented JSON (two spaces, <c>\n</c> line ends) with every field written explicitly in
/// the spec's order (trigger defaults included), null optional parts omitted, durations in canonical ISO-8601 form,
/// numbers (<c>ratio</c>, <c>threshold</c>) in the shortest form that reads back to the same double; the extension fields follow
/// <c>dailyLimit</c>, <c>earlyWarning</c> only when <c>true</c> and <c>throttle</c> only when set. <c>Load(Save(p))</c> gives
/// policies structurally equal to <c>p</c>, and <c>Save(Load(Save(p)))</c> equals <c>Save(p)</c> byte for byte.</para>
/// </remarks>
public static class PolicySerializer
{
    /// <summary>The largest document accepted, in UTF-8 bytes (16 MiB).</summary>
    internal const int MaxDocumentBytes = 16 * 1024 * 1024;

    /// <summary>The deepest JSON nesting accepted.</summary>
    internal const int MaxJsonDepth = 64;

    private const int MaxSyntaxMessageLength = 200;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = MaxJsonDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Reads and validates a policies document.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="options">The plan to validate against; <see langword="null"/> for the defaults (E5).</param>
    /// <returns>The policies in file order, or every problem found.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options' plan is not a defined plan.</exception>
    public static LoadResult<IReadOnlyList<AlertPolicy>> Load(string json, PolicyLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        var plan = PlanOf(options);
        if (json.Length > MaxDocumentBytes)
        {
            return TooLarge();
        }

        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(json);
        }
        catch (EncoderFallbackException ex)
        {
            return Fail("the text contains an unpaired surrogate at character " + ex.Index.ToString(CultureInfo.InvariantCulture));
        }

        return utf8.Length > MaxDocumentBytes ? TooLarge() : LoadUtf8(utf8, plan);
    }

    /// <summary>Reads and validates a policies document from a stream of UTF-8 JSON (a byte order mark is allowed).</summary>
    /// <param name="utf8Json">The stream, read to its end (at most 16 MiB) and not closed.</param>
    /// <param name="options">The plan to validate against; <see langword="null"/> for the defaults (E5).</param>
    /// <returns>The policies in file order, or every problem found.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="utf8Json"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">The stream cannot be read.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The options' plan is not a defined plan.</exception>
    /// <exception cref="IOException">Reading the stream failed.</exception>
    public static LoadResult<IReadOnlyList<AlertPolicy>> Load(Stream utf8Json, PolicyLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        if (!utf8Json.CanRead)
        {
            throw new ArgumentException("The stream cannot be read.", nameof(utf8Json));
        }

        var plan = PlanOf(options);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = utf8Json.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > MaxDocumentBytes)
            {
                return TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return LoadUtf8(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), plan);
    }

    /// <summary>Writes one policy with the internal extension for what the JSON format cannot say (regex conditions,
    /// temporal triggers, composite scopes); only <see cref="LoadExtended"/> reads it. For engine checkpoints; a policy
    /// without those is written exactly as <see cref="Save(IEnumerable{AlertPolicy})"/> writes it.</summary>
    internal static string SaveExtended(AlertPolicy policy)
    {
        var list = Checked([policy]);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            PolicyWriter.Write(writer, list, extended: true);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads what <see cref="SaveExtended"/> wrote (and every plain policies document), under an advanced plan.</summary>
    internal static LoadResult<IReadOnlyList<AlertPolicy>> LoadExtended(string json) => LoadUtf8(Encoding.UTF8.GetBytes(json), Plan.E5, extended: true);

    /// <summary>Writes policies as an indented JSON array that <see cref="Load(string, PolicyLoadOptions?)"/> reads back.</summary>
    /// <param name="policies">The policies; they must be valid (under an advanced plan).</param>
    /// <returns>The JSON text, without a trailing line break.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="policies"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A policy is invalid; the message lists every error as
    /// <see cref="PolicyValidator.Validate"/> reports it.</exception>
    public static string Save(IEnumerable<AlertPolicy> policies)
    {
        var list = Checked(policies);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            PolicyWriter.Write(writer, list);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes policies as an indented UTF-8 JSON array (no byte order mark) that
    /// <see cref="Load(Stream, PolicyLoadOptions?)"/> reads back. The stream is flushed, not closed.</summary>
    /// <param name="policies">The policies; they must be valid (under an advanced plan).</param>
    /// <param name="utf8Json">The stream to write to.</param>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A policy is invalid, or the stream cannot be written.</exception>
    public static void Save(IEnumerable<AlertPolicy> policies, Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        if (!utf8Json.CanWrite)
        {
            throw new ArgumentException("The stream cannot be written.", nameof(utf8Json));
        }

        var list = Checked(policies);
        using var writer = new Utf8JsonWriter(utf8Json, WriterOptions);
        PolicyWriter.Write(writer, list);
    }

    private static List<AlertPolicy> Checked(IEnumerable<AlertPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var list = new List<AlertPolicy>(policies);
        var errors = PolicyValidator.Validate(list, Plan.E5);
        if (errors.Count > 0)
        {
            throw new ArgumentException(
                "The policies are invalid and cannot be saved:" + Environment.NewLine + string.Join(Environment.NewLine, errors),
                nameof(policies));
        }

        return list;
    }

    private static Plan PlanOf(PolicyLoadOptions? options)
    {
        var plan = options?.Plan ?? Plan.E5;
        PolicyValidator.CheckPlanArgument(plan, nameof(options));
        return plan;
    }

    private static LoadResult<IReadOnlyList<AlertPolicy>> LoadUtf8(ReadOnlyMemory<byte> utf8, Plan plan, bool extended = false)
    {
        if (utf8.Span.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        if (!Utf8.IsValid(utf8.Span))
        {
            return Fail(InvalidUtf8(utf8.Span));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, DocumentOptions);
        }
        catch (JsonException ex)
        {
            return Fail(SyntaxError(ex));
        }

        using (document)
        {
            return PolicyReader.Read(document.RootElement, plan, extended);
        }
    }

    private static string SyntaxError(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        }

        if (cut >= 0)
        {
            message = message[..cut];
        }

        if (message.Length > MaxSyntaxMessageLength)
        {
            message = message[..MaxSyntaxMessageLength] + "…";
        }

        var line = (ex.LineNumber ?? 0) + 1;
        var position = (ex.BytePositionInLine ?? 0) + 1;
        return "invalid JSON at line " + line.ToString(CultureInfo.InvariantCulture) + ", position "
            + position.ToString(CultureInfo.InvariantCulture) + ": " + message.TrimEnd();
    }

    private static string InvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        var offset = 0;
        var line = 1;
        while (offset < utf8.Length && Rune.DecodeFromUtf8(utf8[offset..], out var rune, out var consumed) == OperationStatus.Done)
        {
            line += rune.Value == '\n' ? 1 : 0;
            offset += consumed;
        }

        return "the document is not valid UTF-8: invalid byte sequence at line " + line.ToString(CultureInfo.InvariantCulture)
            + " (byte offset " + offset.ToString(CultureInfo.InvariantCulture) + ")";
    }

    private static LoadResult<IReadOnlyList<AlertPolicy>> TooLarge() =>
        Fail("the document is larger than " + (MaxDocumentBytes / (1024 * 1024)).ToString(CultureInfo.InvariantCulture) + " MiB");

    private static LoadResult<IReadOnlyList<AlertPolicy>> Fail(string message) =>
        LoadResult.Failure<IReadOnlyList<AlertPolicy>>([new ValidationError(string.Empty, message)]);
}
