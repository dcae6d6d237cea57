using System.Globalization;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>
/// Retained memory of threshold structures, measured with <see cref="GC.GetTotalMemory(bool)"/> before and after
/// building them (key strings are created before the first measurement and not counted).
/// </summary>
public static class ThresholdMemory
{
    public const int MemoryKeys = 1_000;
    public const int MemoryThreshold = 10_000;
    public static readonly TimeSpan MemoryWindow = TimeSpan.FromSeconds(60);
    private static readonly long Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
    private static readonly Dictionary<string, string> Cache = [];

    /// <summary>
    /// A stream over <see cref="MemoryKeys"/> keys where each key has <paramref name="perKeyPerSecond"/> activities
    /// every second (at whole seconds), <paramref name="seconds"/> long.
    /// </summary>
    public static (string[] Keys, long[] Ticks) RateStream(int perKeyPerSecond, int seconds, string[] pool)
    {
        var length = pool.Length * perKeyPerSecond * seconds;
        var keys = new string[length];
        var ticks = new long[length];
        var i = 0;
        for (var s = 0; s < seconds; s++)
        {
            var t = Start + (s * TimeSpan.TicksPerSecond);
            for (var r = 0; r < perKeyPerSecond; r++)
            {
                foreach (var key in pool)
                {
                    keys[i] = key;
                    ticks[i] = t;
                    i++;
                }
            }
        }

        return (keys, ticks);
    }

    /// <summary>Retained bytes per tracked key of a structure after two windows at a per-key rate.</summary>
    public static string BytesPerKey(string structure, int perKeyPerSecond)
    {
        var cacheKey = structure + "/" + perKeyPerSecond.ToString(CultureInfo.InvariantCulture);
        lock (Cache)
        {
            if (!Cache.TryGetValue(cacheKey, out var value))
            {
                value = Measure(structure, perKeyPerSecond).ToString("N0", CultureInfo.InvariantCulture);
                Cache[cacheKey] = value;
            }

            return value;
        }
    }

    private static long Measure(string structure, int perKeyPerSecond)
    {
        var pool = ThresholdStream.KeyPool(MemoryKeys);
        var seconds = (int)(2 * MemoryWindow.TotalSeconds);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        object? target = null;
        switch (structure)
        {
            case "Counter":
            case "CounterKeepingItems":
                var counter = new SlidingWindowCounter<string>(MemoryThreshold, MemoryWindow, new SlidingWindowCounterOptions
                {
                    MaxItemsPerDetection = structure == "Counter" ? 0 : SlidingWindowCounterOptions.DefaultMaxItemsPerDetection,
                });
                Feed(perKeyPerSecond, seconds, pool, (k, t) => counter.Add(k, t, k));
                target = counter;
                break;
            case "QueuePerKey":
                var queue = new QueueThreshold(MemoryThreshold, MemoryWindow);
                Feed(perKeyPerSecond, seconds, pool, (k, t) => queue.Add(k, t));
                target = queue;
                break;
            case "RxGroupByScan":
                var rx = new RxGroupByScanThreshold(MemoryThreshold, MemoryWindow);
                Feed(perKeyPerSecond, seconds, pool, rx.Add);
                target = rx;
                break;
            default:
                return -1;
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(target);
        GC.KeepAlive(pool);
        return (after - before) / MemoryKeys;
    }

    private static void Feed(int perKeyPerSecond, int seconds, string[] pool, Action<string, DateTimeOffset> add)
    {
        for (var s = 0; s < seconds; s++)
        {
            var time = new DateTimeOffset(Start + (s * TimeSpan.TicksPerSecond), TimeSpan.Zero);
            for (var r = 0; r < perKeyPerSecond; r++)
            {
                foreach (var key in pool)
                {
                    add(key, time);
                }
            }
        }
    }

    /// <summary>
    /// One million distinct users, each seen once, 100 per second (window 60 s): the counter's retained bytes and
    /// tracked keys after the stream, and after the watermark moves one more window (everything idle).
    /// </summary>
    public static string MillionUsers(string what)
    {
        lock (Cache)
        {
            if (!Cache.ContainsKey("million/peak"))
            {
                var users = ThresholdStream.KeyPool(1_000_000);
                var before = GC.GetTotalMemory(forceFullCollection: true);
                var counter = new SlidingWindowCounter<string>(3, MemoryWindow);
                var start = new DateTimeOffset(Start, TimeSpan.Zero);
                for (var i = 0; i < users.Length; i++)
                {
                    counter.Add(users[i], start.AddMilliseconds(i * 10.0), users[i]);
                }

                var during = GC.GetTotalMemory(forceFullCollection: true) - before;
                Cache["million/peak"] = counter.PeakTrackedKeys.ToString("N0", CultureInfo.InvariantCulture);
                Cache["million/tracked"] = counter.TrackedKeys.ToString("N0", CultureInfo.InvariantCulture);
                Cache["million/bytes"] = during.ToString("N0", CultureInfo.InvariantCulture);
                counter.AdvanceTo(start.AddMilliseconds(users.Length * 10.0) + (2 * MemoryWindow));
                var after = GC.GetTotalMemory(forceFullCollection: true) - before;
                Cache["million/trackedAfter"] = counter.TrackedKeys.ToString("N0", CultureInfo.InvariantCulture);
                Cache["million/bytesAfter"] = after.ToString("N0", CultureInfo.InvariantCulture);
                GC.KeepAlive(counter);
                GC.KeepAlive(users);
            }

            return Cache["million/" + what];
        }
    }
}
