using System.Text.Json;

namespace AlertEngine.Replay.Tests;

/// <summary>The replay command's <c>--sigma &lt;file|folder&gt;</c> option (../shared/spec/interchange.md, "Sigma rules").</summary>
public class SigmaTests
{
    private const string Forwarding = """
        title: Inbox rule forwards mail
        id: sigma-forwarding
        status: test
        level: high
        logsource:
            product: m365
            service: exchange
        detection:
            sel:
                Operation: New-InboxRule
                Parameters|contains: ForwardTo
            condition: sel
        """;

    private const string Deletions = """
        title: File deleted
        id: sigma-deleted
        name: deleted
        logsource:
            product: m365
        detection:
            sel:
                Operation: FileDeleted
            condition: sel
        ---
        title: Deleted then forwarded
        id: sigma-delete-then-forward
        level: critical
        correlation:
            type: temporal_ordered
            rules: [deleted, sigma-forwarding]
            group-by: [UserId]
            timespan: 10m
        """;

    private const string Broken = """
        title: Broken rule
        id: sigma-broken
        logsource:
            product: m365
        detection:
            sel:
                Operation: X
                UserId|base65: alice
            condition: sel
        """;

    private const string Activities = """
        {"CreationTime":"2026-03-01T09:00:00","Id":"r1","Operation":"FileDeleted","Workload":"SharePoint","UserId":"alice@contoso.com","ObjectId":"https://contoso.sharepoint.com/sites/hr/a.docx"}
        {"CreationTime":"2026-03-01T09:02:00","Id":"r2","Operation":"New-InboxRule","Workload":"Exchange","UserId":"alice@contoso.com","ClientIP":"203.0.113.7:4431","Parameters":[{"Name":"ForwardTo","Value":"drop@evil.example"}]}
        {"CreationTime":"2026-03-01T09:03:00","Id":"r3","Operation":"New-InboxRule","Workload":"Exchange","UserId":"bob@contoso.com","Parameters":[{"Name":"MoveToFolder","Value":"Archive"}]}
        """;

    private static (TempDir Dir, string Rules, string Activities) Setup(params (string Name, string Yaml)[] files)
    {
        var dir = new TempDir();
        var rules = Path.Combine(dir.Path, "rules");
        Directory.CreateDirectory(Path.Combine(rules, "more"));
        foreach (var (name, yaml) in files)
        {
            File.WriteAllText(Path.Combine(rules, name), yaml);
        }

        return (dir, rules, dir.File("audit.jsonl", Activities.ReplaceLineEndings("\n") + "\n"));
    }

    [Fact]
    public void Sigma_rules_from_a_folder_alert_as_policies()
    {
        var (dir, rules, activities) = Setup(("forwarding.yml", Forwarding), ("more/deletions.yaml", Deletions), ("notes.txt", "not a rule"));
        using var _ = dir;
        var run = ReplayHost.Run("--sigma", rules, "--activities", activities);
        Assert.True(run.ExitCode == 0, run.ToString());
        var alerts = run.Alerts.Select(a => (a.GetProperty("policyId").GetString(), a.GetProperty("severity").GetString(), a.GetProperty("category").GetString(), string.Join(",", a.GetProperty("activityIds").EnumerateArray().Select(x => x.GetString())))).ToList();
        // The rules a correlation references alert only through it (Sigma's generate defaults to false).
        Assert.Equal([("sigma-delete-then-forward", "High", "ThreatManagement", "r1,r2")], alerts);
    }

