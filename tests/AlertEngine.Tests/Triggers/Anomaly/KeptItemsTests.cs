using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>The activities a detection carries: kept in one ring shared by all keys, chained per key.</summary>
public class KeptItemsTests
{
    private static readonly string[] Keys = ["a", "b", "c"];

    /// <summary>Three keys learn 8 days of 4 an hour; then 3 hours of random traffic with bursts, shuffled within the lateness.</summary>
    private static Arbitrary<(int MaxItems, int LatenessMinutes, (int Key, int Minute, int Count)[] Steps, int Seed)> Traffic() =>
        Arb.From(
            from maxItems in Gen.Choose(1, 40)
            from lateness in Gen.Elements(0, 0, 10, 90)
            from steps in Gen.ArrayOf(
                from key in Gen.Choose(0, Keys.Length - 1)
                from minute in Gen.Choose(0, 179)
                from count in Gen.Frequency((6, Gen.Constant(1)), (2, Gen.Choose(2, 30)), (1, Gen.Choose(40, 120)))
                select (key, minute, count))
            from seed in Gen.Choose(0, int.MaxValue)
            select (maxItems, lateness, steps, seed));

    [Property(MaxTest = 60)]
    public Property A_detection_carries_the_first_items_of_its_bucket_in_time_order_whatever_the_interleaving_of_keys() =>
        Prop.ForAll(Traffic(), input =>
        {
            var lateness = TimeSpan.FromMinutes(input.LatenessMinutes);
            var model = new BaselineModel<int>(Trigger(AnomalySensitivity.High), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxActivitiesPerDetection = input.MaxItems, AllowedLateness = lateness });
            var learning = Steady(Start, 8 * 24, 4).SelectMany(t => Keys.Select(k => (Key: k, Time: t)));
            FeedMany(model, learning);

            var from = Start.AddDays(8);
            var stream = input.Steps
                .SelectMany(s => Enumerable.Repeat((Key: Keys[s.Key], Time: from.AddMinutes(s.Minute)), s.Count))
                .OrderBy(x => x.Time)
                .ToList();
            var rng = new Random(input.Seed);
            for (var i = 1; i < stream.Count; i++)
            {
                if (rng.Next(3) == 0 && stream[i].Time - stream[i - 1].Time <= lateness)
                {
                    (stream[i], stream[i - 1]) = (stream[i - 1], stream[i]);
                }
            }

            // Naive oracle: every counted observation, by key and bucket, in arrival order.
            var counted = new Dictionary<(string, DateTimeOffset), List<(int N, DateTimeOffset Time)>>();
            var detections = 0;
            for (var n = 0; n < stream.Count; n++)
            {
                var (key, time) = stream[n];
                var outcome = model.Observe(key, time, n, out var d);
                if (outcome is AnomalyOutcome.Late)
                {
                    continue;
                }

                var bucket = new DateTimeOffset(time.UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);
                if (!counted.TryGetValue((key, bucket), out var list))
                {
                    counted[(key, bucket)] = list = [];
                }

                list.Add((n, time));
                if (d is null)
                {
                    continue;
                }

                detections++;
                var expected = list.Take(input.MaxItems).OrderBy(x => x.Time).Select(x => x.N).ToArray();
                if (d.BucketStart != bucket || d.Key != key || d.Observed != list.Count || !d.Items.SequenceEqual(expected))
                {
                    return false.Label($"detection {d.Key} {d.BucketStart:t} observed {d.Observed} items [{string.Join(",", d.Items)}], expected {list.Count} [{string.Join(",", expected)}]");
                }
            }

            return (model.DroppedItems == 0).Label("dropped items under the default cap").Classify(detections > 0, "with detections");
        });

    [Fact]
    public void At_the_ring_cap_a_detection_lists_its_newest_kept_items_and_the_drop_is_counted()
    {
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxKeptActivities = 4 });
        Feed(model, "k", Steady(Start, 8 * 24, 4));
        var threshold = model.GetBaseline("k", Start.AddDays(8))!.Threshold!.Value;
        Assert.True(threshold > 4);

        var d = Assert.Single(Feed(model, "k", Burst(Start.AddDays(8), threshold)));
        Assert.Equal(threshold, d.Observed);
        Assert.Equal(4, d.Items.Count);
        Assert.Equal(Enumerable.Range(threshold - 4, 4), d.Items);
        Assert.Equal(threshold - 4, model.DroppedItems);
    }

    [Fact]
    public void The_ring_grows_rather_than_overwrite_items_whose_bucket_can_still_fire()
    {
        // 50 keys each keep 30 items in the same hour: far more than the ring's first size, far less than the cap.
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        var keys = Enumerable.Range(0, 50).Select(i => "k" + i).ToArray();
        FeedMany(model, Steady(Start, 8 * 24, 4).SelectMany(t => keys.Select(k => (k, t))));
        var found = FeedMany(model, Burst(Start.AddDays(8), 60).SelectMany(t => keys.Select(k => (k, t))));

        Assert.Equal(keys.Length, found.Count);
        Assert.All(found, d => Assert.Equal(d.Observed, d.Items.Count));
        Assert.Equal(0, model.DroppedItems);
    }

    [Fact]
    public void With_no_kept_items_detections_still_fire_and_count()
    {
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxKeptActivities = 0 });
        Feed(model, "k", Steady(Start, 8 * 24, 4));
        var d = Assert.Single(Feed(model, "k", Burst(Start.AddDays(8), 200)));
        Assert.Empty(d.Items);
        Assert.True(d.Observed >= 15);
        Assert.Equal(0, model.DroppedItems);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData((1 << 30) + 1)]
    public void The_kept_item_cap_must_be_between_zero_and_two_to_the_thirty(int cap)
    {
        var error = Assert.Single(new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxKeptActivities = cap }.Validate());
        Assert.Equal("MaxKeptActivities", error.Path);
        Assert.Throws<ArgumentException>(() => new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxKeptActivities = cap }));
    }
}
