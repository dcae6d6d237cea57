namespace AlertEngine.Replay.Tests;

public class ExitCodeTests
{
    private const string EveryTimePolicy = """[{"id":"fwd","name":"Forwarding","category":"ThreatManagement","severity":"High","activities":["MailRedirect"]}]""";

    private static string Line(string id, string time, string operation = "MailRedirect", string user = "alice@contoso.com") =>
        $$"""{"id":"{{id}}","time":"{{time}}","operation":"{{operation}}","userId":"{{user}}"}""";

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--policies")]
    [InlineData("--policies", "p.json", "--activities")]
    [InlineData("--policies", "p.json", "--activities", "a.jsonl", "--plan", "E4")]
    [InlineData("--policies", "p.json", "--activities", "a.jsonl", "--plan", "6")]
    [InlineData("--policies", "p.json", "--activities", "a.jsonl", "--plan")]
    [InlineData("--policies", "p.json", "--activities", "a.jsonl", "--out")]
    [InlineData("--policies", "p.json")]
    [InlineData("--activities", "a.jsonl")]
    [InlineData("--policies", "p.json", "--policies", "q.json", "--activities", "a.jsonl")]
    [InlineData("--policies", "p.json", "--activities", "a.jsonl", "--sort=yes")]
    [InlineData("--list-policies")]
    [InlineData("--list-policies", "--policies", "p.json", "--activities", "a.jsonl")]
    [InlineData("p.json")]
    public void Invalid_arguments_exit_2_with_an_error_and_the_usage(params string[] args)
    {
        var run = ReplayHost.Run(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.StartsWith("error: ", run.ErrorLines[0], StringComparison.Ordinal);
        Assert.Contains(run.ErrorLines, l => l.StartsWith("usage: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_argument_error_is_listed()
    {
        var run = ReplayHost.Run("--bogus", "--plan", "Z9", "--activities");

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(
            ["error: unknown argument '--bogus'", "error: --plan: unknown plan 'Z9' (expected one of E1, F1, G1, E3, F3, G3, E5, G5)", "error: --activities needs a value", "error: --policies <file> is required (or --sigma, or --system-policies)"],
            run.ErrorLines.TakeWhile(l => l.StartsWith("error: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Plan_names_and_the_equals_form_are_accepted()
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", EveryTimePolicy);
        var activities = dir.File("a.jsonl", Line("a1", "2026-03-01T09:00:00Z") + "\n");

        var run = ReplayHost.Run($"--policies={policies}", "--activities", activities, "--plan", "g3");

        Assert.Equal(0, run.ExitCode);
        Assert.Single(run.Lines);
    }

    [Fact]
    public void Help_prints_the_usage_and_exits_0()
    {
        var run = ReplayHost.Run("--help");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("usage: ", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_files_exit_2_naming_the_file()
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", EveryTimePolicy);

        var noPolicies = ReplayHost.Run("--policies", dir.File("missing.json"), "--activities", "-");
        var noActivities = ReplayHost.Run("--policies", policies, "--activities", dir.File("missing.jsonl"));
        var badOut = ReplayHost.Run(["--policies", policies, "--activities", "-", "--out", Path.Combine(dir.Path, "no-such-dir", "out.jsonl")], "");

        Assert.Equal(2, noPolicies.ExitCode);
        Assert.StartsWith("error: --policies: cannot read '", noPolicies.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal(2, noActivities.ExitCode);
        Assert.StartsWith("error: --activities: cannot read '", noActivities.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal(2, badOut.ExitCode);
        Assert.StartsWith("error: --out: cannot write '", badOut.ErrorLines[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_policies_exit_2_listing_every_error_with_its_path_and_evaluate_nothing()
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", """
            [{"id":"a","name":"A","category":"Others","severity":"Low","activities":["X"],"trigger":{"type":"threshold","count":0,"window":"PT1H"}},
             {"id":"b","category":"Others","severity":"Loud","activities":["X"],"colour":"red"}]
            """);

        var run = ReplayHost.Run(["--policies", policies, "--activities", "-"], Line("a1", "2026-03-01T09:00:00Z", "X"));

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains(run.ErrorLines, l => l.StartsWith(policies + ": policies[0].trigger.count: ", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.StartsWith(policies + ": policies[1].name: ", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.StartsWith(policies + ": policies[1].severity: ", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.StartsWith(policies + ": policies[1].colour: ", StringComparison.Ordinal));
        Assert.DoesNotContain(run.ErrorLines, l => l.StartsWith("activities read", StringComparison.Ordinal));
    }

    [Fact]
    public void A_threshold_policy_under_a_standard_plan_is_a_policy_error()
    {
        var run = ReplayHost.Run(["--policies", ReplayHost.SamplePolicies, "--activities", "-", "--plan", "E3"], "");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.ErrorLines, l => l.Contains(": policies[3].trigger", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.Contains(": policies[5].trigger", StringComparison.Ordinal));
    }

    [Fact]
    public void An_invalid_activity_line_exits_3_naming_file_and_line_and_stops_evaluation()
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", EveryTimePolicy);
        var activities = dir.File("a.jsonl", string.Join("\n",
            Line("a1", "2026-03-01T09:00:00Z"),
            """{"id":"a2","time":"soon","operation":"MailRedirect"}""",
            Line("a3", "2026-03-01T09:05:00Z"),
            "{broken",
            Line("a5", "2026-03-01T09:10:00Z")));

        var run = ReplayHost.Run("--policies", policies, "--activities", activities);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains($"{activities}:2: time: not an ISO-8601 time: 'soon'", run.ErrorLines);
        Assert.Contains(run.ErrorLines, l => l.StartsWith($"{activities}:4: not valid JSON", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.Contains("--skip-invalid", StringComparison.Ordinal));
        Assert.Equal("activities read: 3, duplicates: 0, late: 0, invalid: 2, detections: 1, alerts: 0", run.SummaryLine);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public void Skip_invalid_reports_bad_lines_skips_them_and_exits_0()
    {
        var stdin = string.Join("\n",
            Line("a1", "2026-03-01T09:00:00Z"),
            """{"id":"a2","operation":"MailRedirect","userId":7}""",
            "",
            Line("a3", "2026-03-01T09:05:00Z"),
            "\u0000\u0001binary");

        using var dir = new TempDir();
        var run = ReplayHost.Run(["--policies", dir.File("p.json", EveryTimePolicy), "--activities", "-", "--skip-invalid"], stdin);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("stdin:2: time: required", run.ErrorLines);
        Assert.Contains("stdin:2: userId: must be a string, not a number", run.ErrorLines);
        Assert.Contains(run.ErrorLines, l => l.StartsWith("stdin:5: contains a NUL byte", StringComparison.Ordinal));
        Assert.Equal(["fwd:a1", "fwd:a3"], run.Alerts.Select(a => a.GetProperty("id").GetString()));
        Assert.Equal("activities read: 2, duplicates: 0, late: 0, invalid: 2, detections: 2, alerts: 2", run.SummaryLine);
    }
}
