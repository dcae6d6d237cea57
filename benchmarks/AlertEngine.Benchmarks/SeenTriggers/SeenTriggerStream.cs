namespace AlertEngine.Benchmarks.SeenTriggers;

/// <summary>
/// A generated stream for the new-value and absence benchmarks (seed 42): <see cref="Length"/> activities 10 ms apart,
/// each for a random one of <c>keys</c> user ids (so a key sees one activity per keys × 10 ms on average), with a value
/// from the key's own 8 values, skewed (value j with probability about 2^-(j+1)), so the rare values leave a 1-hour
/// lookback and come back. Strings are made once, as the activities' own strings would be.
/// </summary>
public sealed class SeenTriggerStream
{
    public const int Length = 200_000;
    public const long StepTicks = TimeSpan.TicksPerMillisecond * 10;
    public static readonly long Start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    /// <param name="keys">The number of keys.</param>
    /// <param name="freshStrings">When true, every activity gets its own key and value string instances (as activities
    /// parsed one by one do), so no comparison can succeed by reference alone.</param>
    public SeenTriggerStream(int keys, bool freshStrings = false)
    {
        var random = new Random(42);
        var names = new string[keys];
        var values = new string[keys][];
        for (var k = 0; k < keys; k++)
        {
            names[k] = $"user{k:D5}@contoso.com";
            values[k] = new string[8];
            for (var j = 0; j < 8; j++)
            {
                values[k][j] = $"Mozilla/5.0 client {k % 97}.{j}";
            }
        }

        Keys = new string[Length];
        Values = new string[Length];
        for (var i = 0; i < Length; i++)
        {
            var k = random.Next(keys);
            var j = 0;
            while (j < 7 && random.Next(2) == 0)
            {
                j++;
            }

            // Case varies as it does in audit data: the same user or value spelled differently.
            Keys[i] = random.Next(50) == 0 ? names[k].ToUpperInvariant() : names[k];
            Values[i] = values[k][j];
            if (freshStrings)
            {
                Keys[i] = new string(Keys[i].AsSpan());
                Values[i] = new string(Values[i].AsSpan());
            }
        }
    }

    /// <summary>The key of each activity.</summary>
    public string[] Keys { get; }

    /// <summary>The value of each activity.</summary>
    public string[] Values { get; }

    /// <summary>The span of event time one pass over the stream covers.</summary>
    public static long SpanTicks => Length * StepTicks;
}
