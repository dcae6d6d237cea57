using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Replay.Tests;

/// <summary>The <c>--threads</c> contract of ../shared/spec/interchange.md: the output is byte-identical for every N.</summary>
public class ThreadsTests
{
    private static readonly Lazy<string> Policies = new(() =>
    {
        // In the test output directory (not the system temp directory, where a file per run would pile up).
        var path = Path.Combine(AppContext.BaseDirectory, "threads-every-kind-policies.json");
        File.WriteAllText(path, ReplayPolicies.EveryKind);
        return path;
    });

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void The_bundled_tenant_gives_byte_identical_output_and_summary_on_any_number_of_threads(int threads)
    {
        var one = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--threads", "1");
        var many = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, one.ExitCode);
        Assert.NotEmpty(one.Lines);
        Assert.Equal(one.Stdout, many.Stdout);
        Assert.Equal(one.SummaryLine, many.SummaryLine);
    }

    [Fact]
    public void Every_trigger_kind_fires_and_gives_byte_identical_output_on_any_number_of_threads()
    {
        var one = ReplayHost.Run("--policies", Policies.Value, "--activities", ReplayHost.SampleActivities, "--threads", "1");
        Assert.True(one.ExitCode == 0, one.ToString());
        var fired = one.Alerts.Select(a => a.GetProperty("policyId").GetString()).ToHashSet();
        Assert.Equal(["anomaly", "distinct", "every", "every-agg", "new-ip", "silence", "spike", "sum", "threshold"], fired.Order());
        foreach (var threads in new[] { "2", "3", "5" })
        {
            var many = ReplayHost.Run("--policies", Policies.Value, "--activities", ReplayHost.SampleActivities, "--threads", threads);
            Assert.Equal(one.Stdout, many.Stdout);
            Assert.Equal(one.SummaryLine, many.SummaryLine);
        }
    }

    [Property(MaxTest = 8)]
    public Property Sorted_replays_of_any_slice_give_byte_identical_output_on_any_number_of_threads() =>
        Prop.ForAll(Gen.Choose(0, 3000).ToArbitrary(), Gen.Choose(2, 6).ToArbitrary(), (start, threads) =>
        {
            var lines = File.ReadAllLines(ReplayHost.SampleActivities);
            var input = string.Join('\n', lines[start..Math.Min(lines.Length, start + 900)]) + "\n";
            var one = ReplayHost.Run(["--policies", Policies.Value, "--activities", "-", "--sort", "--threads", "1"], input);
            var many = ReplayHost.Run(["--policies", Policies.Value, "--activities", "-", "--sort", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)], input);
            Assert.Equal(0, one.ExitCode);
            Assert.Equal(one.Stdout, many.Stdout);
            Assert.Equal(one.SummaryLine, many.SummaryLine);
        });

    [Fact]
    public void A_state_file_moves_between_thread_counts()
    {
        using var dir = new TempDir();
        var lines = File.ReadAllLines(ReplayHost.SampleActivities);
        var state = dir.File("state.bin");
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        var bounds = new[] { 0, lines.Length / 3, 2 * lines.Length / 3, lines.Length };
        var threads = new[] { "3", "1", "2" };
        for (var p = 0; p < 3; p++)
        {
            var part = dir.File($"part{p}.jsonl", string.Join('\n', lines[bounds[p]..bounds[p + 1]]) + "\n");
            var run = ReplayHost.Run("--policies", Policies.Value, "--activities", part, "--state", state, "--threads", threads[p]);
            Assert.True(run.ExitCode == 0, run.ToString());
            foreach (var line in run.Lines)
            {
                merged[System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()!] = line;
            }
        }

        var whole = ReplayHost.Run("--policies", Policies.Value, "--activities", ReplayHost.SampleActivities, "--threads", "1");
        Assert.Equal(whole.Lines.Order(StringComparer.Ordinal), merged.Values.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("two")]
    public void Fewer_than_one_thread_is_an_invalid_argument(string value)
    {
        var run = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--threads", value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--threads", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }
}
