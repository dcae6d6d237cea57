using System.Diagnostics;
using System.Globalization;

namespace AlertEngine.Benchmarks.EndToEnd;

/// <summary>
/// <c>e2e-stream FILE POLICIES [ROUNDS] [nodup]</c> (<c>nodup</c>: duplicate filter off): the replay's own shape in one process — read a line, evaluate it, next line
/// (a fresh <see cref="AlertPipeline"/> per round) — with every round printed, so that the first (cold: tier-0 code,
/// empty caches) can be told from the warm ones. Also the reader alone per round, the same way. Answers whether the
/// whole replay's cost over the sum of its stages is start-up (only round 1 is slow) or the interleaving of parsing
/// and evaluation (every round is slow).
/// </summary>
internal static class StreamingRounds
{
    public static int Run(string[] args)
    {
        if (args is not [var activitiesPath, var policiesPath, ..])
        {
            Console.Error.WriteLine("usage: e2e-stream <activities.jsonl> <policies.json> [rounds] [nodup]");
            return 2;
        }

        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4;
        var options = args.Length > 3 && args[3] == "nodup" ? new AlertEngineOptions { DuplicateHorizon = TimeSpan.Zero } : new AlertEngineOptions();
        var loaded = PolicySerializer.Load(File.ReadAllText(policiesPath));
        if (!loaded.IsValid)
        {
            Console.Error.WriteLine(string.Join(Environment.NewLine, loaded.Errors));
            return 2;
        }

        Console.WriteLine($"# e2e-stream {Path.GetFileName(activitiesPath)}, {loaded.Value.Count} policies, duplicate horizon {options.DuplicateHorizon}; load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| round | read only (ns/line, CPU) | read + evaluate (ns/line, CPU) | changes |");
        Console.WriteLine("|---:|---:|---:|---:|");
        for (var round = 1; round <= rounds; round++)
        {
            var (readCpu, lines) = Measure(() =>
            {
                var n = 0;
                using var stream = File.OpenRead(activitiesPath);
                foreach (var result in ActivityReader.Read(stream, activitiesPath))
                {
                    n += result.IsValid ? 1 : 0;
                }

                return n;
            });
            var changes = 0;
            var (bothCpu, _) = Measure(() =>
            {
                var n = 0;
                using var pipeline = new AlertPipeline(loaded.Value, options);
                using var stream = File.OpenRead(activitiesPath);
                foreach (var result in ActivityReader.Read(stream, activitiesPath))
                {
                    if (result.IsValid)
                    {
                        changes += pipeline.Process(result.Activity).Count;
                        n++;
                    }
                }

                return n;
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {round} | {readCpu.TotalNanoseconds / lines:F0} | {bothCpu.TotalNanoseconds / lines:F0} | {changes} |"));
        }

        return 0;
    }

    private static (TimeSpan Cpu, int Count) Measure(Func<int> action)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var self = Process.GetCurrentProcess();
        var cpu0 = self.TotalProcessorTime;
        var count = action();
        self.Refresh();
        return (self.TotalProcessorTime - cpu0, Math.Max(count, 1));
    }
}
