using System.Text;

namespace AlertEngine.Tests.Serialization;

/// <summary>A large export is read as a stream: never loaded whole, never read twice.</summary>
public class PurviewCsvStreamingTests
{
    [Fact]
    public void A_large_export_is_read_in_one_pass_holding_only_about_one_row_ahead()
    {
        const int rows = 60_000;
        using var stream = new GeneratedExport(rows);
        long count = 0;
        long maxAhead = 0;

        foreach (var result in ActivityReader.Read(stream, "big.csv"))
        {
            Assert.True(result.IsValid, result.ToString());
            count++;

            // When row k is handed out, the reader has read at most a little past it: not the whole file.
            var rowEnd = stream.HeaderLength + (count * stream.RowLength);
            maxAhead = Math.Max(maxAhead, stream.BytesProduced - rowEnd);
            Assert.Equal($"id-{count:D8}", result.Activity.Id);
            Assert.Equal(2 * count, result.LineNumber);
        }

        Assert.Equal(rows, count);
        Assert.True(stream.BytesProduced > 50_000_000, $"only {stream.BytesProduced} bytes: not a large input");
        Assert.InRange(maxAhead, 0, 256 * 1024);
        Assert.True(stream.Ended);
    }

    /// <summary>
    /// The reader splits up to <see cref="ActivityReader.CsvRowsAhead"/> rows ahead of the one it hands out, but only within
    /// the bytes it has already read: when each read brings one row, a row is handed out before anything after it is read.
    /// </summary>
    [Fact]
    public void A_row_is_handed_out_before_anything_after_it_is_read()
    {
        const int rows = 2_000;
        using var stream = new GeneratedExport(rows);
        long count = 0;

        foreach (var result in ActivityReader.Read(stream, "rows.csv"))
        {
            count++;
            Assert.Equal($"id-{count:D8}", result.Activity!.Id);
            Assert.Equal(stream.HeaderLength + (count * stream.RowLength), stream.BytesProduced);
        }

        Assert.Equal(rows, count);
    }

    /// <summary>
    /// A Purview export generated row by row as it is read (header, then rows each spanning two lines through a quoted
    /// line break). It cannot seek, tell its length or position, and throws when read again after it ended.
    /// </summary>
    private sealed class GeneratedExport(int rows) : Stream
    {
        private static readonly string Padding = new('x', 700);
        private readonly byte[] _header = Encoding.UTF8.GetBytes("\uFEFF" + PurviewCsv.Header + "\r\n");
        private byte[] _pending = [];
        private int _offset;
        private int _next;

        public bool Ended { get; private set; }

        public long BytesProduced { get; private set; }

        public long HeaderLength => _header.Length;

        public long RowLength { get; } = Row(1).Length;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException("not buffered: no length");
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (Ended)
            {
                throw new InvalidOperationException("read again after the end: the input must be read once");
            }

            if (_offset == _pending.Length)
            {
                if (_next > rows)
                {
                    Ended = true;
                    return 0;
                }

                _pending = _next == 0 ? _header : Row(_next);
                _next++;
                _offset = 0;
            }

            var n = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            BytesProduced += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private static byte[] Row(int n)
        {
            var record = $$"""{"CreationTime":"2026-03-01T09:00:00","Id":"id-{{n:D8}}","Operation":"FileDownloaded","RecordType":6,"UserId":"alice@contoso.com","ClientIP":"10.1.2.3","Workload":"SharePoint","ObjectId":"https://contoso.sharepoint.com/sites/hr/{{Padding}}.xlsx","Parameters":[{"Name":"a","Value":"b"}]}""";
            return Encoding.UTF8.GetBytes($"rec-{n:D8},\"2026-03-01\r\n09:00\",6,FileDownloaded,alice@contoso.com,{PurviewCsv.Field(record)},,\r\n");
        }
    }
}
