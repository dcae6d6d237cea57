using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Api;

/// <summary>
/// Reads an ingest request body completely before anything is evaluated: a JSON array of activities, or JSON Lines
/// (one activity per line), each activity in the native format or as a unified audit log record, or a Purview audit
/// search CSV export, as <see cref="ActivityReader"/>'s stream overloads read them. All or nothing: any bad line (or
/// array element) makes the whole batch invalid, with every problem listed by line.
/// </summary>
internal static class ActivityBatch
{
    private const int MaxReportedErrors = 100;

    public enum Outcome
    {
        Ok,
        TooLarge,
        Invalid,
    }

    /// <summary>Reads a request body (the API's ingest endpoint).</summary>
    public static Task<(Outcome Outcome, List<Activity> Activities, List<ValidationError> Errors)> ReadAsync(
        HttpRequest request, long maxBytes, CancellationToken cancellationToken) =>
        ReadAsync(request.Body, request.ContentLength, maxBytes, cancellationToken);

    /// <summary>Reads a whole input (a request body, or a file uploaded through the dashboard) of at most
    /// <paramref name="maxBytes"/> bytes; <paramref name="declaredLength"/>, when known, refuses a larger one before reading.</summary>
    public static async Task<(Outcome Outcome, List<Activity> Activities, List<ValidationError> Errors)> ReadAsync(
        Stream input, long? declaredLength, long maxBytes, CancellationToken cancellationToken)
    {
        var activities = new List<Activity>();
        var errors = new List<ValidationError>();
        if (declaredLength is { } declared && declared > maxBytes)
        {
            return (Outcome.TooLarge, activities, errors);
        }

        using var body = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (body.Length + read > maxBytes)
            {
                return (Outcome.TooLarge, activities, errors);
            }

            body.Write(buffer, 0, read);
        }

        var bytes = body.GetBuffer().AsMemory(0, (int)body.Length);
        if (bytes.Span.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        if (FirstSignificant(bytes.Span) == (byte)'[')
        {
            ReadArray(bytes, activities, errors);
        }
        else
        {
            body.Position = 0;
            foreach (var result in ActivityReader.Read(body, "line"))
            {
                if (result.Activity is { } activity)
                {
                    activities.Add(activity);
                }
                else
                {
                    Add(errors, result.Errors, result.LineNumber);
                }
            }
        }

        if (errors.Count == 0 && activities.Count == 0)
        {
            errors.Add(new("", "the body holds no activity: send a JSON array of activities, JSON Lines (one activity per line) or a Purview audit search CSV export"));
        }

        return (errors.Count == 0 ? Outcome.Ok : Outcome.Invalid, activities, errors);
    }

    private static void ReadArray(ReadOnlyMemory<byte> bytes, List<Activity> activities, List<ValidationError> errors)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            errors.Add(new(LinePath(line), "the body is not valid JSON: " + FirstSentence(ex.Message)));
            return;
        }

        using (document)
        {
            var index = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                var path = "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
                if (element.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new(path, "must be a JSON object (an activity)"));
                }
                else
                {
                    var result = ActivityReader.ParseLine(System.Text.Encoding.UTF8.GetBytes(element.GetRawText()), "item", index + 1);
                    if (result.Activity is { } activity)
                    {
                        activities.Add(activity);
                    }
                    else
                    {
                        foreach (var error in result.Errors)
                        {
                            if (errors.Count < MaxReportedErrors)
                            {
                                errors.Add(new(path, StripLocation(error)));
                            }
                        }
                    }
                }

                index++;
            }
        }
    }

    private static void Add(List<ValidationError> errors, IReadOnlyList<ValidationError> lineErrors, long lineNumber)
    {
        foreach (var error in lineErrors)
        {
            if (errors.Count < MaxReportedErrors)
            {
                errors.Add(new(LinePath(lineNumber), StripLocation(error)));
            }
        }
    }

    private static string LinePath(long line) => "line " + line.ToString(CultureInfo.InvariantCulture);

    /// <summary>The reader's messages already carry the field; its path is the <c>source:line</c> location, replaced here.</summary>
    private static string StripLocation(ValidationError error) => error.Message;

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(" Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    private static byte FirstSignificant(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        if (bytes.StartsWith("\uFEFF"u8))
        {
            i = 3;
        }

        for (; i < bytes.Length; i++)
        {
            if (bytes[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return bytes[i];
            }
        }

        return 0;
    }
}
