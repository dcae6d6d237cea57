using System.Globalization;
using System.Text;

namespace AlertEngine.Replay.Tests;

/// <summary>
/// The anomaly dispersion grid (the population model, the default <see cref="AlertEngineOptions.AnomalyModel"/>; the
/// per-key model set through the test-only hook <see cref="ReplayHost.Run(string[], string, Action{AlertEngineOptions})"/>)
/// on the replay's streaming path (<c>--threads N</c>, the partitioned engine's staged phases): the output is
/// byte-identical to one thread's.
/// </summary>
public class GridReplayTests
{
    private const string Policies = """
        [
          { "id": "grid-hourly", "name": "Downloads", "category": "ThreatManagement", "severity": "Medium", "activities": ["FileDownloaded"], "trigger": { "type": "anomaly", "scope": "user", "learningPeriod": "P1D", "sensitivity": "high", "bucket": "PT1H" }, "aggregation": { "mode": "none" } },
          { "id": "grid-15m", "name": "Downloads fast", "category": "ThreatManagement", "severity": "Medium", "activities": ["FileDownloaded"], "trigger": { "type": "anomaly", "scope": "user", "learningPeriod": "P1D", "sensitivity": "high", "bucket": "PT15M" }, "aggregation": { "mode": "none" } },
          { "id": "grid-deletes", "name": "Deletes", "category": "ThreatManagement", "severity": "Medium", "activities": ["FileDeleted"], "trigger": { "type": "anomaly", "scope": "user", "learningPeriod": "P1D", "sensitivity": "high", "bucket": "PT1H" }, "aggregation": { "mode": "none" } }
        ]
        """;

    private static readonly Lazy<string> PolicyFile = new(() =>
    {
        var path = Path.Combine(AppContext.BaseDirectory, "grid-replay-policies.json");
        File.WriteAllText(path, Policies);
        return path;
    });

    /// <summary>Five days of hourly traffic of 16 users with their own rate and burstiness (office hours busier) and
    /// bursts, a fifth of it deletions, in time order.</summary>
    private static string Activities(int seed)
    {
        var random = new Random(seed);
        var origin = new DateTimeOffset(2026, 3, 1, 17, 0, 0, TimeSpan.Zero);
        var rates = Enumerable.Range(0, 16).Select(_ => 2 + (8 * random.NextDouble())).ToArray();
        var spread = Enumerable.Range(0, 16).Select(_ => 0.2 + (0.7 * random.NextDouble())).ToArray();
        var text = new StringBuilder();
        var n = 0;
        for (var hour = 0; hour < 5 * 24; hour++)
        {
            var start = origin.AddHours(hour);
            var shape = start.Hour is >= 8 and < 18 ? 1.0 : 0.2;
            var events = new List<(long Ticks, int User)>();
            for (var u = 0; u < rates.Length; u++)
            {
                // Log-normal hourly rate, Poisson count (Knuth's method: the rates are small).
                var rate = rates[u] * shape * Math.Exp((spread[u] * Normal(random)) - (spread[u] * spread[u] / 2));
                var count = 0;
                for (var p = random.NextDouble(); p > Math.Exp(-rate); p *= random.NextDouble())
                {
                    count++;
                }

                count += random.Next(60) == 0 ? 20 + random.Next(40) : 0;
                for (var i = 0; i < count; i++)
                {
                    events.Add((start.UtcTicks + random.NextInt64(TimeSpan.TicksPerHour), u));
                }
            }

            events.Sort();
            foreach (var (ticks, user) in events)
            {
                var time = new DateTimeOffset(ticks, TimeSpan.Zero).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
                var operation = random.Next(5) == 0 ? "FileDeleted" : "FileDownloaded";
                text.Append(CultureInfo.InvariantCulture, $$"""{"id":"g{{n++}}","time":"{{time}}","operation":"{{operation}}","userId":"user{{user}}@contoso.com"}""").Append('\n');
            }
        }

        return text.ToString();
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Theory]
    [InlineData(1, "2")]
    [InlineData(2, "3")]
    [InlineData(3, "5")]
    public void The_grid_on_several_threads_gives_the_output_and_summary_of_one_thread(int seed, string threads)
    {
        Assert.SkipWhen(ReplayHost.ExternalExecutable is not null, "The options hook runs in-process only.");
        var input = Activities(seed);
        string[] args = ["--policies", PolicyFile.Value, "--activities", "-"];
        var one = ReplayHost.Run([.. args, "--threads", "1"], input);
        Assert.True(one.ExitCode == 0, one.ToString());
        Assert.Contains(one.Alerts, a => a.GetProperty("policyId").GetString() == "grid-hourly");

        // The replay runs the population model (the grid) by default: the internal switches give the same output, and
        // the per-key model (AnomalyModel.PerKey, set through the hook) another.
        var hooked = ReplayHost.Run([.. args, "--threads", "1"], input, ReplayCommand.UseDispersionGrid);
        Assert.Equal(one.Stdout, hooked.Stdout);
        var perKey = ReplayHost.Run([.. args, "--threads", "1"], input, o => o.AnomalyModel = AnomalyModel.PerKey);
        Assert.NotEqual(one.Stdout, perKey.Stdout);

        var many = ReplayHost.Run([.. args, "--threads", threads], input);
        Assert.Equal(0, many.ExitCode);
        Assert.Equal(one.Stdout, many.Stdout);
        Assert.Equal(one.SummaryLine, many.SummaryLine);
    }
}
