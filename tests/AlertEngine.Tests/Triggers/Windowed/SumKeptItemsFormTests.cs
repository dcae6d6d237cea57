using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>
/// The sum core keeps a key in one of two forms when it keeps items: the kept items standing for the slots (one ring),
/// or slots plus kept items (after a late item, the cap, or two times in one slot). Neither form may show: outcomes,
/// detections and totals — bit for bit, with values that are not exact in binary — equal those of a core that keeps no
/// items (which always uses the slots), whatever the cap, and across a checkpoint taken in either form.
/// </summary>
public class SumKeptItemsFormTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    // Values whose sums round differently in different orders, a negative zero, and large magnitudes.
    private static readonly double[] Values = [0.1, 0.2, 0.3, 1.1, 3.3, -0.7, -0.0, 1e16, -1e16, 2.5, 7];

    public sealed record Step(int Key, int DeltaMillis, int Value);

    public sealed record Case(int WindowSeconds, int ResolutionSeconds, int LatenessSeconds, double Threshold, int MaxItems, Step[] Steps, int Cut);

    public static class Arbitraries
    {
        public static Arbitrary<Case> Cases() => Arb.From(
            from window in Gen.Choose(1, 20)
            from resolution in Gen.Frequency((3, Gen.Constant(1)), (2, Gen.Choose(2, 5)))
            from lateness in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, 10)))
            from threshold in Gen.Elements(1e300, 2.0, 5.5, 1e16, 0.6)
            from maxItems in Gen.Frequency((2, Gen.Constant(1000)), (3, Gen.Choose(1, 4)))
            from steps in Gen.ArrayOf(
                from key in Gen.Choose(0, 2)
                from delta in Gen.Frequency(
                    (4, Gen.Constant(0)), (4, Gen.Choose(1, 3).Select(s => s * 1000)), (2, Gen.Choose(1, 2500)),
                    (1, Gen.Choose(5, 25).Select(s => s * 1000)), (2, Gen.Choose(-8000, -1)))
                from value in Gen.Choose(0, Values.Length - 1)
                select new Step(key, delta, value))
            from cut in Gen.Choose(0, 200)
            select new Case(window, resolution, lateness, threshold, maxItems, steps, cut));
    }

    [Property(MaxTest = 400, Arbitrary = [typeof(Arbitraries)])]
    public Property Keeping_items_in_either_form_changes_no_outcome_total_or_detection(Case c)
    {
        var reference = Run(c, maxItems: 0, cut: null);
        var keeping = Run(c, c.MaxItems, cut: null);
        var restarted = Run(c, c.MaxItems, cut: c.Cut % (c.Steps.Length + 1));
        return (reference.SequenceEqual(keeping) && keeping.SequenceEqual(restarted))
            .Label($"reference {string.Join(" ", reference)}\nkeeping {string.Join(" ", keeping)}\nrestarted {string.Join(" ", restarted)}");
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(Arbitraries)])]
    public Property A_detection_carries_the_most_recent_items_in_time_order(Case c)
    {
        // Items are the step numbers; a detection's items are the most recent counted ones of the key's window, at most
        // the cap, in time order (equal times in arrival order), whichever form the key was in.
        var sum = Core(c, c.MaxItems);
        var counted = new Dictionary<int, List<(long Ticks, int Item)>>();
        var time = T0;
        var ok = true;
        for (var i = 0; i < c.Steps.Length; i++)
        {
            var s = c.Steps[i];
            time = time.AddMilliseconds(s.DeltaMillis);
            var outcome = sum.Add("k" + s.Key, time, Values[s.Value], i);
            var window = TimeSpan.FromSeconds(c.WindowSeconds).Ticks;
            var resolution = TimeSpan.FromSeconds(c.ResolutionSeconds).Ticks;
            if (!counted.TryGetValue(s.Key, out var list))
            {
                counted[s.Key] = list = [];
            }

            if (outcome is WindowTriggerOutcome.Counted or WindowTriggerOutcome.Detected)
            {
                list.Add((time.UtcTicks, i));
                var newest = list.Max(x => x.Ticks / resolution);
                var windowSlots = (window / resolution) + (window % resolution == 0 ? 0 : 1);
                list.RemoveAll(x => x.Ticks / resolution <= newest - windowSlots);
            }

            if (outcome == WindowTriggerOutcome.Detected)
            {
                var expected = list.OrderBy(x => x.Ticks).Select(x => x.Item).TakeLast(c.MaxItems).ToArray();
                ok &= expected.SequenceEqual(sum.LastDetection.Items.ToArray());
                list.Clear();
            }
        }

        return ok.ToProperty();
    }

    [Fact]
    public void A_checkpoint_of_the_earlier_version_is_read_in_either_form()
    {
        // The checkpoint layout did not change (per key: newest slot, total, slot subtotals, kept items): a state written
        // as the earlier version wrote it restores, with one item per slot into the one-ring form, with two items in a
        // slot into the two-ring form, and both continue exactly as a core that never stopped.
        var options = new WindowedTriggerOptions { MaxItemsPerDetection = 1000 };
        var uninterrupted = new SlidingWindowSum<string>(10, TimeSpan.FromSeconds(60), options);
        var inputs = new (string Key, int Second, double Value, string Item)[]
        {
            ("one", 0, 0.1, "a"), ("one", 10, 0.2, "b"), ("two", 10, 0.3, "c"), ("two", 10, 0.6, "d"),
        };
        foreach (var (key, second, value, item) in inputs)
        {
            Assert.Equal(WindowTriggerOutcome.Counted, uninterrupted.Add(key, T0.AddSeconds(second), value, item));
        }

        var slot0 = T0.UtcTicks / TimeSpan.TicksPerSecond;
        using var writer = new CheckpointWriter();
        writer.Write(T0.AddSeconds(10).UtcTicks);
        writer.BeginKeys(2);
        WriteEarlierKey(writer, "one", slot0 + 10, 0.1 + 0.2, [(slot0, 0.1, 1), (slot0 + 10, 0.2, 1)], [(T0.UtcTicks, "a"), (T0.AddSeconds(10).UtcTicks, "b")]);
        WriteEarlierKey(writer, "two", slot0 + 10, 0.3 + 0.6, [(slot0 + 10, 0.3 + 0.6, 2)], [(T0.AddSeconds(10).UtcTicks, "c"), (T0.AddSeconds(10).UtcTicks, "d")]);
        var detector = new SumDetector(
            WindowedCompare.Policy(new SumTrigger("Bytes", 10, TimeSpan.FromSeconds(60), TriggerScope.User)),
            new SumTrigger("Bytes", 10, TimeSpan.FromSeconds(60), TriggerScope.User),
            new AlertEngineOptions(),
            _ => { });
        var reader = new CheckpointReader(writer.Written.ToArray());
        detector.ReadState(reader);
        Assert.True(reader.AtEnd);

        // Same export as the core that never stopped, for both keys.
        Assert.Equal(Describe(uninterrupted.Export()), Describe(detector.Sum.Export()));
        var restored = detector.Sum;
        var later = new (string Key, int Second, double Value)[] { ("one", 65, 0.7), ("two", 65, 9.1), ("two", 69, 0.05), ("one", 70, 9.5) };
        foreach (var (key, second, value) in later)
        {
            var expected = uninterrupted.Add(key, T0.AddSeconds(second), value, key + second);
            var actual = restored.Add(key, T0.AddSeconds(second), value, ActivityFor(key + second));
            Assert.Equal(expected, actual);
            Assert.Equal(BitConverter.DoubleToInt64Bits(uninterrupted.GetTotal(key)), BitConverter.DoubleToInt64Bits(restored.GetTotal(key)));
        }
    }

    private static Activity ActivityFor(string id) => WindowedTestData.Act(id, 0);

    private static void WriteEarlierKey(CheckpointWriter writer, string key, long newest, double total, (long, double, int)[] slots, (long, string)[] items)
    {
        writer.BeginKey(key);
        writer.Write(newest);
        writer.Write(total);
        writer.Write(slots.Length);
        foreach (var (slot, subtotal, n) in slots)
        {
            writer.Write(slot);
            writer.Write(subtotal);
            writer.Write(n);
        }

        WindowedDetectors.WriteItems(writer, items.Select(x => (x.Item1, ActivityFor(x.Item2))).ToArray());
        writer.EndKey();
    }

    internal static string Describe<TItem>(List<SumKeyView<TItem>> keys) => string.Join(
        "; ",
        keys.Select(k => $"{k.Key} {k.NewestSlot} {BitConverter.DoubleToInt64Bits(k.Total)} [{string.Join(",", k.Slots.Select(s => $"{s.Slot}:{BitConverter.DoubleToInt64Bits(s.Sum)}:{s.Count}"))}] [{string.Join(",", k.Items.Select(i => i.Ticks + ":" + Id(i.Item)))}]"));

    private static string? Id(object? item) => item is Activity a ? a.Id : item?.ToString();

    private static SlidingWindowSum<int> Core(Case c, int maxItems) => new(
        c.Threshold,
        TimeSpan.FromSeconds(c.WindowSeconds),
        new WindowedTriggerOptions
        {
            Resolution = TimeSpan.FromSeconds(c.ResolutionSeconds),
            AllowedLateness = TimeSpan.FromSeconds(c.LatenessSeconds),
            MaxItemsPerDetection = maxItems,
        });

    /// <summary>Per step: outcome, after counting the key's total (bits), on a detection its hit count and total (bits).</summary>
    private static List<string> Run(Case c, int maxItems, int? cut)
    {
        var sum = Core(c, maxItems);
        var results = new List<string>();
        var time = T0;
        for (var i = 0; i < c.Steps.Length; i++)
        {
            if (i == cut)
            {
                sum = SumLazyExpiryTests.Restarted(sum, Core(c, maxItems));
            }

            var s = c.Steps[i];
            time = time.AddMilliseconds(s.DeltaMillis);
            var key = "k" + s.Key;
            var outcome = sum.Add(key, time, Values[s.Value], i);
            var detection = outcome == WindowTriggerOutcome.Detected
                ? $" {sum.LastDetection.HitCount} {BitConverter.DoubleToInt64Bits(sum.LastDetection.Total)}"
                : string.Empty;
            // The key's total after it counted (a late activity does not touch its key, and an idle key's total is
            // read as it stood until a sweep evicts it, which a restart reschedules).
            var total = outcome == WindowTriggerOutcome.Counted ? $" {BitConverter.DoubleToInt64Bits(sum.GetTotal(key))}" : string.Empty;
            results.Add($"{outcome}{total}{detection}");
        }

        return results;
    }
}
