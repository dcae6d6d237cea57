namespace AlertEngine.Replay.Tests;

/// <summary>The bundled sample (samples/data) replays to the alerts its generator designed.</summary>
public class BundledDataTests
{
    private static readonly Lazy<ReplayRun> Bundled = new(() =>
        ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities));

    private static ReplayRun Result
    {
        get
        {
            var run = Bundled.Value;
            Assert.True(run.ExitCode == 0, run.ToString());
            return run;
        }
    }

    [Fact]
    public void Every_sample_activity_line_is_valid_and_the_host_names_are_notes()
    {
        using var stream = File.OpenRead(ReplayHost.SampleActivities);
        var results = ActivityReader.Read(stream, "activities.jsonl").ToList();

        Assert.All(results, r => Assert.True(r.IsValid, string.Join("\n", r.Errors)));
        Assert.Equal(3977, results.Count);
        Assert.Equal(3, results.Sum(r => r.Notes.Count));
        Assert.Contains(results, r => r.Activity!.Properties.ContainsKey("RecordType"));
        Assert.Contains(results, r => r.Activity!.ClientIp?.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6);
    }

    [Fact]
    public void Every_time_policies_raise_the_designed_alerts()
    {
        var run = Result;

        var forward = run.Alert("forwarding-rule:5d3a0c1e-2f64-4b8e-9a17-0c6e1f2b3a01");
        Assert.Equal("2026-03-02T10:15:07Z", forward.GetProperty("createdAt").GetString());
        Assert.Equal(1, forward.GetProperty("hitCount").GetInt32());
        Assert.Equal("dana.whitfield@contoso.com", forward.GetProperty("users")[0].GetString());

        var elevation = run.Alert("exchange-admin-elevation:9b1f4e7a-6c2d-4d0b-8e35-7a1c9d2e4f02");
        Assert.Equal("Low", elevation.GetProperty("severity").GetString());
        Assert.Equal("Permissions", elevation.GetProperty("category").GetString());
        Assert.Single(run.Alerts, a => a.GetProperty("policyId").GetString() == "exchange-admin-elevation");

        var malware = run.Alert("priority-malware:malware-ceo");
        Assert.Equal("ceo@contoso.com", malware.GetProperty("users")[0].GetString());
        Assert.Single(run.Alerts, a => a.GetProperty("policyId").GetString() == "priority-malware");

        Assert.Equal(
            ["sensitive-external-share:share-payroll", "sensitive-external-share:c7e2a9d4-1b3f-4a6c-8d5e-2f9b0a1c3d03"],
            IdsOf(run, "sensitive-external-share"));
        Assert.Equal(
            ["forwarding-rule:5d3a0c1e-2f64-4b8e-9a17-0c6e1f2b3a01", "forwarding-rule:redirect-1", "forwarding-rule:set-rule-1"],
            IdsOf(run, "forwarding-rule"));
        Assert.Empty(IdsOf(run, "guest-downloads"));
    }

    [Fact]
    public void Detections_within_the_aggregation_interval_join_one_alert_and_duplicates_do_not_count_twice()
    {
        var redirect = Result.Alert("forwarding-rule:redirect-1");

        Assert.Equal(2, redirect.GetProperty("hitCount").GetInt32());
        Assert.Equal(["redirect-1", "redirect-2"], redirect.GetProperty("activityIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, redirect.GetProperty("users").GetArrayLength());
        Assert.Equal("2026-03-03T14:02:40Z", redirect.GetProperty("lastActivityAt").GetString());
    }

    [Fact]
    public void The_threshold_policy_fires_at_the_fiftieth_distinct_deletion_in_ten_minutes()
    {
        var run = Result;

        Assert.Equal(["mass-delete:ravi-del-50", "mass-delete:sofia-rec-50"], IdsOf(run, "mass-delete"));
        var ravi = run.Alert("mass-delete:ravi-del-50");
        Assert.Equal(50, ravi.GetProperty("hitCount").GetInt32());
        Assert.Equal("2026-03-03T11:20:00Z", ravi.GetProperty("firstActivityAt").GetString());
        Assert.Equal("2026-03-03T11:25:43Z", ravi.GetProperty("createdAt").GetString());
        var ids = ravi.GetProperty("activityIds").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Equal(50, ids.Distinct().Count());
        Assert.Equal("ravi-del-01", ids[0]);
        Assert.Equal("ravi-del-50", ids[^1]);
        Assert.Equal(["ravi.patel@contoso.com"], ravi.GetProperty("users").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void The_summary_counts_the_duplicates_and_every_alert_written()
    {
        var run = Result;

        Assert.Equal(
            $"activities read: 3977, duplicates: 12, late: 0, invalid: 0, detections: {run.Report.Detections}, alerts: {run.Lines.Count}",
            run.SummaryLine);
        Assert.Equal(12, run.Report.Duplicates);
        Assert.True(run.Report.Detections >= run.Lines.Count);
        Assert.Contains(run.ErrorLines, l => l.Contains("activities.jsonl:1984: duplicate", StringComparison.Ordinal));
        Assert.Equal(3, run.ErrorLines.Count(l => l.StartsWith("note: ", StringComparison.Ordinal) && l.Contains("'localhost'", StringComparison.Ordinal)));
    }

    [Fact]
    public void Alerts_are_ordered_by_created_at_then_policy_then_id()
    {
        var keys = Result.Alerts.Select(a => (
            Created: DateTimeOffset.Parse(a.GetProperty("createdAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            Policy: a.GetProperty("policyId").GetString()!,
            Id: a.GetProperty("id").GetString()!)).ToList();

        var sorted = keys.OrderBy(k => k.Created).ThenBy(k => k.Policy, StringComparer.Ordinal).ThenBy(k => k.Id, StringComparer.Ordinal);
        Assert.Equal(sorted, keys);
    }

    [Fact]
    public void Replaying_twice_gives_byte_identical_output()
    {
        var again = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities);

        Assert.Equal(Result.Stdout, again.Stdout);
    }

    [Fact]
    public void Stdin_as_dash_gives_the_same_alerts_as_the_file()
    {
        using var stdin = File.OpenRead(ReplayHost.SampleActivities);

        var run = ReplayHost.Run(["--policies", ReplayHost.SamplePolicies, "--activities", "-"], stdin);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(Result.Stdout, run.Stdout);
        Assert.Contains(run.ErrorLines, l => l.StartsWith("stdin:1984: duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public void Sort_on_a_newest_first_export_gives_the_same_alerts_as_the_time_ordered_file()
    {
        using var dir = new TempDir();
        var reversed = dir.File("export.jsonl", string.Join("\n", File.ReadAllLines(ReplayHost.SampleActivities).Reverse()) + "\n");

        var sorted = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", reversed, "--sort");
        var unsorted = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", reversed);

        Assert.Equal(0, sorted.ExitCode);
        Assert.Equal(Result.Stdout, sorted.Stdout);
        Assert.Equal(12, sorted.Report.Duplicates);
        Assert.Equal(0, sorted.Report.Late);

        // Without --sort, everything older than the newest time seen is late: counted and reported, not lost silently.
        Assert.Equal(0, unsorted.ExitCode);
        Assert.True(unsorted.Report.Late > 3000, unsorted.SummaryLine);
        Assert.Contains(unsorted.ErrorLines, l => l.Contains(": late: ", StringComparison.Ordinal));
        Assert.Contains(unsorted.ErrorLines, l => l.StartsWith("... ", StringComparison.Ordinal) && l.EndsWith("more late activities not shown", StringComparison.Ordinal));
        Assert.Contains($"late: {unsorted.Report.Late},", unsorted.SummaryLine, StringComparison.Ordinal);
    }

    private static List<string> IdsOf(ReplayRun run, string policyId) =>
        run.Alerts.Where(a => a.GetProperty("policyId").GetString() == policyId).Select(a => a.GetProperty("id").GetString()!).ToList();
}
