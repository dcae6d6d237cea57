using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Serialization;

/// <summary>
/// <see cref="CsvRecordSplitter"/> against a naive oracle (<see cref="NaiveCsv"/>: the whole input, one byte at a time),
/// with each way of unescaping the kept field (<see cref="CsvCompaction"/>). The inputs are made for the 64-byte chunk
/// scan of quoted fields: long quoted fields full of doubled quotes (runs of 2 to 10 quotes), line breaks and commas,
/// some of them broken (a quote left single, a closing quote missing, text after it); records longer and shorter than
/// the limit; the input handed over 1 to 3000 bytes at a time, so that chunks meet buffer ends everywhere.
/// </summary>
public class CsvRecordSplitterPropertyTests
{
    private static readonly string[] Pieces = ["\"", "\"", "\"\"", "\"\"\"", ",", "\n", "\r\n", "\r", "a", "json", "{\"k\":\"v\"}", "é", "\0", "\u007f", "0123456789abcdef", " "];

    private static readonly Gen<string> Content =
        from pieces in Gen.Frequency((1, Gen.Elements(Pieces).ListOf()), (2, Gen.Elements(Pieces.Where(p => p is not ("é" or "\0")).ToArray()).ListOf()))
        from repeat in Gen.Choose(1, 12)
        select string.Concat(Enumerable.Repeat(string.Concat(pieces), repeat));

    /// <summary>A field: plain text, or quoted with its quotes doubled, sometimes broken.</summary>
    private static readonly Gen<string> Fields =
        from content in Content
        from style in Gen.Choose(0, 9)
        from cut in Gen.Choose(0, 1000)
        select style switch
        {
            0 => content.Replace("\"", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal),
            1 => content,                                                                              // raw: quotes, commas and line breaks unescaped
            2 => Broken(Quote(content), cut),                                                          // one byte of a quoted field removed
            3 => Quote(content) + "x",                                                                 // text after the closing quote
            4 => "\"" + content.Replace("\"", "\"\"", StringComparison.Ordinal),                        // never closed
            _ => Quote(content),
        };

    private static readonly Gen<Input> Inputs =
        from rows in Fields.ListOf().Select(f => string.Join(',', f.Take(5))).ListOf().Select(r => r.Take(6).ToArray())
        from newline in Gen.Elements("\n", "\r\n")
        from lastNewline in Gen.Elements(false, true)
        from kept in Gen.Choose(-1, 3)
        from max in Gen.Elements(1, 10, 100, 700, 5000, int.MaxValue / 4)
        from chunk in Gen.Choose(1, 3000)
        from compaction in Gen.Elements(CsvCompaction.Best, CsvCompaction.Shuffle128)
        select new Input(string.Join(newline, rows) + (lastNewline ? newline : string.Empty), kept, max, chunk, compaction);

    [Property(MaxTest = 1000)]
    public Property The_splitter_finds_the_records_fields_and_lines_of_the_naive_reading() =>
        Prop.ForAll(Inputs.ToArbitrary(), input =>
        {
            var bytes = Encoding.UTF8.GetBytes(input.Text);
            var expected = NaiveCsv.Split(bytes, input.Kept, input.Max);
            var actual = Split(bytes, input);
            return actual.SequenceEqual(expected).Label(
                "actual:\n" + string.Join("\n", actual) + "\nexpected:\n" + string.Join("\n", expected));
        });

    /// <summary>
    /// Rows split many at a time (as the reader does) are the rows split one at a time: each batch's kept fields are read
    /// only once the whole batch is split, just before the next refill, so a later row's unescaping in place that
    /// reached an earlier row's field would show.
    /// </summary>
    [Property(MaxTest = 1000)]
    public Property Rows_split_many_at_a_time_are_the_rows_split_one_at_a_time() =>
        Prop.ForAll(Inputs.ToArbitrary(), Gen.Choose(1, 40).ToArbitrary(), (input, many) =>
        {
            var bytes = Encoding.UTF8.GetBytes(input.Text);
            var expected = NaiveCsv.Split(bytes, input.Kept, input.Max);
            var actual = SplitMany(bytes, input, many);
            return actual.SequenceEqual(expected).Label(
                $"{many} at a time; actual:\n" + string.Join("\n", actual) + "\nexpected:\n" + string.Join("\n", expected));
        });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_long_quoted_field_of_doubled_quotes_is_unescaped_at_every_offset(bool shuffle)
    {
        var compaction = shuffle ? CsvCompaction.Shuffle128 : CsvCompaction.Best;
        // Runs of every length from 1 to 9 pairs, so that a run crosses a chunk's end at every position.
        var content = new StringBuilder();
        for (var run = 1; run < 10; run++)
        {
            content.Append('x', run).Append('"', 2 * run).Append(',').Append('\n');
        }

        for (var prefix = 0; prefix < 70; prefix++)
        {
            var text = new string('p', prefix) + "," + Quote(content.ToString()) + ",z\n" + "next\n";
            var input = new Input(text, 1, int.MaxValue / 4, 64 * 1024, compaction);
            var bytes = Encoding.UTF8.GetBytes(text);
            Assert.Equal(NaiveCsv.Split(bytes, 1, input.Max), Split(bytes, input));
        }
    }

