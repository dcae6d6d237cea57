using System.Globalization;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>The Purview audit search export (CSV with an <c>AuditData</c> column) side of <see cref="ActivityReader"/>.</summary>
public static partial class ActivityReader
{
    /// <summary>The error of a CSV row whose AuditData field is blank.</summary>
    internal const string EmptyAuditData = "AuditData: empty: no activity";

    /// <summary>
    /// How many rows the CSV reader splits ahead of the one it hands out, at most, and only within the bytes it has
    /// already read: splitting rows in a run and then parsing them keeps the split loop hot (it cost about 85 ns more per
    /// row interleaved with parses than alone; benchmarks/results/activity-reader.md). Parsing stays one row at a time.
    /// </summary>
    internal const int CsvRowsAhead = 32;

    private static IEnumerable<ActivityReadResult> ReadCsvIterator(ActivityInput input, string sourceName, ActivityReaderOptions options)
    {
        var splitter = new CsvRecordSplitter(options.MaxLineLength) { KeptField = input.AuditDataIndex };
        var rows = new CsvRow[CsvRowsAhead];
        var header = true;
        using var batch = NewBatch(sourceName, options);
        while (true)
        {
            // The rows split here are handed out before the buffer is refilled: their AuditData stays in place.
            var count = splitter.TryReadMany(rows, out var stopped);
            for (var i = 0; i < count; i++)
            {
                var result = CsvRowResult(splitter, rows[i], sourceName, options, batch, ref header);
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
            }

            if (stopped == CsvStatus.End)
            {
                if (batch is not null)
                {
                    foreach (var parsed in Drain(batch))
                    {
                        yield return parsed;
                    }
                }

                yield break;
            }

            if (stopped == CsvStatus.NeedMore)
            {
                var space = splitter.GetWriteSpace();
                splitter.Commit(input.Read(space.Span[..Math.Min(space.Length, ReadBlock)]));
            }
        }
    }

    private static async IAsyncEnumerable<ActivityReadResult> ReadCsvAsyncIterator(ActivityInput input, string sourceName, ActivityReaderOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var splitter = new CsvRecordSplitter(options.MaxLineLength) { KeptField = input.AuditDataIndex };
        var rows = new CsvRow[CsvRowsAhead];
        var header = true;
        using var batch = NewBatch(sourceName, options);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var count = splitter.TryReadMany(rows, out var stopped);
            for (var i = 0; i < count; i++)
            {
                var result = CsvRowResult(splitter, rows[i], sourceName, options, batch, ref header);
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
            }

            if (stopped == CsvStatus.End)
            {
                if (batch is not null)
                {
                    foreach (var parsed in Drain(batch))
                    {
                        yield return parsed;
                    }
                }

                yield break;
            }

            if (stopped == CsvStatus.NeedMore)
            {
                var space = splitter.GetWriteSpace();
                splitter.Commit(await input.ReadAsync(space[..Math.Min(space.Length, ReadBlock)], cancellationToken).ConfigureAwait(false));
            }
        }
    }

    /// <summary>
    /// The result of one row split by <see cref="CsvRecordSplitter.TryReadMany"/>: the header row (the first that is not
    /// blank) and blank lines give none; a row that is not valid CSV, has no AuditData field, or whose AuditData is not a
    /// valid record gives an invalid result at the line the row starts on. With a <paramref name="batch"/> (parallel
    /// parsing), every result and every AuditData to parse goes into the batch instead, in order, and the return is
    /// <see langword="null"/>.
    /// </summary>
    private static ActivityReadResult? CsvRowResult(CsvRecordSplitter splitter, in CsvRow row, string sourceName, ActivityReaderOptions options, LineBatch? batch, ref bool header)
    {
        ActivityReadResult? result = null;
        if (row.TooLong)
        {
            header = false;
            result = Failure(sourceName, row.LineNumber, string.Create(CultureInfo.InvariantCulture, $"row is longer than {options.MaxLineLength} bytes; skipped"));
        }
        else if (row.IsBlank)
        {
            return null;
        }
        else if (header)
        {
            header = false;
            return null;
        }
        else if (row.Problem is { } problem)
        {
            result = Failure(sourceName, row.LineNumber, problem);
        }
        else if (row.FieldCount <= splitter.KeptField)
        {
            result = Failure(sourceName, row.LineNumber, string.Create(CultureInfo.InvariantCulture,
                $"AuditData: missing: the row has {row.FieldCount} fields and AuditData is field {splitter.KeptField + 1} of the header"));
        }
        else
        {
            var auditData = splitter.Buffer.Slice(row.KeptStart, row.KeptLength);
            if (batch is not null)
            {
                batch.AddLine(auditData, row.LineNumber, blankIsError: true, row.KeptIsPlainAscii);
                return null;
            }

            return ActivityLineParser.Parse(auditData, sourceName, row.LineNumber, row.KeptIsPlainAscii)
                ?? Failure(sourceName, row.LineNumber, EmptyAuditData);
        }

        batch?.AddResult(result);
        return batch is null ? result : null;
    }
}
