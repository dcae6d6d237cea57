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
/// <remarks>Usage: <c>targets-cpu [conditions|threshold]</c> (both by default; with <c>ALERTENGINE_PRINT_ROUNDS=1</c> every
/// round of the threshold cases is printed too); <c>targets-cpu threshold-case steady|bursty N [rounds]</c>: one 10,000-key
/// case, every round printed.</remarks>
internal static class TargetsCpuTime
{
    public static int Run(string[] args)
    {
        Console.WriteLine($"# targets-cpu: load {File.ReadAllText("/proc/loadavg").Trim()}");
        if (args is ["threshold-case", var pattern, var nText, .. var rest])
        {
            return ThresholdCase(Enum.Parse<RatePattern>(pattern, ignoreCase: true), int.Parse(nText, CultureInfo.InvariantCulture), rest is [var r] ? int.Parse(r, CultureInfo.InvariantCulture) : 12);
        }

        if (args is not ([] or ["conditions"] or ["threshold"]))
        {
            Console.Error.WriteLine("Usage: targets-cpu [conditions|threshold|threshold-case steady|bursty N [rounds]]");
            return 2;
        }

        if (args is [] or ["conditions"])
        {
            Conditions();
        }

        if (args is [] or ["threshold"])
        {
            Threshold();
        }

        Console.WriteLine($"# load at end {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static void Conditions()
    {
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
    }

    private static void Threshold()
    {
        // ALERTENGINE_PRINT_ROUNDS=1: every round's ns per activity printed too (to see a case that is slow in every round
        // of one process from one that is slow in some rounds).
        var rounds = Environment.GetEnvironmentVariable("ALERTENGINE_PRINT_ROUNDS") is "1" ? new System.Text.StringBuilder() : null;

        // QueueKeepingItems is the fair baseline for a counter that keeps items (it keeps (time, item) per key and copies
        // the items out on a detection); QueuePerKey keeps only times, as in earlier results.
        // Counter (counting only, no items) is printed too, to see the change to the shared code there.
        Console.WriteLine("| 10,000 keys | CounterKeepingItems ns | QueueKeepingItems ns | QueuePerKey ns | queue keeping items / counter | queue / counter | Counter (no items) ns | CounterKeepingItems B/activity |");
        foreach (var rate in new[] { RatePattern.Steady, RatePattern.Bursty })
        {
            foreach (var n in new[] { 5, 10_000 })
            {
                var ns = rounds is null
                    ? ThresholdCpuTime.Measure(10_000, rate, n, ["CounterKeepingItems", "QueueKeepingItems", "QueuePerKey", "Counter"])
                    : ThresholdCpuTime.Measure(10_000, rate, n, ["CounterKeepingItems", "QueueKeepingItems", "QueuePerKey", "Counter"], 12,
                        (round, name, ns) => rounds.Append(CultureInfo.InvariantCulture, $"{(name == "CounterKeepingItems" ? $" r{round}:" : "")} {name[0]}{ns:F1}"));
                var items = ns["CounterKeepingItems"];
                var queueItems = ns["QueueKeepingItems"];
                var queue = ns["QueuePerKey"];
                if (rounds is not null)
                {
                    Console.WriteLine($"# rounds (C = counter keeping items, Q = queue keeping items, Q = queue per key, C = counter): {rounds}");
                    rounds.Clear();
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {rate}, N = {n} | {items:F1} | {queueItems:F1} | {queue:F1} | {queueItems / items:F2}x | {queue / items:F2}x | {ns["Counter"]:F1} | {ns["CounterKeepingItems B"]:F2} |"));
            }
        }
    }

    /// <summary>One threshold case at 10,000 keys, every round printed (counter keeping items and the queue keeping items):
    /// to see whether a slow case is slow in every round of a process or only in some.</summary>
    private static int ThresholdCase(RatePattern rate, int n, int rounds)
    {
        var row = new Dictionary<string, double>();
        var best = ThresholdCpuTime.Measure(10_000, rate, n, ["CounterKeepingItems", "QueueKeepingItems"], rounds, (round, name, ns) =>
        {
            row[name] = ns;
            if (row.Count == 2)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round,2}: counter keeping items {row["CounterKeepingItems"]:F1} ns, queue keeping items {row["QueueKeepingItems"]:F1} ns"));
                row.Clear();
            }
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {rate}, N = {n} | best {best["CounterKeepingItems"]:F1} | {best["QueueKeepingItems"]:F1} | {best["QueueKeepingItems"] / best["CounterKeepingItems"]:F2}x |"));
        return 0;
    }

    /// <summary>This thread's CPU time in nanoseconds.</summary>
    private static double ThreadCpu() => EngineSideBySide.ThreadCpuNanoseconds();
}