    [Fact]
    public void Compress512_is_used_where_the_machine_has_it_and_refused_where_not()
    {
        var bytes = Encoding.UTF8.GetBytes("a," + Quote(new string('"', 300) + new string('b', 300)) + ",c\n");
        var input = new Input(string.Empty, 1, int.MaxValue / 4, 64 * 1024, CsvCompaction.Compress512);
        if (System.Runtime.Intrinsics.X86.Avx512Vbmi2.IsSupported && System.Runtime.Intrinsics.X86.Avx512Vbmi.IsSupported)
        {
            Assert.Equal(NaiveCsv.Split(bytes, 1, input.Max), Split(bytes, input));
        }
        else
        {
            Assert.Throws<PlatformNotSupportedException>(() => Split(bytes, input));
        }
    }

    private static string Quote(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Broken(string s, int cut) => s.Remove(cut % s.Length, 1);

    private static List<string> Split(byte[] bytes, Input input)
    {
        var splitter = new CsvRecordSplitter(input.Max, input.Compaction) { KeptField = input.Kept };
        var records = new List<string>();
        var offset = 0;
        while (true)
        {
            var status = splitter.TryRead(out var kept);
            switch (status)
            {
                case CsvStatus.End:
                    return records;
                case CsvStatus.NeedMore:
                    offset = Refill(splitter, bytes, offset, input.Chunk);
                    break;
                case CsvStatus.TooLong:
                    records.Add(NaiveCsv.TooLong(splitter.LineNumber));
                    break;
                default:
                    records.Add(NaiveCsv.Describe(splitter.LineNumber, splitter.FieldCount, splitter.IsBlank, splitter.Problem, kept, splitter.KeptIsPlainAscii));
                    break;
            }
        }
    }

    private static List<string> SplitMany(byte[] bytes, Input input, int many)
    {
        var splitter = new CsvRecordSplitter(input.Max, input.Compaction) { KeptField = input.Kept };
        var rows = new CsvRow[many];
        var records = new List<string>();
        var offset = 0;
        while (true)
        {
            var count = splitter.TryReadMany(rows, out var stopped);
            Assert.InRange(count, stopped == CsvStatus.Record ? many : 0, many);
            for (var i = 0; i < count; i++)
            {
                var row = rows[i];
                records.Add(row.TooLong
                    ? NaiveCsv.TooLong(row.LineNumber)
                    : NaiveCsv.Describe(row.LineNumber, row.FieldCount, row.IsBlank, row.Problem, splitter.Buffer.Slice(row.KeptStart, row.KeptLength), row.KeptIsPlainAscii));
            }

            switch (stopped)
            {
                case CsvStatus.End:
                    return records;
                case CsvStatus.NeedMore:
                    offset = Refill(splitter, bytes, offset, input.Chunk);
                    break;
            }
        }
    }

    /// <summary>Hands the splitter up to <paramref name="chunk"/> more bytes (none at the end); returns the new offset.</summary>
    private static int Refill(CsvRecordSplitter splitter, byte[] bytes, int offset, int chunk)
    {
        var space = splitter.GetWriteSpace().Span;
        var n = Math.Min(Math.Min(space.Length, chunk), bytes.Length - offset);
        bytes.AsSpan(offset, n).CopyTo(space);
        splitter.Commit(n);
        return offset + n;
    }

    internal sealed record Input(string Text, int Kept, int Max, int Chunk, CsvCompaction Compaction)
    {
        public override string ToString() =>
            $"kept {Kept}, max {Max}, chunk {Chunk}, {Compaction}: {Text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)}";
    }
}
