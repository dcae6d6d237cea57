namespace AlertEngine.Tests.Triggers;

public class SlidingWindowCounterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    private static SlidingWindowCounter<string> Counter(int n, TimeSpan window, Action<SlidingWindowCounterOptions>? configure = null)
    {
        var options = new SlidingWindowCounterOptions();
        configure?.Invoke(options);
        return new SlidingWindowCounter<string>(n, window, options);
    }

    [Fact]
    public void Fires_when_the_nth_item_is_at_exactly_window_after_the_second_and_not_the_first()
    {
        // Window (t - 10 s, t]: at t = 10 the item at 0 is excluded and the item at 10 is included.
        var counter = Counter(3, TimeSpan.FromSeconds(10));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(0), "a0"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(1), "a1"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(10), "a10")); // a0 has left: 2 in (0, 10]
        Assert.Equal(2, counter.GetCount("alice"));
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(10), "a10b"));

        var detection = counter.LastDetection;
        Assert.Equal(3, detection.HitCount);
        Assert.Equal("alice", detection.Key);
        Assert.Equal(["a1", "a10", "a10b"], detection.Items.ToArray());
    }

    [Fact]
    public void Does_not_fire_when_the_first_item_is_exactly_one_window_before_the_nth()
    {
        var counter = Counter(2, TimeSpan.FromSeconds(10));
        counter.Add("alice", At(0), "a0");
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(10), "a10"));
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(19), "a19"));
        Assert.Equal(["a10", "a19"], counter.LastDetection.Items.ToArray());
    }

    [Fact]
    public void Starts_the_count_again_from_zero_after_a_detection()
    {
        var counter = Counter(2, TimeSpan.FromMinutes(1));
        counter.Add("alice", At(0), "a");
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(1), "b"));
        Assert.Equal(0, counter.GetCount("alice"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(2), "c"));
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(2), "d"));
        Assert.Equal(["c", "d"], counter.LastDetection.Items.ToArray());
    }

    [Fact]
    public void With_n_of_one_every_item_is_a_detection_of_itself()
    {
        var counter = Counter(1, TimeSpan.FromMinutes(1));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(0), "a" + i));
            Assert.Equal(1, counter.LastDetection.HitCount);
            Assert.Equal(["a" + i], counter.LastDetection.Items.ToArray());
        }

        Assert.Equal(0, counter.SlotCapacity("alice"));
    }

    [Fact]
    public void A_window_of_one_tick_at_tick_resolution_counts_only_items_at_the_same_tick()
    {
        var counter = Counter(2, Tick, o => o.Resolution = Tick);
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", T0, "a"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", T0 + Tick, "b"));
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", T0 + Tick, "c"));
        Assert.Equal(["b", "c"], counter.LastDetection.Items.ToArray());
    }

    [Fact]
    public void A_window_of_one_tick_at_second_resolution_counts_items_in_the_same_second()
    {
        // Times are truncated to the resolution, so within one second all times are equal.
        var counter = Counter(2, Tick);
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(0).AddMilliseconds(100), "a"));
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(0).AddMilliseconds(900), "b"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(1).AddMilliseconds(999), "c"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(2), "d"));
    }

    [Fact]
    public void Times_are_truncated_to_the_resolution_before_the_window_is_applied()
    {
        // Resolution 1 s, window 10 s: 00.9 counts as 00 and so has left the window at 10.5 (which counts as 10).
        var counter = Counter(2, TimeSpan.FromSeconds(10));
        counter.Add("alice", At(0).AddMilliseconds(900), "a");
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(10).AddMilliseconds(500), "b"));
    }

    [Fact]
    public void Keeps_one_count_per_key()
    {
        var counter = Counter(2, TimeSpan.FromMinutes(1));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(0), "a"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("bob", At(1), "b"));
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("bob", At(2), "c"));
        Assert.Equal("bob", counter.LastDetection.Key);
        Assert.Equal(1, counter.GetCount("alice"));
    }

    [Fact]
    public void Compares_keys_exactly_by_default()
    {
        var counter = Counter(2, TimeSpan.FromMinutes(1));
        counter.Add("Alice", At(0), "a");
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(1), "b"));
    }

    [Fact]
    public void Uses_the_configured_key_comparer_and_reports_the_spelling_of_the_completing_item()
    {
        var counter = Counter(2, TimeSpan.FromMinutes(1), o => o.KeyComparer = StringComparer.OrdinalIgnoreCase);
        counter.Add("Alice@Contoso.com", At(0), "a");
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice@contoso.com", At(1), "b"));
        Assert.Equal("alice@contoso.com", counter.LastDetection.Key);
    }

    [Fact]
    public void Keeps_the_most_recent_items_up_to_the_cap_while_the_hit_count_stays_exact()
    {
        var counter = Counter(5, TimeSpan.FromMinutes(1), o => o.MaxItemsPerDetection = 2);
        for (var i = 0; i < 4; i++)
        {
            counter.Add("alice", At(i), "a" + i);
        }

        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(4), "a4"));
        Assert.Equal(5, counter.LastDetection.HitCount);
        Assert.Equal(["a3", "a4"], counter.LastDetection.Items.ToArray());
        Assert.True(counter.ItemCapacity("alice") <= 2);
    }

    [Fact]
    public void Keeps_no_items_when_the_cap_is_zero()
    {
        var counter = Counter(3, TimeSpan.FromMinutes(1), o => o.MaxItemsPerDetection = 0);
        counter.Add("alice", At(0), "a");
        counter.Add("alice", At(1), "b");
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(2), "c"));
        Assert.Equal(3, counter.LastDetection.HitCount);
        Assert.True(counter.LastDetection.Items.IsEmpty);
        Assert.Equal(0, counter.ItemCapacity("alice"));
    }

    [Fact]
    public void An_item_older_than_the_newest_one_is_late_by_default_but_an_equal_time_is_not()
    {
        var counter = Counter(3, TimeSpan.FromMinutes(1));
        counter.Add("alice", At(10), "a");
        Assert.Equal(SlidingWindowOutcome.Late, counter.Add("bob", At(9), "late"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("bob", At(10), "b"));
        Assert.Equal(0, counter.GetCount("carol"));
        Assert.Equal(1, counter.GetCount("bob"));
    }

    [Fact]
    public void An_item_within_the_allowed_lateness_is_counted_at_its_own_time()
    {
        var counter = Counter(3, TimeSpan.FromSeconds(10), o => o.AllowedLateness = TimeSpan.FromSeconds(5));
        counter.Add("alice", At(20), "a20");
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(16), "a16"));
        Assert.Equal(SlidingWindowOutcome.Late, counter.Add("alice", At(14), "a14"));

        // At 26 the window is (16, 26]: the late item at 16 has left it (it expires by its own time, not its arrival).
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("alice", At(26), "a26"));
        Assert.Equal(2, counter.GetCount("alice"));
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(25), "a25"));
        Assert.Equal(["a20", "a25", "a26"], counter.LastDetection.Items.ToArray());
    }

    [Fact]
    public void A_late_item_that_completes_the_count_carries_the_items_in_time_order()
    {
        var counter = Counter(3, TimeSpan.FromSeconds(10), o => o.AllowedLateness = TimeSpan.FromSeconds(5));
        counter.Add("alice", At(10), "a10");
        counter.Add("alice", At(12), "a12");
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(11), "a11"));
        Assert.Equal(["a10", "a11", "a12"], counter.LastDetection.Items.ToArray());
    }

    [Fact]
    public void An_item_within_the_lateness_but_outside_its_keys_window_is_out_of_window()
    {
        var counter = Counter(2, TimeSpan.FromSeconds(10), o => o.AllowedLateness = TimeSpan.FromSeconds(30));
        counter.Add("alice", At(30), "a30");
        Assert.Equal(SlidingWindowOutcome.OutOfWindow, counter.Add("alice", At(20), "a20"));
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("bob", At(5), "b5")); // bob's own window ends at 5
        Assert.Equal(1, counter.GetCount("alice"));
    }

    [Fact]
    public void A_key_holds_at_most_n_minus_one_slots_however_many_items_arrive()
    {
        var counter = Counter(10_000, TimeSpan.FromHours(1), o => o.MaxItemsPerDetection = 0);
        for (var i = 0; i < 9_000; i++)
        {
            counter.Add("alice", At(i / 3), "x"); // 3 items per second, 3,000 distinct seconds
        }

        Assert.Equal(3_000, counter.SlotCount("alice"));
        Assert.Equal(3_600, counter.MaxSlotsPerKey);
        Assert.True(counter.SlotCapacity("alice") <= counter.MaxSlotsPerKey);
    }

    [Fact]
    public void A_key_holds_at_most_window_over_resolution_slots_when_the_rate_grows()
    {
        var window = TimeSpan.FromSeconds(60);
        var counter = Counter(1_000_000, window, o => o.MaxItemsPerDetection = 0);
        var capacities = new List<int>();
        foreach (var perSecond in new[] { 1, 10, 100, 1000 })
        {
            var start = 1000 * perSecond;
            for (var s = 0; s < 120; s++)
            {
                for (var k = 0; k < perSecond; k++)
                {
                    counter.Add("alice", At(start + s), "x");
                }
            }

            capacities.Add(counter.SlotCapacity("alice"));
        }

        Assert.Equal(60, counter.MaxSlotsPerKey);
        Assert.All(capacities, c => Assert.Equal(60, c)); // flat from 1 to 1,000 items per second
    }

    [Fact]
    public void Evicts_a_key_within_half_a_window_after_its_window_has_passed()
    {
        var counter = Counter(5, TimeSpan.FromSeconds(40));
        counter.Add("alice", At(0), "a");
        counter.Add("bob", At(20), "b");
        counter.Add("carol", At(39), "c");
        Assert.Equal(3, counter.TrackedKeys);

        counter.AdvanceTo(At(50)); // alice's window has passed at 40; sweeps run every half window (20 s) of event time
        Assert.Equal(2, counter.TrackedKeys);
        Assert.Equal(0, counter.GetCount("alice"));
        counter.AdvanceTo(At(70));
        Assert.Equal(1, counter.TrackedKeys);
        counter.AdvanceTo(At(89));
        Assert.Equal(1, counter.TrackedKeys); // carol's window passed at 79, the next sweep is at 90
        counter.AdvanceTo(At(90));
        Assert.Equal(0, counter.TrackedKeys);
    }

    [Fact]
    public void Keeps_idle_keys_for_the_allowed_lateness_so_late_items_still_see_them()
    {
        var counter = Counter(2, TimeSpan.FromSeconds(10), o => o.AllowedLateness = TimeSpan.FromSeconds(5));
        counter.Add("alice", At(0), "a0");
        counter.AdvanceTo(At(12));
        Assert.Equal(1, counter.TrackedKeys);
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", At(7), "a7"));
        counter.AdvanceTo(At(25));
        Assert.Equal(0, counter.TrackedKeys);
    }

    [Fact]
    public void A_million_distinct_users_passing_once_each_leave_a_bounded_number_of_keys()
    {
        var counter = Counter(3, TimeSpan.FromSeconds(60));
        var peak = 0;
        for (var i = 0; i < 1_000_000; i++)
        {
            // 100 users per second, each seen once: 6,000 users in any one-minute window, plus at most half a
            // window (3,000 users) not yet swept.
            counter.Add("user" + i, T0.AddMilliseconds(i * 10), "x");
            peak = Math.Max(peak, counter.TrackedKeys);
        }

        Assert.InRange(peak, 6_000, 9_100);
        Assert.Equal(peak, counter.PeakTrackedKeys);
        counter.AdvanceTo(T0.AddMilliseconds(1_000_000 * 10).AddMinutes(1));
        Assert.Equal(0, counter.TrackedKeys);
    }

    [Fact]
    public void Counting_in_steady_state_allocates_nothing_even_with_bursts_detections_and_evictions()
    {
        var counter = new SlidingWindowCounter<string>(5, TimeSpan.FromSeconds(60), new SlidingWindowCounterOptions { MaxItemsPerDetection = 3 });
        var keys = Enumerable.Range(0, 200).Select(i => "user" + i).ToArray();
        var random = new Random(7);
        var inputs = new (string Key, long Offset)[20_000];
        for (int i = 0, t = 0; i < inputs.Length; t++)
        {
            var key = keys[random.Next(keys.Length)];
            var burst = random.Next(10) == 0 ? 40 : 1; // bursts grow a key's arrays; idle keys are evicted
            for (var b = 0; b < burst && i < inputs.Length; b++)
            {
                inputs[i++] = (key, t * TimeSpan.TicksPerSecond);
            }
        }

        var span = inputs[^1].Offset + TimeSpan.TicksPerSecond;
        void Pass(long shift)
        {
            foreach (var (key, offset) in inputs)
            {
                counter.Add(key, T0.AddTicks(offset + shift), key);
            }
        }

        Pass(0);
        Pass(span);
        Assert.Equal(0, Allocations.FewestBytesPerPass(k => Pass(k * span), firstPass: 2));
    }

    [Fact]
    public void Reports_a_new_key_beyond_the_cap_and_does_not_count_it()
    {
        var counter = Counter(2, TimeSpan.FromSeconds(10), o => o.MaxTrackedKeys = 2);
        counter.Add("alice", At(0), "a");
        counter.Add("bob", At(1), "b");
        Assert.Equal(SlidingWindowOutcome.KeyCapExceeded, counter.Add("carol", At(2), "c"));
        Assert.Equal(0, counter.GetCount("carol"));
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("bob", At(2), "b2")); // known keys still count
        Assert.Equal(SlidingWindowOutcome.Counted, counter.Add("carol", At(10), "c")); // alice was evicted at 10
    }

    [Fact]
    public void Restoring_a_snapshot_mid_window_gives_the_same_detections_as_no_restart()
    {
        var options = new SlidingWindowCounterOptions { AllowedLateness = TimeSpan.FromSeconds(3), MaxItemsPerDetection = 3 };
        var inputs = new (string Key, int Second)[]
        {
            ("alice", 0), ("bob", 1), ("alice", 2), ("alice", 4), ("bob", 3), ("alice", 6),
            ("alice", 8), ("bob", 9), ("alice", 9), ("bob", 12), ("alice", 11), ("bob", 13), ("bob", 14),
        };

        var reference = new SlidingWindowCounter<string>(4, TimeSpan.FromSeconds(10), options);
        var expected = inputs.Select((x, i) => Describe(reference, reference.Add(x.Key, At(x.Second), "i" + i))).ToList();

        var first = new SlidingWindowCounter<string>(4, TimeSpan.FromSeconds(10), options);
        var actual = inputs.Take(5).Select((x, i) => Describe(first, first.Add(x.Key, At(x.Second), "i" + i))).ToList();
        var snapshot = first.CreateSnapshot();
        var restarted = new SlidingWindowCounter<string>(4, TimeSpan.FromSeconds(10), options);
        restarted.Restore(snapshot);
        actual.AddRange(inputs.Skip(5).Select((x, i) => Describe(restarted, restarted.Add(x.Key, At(x.Second), "i" + (i + 5)))));

        Assert.Contains(expected, e => e.StartsWith("Detected", StringComparison.Ordinal));
        Assert.Equal(expected, actual);
        Assert.Equal(reference.CreateSnapshot().Keys.Count, restarted.CreateSnapshot().Keys.Count);
    }

    [Fact]
    public void A_snapshot_lists_each_keys_slots_items_and_the_watermark()
    {
        var counter = Counter(5, TimeSpan.FromSeconds(10));
        counter.Add("alice", At(0).AddMilliseconds(300), "a");
        counter.Add("alice", At(0).AddMilliseconds(600), "b");
        counter.Add("alice", At(2), "c");

        var snapshot = counter.CreateSnapshot();
        Assert.Equal(At(2), snapshot.Watermark);
        var key = Assert.Single(snapshot.Keys);
        Assert.Equal("alice", key.Key);
        Assert.Equal(At(2), key.Newest);
        Assert.Equal([new SlidingWindowSlot(At(0), 2), new SlidingWindowSlot(At(2), 1)], key.Slots);
        Assert.Equal(["a", "b", "c"], key.Items.Select(i => i.Item));
        Assert.Equal(At(0).AddMilliseconds(300), key.Items[0].Time);
    }

    [Fact]
    public void Restoring_into_a_counter_with_a_smaller_item_cap_keeps_the_most_recent_items()
    {
        var counter = Counter(5, TimeSpan.FromSeconds(10));
        counter.Add("alice", At(0), "a");
        counter.Add("alice", At(1), "b");
        counter.Add("alice", At(2), "c");
        var smaller = Counter(5, TimeSpan.FromSeconds(10), o => o.MaxItemsPerDetection = 2);
        smaller.Restore(counter.CreateSnapshot());
        Assert.Equal(["b", "c"], smaller.CreateSnapshot().Keys[0].Items.Select(i => i.Item));
        smaller.Add("alice", At(3), "d");
        Assert.Equal(SlidingWindowOutcome.Detected, smaller.Add("alice", At(4), "e"));
        Assert.Equal(5, smaller.LastDetection.HitCount);
        Assert.Equal(["d", "e"], smaller.LastDetection.Items.ToArray());
    }

    [Fact]
    public void Refuses_a_snapshot_of_a_differently_configured_counter_and_stays_unchanged()
    {
        var counter = Counter(5, TimeSpan.FromSeconds(10));
        counter.Add("alice", At(0), "a");
        var other = Counter(4, TimeSpan.FromSeconds(10));
        var error = Assert.Throws<ArgumentException>(() => counter.Restore(other.CreateSnapshot()));
        Assert.Contains("threshold 4", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, counter.GetCount("alice"));
    }

    [Fact]
    public void Refuses_an_inconsistent_snapshot()
    {
        var counter = Counter(3, TimeSpan.FromSeconds(10));
        var tooMany = new SlidingWindowCounterSnapshot<string>(3, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), At(5),
            [new SlidingWindowKeySnapshot<string>("alice", At(5), [new SlidingWindowSlot(At(4), 2), new SlidingWindowSlot(At(5), 1)], [])]);
        var outside = new SlidingWindowCounterSnapshot<string>(3, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), At(20),
            [new SlidingWindowKeySnapshot<string>("alice", At(20), [new SlidingWindowSlot(At(10), 1)], [])]);
        var duplicate = new SlidingWindowCounterSnapshot<string>(3, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), At(5),
            [new SlidingWindowKeySnapshot<string>("alice", At(5), [], []), new SlidingWindowKeySnapshot<string>("alice", At(5), [], [])]);

        Assert.Throws<ArgumentException>(() => counter.Restore(tooMany));
        Assert.Throws<ArgumentException>(() => counter.Restore(outside));
        Assert.Throws<ArgumentException>(() => counter.Restore(duplicate));
    }

    [Fact]
    public void Refuses_a_snapshot_whose_kept_item_is_later_than_the_watermark()
    {
        // The item lies in the key's newest slot (5 s) but after the latest time seen (5.000 s): a detection would list
        // the next item, appended at the end, before it.
        var counter = Counter(5, TimeSpan.FromSeconds(10));
        var later = new SlidingWindowCounterSnapshot<string>(5, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), At(5),
            [new SlidingWindowKeySnapshot<string>("alice", At(5), [new SlidingWindowSlot(At(5), 1)],
                [new SlidingWindowItem<string>(At(5).AddMilliseconds(500), "x")])]);

        var error = Assert.Throws<ArgumentException>(() => counter.Restore(later));
        Assert.Contains("later than the watermark", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_snapshot_whose_kept_item_is_not_counted_in_its_slot_and_stays_unchanged()
    {
        var counter = Counter(5, TimeSpan.FromSeconds(10));
        counter.Add("alice", At(0), "a");
        var uncounted = new SlidingWindowCounterSnapshot<string>(5, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), At(5),
            [new SlidingWindowKeySnapshot<string>("alice", At(5), [new SlidingWindowSlot(At(4), 1), new SlidingWindowSlot(At(5), 1)],
                [new SlidingWindowItem<string>(At(5), "x"), new SlidingWindowItem<string>(At(5), "y")])]);

        var error = Assert.Throws<ArgumentException>(() => counter.Restore(uncounted));
        Assert.Contains("not counted in its slot", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, counter.GetCount("alice"));
    }

    [Fact]
    public void Keeps_the_most_recent_items_beyond_the_cap_and_counts_the_others_through_a_snapshot()
    {
        var counter = Counter(6, TimeSpan.FromSeconds(10), o => o.MaxItemsPerDetection = 2);
        counter.Add("alice", At(1), "a");
        counter.Add("alice", At(2), "b");
        counter.Add("alice", At(2), "c");
        counter.Add("alice", At(3), "d");
        var snapshot = counter.CreateSnapshot();
        Assert.Equal(new[] { (At(1), 1), (At(2), 2), (At(3), 1) }, snapshot.Keys[0].Slots.Select(s => (s.Start, s.Count)).ToArray());
        Assert.Equal(new[] { "c", "d" }, snapshot.Keys[0].Items.Select(i => i.Item).ToArray());

        var restored = Counter(6, TimeSpan.FromSeconds(10), o => o.MaxItemsPerDetection = 2);
        restored.Restore(snapshot);
        Assert.Equal(4, restored.GetCount("alice"));
        Assert.Equal(SlidingWindowOutcome.Counted, restored.Add("alice", At(11), "e")); // a (1 s) has left the window
        Assert.Equal(4, restored.GetCount("alice"));
        Assert.Equal(SlidingWindowOutcome.Counted, restored.Add("alice", At(11), "f"));
        Assert.Equal(SlidingWindowOutcome.Detected, restored.Add("alice", At(11), "g"));
        Assert.Equal(6, restored.LastDetection.HitCount);
        Assert.Equal(["f", "g"], restored.LastDetection.Items.ToArray());
    }

    [Fact]
    public void Rejects_invalid_arguments_and_lists_every_invalid_option()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindowCounter<string>(0, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindowCounter<string>(1, TimeSpan.Zero));
        var error = Assert.Throws<ArgumentException>(() => new SlidingWindowCounter<string>(1, TimeSpan.FromSeconds(1), new SlidingWindowCounterOptions
        {
            Resolution = TimeSpan.Zero,
            AllowedLateness = TimeSpan.FromSeconds(-1),
            MaxTrackedKeys = 0,
            MaxItemsPerDetection = -1,
        }));
        Assert.Contains("Resolution", error.Message, StringComparison.Ordinal);
        Assert.Contains("AllowedLateness", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxTrackedKeys", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxItemsPerDetection", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_window_longer_than_all_time_never_expires_anything()
    {
        var counter = Counter(3, TimeSpan.MaxValue, o => o.Resolution = Tick);
        counter.Add("alice", DateTimeOffset.MinValue, "a");
        counter.Add("alice", DateTimeOffset.MaxValue, "b");
        Assert.Equal(SlidingWindowOutcome.Detected, counter.Add("alice", DateTimeOffset.MaxValue, "c"));
    }

    private static string Describe(SlidingWindowCounter<string> counter, SlidingWindowOutcome outcome) =>
        outcome == SlidingWindowOutcome.Detected
            ? $"Detected {counter.LastDetection.Key} x{counter.LastDetection.HitCount} [{string.Join(",", counter.LastDetection.Items.ToArray())}]"
            : outcome.ToString();
}
