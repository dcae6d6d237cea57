namespace AlertEngine.Replay.Tests;

/// <summary>
/// The staged path of <c>--threads N</c> (StagedReplay): batches cross the stages at once on several threads, and the
/// replay still behaves as with one thread: the same output and summary, every invalid line reported with its line
/// number, evaluation stopped at the first one, cancellation.
/// </summary>
public partial class StagedReplayTests
{
    [Theory]
    [InlineData("2", false)]
    [InlineData("3", false)]
    [InlineData("2", true)]
    [InlineData("5", true)]
    public void Invalid_lines_across_batches_are_reported_with_their_line_numbers_as_with_one_thread(string threads, bool skipInvalid)
    {
        // Bad lines before, inside and after the first batches of 1,024 lines, and one beyond the future tolerance.
        var lines = File.ReadAllLines(ReplayHost.SampleActivities).Take(3000).ToList();
        lines[700] = "{broken";
        lines[1500] = """{"id":"x1","time":"soon","operation":"FileDeleted"}""";
        lines[1501] = """{"id":"x2","time":"2999-01-01T00:00:00Z","operation":"FileDeleted"}""";
        lines[2900] = "";
        var input = string.Join('\n', lines) + "\n";
        string[] args = ["--policies", ReplayHost.SamplePolicies, "--activities", "-", .. skipInvalid ? ["--skip-invalid"] : Array.Empty<string>()];

        var one = ReplayHost.Run([.. args, "--threads", "1"], input);
        var many = ReplayHost.Run([.. args, "--threads", threads], input);

        Assert.Equal(skipInvalid ? 0 : 3, one.ExitCode);
        Assert.Contains(one.ErrorLines, l => l.StartsWith("stdin:701: not valid JSON", StringComparison.Ordinal));
        Assert.Contains("stdin:1501: time: not an ISO-8601 time: 'soon'", one.ErrorLines);
        Assert.Contains(one.ErrorLines, l => l.StartsWith("stdin:1502: time: 2999-01-01T00:00:00", StringComparison.Ordinal));
        Assert.Equal(one.ExitCode, many.ExitCode);
        Assert.Equal(one.Stdout, many.Stdout);
        Assert.Equal(one.SummaryLine, many.SummaryLine);

        // The same messages (the wall clock's reading aside); only their interleaving with the engine's diagnostics may
        // follow the batches.
        Assert.Equal(Messages(one), Messages(many));
    }

    private static IEnumerable<string> Messages(ReplayRun run) =>
        run.ErrorLines.Select(l => WallClock().Replace(l, "wall clock (now)")).Order(StringComparer.Ordinal);

    [System.Text.RegularExpressions.GeneratedRegex(@"wall clock \([^)]*\)")]
    private static partial System.Text.RegularExpressions.Regex WallClock();

    [Fact]
    public void A_cancelled_replay_on_several_threads_exits_130_and_writes_no_output_file()
    {
        using var dir = new TempDir();
        var output = Path.Combine(dir.Path, "alerts.jsonl");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();

        var code = Program.Run(
            ["--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--out", output, "--threads", "2"],
            Stream.Null, stdout, stderr, cancelled.Token);

        Assert.Equal(130, code);
        Assert.False(File.Exists(output));
        Assert.Contains("cancelled", stderr.ToString(), StringComparison.Ordinal);
    }
}
