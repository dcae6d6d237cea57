using System.Text.Json;

namespace AlertEngine.Replay.Tests;

public class OutputTests
{
    private const string Policies = """
        [
          {"id":"b-none","name":"B","category":"Others","severity":"Low","activities":["Share"],"aggregation":{"mode":"none"}},
          {"id":"a-open","name":"A","category":"Others","severity":"Low","activities":["Redirect"],"aggregation":{"interval":"PT10M"}},
          {"id":"c-late","name":"C","category":"Others","severity":"Low","activities":["Redirect","Share"],"aggregation":{"interval":"PT1M"}}
        ]
        """;

    private static string Line(string id, string time, string operation) =>
        $$"""{"id":"{{id}}","time":"{{time}}","operation":"{{operation}}","userId":"u@contoso.com"}""";

    /// <summary>
    /// Streaming order differs from output order: a-open stays open for 10 minutes while later alerts of other
    /// policies become final; b-none alerts at the same time as a later a-open alert must still come after it.
    /// </summary>
    private static readonly string Activities = string.Join("\n",
        Line("s1", "2026-03-01T09:00:00Z", "Share"),      // b-none:s1 (final at once), c-late:s1
        Line("r1", "2026-03-01T09:00:30Z", "Redirect"),   // a-open:r1 (open until 09:10), joins c-late:s1
        Line("s2", "2026-03-01T09:02:00Z", "Share"),      // b-none:s2, c-late:s2
        Line("r2", "2026-03-01T09:05:00Z", "Redirect"),   // joins a-open:r1; c-late:r2
        Line("s3", "2026-03-01T09:12:00Z", "Share"),      // b-none:s3, c-late:s3
        Line("r3", "2026-03-01T09:12:00Z", "Redirect"),   // a-open:r3 (same time as b-none:s3, sorts first); joins c-late:s3
        Line("x", "2026-03-01T09:30:00Z", "Other")) + "\n";

    [Fact]
    public void Alerts_are_written_in_created_at_policy_id_order_even_when_they_become_final_out_of_order()
    {
        using var dir = new TempDir();

        var run = ReplayHost.Run("--policies", dir.File("p.json", Policies), "--activities", dir.File("a.jsonl", Activities));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            ["b-none:s1", "c-late:s1", "a-open:r1", "b-none:s2", "c-late:s2", "c-late:r2", "a-open:r3", "b-none:s3", "c-late:s3"],
            run.Alerts.Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(2, run.Alert("a-open:r1").GetProperty("hitCount").GetInt32());
        Assert.Equal(2, run.Alert("c-late:s1").GetProperty("hitCount").GetInt32());
        Assert.Equal(2, run.Alert("c-late:s3").GetProperty("hitCount").GetInt32());
    }

    [Fact]
    public void Out_writes_the_same_bytes_as_stdout_and_leaves_no_temporary_file()
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", Policies);
        var activities = dir.File("a.jsonl", Activities);
        var output = dir.File("alerts.jsonl", "old content\n");

        var toStdout = ReplayHost.Run("--policies", policies, "--activities", activities);
        var toFile = ReplayHost.Run("--policies", policies, "--activities", activities, "--out", output);

        Assert.Equal(0, toFile.ExitCode);
        Assert.Empty(toFile.Stdout);
        Assert.Equal(toStdout.Stdout, File.ReadAllText(output));
        Assert.Equal(toStdout.SummaryLine, toFile.SummaryLine);
        Assert.Equal(["a.jsonl", "alerts.jsonl", "p.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Out_is_not_touched_when_the_activity_input_is_invalid()
    {
        using var dir = new TempDir();
        var output = dir.File("alerts.jsonl", "previous complete output\n");
        var activities = dir.File("a.jsonl", Activities + "{\"id\":\"bad\"}\n");

        var run = ReplayHost.Run("--policies", dir.File("p.json", Policies), "--activities", activities, "--out", output);

        Assert.Equal(3, run.ExitCode);
        Assert.Equal("previous complete output\n", File.ReadAllText(output));
        Assert.Equal(3, Directory.GetFiles(dir.Path).Length);
        Assert.Contains(run.ErrorLines, l => l.Contains("was not written", StringComparison.Ordinal));
    }

    [Fact]
    public void Cancellation_leaves_no_output_file()
    {
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "alerts.jsonl");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var lines = string.Concat(Enumerable.Range(0, 10_000).Select(i => Line($"a{i}", "2026-03-01T09:00:00Z", "Share") + "\n"));

        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var code = Program.Run(
            ["--policies", dir.File("p.json", Policies), "--activities", dir.File("a.jsonl", lines), "--out", output],
            Stream.Null, stdout, stderr, cancelled.Token);

        Assert.Equal(130, code);
        Assert.False(File.Exists(output));
        Assert.Equal(2, Directory.GetFiles(dir.Path).Length);
    }

    [Fact]
    public void Duplicates_are_counted_and_never_double_counted()
    {
        using var dir = new TempDir();
        var activities = dir.File("a.jsonl", string.Join("\n",
            Line("r1", "2026-03-01T09:00:00Z", "Redirect"),
            Line("r1", "2026-03-01T09:00:00Z", "Redirect"),
            Line("r2", "2026-03-01T09:00:10Z", "Redirect"),
            Line("r1", "2026-03-01T09:00:20Z", "Redirect")));

        var run = ReplayHost.Run("--policies", dir.File("p.json", Policies), "--activities", activities);

        Assert.Equal(0, run.ExitCode);
        var alert = run.Alert("a-open:r1");
        Assert.Equal(2, alert.GetProperty("hitCount").GetInt32());
        Assert.Equal(["r1", "r2"], alert.GetProperty("activityIds").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(2, run.Report.Duplicates);
        Assert.StartsWith("activities read: 4, duplicates: 2, late: 0, invalid: 0, detections: 4, alerts: 2", run.SummaryLine, StringComparison.Ordinal);
    }

    [Fact]
    public void List_policies_round_trips_through_its_own_output()
    {
        using var dir = new TempDir();

        var first = ReplayHost.Run("--list-policies", "--policies", ReplayHost.SamplePolicies);
        var listed = dir.File("listed.json", first.Stdout);
        var second = ReplayHost.Run("--list-policies", "--policies", listed);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
        using var doc = JsonDocument.Parse(first.Stdout);
        Assert.Equal(
            ["forwarding-rule", "exchange-admin-elevation", "sensitive-external-share", "mass-delete", "priority-malware", "unusual-external-sharing", "guest-downloads"],
            doc.RootElement.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.Empty(first.Stderr);
    }

    [Fact]
    public void List_policies_with_a_standard_plan_rejects_advanced_triggers()
    {
        var run = ReplayHost.Run("--list-policies", "--policies", ReplayHost.SamplePolicies, "--plan", "E1");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
    }
}
