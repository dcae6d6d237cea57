using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace AlertEngine;

/// <summary>
/// Reads activities from JSON Lines: one activity per line, in the native format or as Microsoft 365 unified audit
/// log records. Streaming: lines are read one at a time and memory does not grow with the input size. Problems are
/// results, never exceptions: each invalid line gives an <see cref="ActivityReadResult"/> listing every problem of
/// the line as <c>file:line: field: problem</c>, and reading goes on.
/// </summary>
/// <remarks>
/// <para><b>Native format</b>: <c>{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"FileDeleted","userId":…,
/// "clientIp":…,"objectId":…,"workload":…,"userTags":[…],"properties":{…}}</c>. Required: <c>id</c>, <c>time</c>,
/// <c>operation</c>. Field names match case-insensitively; an unknown field is an error (it is usually a typo).
/// <c>clientIp</c> must be a plain IPv4 (dotted quad) or IPv6 address; an IPv4-mapped IPv6 address is stored as IPv4.
/// Property values that are numbers or booleans are kept as their JSON text, objects and arrays as their raw JSON.</para>
/// <para><b>Unified audit log format</b>: <c>Id</c>, <c>CreationTime</c>, <c>Operation</c>, <c>UserId</c>,
/// <c>ClientIP</c>, <c>ObjectId</c>, <c>Workload</c> (case-insensitive); every other top-level field goes to
/// <see cref="Activity.Properties"/>, its value as text (strings as they are, numbers and booleans as their JSON
/// text, objects and arrays as their raw JSON). <c>ClientIP</c> may be <c>1.2.3.4</c>, <c>1.2.3.4:port</c>,
/// <c>[1.2.3.4]:port</c>, <c>[2001:db8::1]:port</c>, <c>[2001:db8::1]</c> or IPv4-mapped IPv6; a value that is not an
/// address (a host name such as <c>localhost</c>) leaves <see cref="Activity.ClientIp"/> empty, keeps the raw value in
/// property <c>ClientIP</c> and adds a <see cref="DiagnosticKind.UnparsableClientIp"/> note; it is not an error.</para>
/// <para><b>Which format a line is in</b>: a line with a field named <c>time</c> (any case) is native; otherwise a
/// line with <c>CreationTime</c> is an audit record. A line with neither is invalid; its error names the missing
/// field of the format its field names look like (mostly PascalCase: audit, else native). So a native line that
/// also carries <c>CreationTime</c> reports it as an unknown field, and an audit record can never be misread as
/// native (audit records have no <c>time</c> field).</para>
/// <para><b>Both formats</b>: times are ISO-8601; a time without an offset is UTC. JSON null and empty strings of
/// optional fields mean "absent"; a JSON null property value is left out. Blank lines (white space only) are
/// skipped and give no result. A line longer than <see cref="ActivityReaderOptions.MaxLineLength"/>, a line with a
/// NUL byte, invalid UTF-8, or text that is not one JSON object, is an error for that line. A UTF-8 byte order mark
/// at the start of a line is ignored.</para>
/// <para><b>Purview audit search exports</b>: the stream overloads also read the CSV file the Microsoft Purview portal's
/// audit search "Export results" downloads. It is recognised from the content: when the first line that is not blank
/// is a CSV header row with a column named <c>AuditData</c> (case-insensitive), each following row's AuditData field is
/// read like one line above, and the other columns are ignored. RFC 4180 quoting (quoted fields holding commas, line
/// breaks and doubled quotes), UTF-8 with or without a byte order mark, CRLF or LF. <see cref="ActivityReadResult.LineNumber"/>
/// is the line of the file the row starts on (line breaks inside quoted fields count). A row that is not valid CSV, has
/// no AuditData field, or whose AuditData is not a valid record is an invalid result; a row longer than
/// <see cref="ActivityReaderOptions.MaxLineLength"/> bytes is an error and is skipped without being held in memory.
/// Rows are found up to 32 at a time in the bytes already read (never reading more of the stream to do so), and each
/// row's AuditData is parsed only when its result is handed out; memory stays one read block plus one row.
/// The text-reader overload and <c>ParseLine</c> read JSON Lines only.</para>
/// <para>Each call enumerates the stream once, from its current position, and never seeks. Not thread-safe: enumerate
/// each result from one thread at a time.</para>
/// </remarks>
public static partial class ActivityReader
{
    private const int ReadBlock = 64 * 1024;

