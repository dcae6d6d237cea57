using System.Globalization;

namespace AlertEngine.Replay.Tests;

/// <summary>
/// The spec: an activity dated more than the future tolerance (default one day) ahead of the wall clock is invalid: it
/// is reported like a bad line (exit code 3, or skipped with --skip-invalid) and never moves the engine's clock.
/// </summary>
public class FutureActivityTests
{
    private const string EveryTimePolicy = """[{"id":"fwd","name":"Forwarding","category":"ThreatManagement","severity":"High","activities":["MailRedirect"]}]""";

    private static string Line(string id, string time) =>
        $$"""{"id":"{{id}}","time":"{{time}}","operation":"MailRedirect","userId":"alice@contoso.com"}""";

    private static string Input(params string[] lines) => string.Join("\n", lines) + "\n";

    private static string FromNow(TimeSpan offset) =>
        DateTimeOffset.UtcNow.Add(offset).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Ids(ReplayRun run) => string.Join(" ", run.Alerts.Select(a => a.GetProperty("id").GetString()));

    [Fact]
    public void One_activity_at_the_end_of_time_is_skipped_and_later_activities_are_still_evaluated()
    {
        // The example: before, the clock moved to 9999-12-31 and every later activity was late.
        using var dir = new TempDir();
        var activities = dir.File("a.jsonl", Input(
            Line("a1", "2026-03-01T09:00:00Z"),
            Line("bad", "9999-12-31T23:59:59Z"),
            Line("a3", "2026-03-01T09:05:00Z"),
            Line("a4", "2026-03-01T09:10:00Z")));

        var run = ReplayHost.Run("--policies", dir.File("p.json", EveryTimePolicy), "--activities", activities, "--skip-invalid");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("fwd:a1 fwd:a3 fwd:a4", Ids(run));
        Assert.Contains(run.ErrorLines, l => l.StartsWith(
            $"{activities}:2: time: 9999-12-31T23:59:59.0000000+00:00 is more than the future tolerance (1.00:00:00) ahead of the wall clock (",
            StringComparison.Ordinal));
        Assert.DoesNotContain(run.ErrorLines, l => l.Contains(": late", StringComparison.Ordinal));
        Assert.Equal("activities read: 3, duplicates: 0, late: 0, invalid: 1, detections: 3, alerts: 3", run.SummaryLine);
    }

    [Fact]
    public void Without_skip_invalid_a_future_activity_exits_3_and_stops_evaluation_like_a_bad_line()
    {
        using var dir = new TempDir();
        var activities = dir.File("a.jsonl", Input(
            Line("a1", "2026-03-01T09:00:00Z"),
            Line("bad", "9999-12-31T23:59:59Z"),
            Line("a3", "2026-03-01T09:05:00Z")));
        var output = dir.File("out.jsonl");

        var run = ReplayHost.Run("--policies", dir.File("p.json", EveryTimePolicy), "--activities", activities, "--out", output);

        Assert.Equal(3, run.ExitCode);
        Assert.Contains(run.ErrorLines, l => l.StartsWith($"{activities}:2: time: ", StringComparison.Ordinal));
        Assert.Contains(run.ErrorLines, l => l.Contains("--skip-invalid", StringComparison.Ordinal));
        Assert.False(File.Exists(output));
        Assert.Equal("activities read: 2, duplicates: 0, late: 0, invalid: 1, detections: 1, alerts: 0", run.SummaryLine);
    }

    [Fact]
    public void With_sort_a_future_activity_is_invalid_too_and_never_evaluated()
    {
        using var dir = new TempDir();
        var stdin = Input(
            Line("a4", "2026-03-01T09:10:00Z"),
            Line("bad", "9999-12-31T23:59:59Z"),
            Line("a1", "2026-03-01T09:00:00Z"));

        var run = ReplayHost.Run(["--policies", dir.File("p.json", EveryTimePolicy), "--activities", "-", "--sort", "--skip-invalid"], stdin);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("fwd:a1 fwd:a4", Ids(run));
        Assert.Contains(run.ErrorLines, l => l.StartsWith("stdin:2: time: ", StringComparison.Ordinal));
        Assert.Equal("activities read: 2, duplicates: 0, late: 0, invalid: 1, detections: 2, alerts: 2", run.SummaryLine);
    }

    [Fact]
    public void Activities_within_a_day_of_the_wall_clock_are_evaluated_and_beyond_it_are_invalid()
    {
        using var dir = new TempDir();
        var stdin = Input(
            Line("soon", FromNow(TimeSpan.FromHours(1))),
            Line("far", FromNow(TimeSpan.FromDays(2))));

        var run = ReplayHost.Run(["--policies", dir.File("p.json", EveryTimePolicy), "--activities", "-", "--skip-invalid"], stdin);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("fwd:soon", Ids(run));
        Assert.Contains(run.ErrorLines, l => l.StartsWith("stdin:2: time: ", StringComparison.Ordinal));
        Assert.Equal("activities read: 1, duplicates: 0, late: 0, invalid: 1, detections: 1, alerts: 1", run.SummaryLine);
    }
}
