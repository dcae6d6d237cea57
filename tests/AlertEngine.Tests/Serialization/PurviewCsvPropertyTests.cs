using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Serialization;

/// <summary>
/// The CSV reading against a naive oracle: each AuditData value parsed on its own as one line
/// (<see cref="ActivityReader.ParseLine(string, string, long)"/>), its line number counted from the line breaks written
/// before it. Random exports: real-shaped records, some pretty-printed over several lines, some broken; other columns
/// with quotes, commas and line breaks; LF or CRLF; BOM or not; quoting as needed or always; and the stream handing
/// out 1 to 5000 bytes per read, so that every buffer boundary is crossed.
/// </summary>
public class PurviewCsvPropertyTests
{
    private static readonly string[] Noise = ["", "plain", "a,b", "say \"hi\"", "two\nlines", "cr\r\nlf", "\"", ",", "é ü"];

    private static readonly Gen<string> Records =
        from template in Gen.Elements(PurviewCsv.Records)
        from style in Gen.Elements(0, 0, 1, 2, 3)
        select style switch
        {
            1 => template.Replace(",\"", ",\n\"", StringComparison.Ordinal),             // pretty-printed over lines (LF)
            2 => template.Replace(",\"", ",\r\n  \"", StringComparison.Ordinal),         // over lines (CRLF)
            3 => template[..(template.Length / 2)],                                      // cut: invalid JSON
            _ => template,
        };

    private static readonly Gen<(string Record, string Other)> Rows =
        from record in Records
        from other in Gen.Elements(Noise)
        select (record, other);

    private static readonly Gen<Export> Exports =
        from rows in Rows.ListOf().Select(l => l.Take(12).ToArray())
        from newline in Gen.Elements("\n", "\r\n")
        from bom in Gen.Elements(false, true)
        from alwaysQuote in Gen.Elements(false, true)
        from chunk in Gen.Choose(1, 5000)
        select new Export(rows, newline, bom, alwaysQuote, chunk);

    /// <summary>Longer exports, read in large blocks: the reader splits up to <see cref="ActivityReader.CsvRowsAhead"/> rows
    /// at a time from one block, so runs that fill it, end at a block's end, and hold bad rows are all made.</summary>
    private static readonly Gen<Export> LongExports =
        from rows in Rows.ListOf().Select(l => l.ToArray())
        from times in Gen.Choose(1, 3)
        from newline in Gen.Elements("\n", "\r\n")
        from bom in Gen.Elements(false, true)
        from alwaysQuote in Gen.Elements(false, true)
        from chunk in Gen.Frequency((1, Gen.Choose(1, 5000)), (3, Gen.Choose(5000, 70_000)))
        select new Export([.. Enumerable.Repeat(rows, times).SelectMany(r => r)], newline, bom, alwaysQuote, chunk);

    [Property(MaxTest = 60)]
    public Property Long_exports_read_in_large_blocks_read_every_row_as_its_audit_data_alone() =>
        Prop.ForAll(LongExports.ToArbitrary(), export =>
        {
            var (bytes, expected) = export.Build();
            var actual = ActivityReader.Read(new NonSeekable(bytes, export.Chunk), "export.csv")
                .Select(r => r.LineNumber + " " + PurviewCsv.Describe(r) + " " + string.Join(" | ", r.Errors))
                .ToList();
            var actualAsync = ActivityReader.ReadAsync(new NonSeekable(bytes, export.Chunk), "export.csv").ToBlockingEnumerable()
                .Select(r => r.LineNumber + " " + PurviewCsv.Describe(r) + " " + string.Join(" | ", r.Errors))
                .ToList();
            return (actual.SequenceEqual(expected) && actualAsync.SequenceEqual(expected)).Label(
                $"{export.Rows.Length} rows; actual:\n" + string.Join("\n", actual) + "\nexpected:\n" + string.Join("\n", expected));
        });

