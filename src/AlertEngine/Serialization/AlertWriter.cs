using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AlertEngine;

/// <summary>
/// Writes alerts as JSON Lines in the interchange format: one alert per line, fields in this order:
/// <c>id, policyId, policyName, severity, category, status, source, createdAt, firstActivityAt, lastActivityAt,
/// hitCount, users, activityIds</c>. Output is deterministic byte for byte.
/// </summary>
/// <remarks>
/// <para>Times are UTC, <c>yyyy-MM-ddTHH:mm:ssZ</c> when they are whole seconds, else with the fraction and no
/// trailing zeros (<c>2026-03-01T09:00:00.5Z</c>). Enums are their names (<c>High</c>, <c>ThreatManagement</c>).
/// Lines end with <c>\n</c> on every platform; the encoding is UTF-8 without a byte order mark.</para>
/// <para>Strings are escaped with <see cref="JavaScriptEncoder.UnsafeRelaxedJsonEscaping"/>: quotes, backslashes
/// and control characters are escaped as JSON requires, but non-ASCII letters (<c>josé@contoso.com</c>) and
/// HTML-sensitive characters (<c>&lt;</c>, <c>&amp;</c>, <c>'</c>) are written as they are. "Unsafe" refers to
/// embedding the output in HTML or script, which this file format is not for. Characters outside the Basic
/// Multilingual Plane (emoji) are still written as <c>\uXXXX</c> surrogate escapes.</para>
/// <para>Use one instance per output; not thread-safe. Call <see cref="Flush"/> (or dispose) to push buffered
/// bytes to the stream.</para>
/// </remarks>
public sealed class AlertWriter : IDisposable, IAsyncDisposable
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText PolicyIdName = JsonEncodedText.Encode("policyId");
    private static readonly JsonEncodedText PolicyNameName = JsonEncodedText.Encode("policyName");
    private static readonly JsonEncodedText SeverityName = JsonEncodedText.Encode("severity");
    private static readonly JsonEncodedText CategoryName = JsonEncodedText.Encode("category");
    private static readonly JsonEncodedText StatusName = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText SourceName = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText CreatedAtName = JsonEncodedText.Encode("createdAt");
    private static readonly JsonEncodedText FirstActivityAtName = JsonEncodedText.Encode("firstActivityAt");
    private static readonly JsonEncodedText LastActivityAtName = JsonEncodedText.Encode("lastActivityAt");
    private static readonly JsonEncodedText HitCountName = JsonEncodedText.Encode("hitCount");
    private static readonly JsonEncodedText UsersName = JsonEncodedText.Encode("users");
    private static readonly JsonEncodedText ActivityIdsName = JsonEncodedText.Encode("activityIds");

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);
    private readonly Utf8JsonWriter _json;
    private bool _disposed;

    /// <summary>Creates a writer over a stream.</summary>
    /// <param name="output">Where the lines go.</param>
    /// <param name="leaveOpen">Whether disposing the writer leaves <paramref name="output"/> open.</param>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    public AlertWriter(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _leaveOpen = leaveOpen;
        _json = new Utf8JsonWriter(_buffer, Options);
    }

    /// <summary>How many alerts were written.</summary>
    public long AlertsWritten { get; private set; }

    /// <summary>Writes one alert as one line (JSON object and <c>\n</c>) to the stream.</summary>
    /// <param name="alert">The alert.</param>
    /// <exception cref="ArgumentNullException"><paramref name="alert"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void Write(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Format(alert);
        _output.Write(_buffer.WrittenSpan);
        AlertsWritten++;
    }

    /// <summary>Writes one alert as one line (JSON object and <c>\n</c>) to the stream, asynchronously.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the line was handed to the stream.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="alert"/> is null.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public async ValueTask WriteAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Format(alert);
        await _output.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        AlertsWritten++;
    }

    /// <summary>Flushes the stream.</summary>
    public void Flush() => _output.Flush();

    /// <summary>Flushes the stream asynchronously.</summary>
    /// <param name="cancellationToken">Cancels the flush.</param>
    /// <returns>A task that completes when flushed.</returns>
    public Task FlushAsync(CancellationToken cancellationToken = default) => _output.FlushAsync(cancellationToken);

    /// <summary>The alert as one JSON object, without a line terminator.</summary>
    /// <param name="alert">The alert.</param>
    /// <returns>The JSON text.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="alert"/> is null.</exception>
    public static string ToJson(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            WriteObject(json, alert);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the alert as one JSON object (the interchange fields, in order) with a caller's writer.</summary>
    /// <param name="writer">The JSON writer; its options decide escaping and indentation.</param>
    /// <param name="alert">The alert.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void WriteObject(Utf8JsonWriter writer, Alert alert)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(alert);
        writer.WriteStartObject();
        writer.WriteString(IdName, alert.Id);
        writer.WriteString(PolicyIdName, alert.PolicyId);
        writer.WriteString(PolicyNameName, alert.PolicyName);
        writer.WriteString(SeverityName, SeverityText(alert.Severity));
        writer.WriteString(CategoryName, CategoryText(alert.Category));
        writer.WriteString(StatusName, StatusText(alert.Status));
        writer.WriteString(SourceName, alert.Source);
        WriteTime(writer, CreatedAtName, alert.CreatedAt);
        WriteTime(writer, FirstActivityAtName, alert.FirstActivityAt);
        WriteTime(writer, LastActivityAtName, alert.LastActivityAt);
        writer.WriteNumber(HitCountName, alert.HitCount);
        writer.WriteStartArray(UsersName);
        if (!alert.Users.IsDefault)
        {
            foreach (var user in alert.Users)
            {
                writer.WriteStringValue(user);
            }
        }

        writer.WriteEndArray();
        writer.WriteStartArray(ActivityIdsName);
        foreach (var activity in alert.Activities)
        {
            writer.WriteStringValue(activity.Id);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Formats a time as the interchange formats write it: UTC, <c>yyyy-MM-ddTHH:mm:ssZ</c>, with the
    /// fraction (no trailing zeros) only when it is not zero.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The text, e.g. <c>2026-03-01T09:00:00Z</c> or <c>2026-03-01T09:00:00.5Z</c>.</returns>
    public static string FormatTime(DateTimeOffset time)
    {
        Span<char> chars = stackalloc char[TimeChars];
        return new string(chars[..FormatTime(time, chars)]);
    }

    /// <summary>Disposes the JSON writer, flushes the stream and, unless left open, disposes it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _json.Dispose();
        if (_leaveOpen)
        {
            _output.Flush();
        }
        else
        {
            _output.Dispose();
        }
    }

    /// <summary>Disposes the JSON writer, flushes the stream and, unless left open, disposes it.</summary>
    /// <returns>A task that completes when done.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _json.DisposeAsync().ConfigureAwait(false);
        if (_leaveOpen)
        {
            await _output.FlushAsync().ConfigureAwait(false);
        }
        else
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
    }

    private const int TimeChars = 32;

    private void Format(Alert alert)
    {
        _buffer.ResetWrittenCount();
        _json.Reset();
        WriteObject(_json, alert);
        _json.Flush();
        _buffer.Write("\n"u8);
    }

    private static void WriteTime(Utf8JsonWriter writer, JsonEncodedText name, DateTimeOffset time)
    {
        Span<char> chars = stackalloc char[TimeChars];
        writer.WriteString(name, chars[..FormatTime(time, chars)]);
    }

    private static int FormatTime(DateTimeOffset time, Span<char> destination)
    {
        // "FFFFFFF" drops trailing zeros, and the '.' with them when the fraction is zero.
        time.UtcDateTime.TryFormat(destination, out var written, "yyyy'-'MM'-'dd'T'HH':'mm':'ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
        return written;
    }

    private static string SeverityText(AlertSeverity value) => value switch
    {
        AlertSeverity.Low => "Low",
        AlertSeverity.Medium => "Medium",
        AlertSeverity.High => "High",
        AlertSeverity.Informational => "Informational",
        _ => value.ToString(),
    };

    private static string CategoryText(AlertCategory value) => value switch
    {
        AlertCategory.DataLossPrevention => "DataLossPrevention",
        AlertCategory.InformationGovernance => "InformationGovernance",
        AlertCategory.MailFlow => "MailFlow",
        AlertCategory.Permissions => "Permissions",
        AlertCategory.ThreatManagement => "ThreatManagement",
        AlertCategory.Others => "Others",
        _ => value.ToString(),
    };

    private static string StatusText(AlertStatus value) => value switch
    {
        AlertStatus.Active => "Active",
        AlertStatus.Investigating => "Investigating",
        AlertStatus.Resolved => "Resolved",
        AlertStatus.Dismissed => "Dismissed",
        _ => value.ToString(),
    };
}
