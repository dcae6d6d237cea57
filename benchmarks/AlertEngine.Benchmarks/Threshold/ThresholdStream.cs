using System.Globalization;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>How activities of one key are spread in time.</summary>
public enum RatePattern
{
    /// <summary>Each activity picks a random key: a key's activities come about every 10 s.</summary>
    Steady,

    /// <summary>Runs of 100 activities of one random key at once; the same mean rate per key as steady.</summary>
    Bursty,
}

/// <summary>
/// A generated stream of (key, time) pairs, deterministic (seed 42). Times are whole seconds, non-decreasing, like audit
/// times; the mean interval between two activities of one key is 10 s whatever the number of keys. Replaying it shifted
/// by <see cref="Duration"/> continues it seamlessly, so a benchmark can run it many times in steady state.
/// </summary>
public sealed class ThresholdStream
{
    /// <summary>Mean interval between two activities of one key.</summary>
    public static readonly TimeSpan MeanIntervalPerKey = TimeSpan.FromSeconds(10);

    /// <summary>Activities in one burst of the bursty pattern.</summary>
    public const int BurstLength = 100;

    private static readonly long Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    private ThresholdStream(string[] keys, long[] ticks, long duration)
    {
        Keys = keys;
        Ticks = ticks;
        Duration = duration;
    }

    /// <summary>The key of each activity.</summary>
    public string[] Keys { get; }

    /// <summary>The time of each activity, in UTC ticks.</summary>
    public long[] Ticks { get; }

    /// <summary>The shift, in ticks, that continues the stream after its last activity.</summary>
    public long Duration { get; }

    /// <summary>Creates a stream.</summary>
    public static ThresholdStream Create(int keyCount, RatePattern pattern, int length)
    {
        var pool = KeyPool(keyCount);
        var random = new Random(42);
        var keys = new string[length];
        var ticks = new long[length];
        var step = (double)MeanIntervalPerKey.Ticks / keyCount;
        string? burstKey = null;
        for (var i = 0; i < length; i++)
        {
            if (pattern == RatePattern.Steady)
            {
                keys[i] = pool[random.Next(keyCount)];
            }
            else
            {
                if (i % BurstLength == 0)
                {
                    burstKey = pool[random.Next(keyCount)];
                }

                keys[i] = burstKey!;
            }

            var t = (long)(i * step);
            ticks[i] = Start + (t - (t % TimeSpan.TicksPerSecond));
        }

        var duration = ticks[^1] - ticks[0] + TimeSpan.TicksPerSecond;
        return new ThresholdStream(keys, ticks, duration);
    }

    /// <summary>The key strings <c>user{i}@contoso.com</c>.</summary>
    public static string[] KeyPool(int keyCount)
    {
        var pool = new string[keyCount];
        for (var i = 0; i < keyCount; i++)
        {
            pool[i] = "user" + i.ToString(CultureInfo.InvariantCulture) + "@contoso.com";
        }

        return pool;
    }
}
