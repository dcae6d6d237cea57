using System.Globalization;
using System.Text;

namespace AlertEngine.Replay.Tests;

/// <summary>A Purview audit search export (CSV) replays to the same alerts as the same records as JSON Lines.</summary>
public class PurviewCsvReplayTests
{
    private const string Header = "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames";

    private const string Policies = """
        [
          {"id":"forwarding","name":"Mailbox forwarding to an outside address","category":"ThreatManagement","severity":"High",
           "activities":["Set-Mailbox"],
           "conditions":{"all":[{"property":"Parameters.Name","equals":"ForwardingSmtpAddress"},{"property":"Parameters.Value","matches":"smtp:*@gmail.com"}]},
           "aggregation":{"mode":"none"}},
          {"id":"mass-download","name":"Mass download","category":"InformationGovernance","severity":"Medium",
           "activities":["FileDownloaded"],"trigger":{"type":"threshold","count":5,"window":"PT1H","scope":"user"}}
        ]
        """;

    /// <summary>Real-shaped records in time order: downloads by two users, and mailbox changes with and without forwarding.</summary>
    private static List<string> Records()
    {
        var records = new List<string>();
        var t0 = new DateTime(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 24; i++)
        {
            var time = t0.AddMinutes(i * 4).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
            var user = i % 3 == 0 ? "bob@contoso.com" : "alice@contoso.com";
            records.Add(i % 5 == 4
                ? $$"""{"CreationTime":"{{time}}","Id":"ex-{{i:D3}}","Operation":"Set-Mailbox","OrganizationId":"d1b3c4f5","RecordType":1,"ResultStatus":"True","UserKey":"NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)","UserType":3,"Version":1,"Workload":"Exchange","ClientIP":"203.0.113.7:51234","ObjectId":"contoso.onmicrosoft.com/Users/{{user}}","UserId":"{{user}}","Parameters":[{"Name":"Identity","Value":"{{user}}"},{"Name":"{{(i % 2 == 0 ? "ForwardingSmtpAddress" : "RetainDeletedItemsFor")}}","Value":"smtp:exfil{{i}}@gmail.com"}]}"""
                : $$"""{"CreationTime":"{{time}}","Id":"sp-{{i:D3}}","Operation":"FileDownloaded","OrganizationId":"d1b3c4f5","RecordType":6,"UserKey":"i:0h.f|membership|{{user}}","UserType":0,"Version":1,"Workload":"SharePoint","ClientIP":"[2001:db8::{{i}}]:443","ObjectId":"https://contoso.sharepoint.com/sites/hr/Shared Documents/report, {{i}}.xlsx","UserId":"{{user}}","SourceFileName":"report, {{i}}.xlsx","SiteUrl":"https://contoso.sharepoint.com/sites/hr/"}""");
        }

        return records;
    }

    private static string Field(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>The export as the portal gives it: newest first, BOM, CRLF, a quoted line break in another column.</summary>
    private static byte[] Export(IEnumerable<string> records, string? extraRow = null)
    {
        var sb = new StringBuilder(Header).Append("\r\n");
        var n = 0;
        foreach (var record in records.Reverse())
        {
            sb.Append(CultureInfo.InvariantCulture, $"rec-{n++},2026-03-01T09:00:00.0000000Z,6,\"Op,\r\nwith a line break\",u@contoso.com,{Field(record)},,\r\n");
            if (n == 3 && extraRow is not null)
            {
                sb.Append(extraRow);
            }
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(sb.ToString())];
    }

    [Fact]
    public void A_csv_export_replays_to_the_same_alerts_as_its_records_as_json_lines()
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", Policies);
        var jsonl = dir.File("audit.jsonl", string.Join("\n", Records()) + "\n");
        var csv = dir.File("export.csv");
        File.WriteAllBytes(csv, Export(Records()));

        var fromJsonl = ReplayHost.Run("--policies", policies, "--activities", jsonl, "--sort");
        var fromCsv = ReplayHost.Run("--policies", policies, "--activities", csv, "--sort");

        Assert.Equal(0, fromCsv.ExitCode);
        Assert.Equal(fromJsonl.Stdout, fromCsv.Stdout);
        Assert.Equal(fromJsonl.SummaryLine, fromCsv.SummaryLine);
        Assert.Contains(fromCsv.Alerts, a => a.GetProperty("policyId").GetString() == "forwarding");
        Assert.Contains(fromCsv.Alerts, a => a.GetProperty("policyId").GetString() == "mass-download");
        Assert.Equal(2, fromCsv.Alerts.Count(a => a.GetProperty("policyId").GetString() == "forwarding"));
    }

