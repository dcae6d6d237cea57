using System.Globalization;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>The Purview audit search export (CSV with an <c>AuditData</c> column) side of <see cref="ActivityReader"/>.</summary>
public static partial class ActivityReader
{
    private static IEnumerable<ActivityReadResult> ReadCsvIterator(ActivityInput input, string sourceName, ActivityReaderOptions options)
    {
        var splitter = new CsvRecordSplitter(options.MaxLineLength) { KeptField = input.AuditDataIndex };
        var header = true;
        while (true)
        {
            var status = NextCsvRecord(splitter, sourceName, options, ref header, out var result);
            switch (status)
            {
                case CsvStatus.End:
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

                    break;
            }
        }
    }

    private static async IAsyncEnumerable<ActivityReadResult> ReadCsvAsyncIterator(ActivityInput input, string sourceName, ActivityReaderOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var splitter = new CsvRecordSplitter(options.MaxLineLength) { KeptField = input.AuditDataIndex };
        var header = true;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = NextCsvRecord(splitter, sourceName, options, ref header, out var result);
            switch (status)
            {
                case CsvStatus.End:
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

                    break;
            }
        }
    }

    /// <summary>
    /// Reads the next record: the header row (the first that is not blank) and blank lines give no result; a row that is
    /// not valid CSV, has no AuditData field, or whose AuditData is not a valid record gives an invalid result at the
    /// line the row starts on.
    /// </summary>
    private static CsvStatus NextCsvRecord(CsvRecordSplitter splitter, string sourceName, ActivityReaderOptions options, ref bool header, out ActivityReadResult? result)
    {
        result = null;
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
            else
            {
                result = ActivityLineParser.Parse(auditData, sourceName, splitter.LineNumber)
                    ?? Failure(sourceName, splitter.LineNumber, "AuditData: empty: no activity");
            }
        }

        return status;
    }
}
