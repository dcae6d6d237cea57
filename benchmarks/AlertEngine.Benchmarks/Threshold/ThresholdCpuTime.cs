using System.Globalization;
using System.Runtime.InteropServices;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>
/// A second measurement of <see cref="ThresholdThroughputBenchmarks"/>, made in the host process: thread CPU time
/// (CLOCK_THREAD_CPUTIME_ID) per activity, the minimum over rounds of the same stream continued in time, all methods
/// of one case interleaved round by round. On a shared machine this is far less disturbed by other processes than
/// wall-clock time; it still includes cache interference.
/// </summary>
public static class ThresholdCpuTime
{
    private const int Rounds = 12;
    private static readonly Dictionary<(int, RatePattern, int), Dictionary<string, double>> Cache = [];

    public static string NanosecondsPerActivity(string method, int keys, RatePattern rate, int n)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue((keys, rate, n), out var results))
            {
                results = Measure(keys, rate, n);
                Cache[(keys, rate, n)] = results;
            }

            return results.TryGetValue(method, out var ns) ? ns.ToString("F1", CultureInfo.InvariantCulture) : "-";
        }
    }

    /// <summary>Measures only <paramref name="methods"/> (names as in the throughput class), interleaved.</summary>
    public static Dictionary<string, double> Measure(int keys, RatePattern rate, int n, IReadOnlyCollection<string> methods) =>
        Measure(keys, rate, n, methods.Contains);

    /// <summary>As <see cref="Measure(int, RatePattern, int, IReadOnlyCollection{string})"/>, over <paramref name="rounds"/>
    /// rounds, calling <paramref name="onRound"/> with each method's ns per activity in each round (to see how the rounds
    /// of one process spread).</summary>
    public static Dictionary<string, double> Measure(int keys, RatePattern rate, int n, IReadOnlyCollection<string> methods, int rounds, Action<int, string, double> onRound) =>
        Measure(keys, rate, n, methods.Contains, rounds, onRound);

    private static Dictionary<string, double> Measure(int keys, RatePattern rate, int n) => Measure(keys, rate, n, _ => true);

    private static Dictionary<string, double> Measure(int keys, RatePattern rate, int n, Func<string, bool> include, int rounds = Rounds, Action<int, string, double>? onRound = null)
    {
        var stream = ThresholdStream.Create(keys, rate, ThresholdThroughputBenchmarks.Length);
        var window = TimeSpan.FromSeconds(60);
        var counter = new SlidingWindowCounter<string?>(n, window, new SlidingWindowCounterOptions { MaxItemsPerDetection = 0 });
        var ignoreCase = new SlidingWindowCounter<string?>(n, window, new SlidingWindowCounterOptions { MaxItemsPerDetection = 0, KeyComparer = StringComparer.OrdinalIgnoreCase });
        var items = new SlidingWindowCounter<string?>(n, window);
        var queue = new QueueThreshold(n, window);
        var queueItems = new QueueKeepingItemsThreshold<string>(n, window);
        using var rx = new RxGroupByScanThreshold(n, window);
        var runners = new (string Name, Action<long> Run)[]
        {
            ("Counter", off => RunCounter(counter, stream, off)),
            ("CounterIgnoreCase", off => RunCounter(ignoreCase, stream, off)),
            ("CounterKeepingItems", off => RunCounter(items, stream, off)),
            ("RxGroupByScan", off => { for (var i = 0; i < stream.Keys.Length; i++) { rx.Add(stream.Keys[i], new DateTimeOffset(stream.Ticks[i] + off, TimeSpan.Zero)); } }),
            ("QueuePerKey", off => { for (var i = 0; i < stream.Keys.Length; i++) { queue.Add(stream.Keys[i], new DateTimeOffset(stream.Ticks[i] + off, TimeSpan.Zero)); } }),
            ("QueueKeepingItems", off => { for (var i = 0; i < stream.Keys.Length; i++) { queueItems.Add(stream.Keys[i], new DateTimeOffset(stream.Ticks[i] + off, TimeSpan.Zero), stream.Keys[i]); } }),
        };
        runners = Array.FindAll(runners, r => include(r.Name));
        var best = runners.ToDictionary(r => r.Name, _ => double.MaxValue);
        var allocated = new Dictionary<string, double>();
        long offset = 0;
        for (var round = 0; round < rounds; round++)
        {
            foreach (var (name, run) in runners)
            {
                var bytes = GC.GetAllocatedBytesForCurrentThread();
                var start = ThreadCpuSeconds();
                run(offset);
                var ns = (ThreadCpuSeconds() - start) * 1e9 / stream.Keys.Length;
                onRound?.Invoke(round, name, ns);
                best[name] = Math.Min(best[name], ns);
                if (round >= 2)
                {
                    // Bytes allocated per activity in steady state (after two rounds of warm-up), the most of any round.
                    var perActivity = (double)(GC.GetAllocatedBytesForCurrentThread() - bytes) / stream.Keys.Length;
                    allocated[name] = Math.Max(allocated.GetValueOrDefault(name), perActivity);
                }
            }

            offset += stream.Duration;
        }

        if (onRound is not null)
        {
            // Where the hot objects lie (address modulo 4 KiB, after the rounds; to see whether a slow process is a
            // matter of placement).
            Console.WriteLine($"# addresses mod 4096: counter keeping items {Address(items) & 0xFFF}, queue keeping items {Address(queueItems) & 0xFFF}, keys {Address(stream.Keys) & 0xFFF}, ticks {Address(stream.Ticks) & 0xFFF}, GCs {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
        }

        foreach (var (name, bytes) in allocated)
        {
            best[name + " B"] = bytes;
        }

        return best;
    }

    private static long Address(object o) => (long)System.Runtime.CompilerServices.Unsafe.As<object, IntPtr>(ref o);

    internal static void RunCounter(SlidingWindowCounter<string?> counter, ThresholdStream stream, long offset)
    {
        var keys = stream.Keys;
        var ticks = stream.Ticks;
        for (var i = 0; i < keys.Length; i++)
        {
            counter.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), keys[i]);
        }
    }

    internal static double ThreadCpuSeconds()
    {
        const int ClockThreadCpuTimeId = 3;
        return ClockGetTime(ClockThreadCpuTimeId, out var ts) == 0 ? ts.Seconds + (ts.Nanoseconds / 1e9) : double.NaN;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
