using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Checkpoints;

/// <summary>Example tests of the checkpoint rules: policy identity, corrupt input, what is kept.</summary>
public class CheckpointRestoreTests
{
    private static readonly AlertPolicy Threshold = Policy("t", "FileDeleted", new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromHours(1)));

    private static Activity Deleted(string id, int minute, string user = "alice@contoso.com") =>
        new(id, Start.AddMinutes(minute), "FileDeleted") { UserId = user };

    private static byte[] Save(AlertPipeline pipeline)
    {
        using var stream = new MemoryStream();
        pipeline.SaveCheckpoint(stream);
        return stream.ToArray();
    }

    private static CheckpointRestoreResult Restore(AlertPipeline pipeline, byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        return pipeline.RestoreCheckpoint(stream);
    }

    [Fact]
    public void A_window_that_straddles_the_restart_still_fires_and_the_next_detection_joins_the_open_alert()
    {
        using var before = new AlertPipeline([Threshold]);
        before.Process(Deleted("a1", 0));
        before.Process(Deleted("a2", 1));
        var created = Assert.Single(before.Process(Deleted("a3", 2)));
        before.Process(Deleted("a4", 3));
        var bytes = Save(before);

        using var after = new AlertPipeline([Threshold]);
        var result = Restore(after, bytes);
        Assert.Equal(["t"], result.Restored);
        Assert.Empty(after.Process(Deleted("a5", 4)));
        var joined = Assert.Single(after.Process(Deleted("a6", 5)));

        Assert.Equal(AlertChangeKind.Updated, joined.Kind);
        Assert.Equal(created.Alert.Id, joined.Alert.Id);
        Assert.Equal(6, joined.Alert.HitCount);
        Assert.Equal(["a1", "a2", "a3", "a4", "a5", "a6"], joined.Alert.Activities.Select(a => a.Id));
    }

    [Fact]
    public void A_re_delivered_activity_after_the_restore_is_a_duplicate_and_the_clock_is_kept()
    {
        using var before = new AlertPipeline([Threshold]);
        before.Process(Deleted("a1", 0));
        before.Process(Deleted("a2", 30));
        var bytes = Save(before);

        using var after = new AlertPipeline([Threshold]);
        Restore(after, bytes);
        Assert.Empty(after.Process(Deleted("a1", 0)));
        Assert.Equal(1, after.Statistics.Duplicates);
        Assert.Equal(Start.AddMinutes(30), after.Watermark);
        Assert.Empty(after.Process(Deleted("b1", 10)));
        Assert.Equal(1, after.Statistics.Late);
    }

    [Fact]
    public void A_policy_whose_trigger_changed_starts_empty_and_the_result_says_why()
    {
        using var before = new AlertPipeline([Threshold]);
        before.Process(Deleted("a1", 0));
        before.Process(Deleted("a2", 1));
        var bytes = Save(before);

        var changed = Threshold with { Trigger = new ThresholdTrigger(2, TimeSpan.FromMinutes(10), TriggerScope.User) };
        using var after = new AlertPipeline([changed]);
        var result = Restore(after, bytes);

        Assert.Empty(result.Restored);
        var skipped = Assert.Single(result.Skipped);
        Assert.Equal("t", skipped.Path);
        Assert.Contains("trigger changed", skipped.Message, StringComparison.Ordinal);
        Assert.Empty(after.Process(Deleted("a3", 2)));
    }

    [Fact]
    public void A_removed_policy_is_listed_and_an_unchanged_one_beside_it_is_restored()
    {
        var other = Policy("o", "FileDeleted", EveryTimeTrigger.Instance, new AggregationSettings(AggregationMode.Policy, TimeSpan.FromHours(1)));
        using var before = new AlertPipeline([Threshold, other]);
        before.Process(Deleted("a1", 0));
        var bytes = Save(before);

        using var after = new AlertPipeline([other]);
        var result = Restore(after, bytes);

        Assert.Equal(["o"], result.Restored);
        Assert.Equal("t", Assert.Single(result.Skipped).Path);
        Assert.Equal(AlertChangeKind.Updated, Assert.Single(after.Process(Deleted("a2", 1))).Kind);
    }

    [Fact]
    public void A_renamed_policy_keeps_its_trigger_state_but_its_next_detection_opens_a_new_alert()
    {
        using var before = new AlertPipeline([Threshold]);
        before.Process(Deleted("a1", 0));
        before.Process(Deleted("a2", 1));
        before.Process(Deleted("a3", 2));
        before.Process(Deleted("a4", 3));
        var bytes = Save(before);

        using var after = new AlertPipeline([Threshold with { Name = "Renamed" }]);
        var result = Restore(after, bytes);
        Assert.Contains("new alert", Assert.Single(result.Skipped).Message, StringComparison.Ordinal);
        after.Process(Deleted("a5", 4));
        var change = Assert.Single(after.Process(Deleted("a6", 5)));
        Assert.Equal(AlertChangeKind.Created, change.Kind);
        Assert.Equal("t:a6", change.Alert.Id);
        Assert.Equal(["a4", "a5", "a6"], change.Alert.Activities.Select(a => a.Id));
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("foreign")]
    [InlineData("version")]
    [InlineData("truncated")]
    [InlineData("flipped")]
    [InlineData("no checksum")]
    public void A_corrupt_truncated_or_foreign_stream_is_refused_before_anything_changes(string damage)
    {
        using var before = new AlertPipeline([Threshold]);
        before.Process(Deleted("a1", 0));
        before.Process(Deleted("a2", 1));
        var bytes = Save(before);
        var bad = damage switch
        {
            "empty" => [],
            "foreign" => "{\"not\":\"a checkpoint\"}"u8.ToArray(),
            "version" => [.. bytes[..4], 99, 0, 0, 0, .. bytes[8..]],
            "truncated" => bytes[..(bytes.Length / 2)],
            "flipped" => Flip(bytes, bytes.Length / 2),
            _ => bytes[..^8],
        };

        using var after = new AlertPipeline([Threshold]);
        after.Process(Deleted("x1", 100));
        var statistics = after.Statistics;
        Assert.Throws<InvalidDataException>(() => Restore(after, bad));

        Assert.Equal(statistics, after.Statistics);
        Assert.Equal(Start.AddMinutes(100), after.Watermark);
        Assert.Empty(after.Process(Deleted("x2", 101)));
        Assert.Single(after.Process(Deleted("x3", 102)));
    }

    [Fact]
    public void A_stream_that_cannot_seek_restores_like_a_memory_stream()
    {
        using var before = new AlertPipeline([Threshold]);
        before.Process(Deleted("a1", 0));
        before.Process(Deleted("a2", 1));
        var bytes = Save(before);

        using var after = new AlertPipeline([Threshold]);
        using var stream = new NonSeekable(bytes);
        Assert.Equal(["t"], after.RestoreCheckpoint(stream).Restored);
        Assert.Single(after.Process(Deleted("a3", 2)));
    }

    [Fact]
    public void Anomaly_learning_and_the_activities_of_an_open_bucket_survive_the_restart()
    {
        var anomaly = Policy("u", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.High, TimeSpan.FromMinutes(10)), new AggregationSettings(AggregationMode.None));
        var activities = new List<Activity>();
        for (var minute = 0; minute < 2 * 24 * 60; minute += 10)
        {
            activities.Add(new Activity("l" + minute, Start.AddMinutes(minute), "FileDownloaded") { UserId = "alice@contoso.com" });
        }

        for (var i = 0; i < 40; i++)
        {
            activities.Add(new Activity("b" + i, Start.AddMinutes((2 * 24 * 60) + 1).AddSeconds(i), "FileDownloaded") { UserId = "alice@contoso.com" });
        }

        using var whole = new AlertPipeline([anomaly]);
        var expected = activities.SelectMany(whole.Process).ToList();
        var detection = Assert.Single(expected).Detection;

        // Cut inside the burst, before it fires.
        var cut = activities.FindIndex(a => a.Id == "b1");
        Assert.True(activities.IndexOf(detection.TriggeringActivity) > cut);
        using var before = new AlertPipeline([anomaly]);
        foreach (var activity in activities.Take(cut))
        {
            Assert.Empty(before.Process(activity));
        }

        using var after = new AlertPipeline([anomaly]);
        Restore(after, Save(before));
        var actual = activities.Skip(cut).SelectMany(after.Process).ToList();

        var change = Assert.Single(actual);
        Assert.Equal(detection.TriggeringActivity.Id, change.Detection.TriggeringActivity.Id);
        Assert.Equal(detection.Activities.Select(a => a.Id), change.Detection.Activities.Select(a => a.Id));
        Assert.Equal("b0", change.Detection.Activities[0].Id);
    }

    private static byte[] Flip(byte[] bytes, int at)
    {
        var copy = bytes.ToArray();
        copy[at] ^= 0x40;
        return copy;
    }
}
