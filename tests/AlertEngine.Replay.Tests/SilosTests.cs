using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Replay.Tests;

/// <summary>
/// The <c>--silos</c> contract of ../shared/spec/interchange.md: a replay on an Orleans cluster of N silos started in
/// the process on localhost gives output byte-identical to the replay without it, for every policy kind and option.
/// Each run starts a real cluster (seconds), so the cases are few.
/// </summary>
public class SilosTests
{
    private static readonly Lazy<string> Policies = new(() =>
    {
        // In the test output directory (not the system temp directory, where a file per run would pile up).
        var path = Path.Combine(AppContext.BaseDirectory, "silos-every-kind-policies.json");
        File.WriteAllText(path, ReplayPolicies.EveryKind);
        return path;
    });

    [Fact]
    public void The_bundled_tenant_gives_byte_identical_output_and_summary_on_two_silos()
    {
        SkipWithoutSilos();
        var plain = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--threads", "1");
        var silos = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--silos", "2");
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.True(silos.ExitCode == 0, silos.ToString());
        Assert.NotEmpty(plain.Lines);
        Assert.Equal(plain.Stdout, silos.Stdout);
        Assert.Equal(plain.SummaryLine, silos.SummaryLine);
    }

    [Theory]
    [InlineData("1", false)]
    [InlineData("3", true)]
    public void Every_trigger_kind_fires_and_gives_byte_identical_output(string silos, bool sort)
    {
        SkipWithoutSilos();
        string[] options = sort ? ["--sort"] : [];
        var plain = ReplayHost.Run(["--policies", Policies.Value, "--activities", ReplayHost.SampleActivities, "--threads", "1", .. options]);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        var fired = plain.Alerts.Select(a => a.GetProperty("policyId").GetString()).ToHashSet();
        Assert.Equal(["anomaly", "distinct", "every", "every-agg", "new-ip", "silence", "spike", "sum", "threshold"], fired.Order());
        var cluster = ReplayHost.Run(["--policies", Policies.Value, "--activities", ReplayHost.SampleActivities, "--silos", silos, .. options]);
        Assert.True(cluster.ExitCode == 0, cluster.ToString());
        Assert.Equal(plain.Stdout, cluster.Stdout);
        Assert.Equal(plain.SummaryLine, cluster.SummaryLine);
    }

    [Fact]
    public void System_policies_under_a_standard_plan_give_byte_identical_output()
    {
        SkipWithoutSilos();
        string[] args = ["--system-policies", "--plan", "E3", "--activities", ReplayHost.SampleActivities];
        var plain = ReplayHost.Run([.. args, "--threads", "1"]);
        var cluster = ReplayHost.Run([.. args, "--silos", "2"]);
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.NotEmpty(plain.Lines);
        Assert.Equal(plain.Stdout, cluster.Stdout);
        Assert.Equal(plain.SummaryLine, cluster.SummaryLine);
    }

    [Property(MaxTest = 3)]
    public Property Generated_slices_give_byte_identical_output_on_any_number_of_silos() =>
        Prop.ForAll(Gen.Choose(0, 3000).ToArbitrary(), Gen.Choose(1, 3).ToArbitrary(), (start, silos) =>
        {
            var lines = File.ReadAllLines(ReplayHost.SampleActivities);
            var input = string.Join('\n', lines[start..Math.Min(lines.Length, start + 900)]) + "\n";
            var plain = ReplayHost.Run(["--policies", Policies.Value, "--activities", "-", "--threads", "1"], input);
            var cluster = ReplayHost.Run(["--policies", Policies.Value, "--activities", "-", "--silos", silos.ToString(CultureInfo.InvariantCulture)], input);
            if (ReplayHost.LacksSilos)
            {
                // A build without silos (the native build run out of process; a property cannot be skipped from
                // inside): it must refuse them, never evaluate without the cluster.
                Assert.Equal(2, cluster.ExitCode);
                Assert.Empty(cluster.Stdout);
                Assert.Contains("error: " + ReplayBuild.NoSilos, cluster.ErrorLines);
                return;
            }

            Assert.True(cluster.ExitCode == 0, cluster.ToString());
            Assert.Equal(plain.Stdout, cluster.Stdout);
            Assert.Equal(plain.SummaryLine, cluster.SummaryLine);
        });

    [Fact]
    public void A_state_file_moves_between_the_plain_engine_and_clusters()
    {
        SkipWithoutSilos();
        using var dir = new TempDir();
        var lines = File.ReadAllLines(ReplayHost.SampleActivities);
        var state = dir.File("state.bin");
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        var bounds = new[] { 0, lines.Length / 3, 2 * lines.Length / 3, lines.Length };
        string[][] engines = [["--silos", "2"], ["--threads", "1"], ["--silos", "1"]];
        for (var p = 0; p < 3; p++)
        {
            var part = dir.File($"part{p}.jsonl", string.Join('\n', lines[bounds[p]..bounds[p + 1]]) + "\n");
            var run = ReplayHost.Run(["--policies", Policies.Value, "--activities", part, "--state", state, .. engines[p]]);
            Assert.True(run.ExitCode == 0, run.ToString());
            foreach (var line in run.Lines)
            {
                merged[System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()!] = line;
            }
        }

        var whole = ReplayHost.Run("--policies", Policies.Value, "--activities", ReplayHost.SampleActivities, "--threads", "1");
        Assert.NotEmpty(whole.Lines);
        Assert.Equal(whole.Lines.Order(StringComparer.Ordinal), merged.Values.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("two")]
    [InlineData("65")]
    public void A_silo_count_outside_1_to_64_is_an_invalid_argument(string value)
    {
        var run = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--silos", value);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--silos", run.Stderr, StringComparison.Ordinal);
        Assert.Empty(run.Stdout);
    }

    [Fact]
    public void A_build_without_silos_refuses_them_as_an_invalid_argument()
    {
        var errors = new List<string>();
        var arguments = ReplayArguments.Parse(["--policies", "p.json", "--activities", "a.jsonl", "--silos", "2"], errors, silosAvailable: false);

        Assert.Equal([ReplayBuild.NoSilos], errors);
        Assert.Null(arguments.Silos);
        Assert.StartsWith("--silos is not available in the native (AOT) build", ReplayBuild.NoSilos, StringComparison.Ordinal);
    }

    [Fact]
    public void The_replay_run_by_the_tests_refuses_silos_only_if_its_build_has_none()
    {
        var run = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--silos", "1", "--bogus");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Equal(ReplayHost.LacksSilos, run.ErrorLines.Contains("error: " + ReplayBuild.NoSilos));
        Assert.Contains(run.ErrorLines, l => l.StartsWith("usage: ", StringComparison.Ordinal));
    }

    /// <summary>The native (AOT) build has no Orleans and refuses --silos (the test above): the cluster's tests are then
    /// skipped when the tests run that build out of process (<see cref="ReplayHost.ExternalExecutable"/>).</summary>
    private static void SkipWithoutSilos() =>
        Assert.SkipWhen(ReplayHost.LacksSilos, $"{ReplayHost.ExternalExecutable} is a build without --silos (the native build)");

    /// <summary>The spec promises the same output "for every policy kind and option": with --silos the silos
    /// partition the state, and --threads changes nothing.</summary>
    [Fact]
    public void Threads_with_silos_change_nothing()
    {
        SkipWithoutSilos();
        var plain = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--threads", "1");
        var run = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--silos", "2", "--threads", "2");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(plain.Stdout, run.Stdout);
    }
}
