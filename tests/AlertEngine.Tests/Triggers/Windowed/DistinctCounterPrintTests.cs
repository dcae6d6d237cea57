using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>The distinct core's per-value fingerprints in the key's slot: equal for values equal ignoring case, and values
/// that share one are still told apart.</summary>
public class DistinctCounterPrintTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    private static byte Print(string value) => DistinctCounter<string>.Print(value);

    [Fact]
    public void No_non_ASCII_character_equals_an_ASCII_one_ignoring_case()
    {
        // The fingerprint prints a value with a non-ASCII character among its last four by its length alone, and folds
        // ASCII letters: that is consistent only while ordinal case-insensitive equality never pairs the two kinds.
        var pairs = new List<string>();
        for (var c = 0x80; c <= 0xFFFF; c++)
        {
            if (c is >= 0xD800 and < 0xE000)
            {
                continue;
            }

            for (var a = 0; a < 0x80; a++)
            {
                if (string.Equals(((char)c).ToString(), ((char)a).ToString(), StringComparison.OrdinalIgnoreCase))
                {
                    pairs.Add($"{c:X4}={a:X2}");
                }
            }
        }

        Assert.Empty(pairs);
    }

    [Property(MaxTest = 500)]
    public Property Values_equal_ignoring_case_have_one_fingerprint()
    {
        var alphabet = "aAzZ09.:-_@`[{~ßẞéÉāĀıIſsSkK\u212AÅå\u212B\u0130i".ToCharArray();
        var gen =
            from chars in Gen.Choose(1, 9).SelectMany(n => Gen.ArrayOf(Gen.Elements(alphabet), n))
            from flips in Gen.ArrayOf(Gen.Elements(0, 1, 2), chars.Length)
            select (new string(chars), new string(chars.Select((c, i) => flips[i] switch { 1 => char.ToUpperInvariant(c), 2 => char.ToLowerInvariant(c), _ => c }).ToArray()));
        return Prop.ForAll(gen.ToArbitrary(), pair =>
            !string.Equals(pair.Item1, pair.Item2, StringComparison.OrdinalIgnoreCase) || Print(pair.Item1) == Print(pair.Item2));
    }

    [Fact]
    public void Matches_finds_every_place_with_the_fingerprint_within_the_count()
    {
        // Places 0..4 hold 7, 9, 7, 0, 7; beyond the count, zeros.
        var prints = 7UL | (9UL << 8) | (7UL << 16) | (0UL << 24) | (7UL << 32);
        var m = DistinctCounter<string>.Matches(prints, 7, 5);
        Assert.Equal(0, System.Numerics.BitOperations.TrailingZeroCount(m) >> 3);
        var places = new List<int>();
        for (; m != 0; m &= m - 1)
        {
            var p = System.Numerics.BitOperations.TrailingZeroCount(m) >> 3;
            if ((byte)(prints >> (p << 3)) == 7)
            {
                places.Add(p);
            }
        }

        Assert.Equal([0, 2, 4], places);
        Assert.Equal(3, System.Numerics.BitOperations.TrailingZeroCount(DistinctCounter<string>.Matches(prints, 0, 5)) >> 3);
        Assert.Equal(0UL, DistinctCounter<string>.Matches(prints, 0, 3));
        Assert.Equal(0UL, DistinctCounter<string>.Matches(prints, 0, 0));
        Assert.NotEqual(0UL, DistinctCounter<string>.Matches(ulong.MaxValue, 0xFF, 8) & (0x80UL << 56));
    }

    [Fact]
    public void MoveToLast_moves_one_fingerprint_to_the_last_place_and_the_later_ones_back()
    {
        var prints = 1UL | (2UL << 8) | (3UL << 16) | (4UL << 24);
        Assert.Equal(2UL | (3UL << 8) | (4UL << 16) | (1UL << 24), DistinctCounter<string>.MoveToLast(prints, 0, 4, 1));
        Assert.Equal(1UL | (3UL << 8) | (4UL << 16) | (2UL << 24), DistinctCounter<string>.MoveToLast(prints, 1, 4, 2));
        Assert.Equal(1UL | (2UL << 8) | (4UL << 16) | (3UL << 24), DistinctCounter<string>.MoveToLast(prints, 2, 4, 3));
        var full = 0x0807_0605_0403_0201UL;
        Assert.Equal(0x0108_0706_0504_0302UL, DistinctCounter<string>.MoveToLast(full, 0, 8, 1));
        Assert.Equal(0x0708_0605_0403_0201UL, DistinctCounter<string>.MoveToLast(full, 6, 8, 7));
    }

    [Fact]
    public void Values_that_share_a_fingerprint_stay_apart()
    {
        var (a, b) = Colliding("addr-");
        Assert.NotEqual(a, b, StringComparer.OrdinalIgnoreCase);
        Assert.Equal(Print(a), Print(b));

        var counter = new DistinctCounter<string>(4, TimeSpan.FromSeconds(60), new WindowedTriggerOptions { AllowedLateness = TimeSpan.FromSeconds(30) });
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(0), a, "a"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(1), b, "b"));
        Assert.Equal(2, counter.GetCount("k"));

        // b again (matches a's place by fingerprint first), a in another spelling, then b out of time order.
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(2), b.ToUpperInvariant(), "c"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(3), a.ToUpperInvariant(), "d"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(2), b, "e"));
        Assert.Equal(2, counter.GetCount("k"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(4), "x", "f"));
        Assert.Equal(WindowTriggerOutcome.Detected, counter.Add("k", At(5), "y", "g"));
        Assert.Equal([b, a.ToUpperInvariant(), "x", "y"], counter.LastDetection.Values.ToArray());
        Assert.Equal(["e", "d", "f", "g"], counter.LastDetection.Items.ToArray());
    }

    [Fact]
    public void The_oldest_value_leaves_the_window_by_the_time_in_the_slot()
    {
        // N = 3: two values kept. The only value seen again moves its time on, so it does not expire with its first time.
        var counter = new DistinctCounter<string>(3, TimeSpan.FromSeconds(10));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(0), "v1", "a"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(5), "v1", "b"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(12), "v2", "c"));
        Assert.Equal(2, counter.GetCount("k"));

        // v1 (at 5) is first, v2 second; v1 seen again moves to the end, v2 becomes the oldest and leaves at 22.
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(14), "v1", "d"));
        Assert.Equal(WindowTriggerOutcome.Counted, counter.Add("k", At(22), "v3", "e"));
        Assert.Equal(2, counter.GetCount("k"));
        Assert.Equal(WindowTriggerOutcome.Detected, counter.Add("k", At(23), "v4", "f"));
        Assert.Equal(["v1", "v3", "v4"], counter.LastDetection.Values.ToArray());
    }

    /// <summary>Two values, different ignoring case, with the same fingerprint: <paramref name="prefix"/> and a number.</summary>
    internal static (string A, string B) Colliding(string prefix)
    {
        var seen = new Dictionary<byte, string>();
        for (var i = 0; ; i++)
        {
            var v = prefix + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture);
            if (seen.TryGetValue(Print(v), out var other))
            {
                return (other, v);
            }

            seen.Add(Print(v), v);
        }
    }
}