    [Fact]
    public void Sigma_is_repeatable_and_combines_with_policies()
    {
        var (dir, rules, activities) = Setup(("forwarding.yml", Forwarding));
        using var _ = dir;
        var other = dir.File("deletions.yml", Deletions.Replace("temporal_ordered", "event_count", StringComparison.Ordinal).Replace("    timespan: 10m", "    timespan: 10m\n    condition:\n        gte: 1", StringComparison.Ordinal).Replace("rules: [deleted, sigma-forwarding]", "rules: [deleted]", StringComparison.Ordinal));
        var run = ReplayHost.Run("--sigma", rules, "--sigma", other, "--policies", ReplayHost.SamplePolicies, "--activities", activities);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.Alerts, a => a.GetProperty("policyId").GetString() == "sigma-forwarding");
        Assert.Contains(run.Alerts, a => a.GetProperty("policyId").GetString() == "sigma-delete-then-forward");
    }

    [Fact]
    public void A_rule_that_cannot_be_loaded_is_exit_code_2_with_file_rule_and_reason()
    {
        var (dir, rules, activities) = Setup(("forwarding.yml", Forwarding), ("broken.yml", Broken));
        using var _ = dir;
        var run = ReplayHost.Run("--sigma", rules, "--activities", activities);
        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains(run.ErrorLines, l => l.Contains("broken.yml:8: rule sigma-broken \"Broken rule\": field 'UserId': unknown modifier 'base65'", StringComparison.Ordinal));
    }

    [Fact]
    public void With_skip_invalid_a_bad_rule_is_reported_and_skipped()
    {
        var (dir, rules, activities) = Setup(("forwarding.yml", Forwarding), ("broken.yml", Broken), ("bad-yaml.yml", "title: [unclosed\n"));
        using var _ = dir;
        var run = ReplayHost.Run("--sigma", rules, "--activities", activities, "--skip-invalid");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(run.ErrorLines, l => l.Contains("sigma-broken", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.Contains("bad-yaml.yml", StringComparison.Ordinal) && l.Contains("not valid YAML", StringComparison.Ordinal));
        Assert.Equal(["sigma-forwarding"], run.Alerts.Select(a => a.GetProperty("policyId").GetString()));
    }

    [Fact]
    public void A_correlation_under_a_standard_plan_is_an_error()
    {
        var (dir, rules, activities) = Setup(("forwarding.yml", Forwarding), ("deletions.yml", Deletions));
        using var _ = dir;
        var run = ReplayHost.Run("--sigma", rules, "--activities", activities, "--plan", "E3");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.ErrorLines, l => l.Contains("sigma-delete-then-forward", StringComparison.Ordinal) && l.Contains("advanced plan", StringComparison.Ordinal));
    }

    [Fact]
    public void Expand_placeholders_come_from_the_sigma_options_file()
    {
        var rule = Forwarding.Replace("Parameters|contains: ForwardTo", "UserId|expand: '%watched%'", StringComparison.Ordinal);
        var (dir, rules, activities) = Setup(("watched.yml", rule));
        using var _ = dir;
        var options = dir.File("sigma-options.yml", "placeholders:\n  watched: ['bob@*']\n");
        var run = ReplayHost.Run("--sigma", rules, "--sigma-options", options, "--activities", activities);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(["r3"], run.Alerts.SelectMany(a => a.GetProperty("activityIds").EnumerateArray().Select(x => x.GetString())));

        var missing = ReplayHost.Run("--sigma", rules, "--activities", activities);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("%watched%", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void State_works_with_sigma_policies()
    {
        var (dir, rules, _) = Setup(("forwarding.yml", Forwarding), ("deletions.yml", Deletions));
        using var __ = dir;
        var lines = Activities.ReplaceLineEndings("\n").Split('\n');
        var state = dir.File("state.bin");
        var first = ReplayHost.Run("--sigma", rules, "--activities", dir.File("p1.jsonl", lines[0] + "\n"), "--state", state);
        Assert.True(first.ExitCode == 0, first.ToString());
        var second = ReplayHost.Run("--sigma", rules, "--activities", dir.File("p2.jsonl", lines[1] + "\n" + lines[2] + "\n"), "--state", state);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains(second.Alerts, a => a.GetProperty("policyId").GetString() == "sigma-delete-then-forward");
    }

    [Fact]
    public void List_policies_writes_sigma_detection_rules_and_refuses_what_json_cannot_say()
    {
        var (dir, rules, _) = Setup(("forwarding.yml", Forwarding));
        using var _ = dir;
        var run = ReplayHost.Run("--list-policies", "--sigma", rules);
        Assert.True(run.ExitCode == 0, run.ToString());
        var policy = Assert.Single(JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray());
        Assert.Equal("Inbox rule forwards mail", policy.GetProperty("name").GetString());

        File.WriteAllText(Path.Combine(rules, "deletions.yml"), Deletions);
        var refused = ReplayHost.Run("--list-policies", "--sigma", rules);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("sigma-delete-then-forward", refused.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Sigma_policies_give_the_same_output_on_every_number_of_threads()
    {
        var (dir, rules, activities) = Setup(("forwarding.yml", Forwarding), ("deletions.yml", Deletions));
        using var _ = dir;
        var one = ReplayHost.Run("--sigma", rules, "--activities", activities, "--threads", "1");
        var three = ReplayHost.Run("--sigma", rules, "--activities", activities, "--threads", "3");
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.NotEmpty(one.Lines);
        Assert.Equal(one.Stdout, three.Stdout);
    }
}
