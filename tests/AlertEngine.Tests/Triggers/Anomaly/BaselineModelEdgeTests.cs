using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>Edge cases of the model's storage: open buckets that become scorable late, extreme options, snapshots.</summary>
public class BaselineModelEdgeTests
{
    [Fact]
    public void A_bucket_whose_slot_gets_its_first_sample_while_it_is_open_fires_with_all_its_first_items()
    {
        // Daily buckets, learned after one day, one hour of lateness (two open buckets). Saturday and Sunday share the
        // weekend slot, which has no sample until Saturday closes, i.e. when Monday begins: Sunday is counted while it
        // cannot be scored, and a late Sunday activity that arrives after Monday began scores it and fires.
        var trigger = Trigger() with { Bucket = TimeSpan.FromDays(1), LearningPeriod = TimeSpan.FromDays(1) };
        var model = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, AllowedLateness = TimeSpan.FromHours(1), MaxActivitiesPerDetection = 50 });
        var weekdays = Enumerable.Range(0, 6).SelectMany(d => Enumerable.Range(0, 5).Select(i => Start.AddDays(d).AddHours(1 + i)));
        Assert.Empty(Feed(model, "k", weekdays));
        var sunday = Start.AddDays(6);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(AnomalyOutcome.Counted, model.Observe("k", sunday.AddMinutes(i), i, out _));
        }

        Assert.Equal(AnomalyOutcome.Counted, model.Observe("k", Start.AddDays(7).AddSeconds(1), 1000, out _));
        Assert.Equal(AnomalyOutcome.Detected, model.Observe("k", Start.AddDays(7).AddSeconds(-1), 1001, out var d));

        Assert.Equal(sunday, d!.BucketStart);
        Assert.Equal(101, d.Observed);
        Assert.Equal(Enumerable.Range(0, 50), d.Items); // the first 50 to arrive, not just the one that fired it
    }

    [Fact]
    public void The_largest_lateness_keeps_64_open_buckets_per_key()
    {
        // Any lateness of 63 buckets or more keeps the maximum of 64 open buckets; TimeSpan.MaxValue must not overflow.
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, AllowedLateness = TimeSpan.MaxValue });
        Feed(model, "k", Steady(Start, 8 * 24, 4));
        var hour = Start.AddDays(8);
        var threshold = model.GetBaseline("k", hour)!.Threshold!.Value;
        Assert.Empty(Feed(model, "k", Steady(hour, 1, threshold - 1)));
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("k", hour.AddHours(62), -1, out _));

        Assert.Equal(AnomalyOutcome.Detected, model.Observe("k", hour.AddMinutes(59), -2, out var d));
        Assert.Equal(hour, d!.BucketStart);
        Assert.Equal(threshold, d.Observed);
        Assert.Equal(threshold, d.Items.Count);
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("k", hour.AddMinutes(-1), -3, out _)); // 63 buckets behind
        Assert.Equal(AnomalyOutcome.Late, model.Observe("k", hour.AddMinutes(-61), -4, out _)); // 64 buckets behind
    }

    [Fact]
    public void A_snapshot_that_names_a_key_twice_is_refused_and_the_model_is_left_as_it_was()
    {
        var source = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        source.Observe("key-A", Start, 0, out _);
        source.Observe("key-B", Start.AddHours(1), 1, out _);
        var stream = new MemoryStream();
        source.CreateSnapshot().WriteTo(stream);
        var bytes = stream.ToArray();
        var b = bytes.AsSpan().IndexOf("key-B"u8);
        "key-A"u8.CopyTo(bytes.AsSpan(b));
        var corrupt = BaselineSnapshot.ReadFrom(new MemoryStream(bytes));

        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        model.Observe("other", Start, 0, out _);
        Assert.Throws<ArgumentException>(() => model.Restore(corrupt));
        Assert.Equal(1, model.KeyCount);
        Assert.NotNull(model.GetBaseline("other", Start));
        Assert.Equal(1, model.CreateSnapshot().KeyCount);
    }

    [Fact]
    public void The_kept_ring_grows_correctly_after_it_has_wrapped_around()
    {
        // 80 keys keep 10 items an hour for three hours (1,200 items: the 1,024-item ring wraps over released items),
        // then all burst in the same hour, interleaved: the ring must grow while wrapped and keep every chain intact.
        var model = new BaselineModel<int>(Trigger(AnomalySensitivity.Low), AnomalyStreams.PerKey());
        var keys = Enumerable.Range(0, 80).Select(i => "k" + i).ToArray();
        FeedMany(model, Steady(Start, 8 * 24, 4).SelectMany(t => keys.Select(k => (k, t))));
        var from = Start.AddDays(8);
        var all = Steady(from, 3, 10).SelectMany(t => keys.Select(k => (Key: k, Time: t)))
            .Concat(Burst(from.AddHours(3), 60).SelectMany(t => keys.Select(k => (Key: k, Time: t))))
            .ToList();

        var found = new List<(BaselineDetection<int> D, int N)>();
        for (var n = 0; n < all.Count; n++)
        {
            if (model.Observe(all[n].Key, all[n].Time, n, out var d) == AnomalyOutcome.Detected)
            {
                found.Add((d!, n));
            }
        }

        Assert.Equal(keys.Length, found.Count);
        Assert.All(found, f =>
        {
            Assert.Equal(from.AddHours(3), f.D.BucketStart);
            var expected = Enumerable.Range(0, f.N + 1).Where(n => all[n].Key == f.D.Key && all[n].Time >= f.D.BucketStart).ToArray();
            Assert.Equal(f.D.Observed, expected.Length);
            Assert.Equal(expected, f.D.Items);
        });
        Assert.Equal(0, model.DroppedItems);
    }

    [Fact]
    public void A_key_cap_beyond_what_the_open_bucket_counts_can_address_is_refused_with_the_limit()
    {
        // 63 hours of lateness keep 64 open buckets per key, 63 of them in one array of counts for every handle.
        var late = new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxTrackedKeys = 40_000_000, AllowedLateness = TimeSpan.FromHours(63) };
        var e = Assert.Throws<ArgumentException>(() => new BaselineModel<int>(Trigger(), late));
        Assert.Contains("at most 34086017", e.Message, StringComparison.Ordinal);

        // Without lateness the same cap fits (records and slots are in chunks, not one array).
        Assert.NotNull(new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxTrackedKeys = 40_000_000 }));
    }
}
