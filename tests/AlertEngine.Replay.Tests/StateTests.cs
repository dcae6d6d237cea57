using System.Diagnostics;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Replay.Tests;

/// <summary>The <c>--state</c> contract of ../shared/spec/interchange.md, on the bundled sample tenant.</summary>
public class StateTests
{
    private static readonly string[] SampleLines = File.ReadAllLines(ReplayHost.SampleActivities);
    private static readonly Lazy<Dictionary<string, string>> Whole = new(() =>
    {
        var run = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities);
        Assert.Equal(0, run.ExitCode);
        return ById(run.Lines);
    });

    private static Dictionary<string, string> ById(IEnumerable<string> lines) =>
        lines.ToDictionary(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!, StringComparer.Ordinal);

    private static ReplayRun Part(TempDir dir, string state, IEnumerable<string> lines, string name = "part.jsonl", params string[] extra)
    {
        var file = dir.File(name, string.Join('\n', lines) + "\n");
        return ReplayHost.Run(["--policies", ReplayHost.SamplePolicies, "--activities", file, "--state", state, .. extra]);
    }

    [Property(MaxTest = 12)]
    public Property A_file_replayed_part_by_part_with_one_state_file_gives_the_alerts_of_one_replay_once_merged_by_id() =>
        Prop.ForAll(Arb.From(Gen.ListOf(Gen.Choose(0, SampleLines.Length)).Select(c => c.Take(4).Distinct().Order().ToArray())), cuts =>
        {
            using var dir = new TempDir();
            var state = dir.File("state.bin");
            var merged = new Dictionary<string, string>(StringComparer.Ordinal);
            var bounds = cuts.Prepend(0).Append(SampleLines.Length).ToArray();
            for (var p = 0; p + 1 < bounds.Length; p++)
            {
                var run = Part(dir, state, SampleLines[bounds[p]..bounds[p + 1]]);
                Assert.True(run.ExitCode == 0, run.ToString());
                foreach (var (id, line) in ById(run.Lines))
                {
                    merged[id] = line;
                }
            }

            Assert.Equal(Whole.Value.OrderBy(p => p.Key, StringComparer.Ordinal), merged.OrderBy(p => p.Key, StringComparer.Ordinal));
        });

    [Fact]
    public void The_output_lists_only_the_alerts_created_or_changed_in_this_run()
    {
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        var half = SampleLines.Length / 2;
        var first = Part(dir, state, SampleLines[..half]);
        var second = Part(dir, state, SampleLines[half..]);
        var empty = Part(dir, state, [], "empty.jsonl");

        Assert.Equal(0, second.ExitCode);
        Assert.NotEmpty(first.Lines);
        Assert.NotEmpty(second.Lines);
        Assert.True(first.Lines.Count + second.Lines.Count >= Whole.Value.Count);
        Assert.True(second.Lines.Count < Whole.Value.Count, "the second part repeated alerts it did not change");
        Assert.Equal(0, empty.ExitCode);
        Assert.Empty(empty.Lines);
    }

    [Fact]
    public void A_part_rerun_from_the_earlier_state_gives_the_same_output_and_state()
    {
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        var third = SampleLines.Length / 3;
        Assert.Equal(0, Part(dir, state, SampleLines[..third]).ExitCode);
        var earlier = File.ReadAllBytes(state);

        var run = Part(dir, state, SampleLines[third..]);
        var saved = File.ReadAllBytes(state);
        File.WriteAllBytes(state, earlier); // as if the process had crashed before saving
        var rerun = Part(dir, state, SampleLines[third..]);

        Assert.Equal(run.Stdout, rerun.Stdout);
        Assert.Equal(saved, File.ReadAllBytes(state));
    }

    [Fact]
    public void Activities_delivered_again_after_a_restart_are_duplicates_and_change_nothing()
    {
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        var half = SampleLines.Length / 2;
        Assert.Equal(0, Part(dir, state, SampleLines[..half]).ExitCode);
        var again = Part(dir, state, SampleLines[(half - 200)..half]);

        Assert.Equal(0, again.ExitCode);
        Assert.Empty(again.Lines);
        Assert.Contains("duplicates: 200,", again.SummaryLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    public void A_corrupt_state_file_is_exit_code_2_and_left_as_it_was(string damage)
    {
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        Assert.Equal(0, Part(dir, state, SampleLines[..100]).ExitCode);
        var bytes = File.ReadAllBytes(state);
        var bad = damage == "garbage" ? "not a state file"u8.ToArray() : bytes[..(bytes.Length - 3)];
        File.WriteAllBytes(state, bad);

        var run = Part(dir, state, SampleLines[100..200]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--state", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("not a usable state file", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(bad, File.ReadAllBytes(state));
        Assert.Empty(run.Lines);
    }

    [Fact]
    public void A_changed_policy_starts_from_empty_state_and_is_listed_on_stderr()
    {
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        Assert.Equal(0, Part(dir, state, SampleLines[..500]).ExitCode);
        var policies = JsonDocument.Parse(File.ReadAllText(ReplayHost.SamplePolicies)).RootElement.EnumerateArray().ToList();
        var firstId = policies[0].GetProperty("id").GetString();
        var changed = "[" + string.Join(",", policies.Skip(1).Select(p => p.GetRawText())) + "]";
        var file = dir.File("activities.jsonl", string.Join('\n', SampleLines[500..600]) + "\n");

        var run = ReplayHost.Run("--policies", dir.File("policies.json", changed), "--activities", file, "--state", state);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"--state: policy {firstId}: no policy has this id any more", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_run_does_not_save_the_state()
    {
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        Assert.Equal(0, Part(dir, state, SampleLines[..100]).ExitCode);
        var earlier = File.ReadAllBytes(state);

        var run = Part(dir, state, [.. SampleLines[100..200], "{not json"]);

        Assert.Equal(3, run.ExitCode);
        Assert.Equal(earlier, File.ReadAllBytes(state));
    }

    /// <summary>A real child process killed with SIGKILL at moments spread over its run (start, reading, saving):
    /// the state file is always either the earlier one or the complete new one, and resuming from it works.</summary>
    [Fact]
    public void A_SIGKILL_at_any_moment_leaves_a_usable_state_file()
    {
        using var dir = new TempDir();
        var state = dir.File("state.bin");
        var half = SampleLines.Length / 2;
        Assert.Equal(0, Part(dir, state, SampleLines[..half]).ExitCode);
        var earlier = File.ReadAllBytes(state);
        var rest = dir.File("rest.jsonl", string.Join('\n', SampleLines[half..]) + "\n");
        File.Copy(state, dir.File("expected.bin"), overwrite: true);
        var complete = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", rest, "--state", dir.File("expected.bin"));
        Assert.Equal(0, complete.ExitCode);
        var completeState = File.ReadAllBytes(dir.File("expected.bin"));

        var dll = Path.Combine(AppContext.BaseDirectory, "alertengine-replay.dll");
        Assert.True(File.Exists(dll), dll);
        var sawEarlier = 0;
        var sawComplete = 0;
        var timer = Stopwatch.StartNew();
        using (var probe = Start(dll, rest, state))
        {
            probe.WaitForExit();
        }

        var runTime = timer.Elapsed;
        // Kill at moments spread from the start to well past the measured run time (a loaded machine runs slower than
        // the probe), then once more without a kill, so both outcomes are seen whatever the load.
        for (var attempt = 0; attempt <= 12; attempt++)
        {
            File.WriteAllBytes(state, earlier);
            using var child = Start(dll, rest, state);
            if (attempt < 12)
            {
                Thread.Sleep(TimeSpan.FromTicks(runTime.Ticks * attempt / 6));
                try
                {
                    child.Kill(); // SIGKILL on Unix
                }
                catch (InvalidOperationException)
                {
                    // It had already exited.
                }
            }

            child.WaitForExit();
            var now = File.ReadAllBytes(state);
            if (now.AsSpan().SequenceEqual(earlier))
            {
                sawEarlier++;

                // Resuming works: from the earlier state the rest gives the uninterrupted output.
                var resumed = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", rest, "--state", state);
                Assert.Equal(complete.Stdout, resumed.Stdout);
            }
            else
            {
                Assert.Equal(completeState, now);
                sawComplete++;
            }
        }

        Assert.True(sawEarlier > 0 && sawComplete > 0, $"kills hit {sawEarlier} runs before the save and {sawComplete} after");
    }

    private static Process Start(string dll, string activities, string state)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", dll, "--policies", ReplayHost.SamplePolicies, "--activities", activities, "--state", state })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
