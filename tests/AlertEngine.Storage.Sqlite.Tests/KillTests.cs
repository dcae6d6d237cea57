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
    private readonly TempDatabase _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>Step <paramref name="i"/> of the stream: a new alert, and a new snapshot of an earlier one.</summary>
    public static IEnumerable<Alert> Step(int i)
    {
        yield return MakeAlert("a" + i.ToString("D4", CultureInfo.InvariantCulture), "p" + (i % 3), seconds: i, hits: 1);
        yield return MakeAlert("a" + (i / 2).ToString("D4", CultureInfo.InvariantCulture), "p" + (i / 2 % 3), seconds: i / 2, hits: i + 1);
    }

    /// <summary>
    /// The writer (<c>path|steps|pauseAt</c>): resumes from the checkpoint (the next step), writes each step's alerts,
    /// then saves the next step and prints it; after step <c>pauseAt</c> it waits for a line on its input.
    /// </summary>
    internal static void RunChild(string arguments)
    {
        var parts = arguments.Split('|');
        var steps = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var pauseAt = int.Parse(parts[2], CultureInfo.InvariantCulture);
        using var storage = new SqliteStorage($"Data Source={parts[0]}");
        var saved = storage.EngineState.LoadAsync().AsTask().GetAwaiter().GetResult();
        var next = saved is null ? 0 : BitConverter.ToInt32(saved);
        for (var i = next; i < steps; i++)
        {
            foreach (var alert in Step(i))
            {
                storage.Alerts.UpsertAsync(alert).AsTask().GetAwaiter().GetResult();
            }

            storage.EngineState.SaveAsync(BitConverter.GetBytes(i + 1)).AsTask().GetAwaiter().GetResult();
            Console.Out.WriteLine(i + 1);
            Console.Out.Flush();
            if (i + 1 == pauseAt)
            {
                Console.In.ReadLine();
            }
        }
    }

    [Fact]
    public async Task A_writer_killed_mid_stream_and_restarted_ends_with_the_alerts_of_an_uninterrupted_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _files.NewPath();

        // First run: an endless stream, paused after step 100 while an administrator resolves an early alert, then
        // killed once it has committed 150 steps.
        using (var child = StartChild($"{path}|{int.MaxValue}|100"))
        {
            try
            {
                await ReadUntil(child, 100, ct);
                using (var admin = _files.Open(path))
                {
                    var read = (await admin.Alerts.GetAsync("a0001", ct))!;
                    Assert.NotNull(await admin.Alerts.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Resolved }, ct));
                }

                await child.StandardInput.WriteLineAsync("go".AsMemory(), ct);
                await child.StandardInput.FlushAsync(ct);
                await ReadUntil(child, 150, ct);
            }
            finally
            {
                child.Kill(entireProcessTree: true); // also when the test fails: the stream is endless
                await child.WaitForExitAsync(CancellationToken.None);
            }
        }

        int steps;
        using (var reader = _files.Open(path))
        {
            var checkpoint = BitConverter.ToInt32((await reader.EngineState.LoadAsync(ct))!);
            Assert.True(checkpoint >= 150, "the committed steps survive the kill");
            steps = checkpoint + 100;
        }

        // Second run: resumes from the checkpoint and writes 100 more steps.
        using (var child = StartChild($"{path}|{steps}|-1"))
        {
            await child.StandardOutput.ReadToEndAsync(ct);
            await child.WaitForExitAsync(ct);
            Assert.Equal(0, child.ExitCode);
        }

        var expected = new InMemoryAlertStore();
        for (var i = 0; i < steps; i++)
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
        Assert.Equal(steps, (await storage.Alerts.CountAsync(all, ct)).Total);
        Assert.Equal(AlertStatus.Resolved, (await storage.Alerts.GetAsync("a0001", ct))!.Status);
    }

    private static async Task ReadUntil(Process child, int step, CancellationToken ct)
    {
        while (await child.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (int.Parse(line, CultureInfo.InvariantCulture) >= step)
            {
                return;
            }
        }

        Assert.Fail($"the writer ended before step {step}");
    }

    private static Process StartChild(string arguments)
    {
        var assembly = typeof(KillTests).Assembly.Location;
        var apphost = Path.ChangeExtension(assembly, null);
        var start = File.Exists(apphost) ? new ProcessStartInfo(apphost) : new ProcessStartInfo("dotnet") { ArgumentList = { assembly } };
        start.Environment[ChildVariable] = arguments;
        start.RedirectStandardOutput = true;
        start.RedirectStandardInput = true;
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
        if (Environment.GetEnvironmentVariable(KillTests.ChildVariable) is { Length: > 0 } arguments)
        {
            KillTests.RunChild(arguments);
            Environment.Exit(0);
        }
    }
}