    [Fact]
    public void A_csv_export_on_standard_input_is_recognised_too()
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", Policies);
        var jsonl = dir.File("audit.jsonl", string.Join("\n", Records()) + "\n");

        var fromJsonl = ReplayHost.Run("--policies", policies, "--activities", jsonl, "--sort");
        var fromStdin = ReplayHost.Run(["--policies", policies, "--activities", "-", "--sort"], new MemoryStream(Export(Records())));

        Assert.Equal(0, fromStdin.ExitCode);
        Assert.Equal(fromJsonl.Stdout, fromStdin.Stdout);
    }

    [Fact]
    public void A_bad_row_is_reported_with_its_line_in_the_file_and_skippable()
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", Policies);
        var good = dir.File("good.csv");
        File.WriteAllBytes(good, Export(Records()));

        // Three rows of two lines each after the header: the bad row starts on line 8.
        var bad = dir.File("export.csv");
        File.WriteAllBytes(bad, Export(Records(), "rec-bad,2026,1,Set-Mailbox,u," + Field("""{"Id":"x","Operation":"Set-Mailbox"}""") + ",,\r\n"));

        var stopped = ReplayHost.Run("--policies", policies, "--activities", bad, "--sort");
        var skipped = ReplayHost.Run("--policies", policies, "--activities", bad, "--sort", "--skip-invalid");
        var clean = ReplayHost.Run("--policies", policies, "--activities", good, "--sort");

        Assert.Equal(3, stopped.ExitCode);
        Assert.Contains(stopped.ErrorLines, l => l.EndsWith("export.csv:8: CreationTime: required", StringComparison.Ordinal));
        Assert.Equal(0, skipped.ExitCode);
        Assert.Contains(skipped.ErrorLines, l => l.EndsWith("export.csv:8: CreationTime: required", StringComparison.Ordinal));
        Assert.Equal(clean.Stdout, skipped.Stdout);
    }

    [Fact]
    public void A_long_csv_export_replays_alike_on_one_and_on_two_threads()
    {
        // 2,400 rows (more than one batch of lines and many runs of split rows), one bad row, no --sort: the staged
        // pipeline of --threads 2 reads the export through its own batching and must give the same bytes.
        using var dir = new TempDir();
        var policies = dir.File("p.json", Policies);
        var records = new List<string>();
        for (var k = 0; k < 100; k++)
        {
            foreach (var record in Records())
            {
                var day = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(k).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                records.Add(record
                    .Replace("\"Id\":\"", $"\"Id\":\"b{k}-", StringComparison.Ordinal)
                    .Replace("\"CreationTime\":\"2026-03-01", $"\"CreationTime\":\"{day}", StringComparison.Ordinal));
            }
        }

        // Export writes newest first, as the portal does; reversed here so that the file is in time order.
        records.Reverse();
        var csv = dir.File("export.csv");
        File.WriteAllBytes(csv, Export(records, "rec-bad,2026,1,Set-Mailbox,u," + Field("""{"Id":"x","Operation":"Set-Mailbox"}""") + ",,\r\n"));

        var one = ReplayHost.Run("--policies", policies, "--activities", csv, "--skip-invalid", "--threads", "1");
        var two = ReplayHost.Run("--policies", policies, "--activities", csv, "--skip-invalid", "--threads", "2");

        Assert.Equal(0, one.ExitCode);
        Assert.Equal(0, two.ExitCode);
        Assert.True(one.Alerts.Count > 100, one.ToString());
        Assert.Equal(one.Stdout, two.Stdout);
        Assert.Equal(one.SummaryLine, two.SummaryLine);
        Assert.Contains(two.ErrorLines, l => l.EndsWith("export.csv:8: CreationTime: required", StringComparison.Ordinal));
        Assert.DoesNotContain(two.ErrorLines, l => l.Contains(": late: ", StringComparison.Ordinal));
    }
}
