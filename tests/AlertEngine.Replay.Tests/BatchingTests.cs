namespace AlertEngine.Replay.Tests;

/// <summary>
/// The replay evaluates activities in batches (1,024 lines) and sends each batch's alert changes to its order buffer,
/// which keeps one alert per output key (creation time, policy id, id). Two alerts may share an id: an activity id
/// reused beyond the duplicate horizon (24 hours) opens a second alert with the same id and a later creation time. The
/// output must not depend on whether such alerts fall in one batch or in two (the reverted det-16 merged them within a
/// batch, keeping one alert per id).
/// </summary>
public class BatchingTests
{
    private const string Policies = """
        [
          {"id":"b-none","name":"B","category":"Others","severity":"Low","activities":["Share"],"aggregation":{"mode":"none"}},
          {"id":"c-agg","name":"C","category":"Others","severity":"Low","activities":["Share"],"aggregation":{"interval":"PT1M"}}
        ]
        """;

    private static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static string Line(string id, DateTimeOffset time, string operation) =>
        $$"""{"id":"{{id}}","time":"{{time:yyyy-MM-ddTHH:mm:ssZ}}","operation":"{{operation}}","userId":"u@contoso.com"}""";

    /// <summary>Activities s1, s2 shared on day 1, then again with the same ids 25 hours later (beyond the duplicate
    /// horizon), with <paramref name="filler"/> unmatched lines between the days (enough to put the days in different
    /// batches, or none: all in one batch), and a last line a day later that makes every alert final.</summary>
    private static string Activities(int filler)
    {
        var lines = new List<string>
        {
            Line("s1", Start, "Share"),
            Line("s2", Start.AddSeconds(10), "Share"),
        };
        for (var i = 0; i < filler; i++)
        {
            lines.Add(Line("f" + i, Start.AddMinutes(1).AddSeconds(i), "Other"));
        }

        lines.Add(Line("s1", Start.AddHours(25), "Share"));
        lines.Add(Line("s2", Start.AddHours(25).AddSeconds(10), "Share"));
        lines.Add(Line("s3", Start.AddHours(25).AddSeconds(20), "Share"));
        lines.Add(Line("x", Start.AddHours(50), "Other"));
        return string.Join("\n", lines) + "\n";
    }

    [Theory]
    [InlineData("1")]
    [InlineData("2")]
    public void Alerts_that_share_an_id_stay_apart_whether_or_not_they_fall_in_one_batch(string threads)
    {
        using var dir = new TempDir();
        var policies = dir.File("p.json", Policies);

        var oneBatch = ReplayHost.Run("--policies", policies, "--activities", dir.File("one.jsonl", Activities(0)), "--threads", threads);
        var twoBatches = ReplayHost.Run("--policies", policies, "--activities", dir.File("two.jsonl", Activities(1500)), "--threads", threads);

        Assert.Equal(0, oneBatch.ExitCode);
        Assert.Equal(0, twoBatches.ExitCode);
        string[] expected =
        [
            "b-none:s1 2026-03-01T09:00:00", "c-agg:s1 2026-03-01T09:00:00",
            "b-none:s2 2026-03-01T09:00:10",
            "b-none:s1 2026-03-02T10:00:00", "c-agg:s1 2026-03-02T10:00:00",
            "b-none:s2 2026-03-02T10:00:10",
            "b-none:s3 2026-03-02T10:00:20",
        ];
        Assert.Equal(expected, Keys(oneBatch));
        Assert.Equal(expected, Keys(twoBatches));
        Assert.Equal(oneBatch.Stdout, twoBatches.Stdout);
        Assert.Equal([2, 3], oneBatch.Alerts.Where(a => a.GetProperty("policyId").GetString() == "c-agg").Select(a => a.GetProperty("hitCount").GetInt32()));
    }

    private static string[] Keys(ReplayRun run) =>
        [.. run.Alerts.Select(a => a.GetProperty("id").GetString() + " " + a.GetProperty("createdAt").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture))];
}
