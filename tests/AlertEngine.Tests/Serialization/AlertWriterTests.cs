using System.Collections.Immutable;
using System.Net;
using System.Text;
using System.Text.Json;

namespace AlertEngine.Tests.Serialization;

public class AlertWriterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 41, 0, TimeSpan.Zero);

    private static Alert Sample(Action<List<AlertActivity>>? more = null)
    {
        var activities = new List<AlertActivity>
        {
            new("a2", T0.AddMinutes(-38).AddSeconds(-50), "FileDeleted", "alice@contoso.com", "f1", IPAddress.Loopback),
            new("a3", T0.AddMinutes(-30), "FileDeleted", "alice@contoso.com", "f2", null),
        };
        more?.Invoke(activities);
        return new Alert
        {
            Id = "mass-delete:a17",
            PolicyId = "mass-delete",
            PolicyName = "Mass file deletion",
            Severity = AlertSeverity.High,
            Category = AlertCategory.InformationGovernance,
            CreatedAt = T0,
            FirstActivityAt = T0.AddMinutes(-38).AddSeconds(-50),
            LastActivityAt = T0.AddSeconds(30),
            HitCount = 100,
            Users = ["alice@contoso.com"],
            Activities = [.. activities],
            Description = "not written",
        };
    }

    [Fact]
    public void Writes_the_interchange_format_with_fields_in_spec_order()
    {
        Assert.Equal(
            """{"id":"mass-delete:a17","policyId":"mass-delete","policyName":"Mass file deletion","severity":"High","category":"InformationGovernance","status":"Active","source":"AlertEngine","createdAt":"2026-03-01T09:41:00Z","firstActivityAt":"2026-03-01T09:02:10Z","lastActivityAt":"2026-03-01T09:41:30Z","hitCount":100,"users":["alice@contoso.com"],"activityIds":["a2","a3"]}""",
            AlertWriter.ToJson(Sample()));
    }

    [Fact]
    public void Writes_one_line_per_alert_ending_in_lf_and_counts_them()
    {
        using var output = new MemoryStream();
        using (var writer = new AlertWriter(output, leaveOpen: true))
        {
            writer.Write(Sample());
            writer.Write(Sample() with { Id = "mass-delete:a99", Status = AlertStatus.Dismissed, Source = "Defender for Cloud Apps" });
            Assert.Equal(2, writer.AlertsWritten);
        }

        var text = Encoding.UTF8.GetString(output.ToArray());
        var lines = text.Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Equal("", lines[2]);
        Assert.DoesNotContain('\r', text);
        Assert.Equal(AlertWriter.ToJson(Sample()), lines[0]);
        using var second = JsonDocument.Parse(lines[1]);
        Assert.Equal("Dismissed", second.RootElement.GetProperty("status").GetString());
        Assert.Equal("Defender for Cloud Apps", second.RootElement.GetProperty("source").GetString());
    }

    [Fact]
    public void Output_is_byte_for_byte_deterministic()
    {
        static byte[] Write()
        {
            using var output = new MemoryStream();
            using (var writer = new AlertWriter(output, leaveOpen: true))
            {
                writer.Write(Sample());
                writer.Write(Sample());
            }

            return output.ToArray();
        }

        var first = Write();
        Assert.Equal(first, Write());
        Assert.False(first.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "no byte order mark");
    }

    [Theory]
    [InlineData(0, "2026-03-01T09:41:00Z")]
    [InlineData(5_000_000, "2026-03-01T09:41:00.5Z")]
    [InlineData(1_230_000, "2026-03-01T09:41:00.123Z")]
    [InlineData(1, "2026-03-01T09:41:00.0000001Z")]
    public void Times_are_utc_with_a_fraction_only_when_not_whole_seconds(long ticks, string expected)
    {
        Assert.Equal(expected, AlertWriter.FormatTime(T0.AddTicks(ticks)));
    }

    [Fact]
    public void Times_with_an_offset_are_written_in_utc()
    {
        var local = new DateTimeOffset(2026, 3, 1, 11, 41, 0, TimeSpan.FromHours(2));

        Assert.Equal("2026-03-01T09:41:00Z", AlertWriter.FormatTime(local));
        Assert.Contains("\"createdAt\":\"2026-03-01T09:41:00Z\"", AlertWriter.ToJson(Sample() with { CreatedAt = local }), StringComparison.Ordinal);
    }

    [Fact]
    public void Non_ascii_and_html_characters_are_not_escaped_but_json_specials_are()
    {
        var json = AlertWriter.ToJson(Sample() with { PolicyName = "Zugriff für <Gäste> & 'Externe' \"quoted\" \\ tab\t", Users = ["josé@contoso.com"] });

        Assert.Contains("\"policyName\":\"Zugriff für <Gäste> & 'Externe' \\\"quoted\\\" \\\\ tab\\t\"", json, StringComparison.Ordinal);
        Assert.Contains("\"users\":[\"josé@contoso.com\"]", json, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("Zugriff für <Gäste> & 'Externe' \"quoted\" \\ tab\t", doc.RootElement.GetProperty("policyName").GetString());
    }

    [Fact]
    public void Activity_ids_follow_the_alert_activity_list_and_hit_count_is_not_capped()
    {
        var alert = Sample(list => list.Add(new("a4", T0, "FileDeleted", "bob@contoso.com", null, null))) with
        {
            HitCount = 5000,
            ActivitiesTruncated = true,
            Users = ["alice@contoso.com", "bob@contoso.com"],
        };

        using var doc = JsonDocument.Parse(AlertWriter.ToJson(alert));

        Assert.Equal(5000, doc.RootElement.GetProperty("hitCount").GetInt32());
        Assert.Equal(["a2", "a3", "a4"], doc.RootElement.GetProperty("activityIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["alice@contoso.com", "bob@contoso.com"], doc.RootElement.GetProperty("users").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            ["id", "policyId", "policyName", "severity", "category", "status", "source", "createdAt", "firstActivityAt", "lastActivityAt", "hitCount", "users", "activityIds"],
            doc.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void A_default_users_array_is_written_as_empty()
    {
        var json = AlertWriter.ToJson(Sample() with { Users = default, Activities = ImmutableList<AlertActivity>.Empty });

        Assert.Contains("\"users\":[],\"activityIds\":[]}", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Async_writes_match_sync_writes_and_dispose_closes_the_stream_unless_left_open()
    {
        var sync = new MemoryStream();
        using (var writer = new AlertWriter(sync, leaveOpen: true))
        {
            writer.Write(Sample());
        }

        var async = new MemoryStream();
        await using (var writer = new AlertWriter(async, leaveOpen: true))
        {
            await writer.WriteAsync(Sample(), TestContext.Current.CancellationToken);
        }

        Assert.Equal(sync.ToArray(), async.ToArray());

        var closed = new MemoryStream();
        var owning = new AlertWriter(closed);
        owning.Dispose();
        Assert.False(closed.CanWrite);
        Assert.Throws<ObjectDisposedException>(() => owning.Write(Sample()));
    }
}
