namespace AlertEngine;

/// <content>Unparsed batches: the reader's splitting without its parsing, for a caller that parses on threads of its own.</content>
public static partial class ActivityReader
{
    /// <summary>
    /// Reads the lines (JSON Lines) or AuditData fields (Purview CSV export) of <paramref name="stream"/> into batches
    /// without parsing them: the caller parses each yielded batch (<see cref="LineBatch.ParseRange(int, int)"/>, on any
    /// threads) and gets exactly the results, in order, that <see cref="Read(Stream, string, ActivityReaderOptions?)"/>
    /// gives. Each batch comes from <paramref name="nextBatch"/> (called before the first line and after each yield),
    /// empty, and is not touched again once yielded, so the caller can hand it to other threads while it reads on.
    /// </summary>
    internal static IEnumerable<LineBatch> ReadUnparsed(Stream stream, string sourceName, ActivityReaderOptions options, Func<LineBatch> nextBatch)
    {
        var input = new ActivityInput(stream);
        input.Sniff();
        return input.IsCsv ? ReadUnparsedCsv(input, sourceName, options, nextBatch) : ReadUnparsedLines(input, sourceName, options, nextBatch);
    }

    private static IEnumerable<LineBatch> ReadUnparsedLines(ActivityInput input, string sourceName, ActivityReaderOptions options, Func<LineBatch> nextBatch)
    {
        var splitter = new LineSplitter<byte>(options.MaxLineLength, (byte)'\n', (byte)'\r', ByteBufferSize);
        var batch = nextBatch();
        while (true)
        {
            var status = splitter.TryRead(out var start, out var length);
            if (status == LineStatus.End)
            {
                if (batch.Count > 0)
                {
                    yield return batch;
                }

                yield break;
            }

            if (status == LineStatus.NeedMore)
            {
                var space = splitter.GetWriteSpace();
                splitter.Commit(input.Read(space.Span[..Math.Min(space.Length, ReadBlock)]));
                continue;
            }

            AddToBatch(batch, splitter, status, start, length, sourceName, options);
            if (batch.IsFull)
            {
                yield return batch;
                batch = nextBatch();
            }
        }
    }

    private static IEnumerable<LineBatch> ReadUnparsedCsv(ActivityInput input, string sourceName, ActivityReaderOptions options, Func<LineBatch> nextBatch)
    {
        var splitter = new CsvRecordSplitter(options.MaxLineLength) { KeptField = input.AuditDataIndex };
        var rows = new CsvRow[CsvRowsAhead];
        var header = true;
        var batch = nextBatch();
        while (true)
        {
            // The rows split here go into batches (copied) before the buffer is refilled: their AuditData stays in place.
            var count = splitter.TryReadMany(rows, out var stopped);
            for (var i = 0; i < count; i++)
            {
                _ = CsvRowResult(splitter, rows[i], sourceName, options, batch, ref header);
                if (batch.IsFull)
                {
                    yield return batch;
                    batch = nextBatch();
                }
            }

            if (stopped == CsvStatus.End)
            {
                if (batch.Count > 0)
                {
                    yield return batch;
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
}