    /// <summary>
    /// The byte readers' first buffer: a whole read block and room for the pending part of a line. (With the splitter's
    /// 16 KB default each read was at most 16 KB: four times the system calls, each a noticeable cost on a virtual
    /// machine; benchmarks/results/end-to-end.md, "replay-parse".)
    /// </summary>
    private const int ByteBufferSize = ReadBlock + SplitterBuffer.MinReadBlock;

    /// <summary>Reads activities from a UTF-8 stream, one line at a time. The stream is not disposed.</summary>
    /// <param name="utf8Stream">The input, UTF-8 JSON Lines (LF or CRLF line ends).</param>
    /// <param name="sourceName">The input's name for messages, usually the file name.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <returns>One result per non-blank line, in input order, read lazily.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEnumerable<ActivityReadResult> Read(Stream utf8Stream, string sourceName, ActivityReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(utf8Stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ReadIterator(utf8Stream, sourceName, options ?? ActivityReaderOptions.Default);
    }

    /// <summary>Reads activities from a UTF-8 stream asynchronously, one line at a time. The stream is not disposed.</summary>
    /// <param name="utf8Stream">The input, UTF-8 JSON Lines (LF or CRLF line ends).</param>
    /// <param name="sourceName">The input's name for messages, usually the file name.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <returns>One result per non-blank line, in input order, read lazily.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IAsyncEnumerable<ActivityReadResult> ReadAsync(Stream utf8Stream, string sourceName, ActivityReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ReadAsyncIterator(utf8Stream, sourceName, options ?? ActivityReaderOptions.Default, cancellationToken);
    }

    /// <summary>
    /// Reads activities from a text reader, one line at a time. The reader is not disposed. Prefer
    /// <see cref="Read(Stream, string, ActivityReaderOptions?)"/> for files: a text reader has already replaced
    /// invalid UTF-8, so only the stream overloads can report it.
    /// </summary>
    /// <param name="reader">The input.</param>
    /// <param name="sourceName">The input's name for messages, usually the file name.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults. The line limit counts chars here.</param>
    /// <returns>One result per non-blank line, in input order, read lazily.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEnumerable<ActivityReadResult> Read(TextReader reader, string sourceName, ActivityReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ReadTextIterator(reader, sourceName, options ?? ActivityReaderOptions.Default);
    }

    /// <summary>Parses one line (UTF-8, without its line terminator).</summary>
    /// <param name="utf8Line">The line.</param>
    /// <param name="sourceName">The input's name for messages.</param>
    /// <param name="lineNumber">The line number for messages.</param>
    /// <returns>The result; a blank line is an error here (the readers skip blank lines instead).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="sourceName"/> is null.</exception>
    public static ActivityReadResult ParseLine(ReadOnlySpan<byte> utf8Line, string sourceName, long lineNumber)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        return ActivityLineParser.Parse(utf8Line, sourceName, lineNumber) ?? Failure(sourceName, lineNumber, "blank line: no activity");
    }

    /// <summary>Parses one line of text (without its line terminator).</summary>
    /// <param name="line">The line.</param>
    /// <param name="sourceName">The input's name for messages.</param>
    /// <param name="lineNumber">The line number for messages.</param>
    /// <returns>The result; a blank line is an error here (the readers skip blank lines instead).</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static ActivityReadResult ParseLine(string line, string sourceName = "input", long lineNumber = 1)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(sourceName);
        return ParseCharsOnce(line, sourceName, lineNumber) ?? Failure(sourceName, lineNumber, "blank line: no activity");
    }

    /// <summary>Parses one line of text.</summary>
    /// <param name="line">The line.</param>
    /// <param name="activity">The activity when the line is valid.</param>
    /// <param name="errors">Every problem of the line, each with path <c>input:1</c>; empty when valid.</param>
    /// <returns>Whether the line held a valid activity.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="line"/> is null.</exception>
    public static bool TryParseLine(string line, [NotNullWhen(true)] out Activity? activity, out IReadOnlyList<ValidationError> errors)
    {
        var result = ParseLine(line);
        activity = result.Activity;
        errors = result.Errors;
        return activity is not null;
    }

    private static IEnumerable<ActivityReadResult> ReadIterator(Stream stream, string sourceName, ActivityReaderOptions options)
    {
        // Lazy like the rest: nothing is read before the first MoveNext.
        var input = new ActivityInput(stream);
        input.Sniff();
        var results = input.IsCsv ? ReadCsvIterator(input, sourceName, options) : ReadLinesIterator(input, sourceName, options);
        foreach (var result in results)
        {
            yield return result;
        }
    }

    private static IEnumerable<ActivityReadResult> ReadLinesIterator(ActivityInput input, string sourceName, ActivityReaderOptions options)
    {
        var splitter = new LineSplitter<byte>(options.MaxLineLength, (byte)'\n', (byte)'\r', ByteBufferSize);
        var reuse = options.ReuseResults ? new ActivityReadResult(sourceName, 0, null, [], []) : null;
        using var batch = NewBatch(sourceName, options);
        while (true)
        {
            var status = splitter.TryRead(out var start, out var length);
            switch (status)
            {
                case LineStatus.End:
                    if (batch is not null)
                    {
                        foreach (var parsed in Drain(batch))
                        {
                            yield return parsed;
                        }
                    }

                    yield break;
                case LineStatus.NeedMore:
                    var space = splitter.GetWriteSpace();
                    splitter.Commit(input.Read(space.Span[..Math.Min(space.Length, ReadBlock)]));

                    break;
                default:
                    if (batch is not null)
                    {
                        AddToBatch(batch, splitter, status, start, length, sourceName, options);
                        if (batch.IsFull)
                        {
                            foreach (var parsed in Drain(batch))
                            {
                                yield return parsed;
                            }
                        }

                        break;
                    }

                    var result = LineResult(splitter, status, start, length, sourceName, options, "bytes", reuse);
                    if (result is not null)
                    {
                        yield return result;
                    }

                    break;
            }
        }
    }

    /// <summary>A batch for parallel parsing when the options ask for it, else <see langword="null"/>.</summary>
    private static LineBatch? NewBatch(string sourceName, ActivityReaderOptions options) =>
        options.MaxDegreeOfParallelism > 1 ? new LineBatch(options.MaxDegreeOfParallelism, sourceName, options.ParallelBatchLines, options.ReuseResults) : null;

    /// <summary>Parses a batch and returns its results in input order (blank lines left out); the batch is emptied.</summary>
    private static List<ActivityReadResult> Drain(LineBatch batch)
    {
        batch.Parse();
        var results = new List<ActivityReadResult>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i] is { } result)
            {
                results.Add(result);
            }
        }

        batch.Clear();
        return results;
    }

    private static void AddToBatch(LineBatch batch, LineSplitter<byte> splitter, LineStatus status, int start, int length, string sourceName, ActivityReaderOptions options)
    {
        if (status == LineStatus.TooLong)
        {
            batch.AddResult(TooLong(sourceName, splitter.LineNumber, options, "bytes"));
        }
        else
        {
            batch.AddLine(splitter.Buffer.Slice(start, length), splitter.LineNumber, blankIsError: false);
        }
    }

    private static async IAsyncEnumerable<ActivityReadResult> ReadAsyncIterator(Stream stream, string sourceName, ActivityReaderOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var input = new ActivityInput(stream);
        await input.SniffAsync(cancellationToken).ConfigureAwait(false);
        if (input.IsCsv)
        {
            await foreach (var result in ReadCsvAsyncIterator(input, sourceName, options, cancellationToken).ConfigureAwait(false))
            {
                yield return result;
            }

            yield break;
        }

        var splitter = new LineSplitter<byte>(options.MaxLineLength, (byte)'\n', (byte)'\r', ByteBufferSize);
        using var batch = NewBatch(sourceName, options);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = splitter.TryRead(out var start, out var length);
            switch (status)
            {
                case LineStatus.End:
                    if (batch is not null)
                    {
                        foreach (var parsed in Drain(batch))
                        {
                            yield return parsed;
                        }
                    }

                    yield break;
                case LineStatus.NeedMore:
                    var space = splitter.GetWriteSpace();
                    splitter.Commit(await input.ReadAsync(space[..Math.Min(space.Length, ReadBlock)], cancellationToken).ConfigureAwait(false));

                    break;
                default:
                    if (batch is not null)
                    {
                        AddToBatch(batch, splitter, status, start, length, sourceName, options);
                        if (batch.IsFull)
                        {
                            foreach (var parsed in Drain(batch))
                            {
                                yield return parsed;
                            }
                        }

                        break;
                    }

                    var result = LineResult(splitter, status, start, length, sourceName, options, "bytes");
                    if (result is not null)
                    {
                        yield return result;
                    }

                    break;
            }
        }
    }

    private static IEnumerable<ActivityReadResult> ReadTextIterator(TextReader reader, string sourceName, ActivityReaderOptions options)
    {
        var splitter = new LineSplitter<char>(options.MaxLineLength, '\n', '\r');
        byte[]? utf8 = null;
        try
        {
            while (true)
            {
                var status = splitter.TryRead(out var start, out var length);
                switch (status)
                {
                    case LineStatus.End:
                        yield break;
                    case LineStatus.NeedMore:
                        var space = splitter.GetWriteSpace();
                        splitter.Commit(reader.Read(space.Span[..Math.Min(space.Length, ReadBlock)]));

                        break;
                    case LineStatus.TooLong:
                        yield return TooLong(sourceName, splitter.LineNumber, options, "characters");
                        break;
                    default:
                        var result = ParseChars(splitter.Buffer.Slice(start, length), sourceName, splitter.LineNumber, ref utf8);
                        if (result is not null)
                        {
                            yield return result;
                        }

                        break;
                }
            }
        }
        finally
        {
            if (utf8 is not null)
            {
                ArrayPool<byte>.Shared.Return(utf8);
            }
        }
    }

    private static ActivityReadResult? LineResult(LineSplitter<byte> splitter, LineStatus status, int start, int length, string sourceName, ActivityReaderOptions options, string unit, ActivityReadResult? reuse = null) =>
        status == LineStatus.TooLong
            ? TooLong(sourceName, splitter.LineNumber, options, unit)
            : ActivityLineParser.Parse(splitter.Buffer.Slice(start, length), sourceName, splitter.LineNumber, reuse: reuse);

    private static ActivityReadResult TooLong(string sourceName, long lineNumber, ActivityReaderOptions options, string unit) =>
        Failure(sourceName, lineNumber, string.Create(CultureInfo.InvariantCulture, $"line is longer than {options.MaxLineLength} {unit}; skipped"));

    private static ActivityReadResult? ParseCharsOnce(ReadOnlySpan<char> line, string sourceName, long lineNumber)
    {
        byte[]? buffer = null;
        try
        {
            return ParseChars(line, sourceName, lineNumber, ref buffer);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Parses a line of chars: transcodes it to UTF-8 (rejecting lone surrogates) into a reused buffer.</summary>
    private static ActivityReadResult? ParseChars(ReadOnlySpan<char> line, string sourceName, long lineNumber, ref byte[]? buffer)
    {
        if (!line.IsEmpty && line[0] == '\uFEFF')
        {
            line = line[1..];
        }

        var nul = line.IndexOf('\0');
        if (nul >= 0)
        {
            return Failure(sourceName, lineNumber, string.Create(CultureInfo.InvariantCulture, $"contains a NUL character at character {nul + 1}: not a text line"));
        }

        var needed = Encoding.UTF8.GetMaxByteCount(line.Length);
        if (buffer is null || buffer.Length < needed)
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            buffer = ArrayPool<byte>.Shared.Rent(needed);
        }

        var status = Utf8.FromUtf16(line, buffer, out var charsRead, out var written, replaceInvalidSequences: false, isFinalBlock: true);
        if (status != OperationStatus.Done)
        {
            return Failure(sourceName, lineNumber, string.Create(CultureInfo.InvariantCulture, $"not valid text: a lone surrogate at character {charsRead + 1}"));
        }

        return ActivityLineParser.Parse(buffer.AsSpan(0, written), sourceName, lineNumber);
    }

    internal static ActivityReadResult Failure(string sourceName, long lineNumber, string message)
    {
        var ctx = new ActivityLineParser.Context(sourceName, lineNumber);
        ctx.Error(message);
        return ctx.Result(null);
    }
}
