using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using AlertEngine.StoreContracts;
using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.Storage.Sqlite.Tests;

/// <summary>
/// A writer process killed mid-stream and restarted on the same database: the final alerts equal an uninterrupted run,
/// none lost, none duplicated, and an administrator's status change made meanwhile survives. The child is this test
/// executable started with <see cref="ChildVariable"/> set (see <see cref="ChildEntry"/>).
/// </summary>
public sealed class KillTests : IDisposable
{
    public const string ChildVariable = "ALERTENGINE_SQLITE_KILL_CHILD";
    private const int Steps = 400;
    private readonly TempDatabase _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Step <paramref name="i"/> of the stream: a new alert, and a new snapshot of an earlier one.</summary>
    public static IEnumerable<Alert> Step(int i)
    {
        yield return MakeAlert("a" + i.ToString("D4", CultureInfo.InvariantCulture), "p" + (i % 3), seconds: i, hits: 1);
        yield return MakeAlert("a" + (i / 2).ToString("D4", CultureInfo.InvariantCulture), "p" + (i / 2 % 3), seconds: i / 2, hits: i + 1);
    }

    /// <summary>The writer: resumes from the checkpoint (the next step), writes each step's alerts, then saves the next step.</summary>
    public static void RunChild(string path)
    {
        using var storage = new SqliteStorage($"Data Source={path}");
        var saved = storage.EngineState.LoadAsync().AsTask().GetAwaiter().GetResult();
        var next = saved is null ? 0 : BitConverter.ToInt32(saved);
        for (var i = next; i < Steps; i++)
        {
            foreach (var alert in Step(i))
            {
                storage.Alerts.UpsertAsync(alert).AsTask().GetAwaiter().GetResult();
            }

            storage.EngineState.SaveAsync(BitConverter.GetBytes(i + 1)).AsTask().GetAwaiter().GetResult();
            Console.Out.WriteLine(i + 1);
            Console.Out.Flush();
        }
    }

    [Fact]
    public async Task A_writer_killed_mid_stream_and_restarted_ends_with_the_alerts_of_an_uninterrupted_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _files.NewPath();

        // First run: killed once it has committed 100 steps.
        using (var child = StartChild(path))
        {
            while (await child.StandardOutput.ReadLineAsync(ct) is { } line && int.Parse(line, CultureInfo.InvariantCulture) < 100)
            {
            }

            // An administrator resolves an early alert while the writer runs.
            using (var admin = _files.Open(path))
            {
                var read = (await admin.Alerts.GetAsync("a0001", ct))!;
                Assert.NotNull(await admin.Alerts.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Resolved }, ct));
            }

            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(ct);
        }

        using (var reader = _files.Open(path))
        {
            var checkpoint = BitConverter.ToInt32((await reader.EngineState.LoadAsync(ct))!);
            Assert.InRange(checkpoint, 100, Steps - 1); // killed mid-stream
        }

        // Second run: resumes from the checkpoint and finishes.
        using (var child = StartChild(path))
        {
            await child.StandardOutput.ReadToEndAsync(ct);
            await child.WaitForExitAsync(ct);
            Assert.Equal(0, child.ExitCode);
        }

        var expected = new InMemoryAlertStore();
        for (var i = 0; i < Steps; i++)
        {
            foreach (var alert in Step(i))
            {
                await expected.UpsertAsync(alert, ct);
            }
        }

        var resolved = (await expected.GetAsync("a0001", ct))!;
        await expected.TryUpdateManagementAsync(resolved, resolved with { Status = AlertStatus.Resolved }, ct);

        using var storage = _files.Open(path);
        var all = new AlertQuery { IncludeResolved = true };
        Assert.Equal(
            (await expected.QueryAsync(all, ct)).Select(StoreSnapshot.Describe),
            (await storage.Alerts.QueryAsync(all, ct)).Select(StoreSnapshot.Describe));
        Assert.Equal(Steps, (await storage.Alerts.CountAsync(all, ct)).Total);
        Assert.Equal(AlertStatus.Resolved, (await storage.Alerts.GetAsync("a0001", ct))!.Status);
    }

    private static Process StartChild(string path)
    {
        var assembly = typeof(KillTests).Assembly.Location;
        var apphost = Path.ChangeExtension(assembly, null);
        var start = File.Exists(apphost) ? new ProcessStartInfo(apphost) : new ProcessStartInfo("dotnet") { ArgumentList = { assembly } };
        start.Environment[ChildVariable] = path;
        start.RedirectStandardOutput = true;
        start.UseShellExecute = false;
        return Process.Start(start)!;
    }
}

/// <summary>Turns this test executable into the writer of <see cref="KillTests"/> when <see cref="KillTests.ChildVariable"/> is set.</summary>
internal static class ChildEntry
{
    [ModuleInitializer]
    internal static void Run()
    {
        if (Environment.GetEnvironmentVariable(KillTests.ChildVariable) is { Length: > 0 } path)
        {
            KillTests.RunChild(path);
            Environment.Exit(0);
        }
    }
}