    [Property(MaxTest = 400)]
    public Property Every_row_reads_as_its_audit_data_alone_at_the_line_it_starts_on() =>
        Prop.ForAll(Exports.ToArbitrary(), export =>
        {
            var (bytes, expected) = export.Build();
            var actual = ActivityReader.Read(new NonSeekable(bytes, export.Chunk), "export.csv")
                .Select(r => r.LineNumber + " " + PurviewCsv.Describe(r) + " " + string.Join(" | ", r.Errors))
                .ToList();
            return actual.SequenceEqual(expected).Label(
                "actual:\n" + string.Join("\n", actual) + "\nexpected:\n" + string.Join("\n", expected));
        });

    [Property(MaxTest = 200)]
    public Property Reading_in_parallel_batches_gives_the_sequential_results() =>
        Prop.ForAll(Exports.ToArbitrary(), Gen.Choose(2, 4).ToArbitrary(), Gen.Choose(1, 5).ToArbitrary(), (export, threads, batchLines) =>
        {
            var (bytes, _) = export.Build();
            var sequential = ActivityReaderPropertyTests.Describe(ActivityReader.Read(new NonSeekable(bytes, export.Chunk), "export.csv"));
            var options = new ActivityReaderOptions { MaxDegreeOfParallelism = threads, ParallelBatchLines = batchLines };
            var parallel = ActivityReaderPropertyTests.Describe(ActivityReader.Read(new NonSeekable(bytes, export.Chunk), "export.csv", options));
            var parallelAsync = ActivityReaderPropertyTests.Describe(
                ActivityReader.ReadAsync(new NonSeekable(bytes, export.Chunk), "export.csv", options).ToBlockingEnumerable());
            return (parallel.SequenceEqual(sequential) && parallelAsync.SequenceEqual(sequential)).Label(
                "parallel:\n" + string.Join("\n", parallel) + "\nsequential:\n" + string.Join("\n", sequential));
        });

    [Property(MaxTest = 200)]
    public Property Unparsed_batches_parsed_range_by_range_give_the_sequential_results() =>
        Prop.ForAll(Exports.ToArbitrary(), Gen.Choose(1, 5).ToArbitrary(), Gen.Choose(1, 3).ToArbitrary(), (export, batchLines, ranges) =>
        {
            var (bytes, _) = export.Build();
            var sequential = ActivityReaderPropertyTests.Describe(ActivityReader.Read(new NonSeekable(bytes, export.Chunk), "export.csv"));
            var staged = ActivityReaderPropertyTests.Describe(
                ActivityReaderPropertyTests.ReadStaged(new NonSeekable(bytes, export.Chunk), "export.csv", new ActivityReaderOptions(), batchLines, ranges));
            return staged.SequenceEqual(sequential).Label(
                "staged:\n" + string.Join("\n", staged) + "\nsequential:\n" + string.Join("\n", sequential));
        });

    public sealed record Export((string Record, string Other)[] Rows, string Newline, bool Bom, bool AlwaysQuote, int Chunk)
    {
        public (byte[] Bytes, List<string> Expected) Build()
        {
            var text = new StringBuilder(PurviewCsv.Header).Append(Newline);
            var expected = new List<string>();
            long line = 2;
            for (var i = 0; i < Rows.Length; i++)
            {
                var (record, other) = Rows[i];
                var row = string.Join(',', new[] { $"r{i}", other, "6", other, "u", record, "", "" }.Select(f => PurviewCsv.Field(f, AlwaysQuote)));
                text.Append(row).Append(Newline);
                var oracle = ActivityReader.ParseLine(record, "export.csv", line);
                expected.Add(line + " " + PurviewCsv.Describe(oracle) + " " + string.Join(" | ", oracle.Errors));
                line += 1 + row.Count(c => c == '\n');
            }

            return (PurviewCsv.Utf8(text.ToString(), Bom), expected);
        }

        public override string ToString() =>
            $"chunk {Chunk}, bom {Bom}, quote {AlwaysQuote}, newline {(Newline.Length == 2 ? "CRLF" : "LF")}, rows: " + string.Join(" // ", Rows.Select(r => r.Other + " :: " + r.Record));
    }
}
