using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.Storage.Sqlite.Tests;

/// <summary>
/// The engine service on a SQLite database (alerts and checkpoints in one file), killed with SIGKILL mid-stream and
/// restarted on the same file, its source delivering again from a little before the last checkpoint: the final alerts
/// equal an uninterrupted run, none lost, none duplicated. The child is this test executable started with
/// <see cref="ChildVariable"/> set (see <see cref="EngineChildEntry"/>).
/// </summary>
public sealed class EngineKillTests : IDisposable
{
    public const string ChildVariable = "ALERTENGINE_SQLITE_ENGINE_CHILD";
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Users = ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com", "dave@contoso.com"];
    private readonly TempDatabase _files = new();

    public void Dispose() => _files.Dispose();

    internal static AlertPolicy[] Policies() =>
    [
        new()
        {
            Id = "mass-delete",
            Name = "Mass deletion",
            Operations = ["FileDeleted"],
            Trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(5), TriggerScope.User),
            Aggregation = new(AggregationMode.Policy, TimeSpan.FromMinutes(30)),
        },
        new()
        {
            Id = "redirect",
            Name = "Mail redirect",
            Operations = ["MailRedirect"],
            Aggregation = new(AggregationMode.None),
        },
    ];

    /// <summary>Activity <paramref name="i"/> of the source (deterministic).</summary>
    internal static Activity Source(int i) =>
        new("e" + i.ToString(CultureInfo.InvariantCulture), T0.AddSeconds(20 * i), i % 5 == 0 ? "MailRedirect" : "FileDeleted")
        {
            UserId = Users[(i * 7 / 3) % Users.Length],
        };

    /// <summary>
    /// The child (<c>path|count</c>): the engine service with SQLite storage, checkpoints every 7 activities; resumes
    /// from the checkpoint and asks the source for the activities from 5 before the checkpoint's position (an
    /// at-least-once source), prints each position it has processed.
    /// </summary>
    internal static void RunChild(string arguments)
    {
        var parts = arguments.Split('|');
        var count = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var services = new ServiceCollection();
        services.AddAlertEngineSqliteStorage($"Data Source={parts[0]}");
        services.AddAlertEngine(o =>
        {
            foreach (var policy in Policies())
            {
                o.Policies.Add(policy);
            }

            o.CheckpointEveryActivities = 7;
            o.CheckpointInterval = TimeSpan.Zero;
        });
        using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<IAlertEngine>();
        var statistics = engine.Pipeline.Statistics;
        var position = (int)(statistics.ActivitiesProcessed - statistics.Duplicates);
        for (var i = Math.Max(0, position - 5); i < count; i++)
        {
            engine.ProcessAsync(Source(i)).AsTask().GetAwaiter().GetResult();
            Console.Out.WriteLine(i + 1);
            Console.Out.Flush();
            Thread.Sleep(2);
        }
    }

    [Fact]
    public async Task An_engine_killed_mid_stream_and_restarted_on_the_same_database_ends_with_the_alerts_of_an_uninterrupted_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _files.NewPath();
        const int Total = 300;

        using (var child = StartChild($"{path}|{Total}"))
        {
            try
            {
                while (await child.StandardOutput.ReadLineAsync(ct) is { } line && int.Parse(line, CultureInfo.InvariantCulture) < 120)
                {
                }
            }
            finally
            {
                child.Kill(entireProcessTree: true); // SIGKILL, mid-stream
                await child.WaitForExitAsync(CancellationToken.None);
            }
        }

        using (var reader = _files.Open(path))
        {
            Assert.NotNull(await reader.EngineState.LoadAsync(ct));
        }

        using (var child = StartChild($"{path}|{Total}"))
        {
            var output = (await child.StandardOutput.ReadToEndAsync(ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            await child.WaitForExitAsync(ct);
            Assert.Equal(0, child.ExitCode);

            // It resumed from the checkpoint (the source re-delivers from 5 before it), not from the start: the alerts
            // below are equal only if windows, open alerts and duplicates were restored.
            Assert.True(int.Parse(output[0], CultureInfo.InvariantCulture) > 100, "the restarted engine did not resume from its checkpoint");
        }

        using var pipeline = new AlertPipeline(Policies());
        var expected = new Dictionary<string, Alert>(StringComparer.Ordinal);
        for (var i = 0; i < Total; i++)
        {
            foreach (var change in pipeline.Process(Source(i)))
            {
                expected[change.Alert.Id] = change.Alert;
            }
        }

        using var storage = _files.Open(path);
        var stored = await storage.Alerts.QueryAsync(new AlertQuery { IncludeResolved = true }, ct);
        Assert.Equal(
            expected.Values.Select(Describe).Order(StringComparer.Ordinal),
            stored.Select(Describe).Order(StringComparer.Ordinal));
    }

    private static string Describe(Alert a) =>
        $"{a.Id}|{a.HitCount}|{a.DetectionCount}|{a.CreatedAt:O}|{a.LastActivityAt:O}|{string.Join(',', a.Users)}|{string.Join(',', a.Activities.Select(x => x.Id))}";

    private static Process StartChild(string arguments)
    {
        var assembly = typeof(EngineKillTests).Assembly.Location;
        var apphost = Path.ChangeExtension(assembly, null);
        var start = File.Exists(apphost) ? new ProcessStartInfo(apphost) : new ProcessStartInfo("dotnet") { ArgumentList = { assembly } };
        start.Environment[ChildVariable] = arguments;
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        return Process.Start(start)!;
    }
}

/// <summary>Turns this test executable into the engine of <see cref="EngineKillTests"/> when its variable is set.</summary>
internal static class EngineChildEntry
{
    [ModuleInitializer]
    internal static void Run()
    {
        if (Environment.GetEnvironmentVariable(EngineKillTests.ChildVariable) is { Length: > 0 } arguments)
        {
            EngineKillTests.RunChild(arguments);
            Environment.Exit(0);
        }
    }
}
