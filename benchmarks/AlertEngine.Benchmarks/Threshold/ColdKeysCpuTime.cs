using System.Globalization;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>
/// The threshold counter alone on the key pattern of the end-to-end workload's threshold policy (issue 16): 20,000
/// users drawn uniformly, one matching activity every 1.75 s (a FileDeleted among 7 operations 250 ms apart), 20 in a
/// 10-minute window, case-insensitive keys, items kept. Every key is cold: a user comes back about every 10 hours,
/// long after the sweep evicted it, so each activity adds a key and about one key is evicted per activity. Each
/// activity carries its own key string (as parsed activities do), allocated in stream order, so the strings are not
/// in the cache when counted. Thread CPU time per activity, the minimum of rounds of the stream continued in time.
/// </summary>
/// <remarks>Usage: <c>threshold-cold [rounds]</c>. Run it with another build's AlertEngine.dll next to this one (a copy of
/// the output directory) for a before/after.</remarks>
public static class ColdKeysCpuTime
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        const int Length = 1_000_000;
        const int Users = 20_000;
        var random = new Random(42);
        var keys = new string[Length];
        var ticks = new long[Length];
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        var step = TimeSpan.FromMilliseconds(1750).Ticks;
        for (var i = 0; i < Length; i++)
        {
            keys[i] = "user" + random.Next(Users).ToString(CultureInfo.InvariantCulture) + "@contoso.com";
            ticks[i] = start + (i * step);
        }

        var duration = Length * step;
        var counter = new SlidingWindowCounter<string>(20, TimeSpan.FromMinutes(10), new SlidingWindowCounterOptions { KeyComparer = StringComparer.OrdinalIgnoreCase });
        var best = double.MaxValue;
        long offset = 0;
        var detections = 0;
        Console.WriteLine($"# threshold-cold: {typeof(SlidingWindowCounter<>).Assembly.Location}, load {File.ReadAllText("/proc/loadavg").Trim()}");
        for (var r = 0; r < rounds; r++)
        {
            var cpu = ThreadCpuNanoseconds();
            for (var i = 0; i < keys.Length; i++)
            {
                if (counter.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), keys[i]) == SlidingWindowOutcome.Detected)
                {
                    detections++;
                }
            }

            best = Math.Min(best, (double)(ThreadCpuNanoseconds() - cpu) / keys.Length);
            offset += duration;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| cold keys (20,000 users, 1 activity / 1.75 s, 20 in 10 min, ignore case) | {best:F1} ns/activity | {counter.TrackedKeys} keys tracked | {detections} detections |"));
        return 0;
    }

    private static long ThreadCpuNanoseconds() => EndToEnd.EngineSideBySide.ThreadCpuNanoseconds();
}
