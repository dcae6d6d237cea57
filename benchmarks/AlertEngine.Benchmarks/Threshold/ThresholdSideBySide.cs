using System.Globalization;
using System.Reflection;
using AlertEngine.Benchmarks.EndToEnd;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>
/// The four 10,000-key threshold cases of <c>targets-cpu threshold</c> (counter keeping items against the per-key queue
/// keeping items), for this build and a baseline build side by side in one process: the baseline's
/// <c>AlertEngine.dll</c> is loaded with a second copy of this harness into its own load context (as
/// <see cref="EngineSideBySide"/> does), and every round runs the four loops (this build's counter and queue, the
/// baseline's counter and queue) one after the other, in an order that alternates between rounds. Best of the rounds,
/// thread CPU time per activity. On a loaded machine the queue, whose code is the same in both, shows how much of a
/// difference is the build and how much the minute.
/// </summary>
/// <remarks>Usage: <c>threshold-sbs &lt;baseline-dir&gt; [rounds] [steady|bursty N ...]</c> (default: 12 rounds, all four
/// cases).</remarks>
internal static class ThresholdSideBySide
{
    public static int Run(string[] args)
    {
        if (args is not [var baselineDir, ..])
        {
            Console.Error.WriteLine("usage: threshold-sbs <baseline-dir> [rounds] [steady|bursty N ...]");
            return 2;
        }

        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 12;
        var cases = new List<(string Rate, int N)>();
        for (var i = 2; i + 1 < args.Length; i += 2)
        {
            cases.Add((args[i], int.Parse(args[i + 1], CultureInfo.InvariantCulture)));
        }

        if (cases.Count == 0)
        {
            cases = [("steady", 5), ("steady", 10_000), ("bursty", 5), ("bursty", 10_000)];
        }

        var context = new EngineSideBySide.BaselineContext(Path.GetFullPath(baselineDir));
        var harness = context.LoadFromAssemblyPath(typeof(ThresholdSideBySide).Assembly.Location);
        var prepare = harness.GetType(typeof(ThresholdSideBySide).FullName!)!.GetMethod(nameof(Prepare), BindingFlags.Public | BindingFlags.Static)!;
        Console.WriteLine($"# threshold-sbs: load {File.ReadAllText("/proc/loadavg").Trim()}; baseline {baselineDir}");
        Console.WriteLine("| 10,000 keys | this: counter keeping items ns | this: queue keeping items ns | this: queue / counter | baseline: counter ns | baseline: queue ns | baseline: queue / counter | counter baseline / this |");
        foreach (var (rate, n) in cases)
        {
            var mine = Prepare(rate, n);
            var theirs = (Func<double[]>)prepare.Invoke(null, [rate, n])!;
            var best = new double[4];
            Array.Fill(best, double.MaxValue);
            for (var r = 0; r < rounds; r++)
            {
                var (first, second, at) = r % 2 == 0 ? (mine, theirs, 0) : (theirs, mine, 2);
                var a = first();
                var b = second();
                var (m, t) = at == 0 ? (a, b) : (b, a);
                best[0] = Math.Min(best[0], m[0]);
                best[1] = Math.Min(best[1], m[1]);
                best[2] = Math.Min(best[2], t[0]);
                best[3] = Math.Min(best[3], t[1]);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rate}, N = {n} | {best[0]:F1} | {best[1]:F1} | **{best[1] / best[0]:F2}x** | {best[2]:F1} | {best[3]:F1} | {best[3] / best[2]:F2}x | {best[2] / best[0]:F2}x |"));
        }

        Console.WriteLine($"# load at end {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>Builds one case's stream, counter keeping items and queue keeping items (in the calling copy of the
    /// harness, so bound to its AlertEngine.dll) and returns a round: both run once over the stream continued in time,
    /// their ns per activity.</summary>
    public static Func<double[]> Prepare(string rate, int n)
    {
        var stream = ThresholdStream.Create(10_000, Enum.Parse<RatePattern>(rate, ignoreCase: true), ThresholdThroughputBenchmarks.Length);
        var window = TimeSpan.FromSeconds(60);
        var counter = new SlidingWindowCounter<string?>(n, window);
        var queue = new QueueKeepingItemsThreshold<string>(n, window);
        long offset = 0;
        return () =>
        {
            var start = ThresholdCpuTime.ThreadCpuSeconds();
            ThresholdCpuTime.RunCounter(counter, stream, offset);
            var counterNs = (ThresholdCpuTime.ThreadCpuSeconds() - start) * 1e9 / stream.Keys.Length;
            start = ThresholdCpuTime.ThreadCpuSeconds();
            RunQueue(queue, stream, offset);
            var queueNs = (ThresholdCpuTime.ThreadCpuSeconds() - start) * 1e9 / stream.Keys.Length;
            offset += stream.Duration;
            return [counterNs, queueNs];
        };
    }

    internal static void RunQueue(QueueKeepingItemsThreshold<string> queue, ThresholdStream stream, long offset)
    {
        var keys = stream.Keys;
        var ticks = stream.Ticks;
        for (var i = 0; i < keys.Length; i++)
        {
            queue.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), keys[i]);
        }
    }
}
