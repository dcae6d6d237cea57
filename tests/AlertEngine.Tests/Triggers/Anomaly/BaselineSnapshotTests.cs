using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

public class BaselineSnapshotTests
{
    [Fact]
    public void A_restored_model_continues_exactly_like_the_original_without_relearning()
    {
        var original = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        FeedMany(original, Steady(Start, 8 * 24 + 5, 6).SelectMany(t => new[] { ("a", t), ("b", t.AddMinutes(1)) }));

        var bytes = new MemoryStream();
        original.CreateSnapshot().WriteTo(bytes);
        bytes.Position = 0;
        var snapshot = BaselineSnapshot.ReadFrom(bytes);
        Assert.Equal(2, snapshot.KeyCount);
        Assert.Equal(original.Watermark, snapshot.Watermark);

        var restored = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, InitialState = snapshot });
        Assert.True(restored.GetBaseline("a", Start.AddDays(8).AddHours(6))!.Learned);

        var rest = Steady(Start.AddDays(8).AddHours(5), 30, 6).Select(t => ("a", t))
            .Concat(Burst(Start.AddDays(9).AddHours(12), 200).Select(t => ("b", t)));
        var fromOriginal = FeedMany(original, rest);
        var fromRestored = FeedMany(restored, rest);
        Assert.Single(fromOriginal);
        Assert.Equal(
            fromOriginal.Select(d => (d.Key, d.BucketStart, d.Observed, d.Expected, d.Score)),
            fromRestored.Select(d => (d.Key, d.BucketStart, d.Observed, d.Expected, d.Score)));
        Assert.Equal(Serialize(original.CreateSnapshot()), Serialize(restored.CreateSnapshot()));
    }

    [Fact]
    public void Restore_keeps_an_open_buckets_count_and_whether_it_fired()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(model, "k", Steady(Start, 8 * 24, 4));
        var hour = Start.AddDays(8);
        var threshold = model.GetBaseline("k", hour)!.Threshold!.Value;
        Feed(model, "k", Steady(hour, 1, threshold - 1));

        var restored = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        restored.Restore(model.CreateSnapshot());
        Assert.Equal(AnomalyOutcome.Detected, restored.Observe("k", hour.AddMinutes(59), 0, out var d));
        Assert.Equal(threshold, d!.Observed);
        Assert.Single(d.Items); // items kept before the snapshot are not saved

        var again = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        again.Restore(restored.CreateSnapshot());
        Assert.Equal(AnomalyOutcome.Counted, again.Observe("k", hour.AddMinutes(59), 1, out _));
    }

    [Fact]
    public void A_snapshot_of_another_bucket_length_is_refused()
    {
        var snapshot = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey()).CreateSnapshot();
        var other = new BaselineModel<int>(Trigger() with { Bucket = TimeSpan.FromMinutes(30) }, AnomalyStreams.PerKey());
        Assert.Throws<ArgumentException>(() => other.Restore(snapshot));
    }

    [Fact]
    public void A_snapshot_with_more_keys_than_the_cap_is_refused()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        model.Observe("a", Start, 0, out _);
        model.Observe("b", Start, 0, out _);
        var small = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, MaxTrackedKeys = 1 });
        Assert.Throws<ArgumentException>(() => small.Restore(model.CreateSnapshot()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(40)]
    public void Truncated_or_foreign_data_is_an_invalid_data_error(int keep)
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(model, "k", Steady(Start, 30, 3));
        var bytes = Serialize(model.CreateSnapshot());
        Assert.Throws<InvalidDataException>(() => BaselineSnapshot.ReadFrom(new MemoryStream(bytes[..keep])));
        Assert.Throws<InvalidDataException>(() => BaselineSnapshot.ReadFrom(new MemoryStream("not a snapshot at all"u8.ToArray())));
    }

    [Fact]
    public void A_malformed_string_or_a_huge_key_count_from_a_stream_that_cannot_seek_is_an_invalid_data_error()
    {
        var model = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(model, "k", Steady(Start, 30, 3));
        var bytes = Serialize(model.CreateSnapshot());

        // The time zone id's length prefix (offset 20) made of five continuation bytes: not a 7-bit encoded length.
        byte[] malformed = [.. bytes[..20], 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, .. bytes[20..]];
        Assert.Throws<InvalidDataException>(() => BaselineSnapshot.ReadFrom(new MemoryStream(malformed)));

        // The key count (after magic, version, bucket, slots, "UTC", ring, watermark: offset 36) set to int.MaxValue.
        var huge = bytes.ToArray();
        BitConverter.TryWriteBytes(huge.AsSpan(36, 4), int.MaxValue);
        Assert.Throws<InvalidDataException>(() => BaselineSnapshot.ReadFrom(new NonSeekable(huge)));
        Assert.Equal(1, BaselineSnapshot.ReadFrom(new NonSeekable(bytes)).KeyCount);
    }

    [Fact]
    public void A_model_with_more_lateness_restores_a_snapshot_of_one_with_less_and_back()
    {
        var strict = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(strict, "k", Steady(Start, 8 * 24, 4));
        var lenient = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, AllowedLateness = TimeSpan.FromHours(3) });
        lenient.Restore(strict.CreateSnapshot());
        var back = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        back.Restore(lenient.CreateSnapshot());
        Assert.Equal(Serialize(strict.CreateSnapshot()), Serialize(back.CreateSnapshot()));
    }

    private static byte[] Serialize(BaselineSnapshot snapshot)
    {
        var stream = new MemoryStream();
        snapshot.WriteTo(stream);
        return stream.ToArray();
    }
}
