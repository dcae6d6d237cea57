using System.Globalization;
using System.Text;

namespace AlertEngine.Replay.Tests;

/// <summary>
/// Without --sort the replay streams: for every-time policies only alerts of about the last aggregation interval are
/// held, whatever the input size. Asserted on the buffer's high-water mark, not on timings or GC sizes.
/// </summary>
public class StreamingMemoryTests
{
    private const string Policies = """
        [
          {"id":"redirect","name":"Mail redirect","category":"ThreatManagement","severity":"Informational","activities":["MailRedirect"]},
          {"id":"share","name":"External share","category":"DataLossPrevention","severity":"High","activities":["FileSharedExternally"],"aggregation":{"mode":"none"},
           "conditions":{"not":{"ipAddresses":["10.0.0.0/8"]}}}
        ]
        """;

    /// <summary>The engine takes batches of 1,024 activities (ReplayEngine, any number of threads), so one batch's
    /// alerts (about 10 + 1 here: 1,024 s of input) are buffered at once: still bounded whatever the input size.</summary>
    [Theory]
    [InlineData(1, (1024 / 100) + (1024 / 1000) + 3)]
    [InlineData(2, (1024 / 100) + (1024 / 1000) + 3)]
    public void A_million_line_input_keeps_only_a_few_alerts_buffered(int threads, int maxBuffered)
    {
        using var dir = new TempDir();
        using var input = new GeneratedActivityStream(1_000_000);

        using var stdout = new CountingStream();
        using var stderr = new StringWriter();
        var code = Program.Run(["--policies", dir.File("p.json", Policies), "--activities", "-", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)], input, stdout, stderr, out var report, TestContext.Current.CancellationToken);

        Assert.True(code == 0, stderr.ToString());
        Assert.Equal(1_000_000, report.ActivitiesRead);
        // One MailRedirect every 100 s (each its own alert: 1-minute aggregation), one external share from outside
        // 10/8 every 1,000 s (aggregation none).
        Assert.Equal(10_000 + 1_000, report.Alerts);
        Assert.Equal(report.Alerts, stdout.Lines);
        Assert.InRange(report.MaxBufferedAlerts, 1, maxBuffered);
    }

    /// <summary>Produces n activity lines on the fly, one second apart, a tenth of them as audit records.</summary>
    private sealed class GeneratedActivityStream(int count) : Stream
    {
        private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        private byte[] _pending = [];
        private int _offset;
        private int _next;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                if (_offset == _pending.Length)
                {
                    if (_next == count)
                    {
                        break;
                    }

                    _pending = Encoding.UTF8.GetBytes(LineFor(_next++) + "\n");
                    _offset = 0;
                }

                var n = Math.Min(buffer.Length - written, _pending.Length - _offset);
                _pending.AsSpan(_offset, n).CopyTo(buffer[written..]);
                _offset += n;
                written += n;
            }

            return written;
        }

        private static string LineFor(int i)
        {
            var time = T0.AddSeconds(i);
            var user = "user" + (i % 997).ToString(CultureInfo.InvariantCulture) + "@contoso.com";
            var operation = (i % 100) switch
            {
                7 => "MailRedirect",
                13 => "FileSharedExternally",
                _ => "FileAccessed",
            };
            var ip = i % 1000 == 13 ? "198.51.100.7" : "10.1.2.3";
            return i % 10 == 3
                ? $$"""{"CreationTime":"{{time:yyyy-MM-ddTHH:mm:ss}}","Id":"m{{i}}","Operation":"{{operation}}","UserId":"{{user}}","ClientIP":"{{ip}}:443","Workload":"SharePoint","RecordType":6}"""
                : $$"""{"id":"m{{i}}","time":"{{time:yyyy-MM-ddTHH:mm:ss}}Z","operation":"{{operation}}","userId":"{{user}}","clientIp":"{{ip}}","objectId":"https://contoso.sharepoint.com/sites/x/doc{{i % 5000}}.docx"}""";
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Counts written lines without keeping the bytes.</summary>
    private sealed class CountingStream : Stream
    {
        public long Lines { get; private set; }

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer) => Lines += buffer.Count((byte)'\n');

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
