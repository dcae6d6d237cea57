using System.Text;

namespace AlertEngine.Tests.Serialization;

public class ActivityReaderLineSplitterTests
{
    private static List<(LineStatus Status, string Line, long Number)> Split(string text, int maxLineLength, int block)
    {
        var input = Encoding.UTF8.GetBytes(text);
        var splitter = new LineSplitter<byte>(maxLineLength, (byte)'\n', (byte)'\r');
        var position = 0;
        var lines = new List<(LineStatus, string, long)>();
        while (true)
        {
            var status = splitter.TryRead(out var start, out var length);
            if (status == LineStatus.End)
            {
                return lines;
            }

            if (status == LineStatus.NeedMore)
            {
                var space = splitter.GetWriteSpace().Span;
                var n = Math.Min(Math.Min(block, space.Length), input.Length - position);
                input.AsSpan(position, n).CopyTo(space);
                position += n;
                if (n == 0)
                {
                    splitter.Complete();
                }
                else
                {
                    splitter.Advance(n);
                }

                continue;
            }

            lines.Add((status, status == LineStatus.Line ? Encoding.UTF8.GetString(splitter.Buffer.Slice(start, length)) : "", splitter.LineNumber));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4096)]
    public void Splits_on_lf_and_crlf_whatever_the_read_block_size(int block)
    {
        var lines = Split("ab\r\ncd\n\nlast", 100, block);

        Assert.Equal(
            [(LineStatus.Line, "ab", 1L), (LineStatus.Line, "cd", 2L), (LineStatus.Line, "", 3L), (LineStatus.Line, "last", 4L)],
            lines);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100_000)]
    public void A_too_long_line_is_reported_once_and_skipped_to_the_next_newline(int block)
    {
        var lines = Split("ok\n" + new string('x', 5000) + "\r\nnext\n", 10, block);

        Assert.Equal([(LineStatus.Line, "ok", 1L), (LineStatus.TooLong, "", 2L), (LineStatus.Line, "next", 3L)], lines);
    }

    [Fact]
    public void The_buffer_stays_bounded_by_the_line_limit_on_a_huge_line()
    {
        const int max = 10_000;
        var splitter = new LineSplitter<byte>(max, (byte)'\n', (byte)'\r');
        var chunk = new byte[65536];
        Array.Fill(chunk, (byte)'x');
        var maxBuffer = 0;
        var tooLong = 0;
        for (var i = 0; i < 200; i++)
        {
            // 13 MB without a newline.
            while (splitter.TryRead(out _, out _) is var s && s != LineStatus.NeedMore)
            {
                tooLong += s == LineStatus.TooLong ? 1 : 0;
            }

            var space = splitter.GetWriteSpace().Span;
            var n = Math.Min(space.Length, chunk.Length);
            chunk.AsSpan(0, n).CopyTo(space);
            splitter.Advance(n);
            maxBuffer = Math.Max(maxBuffer, splitter.BufferSize);
        }

        Assert.Equal(1, tooLong);
        Assert.True(maxBuffer <= max + 2 + (2 * 4096) + 16 * 1024, $"buffer grew to {maxBuffer}");
    }
}
