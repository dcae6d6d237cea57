using System.Globalization;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>The Purview audit search export (CSV with an <c>AuditData</c> column) side of <see cref="ActivityReader"/>.</summary>
public static partial class ActivityReader
{
    /// <summary>The error of a CSV row whose AuditData field is blank.</summary>
    internal const string EmptyAuditData = "AuditData: empty: no activity";

    private static IEnumerable<ActivityReadResult> ReadCsvIterator(ActivityInput input, string sourceName, ActivityReaderOptions options)
    {
        var splitter = new CsvRecordSplitter(options.MaxLineLength) { KeptField = input.AuditDataIndex };
        var header = true;
        using var batch = NewBatch(sourceName, options);
        while (true)
        {
            var status = NextCsvRecord(splitter, sourceName, options, batch, ref header, out var result);
            switch (status)
            {
                case CsvStatus.End:
                    if (batch is not null)
                    {
                        foreach (var parsed in Drain(batch))
                        {
                            yield return parsed;
                        }
                    }

                    yield break;
                case CsvStatus.NeedMore:
                    var space = splitter.GetWriteSpace();
                    splitter.Commit(input.Read(space.Span[..Math.Min(space.Length, ReadBlock)]));
                    break;
                default:
                    if (result is not null)
                    {
                        yield return result;
                    }
                    else if (batch is { IsFull: true })
                    {
                        foreach (var parsed in Drain(batch))
                        {
                            yield return parsed;
                        }
                    }

                    break;
            }
        }
    }

    private static async IAsyncEnumerable<ActivityReadResult> ReadCsvAsyncIterator(ActivityInput input, string sourceName, ActivityReaderOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var splitter = new CsvRecordSplitter(options.MaxLineLength) { KeptField = input.AuditDataIndex };
        var header = true;
        using var batch = NewBatch(sourceName, options);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = NextCsvRecord(splitter, sourceName, options, batch, ref header, out var result);
            switch (status)
            {
                case CsvStatus.End:
                    if (batch is not null)
                    {
                        foreach (var parsed in Drain(batch))
                        {
                            yield return parsed;
                        }
                    }

                    yield break;
                case CsvStatus.NeedMore:
                    var space = splitter.GetWriteSpace();
                    splitter.Commit(await input.ReadAsync(space[..Math.Min(space.Length, ReadBlock)], cancellationToken).ConfigureAwait(false));
                    break;
                default:
                    if (result is not null)
                    {
                        yield return result;
                    }
                    else if (batch is { IsFull: true })
                    {
                        foreach (var parsed in Drain(batch))
                        {
                            yield return parsed;
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// Reads the next record: the header row (the first that is not blank) and blank lines give no result; a row that is
    /// not valid CSV, has no AuditData field, or whose AuditData is not a valid record gives an invalid result at the
    /// line the row starts on. With a <paramref name="batch"/> (parallel parsing), every result and every AuditData to
    /// parse goes into the batch instead, in order, and <paramref name="result"/> is <see langword="null"/>.
    /// </summary>
    private static CsvStatus NextCsvRecord(CsvRecordSplitter splitter, string sourceName, ActivityReaderOptions options, LineBatch? batch, ref bool header, out ActivityReadResult? result)
    {
        var status = NextCsvRecord(splitter, sourceName, options, batch is not null, ref header, out result, out var deferred, out var auditData);
        if (batch is not null)
        {
            if (result is not null)
            {
                batch.AddResult(result);
                result = null;
            }
            else if (deferred)
            {
                batch.AddLine(auditData, splitter.LineNumber, blankIsError: true, splitter.KeptIsPlainAscii);
            }
        }

        return status;
    }

    private static CsvStatus NextCsvRecord(CsvRecordSplitter splitter, string sourceName, ActivityReaderOptions options, bool deferParse, ref bool header, out ActivityReadResult? result, out bool deferred, out ReadOnlySpan<byte> toParse)
    {
        result = null;
        deferred = false;
        toParse = default;
        var status = splitter.TryRead(out var auditData);
        if (status == CsvStatus.TooLong)
        {
            header = false;
            result = Failure(sourceName, splitter.LineNumber, string.Create(CultureInfo.InvariantCulture, $"row is longer than {options.MaxLineLength} bytes; skipped"));
        }
        else if (status == CsvStatus.Record && !splitter.IsBlank)
        {
            if (header)
            {
                header = false;
            }
            else if (splitter.Problem is { } problem)
            {
                result = Failure(sourceName, splitter.LineNumber, problem);
            }
            else if (splitter.FieldCount <= splitter.KeptField)
            {
                result = Failure(sourceName, splitter.LineNumber, string.Create(CultureInfo.InvariantCulture,
                    $"AuditData: missing: the row has {splitter.FieldCount} fields and AuditData is field {splitter.KeptField + 1} of the header"));
            }
            else if (deferParse)
            {
                deferred = true;
                toParse = auditData;
            }
            else
            {
                result = ActivityLineParser.Parse(auditData, sourceName, splitter.LineNumber, splitter.KeptIsPlainAscii)
                    ?? Failure(sourceName, splitter.LineNumber, EmptyAuditData);
            }
        }

        return status;
    }
}
