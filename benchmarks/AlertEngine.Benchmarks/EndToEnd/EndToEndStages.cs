using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace AlertEngine.Benchmarks.EndToEnd;

/// <summary>
/// The end-to-end harness of issue 16: per-stage costs on a generated workload (<see cref="TenantGenerator"/>), side by
/// side in one run, as the best of a few rounds of wall time (and process CPU time, which includes the GC):
/// read/parse (the library's reader against <c>System.Text.Json</c> deserialisation of the same lines into a plain
/// record), dispatch alone, the duplicate filter, each policy alone and all together (per matching activity), the
/// output, the partitioned engine on 2 partitions, and the whole replay command as a process with <c>--threads 1</c>
/// and <c>--threads 2</c> (and <c>jq -c .</c> when installed).
/// </summary>
/// <remarks>Usage: <c>e2e-stages &lt;activities.jsonl&gt; &lt;policies.json&gt; [rounds] [replay.dll]</c>.</remarks>
internal static class EndToEndStages
{
    public static int Run(string[] args)
    {
        if (args is not [var activitiesPath, var policiesPath, ..])
        {
            Console.Error.WriteLine("usage: e2e-stages <activities.jsonl> <policies.json> [rounds] [replay.dll]");
            return 2;
        }

        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var replayDll = args.Length > 3 ? args[3] : null;
        var loaded = PolicySerializer.Load(File.ReadAllText(policiesPath));
        if (!loaded.IsValid)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, loaded.Errors));
            return 2;
        }

        var policies = loaded.Value;
        Console.WriteLine($"# end-to-end stages: {Path.GetFileName(activitiesPath)}, {policies.Count} policies, best of {rounds} rounds");
        Console.WriteLine($"# machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}, {RuntimeDescription()}");

        List<Activity> activities = [];
        var parse = Best(rounds, () =>
        {
            activities = [];
            using var stream = File.OpenRead(activitiesPath);
            foreach (var result in ActivityReader.Read(stream, activitiesPath))
            {
                if (result.IsValid)
                {
                    activities.Add(result.Activity!);
                }
            }
        });
        var n = activities.Count;
        Row("read + parse (ActivityReader)", parse, n);
        var parallelParse = Best(rounds, () =>
        {
            var count = 0;
            using var stream = File.OpenRead(activitiesPath);
            foreach (var result in ActivityReader.Read(stream, activitiesPath, new ActivityReaderOptions { MaxDegreeOfParallelism = 2 }))
            {
                count += result.IsValid ? 1 : 0;
            }
        });
        Row("read + parse (ActivityReader, MaxDegreeOfParallelism = 2)", parallelParse, n);
        Console.WriteLine($"parallel parse speed-up (wall): {parse.Wall.TotalSeconds / parallelParse.Wall.TotalSeconds:F2}x");
        var stj = Best(rounds, () =>
        {
            using var reader = new StreamReader(activitiesPath);
            var count = 0;
            while (reader.ReadLine() is { } line)
            {
                count += JsonSerializer.Deserialize<PlainActivity>(line, PlainOptions) is null ? 0 : 1;
            }
        });
        Row("read + parse (System.Text.Json into a plain record, the obvious alternative)", stj, n);

        var noDuplicates = new AlertEngineOptions { DuplicateHorizon = TimeSpan.Zero };
        var dispatch = Best(rounds, () => Evaluate([], activities, noDuplicates));
        Row("dispatch, no policy tracks the operations, duplicate filter off", dispatch, n);
        var duplicates = Best(rounds, () => Evaluate([], activities, new AlertEngineOptions()));
        Row("dispatch + duplicate filter (default horizon 24 h)", duplicates, n);

        foreach (var policy in policies)
        {
            var matching = 0;
            foreach (var a in activities)
            {
                foreach (var op in policy.Operations)
                {
                    if (string.Equals(op, a.Operation, StringComparison.OrdinalIgnoreCase))
                    {
                        matching++;
                        break;
                    }
                }
            }

            var alone = Best(rounds, () => Evaluate([policy], activities, new AlertEngineOptions()));
            Row($"policy {policy.Id} alone ({policy.Trigger.GetType().Name}), per matching activity over the row above", (alone.Wall - duplicates.Wall, alone.Cpu - duplicates.Cpu), matching);

            // The row above keeps every alert change in a list (so the GC promotes every snapshot); the replay keeps only
            // each alert's latest snapshot until it is final, writes it and drops it. This row drops the changes.
            var dropped = Best(rounds, () => Evaluate([policy], activities, new AlertEngineOptions(), keep: false));
            Row($"policy {policy.Id} alone, alert changes dropped (as the replay), per matching activity over the row above", (dropped.Wall - duplicates.Wall, dropped.Cpu - duplicates.Cpu), matching);
        }

        List<AlertChange> changes = [];
        var all = Best(rounds, () => changes = Evaluate(policies, activities, new AlertEngineOptions()));
        Row($"all {policies.Count} policies ({changes.Count} alert changes)", all, n);
        var output = Best(rounds, () =>
        {
            using var writer = new AlertWriter(Stream.Null);
            foreach (var change in changes)
            {
                writer.Write(change.Alert);
            }
        });
        Row("output: every change's alert as JSON (upper bound of the replay's output stage)", output, n);
        var partitioned = Best(rounds, () =>
        {
            using var pipeline = new PartitionedAlertPipeline(policies, 2, new AlertEngineOptions());
            foreach (var batch in activities.Chunk(4096))
            {
                pipeline.Process(batch);
            }
        });
        Row("all policies, PartitionedAlertPipeline on 2 partitions (batches of 4,096)", partitioned, n);
        Console.WriteLine($"partitioned speed-up (wall): {all.Wall.TotalSeconds / partitioned.Wall.TotalSeconds:F2}x");

        if (replayDll is not null)
        {
            foreach (var threads in new[] { "1", "2" })
            {
                var replay = Best(rounds, () => RunProcess("dotnet", [replayDll, "--policies", policiesPath, "--activities", activitiesPath, "--threads", threads, "--out", "/dev/null"]));
                Row($"whole replay command, --threads {threads} (process: start-up included)", replay, n);
            }
        }

        if (File.Exists("/usr/bin/jq"))
        {
            var jq = Best(1, () => RunProcess("/bin/sh", ["-c", $"jq -c . '{activitiesPath}' > /dev/null"]));
            Row("jq -c . (for scale)", jq, n);
        }

        return 0;
    }

    private static readonly JsonSerializerOptions PlainOptions = new() { PropertyNameCaseInsensitive = true };

    private static List<AlertChange> Evaluate(IReadOnlyList<AlertPolicy> policies, List<Activity> activities, AlertEngineOptions options, bool keep = true)
    {
        var changes = new List<AlertChange>();
        using var pipeline = new AlertPipeline(policies, options);
        foreach (var activity in activities)
        {
            var c = pipeline.Process(activity);
            if (c.Count != 0 && keep)
            {
                changes.AddRange(c);
            }
        }

        return changes;
    }

    private static void RunProcess(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {stderr.Result}");
        }
    }

    private static (TimeSpan Wall, TimeSpan Cpu) Best(int rounds, Action action)
    {
        var best = (Wall: TimeSpan.MaxValue, Cpu: TimeSpan.MaxValue);
        for (var r = 0; r < rounds; r++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var self = Process.GetCurrentProcess();
            var cpu0 = self.TotalProcessorTime;
            var children0 = ChildrenCpu();
            var wall = Stopwatch.StartNew();
            action();
            wall.Stop();
            self.Refresh();
            var cpu = self.TotalProcessorTime - cpu0 + (ChildrenCpu() - children0);
            if (wall.Elapsed < best.Wall)
            {
                best = (wall.Elapsed, cpu);
            }
        }

        return best;
    }

    /// <summary>CPU time of waited-for child processes (from /proc/self/stat: cutime + cstime, in clock ticks of 1/100 s).</summary>
    private static TimeSpan ChildrenCpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    private static void Row(string stage, (TimeSpan Wall, TimeSpan Cpu) t, int count) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {stage} | {t.Wall.TotalMilliseconds:F0} ms wall | {t.Cpu.TotalMilliseconds:F0} ms CPU | {(count == 0 ? 0 : t.Wall.TotalNanoseconds / count):F0} ns/activity | {(t.Wall.TotalSeconds <= 0 ? 0 : count / t.Wall.TotalSeconds / 1e6):F2} M/s |"));

    private static string RuntimeDescription() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

    private sealed record PlainActivity(string Id, DateTimeOffset Time, string Operation, string? UserId, string? ClientIp, string? ObjectId, string? Workload);
}
