namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>
/// The sum core's per-key layout: a key's state and the key table's key, hash and order fill one 64-byte cache line,
/// and the expiry of a key in the two-ring form drops kept items by count (the kept items are the most recent counted),
/// which a restore checks of the state it is given.
/// </summary>
public class SumKeySlotTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_key_slot_is_one_cache_line_whatever_the_item_type()
    {
        Assert.Equal(64, SlidingWindowSum<Activity>.KeySlotSize);
        Assert.Equal(64, SlidingWindowSum<string?>.KeySlotSize);
        Assert.Equal(64, SlidingWindowSum<int>.KeySlotSize);
    }

    [Fact]
    public void A_restored_key_whose_kept_items_are_not_the_most_recent_counted_is_InvalidDataException()
    {
        var sum = new SlidingWindowSum<int>(100, TimeSpan.FromSeconds(60), new WindowedTriggerOptions { MaxItemsPerDetection = 2 });
        sum.RestoreWatermark(T0.AddSeconds(10).UtcTicks);
        var first = T0.UtcTicks / TimeSpan.TicksPerSecond;

        // Slots at 0 s and 10 s, one item each; the item of 0 s is kept but the newer one of 10 s is not.
        var view = new SumKeyView<int>("k", first + 10, 2, [(first, 1, 1), (first + 10, 1, 1)], [(T0.UtcTicks, 7)]);
        var error = Assert.Throws<InvalidDataException>(() => sum.RestoreKey(view));
        Assert.Contains("most recent", error.Message, StringComparison.Ordinal);

        // The same key keeping its newest item is accepted, and expires by count: the item leaves with its slot.
        sum.RestoreKey(view with { Items = [(T0.AddSeconds(10).UtcTicks, 8)] });
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(69), 1, 9));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("k", T0.AddSeconds(70), 1, 10));
        var kept = Assert.Single(sum.Export()).Items;
        Assert.Equal(new[] { 9, 10 }, kept.Select(x => x.Item).ToArray());
    }

    [Fact]
    public void A_key_back_in_the_one_ring_form_gives_its_slot_ring_to_the_next_key_that_needs_one()
    {
        // Two items in one slot at different times build the slot ring (two-ring form); the key fires and starts again
        // in the one-ring form; another key then takes the same slot ring, and both keep counting exactly.
        var sum = new SlidingWindowSum<int>(
            10,
            TimeSpan.FromSeconds(60),
            new WindowedTriggerOptions { Resolution = TimeSpan.FromSeconds(10), MaxItemsPerDetection = 10 });
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("a", T0, 3, 1));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("a", T0.AddSeconds(1), 3, 2));
        Assert.Equal(WindowTriggerOutcome.Detected, sum.Add("a", T0.AddSeconds(2), 4, 3));
        Assert.Equal(new[] { 1, 2, 3 }, sum.LastDetection.Items.ToArray());
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("b", T0.AddSeconds(3), 2, 4));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("b", T0.AddSeconds(4), 2, 5));
        Assert.Equal(WindowTriggerOutcome.Counted, sum.Add("a", T0.AddSeconds(5), 1, 6));
        Assert.Equal(4, sum.GetTotal("b"));
        Assert.Equal(1, sum.GetTotal("a"));
        Assert.Equal(WindowTriggerOutcome.Detected, sum.Add("b", T0.AddSeconds(6), 6, 7));
        Assert.Equal(new[] { 4, 5, 7 }, sum.LastDetection.Items.ToArray());
    }
}
