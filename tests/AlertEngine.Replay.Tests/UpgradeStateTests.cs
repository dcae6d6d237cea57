using System.Text.Json;

namespace AlertEngine.Replay.Tests;

/// <summary>
/// Upgrading across the anomaly default (flip-16: the population model replaced the per-key model as
/// <see cref="AlertEngineOptions.AnomalyModel"/>'s default). <c>Data/state-0a760ae-sample-first-2000.bin</c> is the
/// <c>--state</c> file the previous release's replay (main 0a760ae, a Release build, whose default was the per-key model)
/// saved after the first 2,000 lines of the bundled sample:
/// <c>alertengine-replay --policies samples/data/policies.json --activities first-2000.jsonl --state state.bin</c>.
/// </summary>
public class UpgradeStateTests
{
    private const int Cut = 2000;
    private static readonly string[] SampleLines = File.ReadAllLines(ReplayHost.SampleActivities);

    private static string Saved => Path.Combine(ReplayHost.RepoRoot, "tests", "AlertEngine.Replay.Tests", "Data", "state-0a760ae-sample-first-2000.bin");

    private static Dictionary<string, string> ById(IEnumerable<string> lines) =>
        lines.ToDictionary(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!, StringComparer.Ordinal);

    /// <summary>This build's per-key model writes the previous default's state byte for byte: the per-key model and the
    /// checkpoint format it writes (anomaly format 1) did not change.</summary>
    [Fact]
    public void The_per_key_option_writes_the_previous_defaults_state_byte_for_byte()
    {
        Assert.SkipWhen(ReplayHost.ExternalExecutable is not null, "The options hook runs in-process only.");
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        var part = dir.File("first.jsonl", string.Join('\n', SampleLines[..Cut]) + "\n");
        var run = ReplayHost.Run(["--policies", ReplayHost.SamplePolicies, "--activities", part, "--state", state], "", o => o.AnomalyModel = AnomalyModel.PerKey);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(File.ReadAllBytes(Saved), File.ReadAllBytes(state));
    }

    /// <summary>The previous default's state resumes under the default (the population model) without skipping a
    /// policy (the anomaly policy's keys keep their learning, docs/anomaly.md "Which model"), and the two parts, merged by
    /// alert id, give the alerts of one replay of the whole sample under the default (the --state contract, across the
    /// upgrade, on this sample).</summary>
    [Fact]
    public void A_state_saved_by_the_previous_default_resumes_under_the_default_with_the_alerts_of_one_replay()
    {
        Assert.SkipWhen(ReplayHost.ExternalExecutable is not null, "The options hook runs in-process only.");
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        File.Copy(Saved, state);
        var first = ReplayHost.Run(["--policies", ReplayHost.SamplePolicies, "--activities", dir.File("first.jsonl", string.Join('\n', SampleLines[..Cut]) + "\n")], "", o => o.AnomalyModel = AnomalyModel.PerKey);
        Assert.True(first.ExitCode == 0, first.ToString());
        var second = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", dir.File("rest.jsonl", string.Join('\n', SampleLines[Cut..]) + "\n"), "--state", state);
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.DoesNotContain(second.ErrorLines, l => l.StartsWith("--state:", StringComparison.Ordinal));
        Assert.Contains(second.Alerts, a => a.GetProperty("policyId").GetString() == "unusual-external-sharing");

        var merged = ById(first.Lines);
        foreach (var (id, line) in ById(second.Lines))
        {
            merged[id] = line;
        }

        var whole = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities);
        Assert.Equal(ById(whole.Lines).OrderBy(p => p.Key, StringComparer.Ordinal), merged.OrderBy(p => p.Key, StringComparer.Ordinal));

        // The state it saved is the default's (the grid's anomaly state), not the one it read.
        Assert.NotEqual(File.ReadAllBytes(Saved), File.ReadAllBytes(state));
    }
}
