using System.Globalization;
using AlertEngine.Benchmarks.Conditions;
using AlertEngine.Benchmarks.Threshold;

namespace AlertEngine.Benchmarks.EndToEnd;

/// <summary>
/// Re-measures two of issue 16's micro-benchmark targets in this process, side by side, as thread CPU time (the
/// minimum over interleaved rounds), since BenchmarkDotNet's child processes are too slow on the shared machine:
/// compiled conditions against the hand-written lambda on both rules of <see cref="ConditionBenchmarks"/>, and the
/// threshold counter keeping items against the per-key queue in the four 10,000-key cases (<see cref="ThresholdCpuTime"/>).
/// </summary>
/// <remarks>Usage: <c>targets-cpu</c>.</remarks>
internal static class TargetsCpuTime
{
    public static int Run()
    {
        Console.WriteLine($"# targets-cpu: load {File.ReadAllText("/proc/loadavg").Trim()}");
        var c = new ConditionBenchmarks();
        c.Setup();
        var rounds = 15;
        const int Calls = 2_000_000;
        var methods = new (string Name, Func<bool> Call)[]
        {
            ("op+users: compiled", c.Compiled),
            ("op+users: hand-written", c.HandWritten),
            ("ip+fileName: compiled", c.CompiledIpAndFileName),
            ("ip+fileName: hand-written", c.HandWrittenIpAndFileName),
        };
        var best = methods.ToDictionary(m => m.Name, _ => double.MaxValue);
        for (var r = 0; r < rounds; r++)
        {
            foreach (var (name, call) in methods)
            {
                var hits = 0;
                var start = ThreadCpu();
                for (var i = 0; i < Calls; i++)
                {
                    hits += call() ? 1 : 0;
                }

                best[name] = Math.Min(best[name], (ThreadCpu() - start) / Calls);
                GC.KeepAlive(hits);
            }
        }

        foreach (var (name, _) in methods)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {best[name]:F1} ns |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"compiled / hand-written: op+users {best["op+users: compiled"] / best["op+users: hand-written"]:F2}x, ip+fileName {best["ip+fileName: compiled"] / best["ip+fileName: hand-written"]:F2}x"));

        Console.WriteLine("| 10,000 keys | CounterKeepingItems ns | QueuePerKey ns | queue / counter |");
        foreach (var rate in new[] { RatePattern.Steady, RatePattern.Bursty })
        {
            foreach (var n in new[] { 5, 10_000 })
            {
                var items = double.Parse(ThresholdCpuTime.NanosecondsPerActivity("CounterKeepingItems", 10_000, rate, n), CultureInfo.InvariantCulture);
                var queue = double.Parse(ThresholdCpuTime.NanosecondsPerActivity("QueuePerKey", 10_000, rate, n), CultureInfo.InvariantCulture);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {rate}, N = {n} | {items:F1} | {queue:F1} | {queue / items:F2}x |"));
            }
        }

        return 0;
    }

    /// <summary>This thread's CPU time in nanoseconds.</summary>
    private static double ThreadCpu() => EngineSideBySide.ThreadCpuNanoseconds();
}
