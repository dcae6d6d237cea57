using AlertEngine.Tests.Triggers.Anomaly;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Engine;

public class AnomalyStatePersistenceTests
{
    private static readonly DateTimeOffset Spike = Start.AddDays(8).AddHours(10);

    private static AlertPolicy Unusual(string id = "unusual") => TestData.EveryTime(id) with { Trigger = Trigger() };

    private static AlertPolicy Forwarding() => TestData.EveryTime("forwarding", "MailRedirect");

    /// <summary>Eight days of 5 deletions an hour by alice: past the 7-day learning period.</summary>
    private static AlertPipeline Learned(params AlertPolicy[] policies)
    {
        var pipeline = new AlertPipeline(policies);
        var n = 0;
        foreach (var t in Steady(Start, 8 * 24, 5))
        {
            pipeline.Process(Activity("learn-" + n++, t));
        }

        return pipeline;
    }

    /// <summary>Feeds a 100-activity burst for alice in the hour after learning; the alerts it raised.</summary>
    private static int SpikeAlerts(AlertPipeline pipeline)
    {
        var created = 0;
        var n = 0;
        foreach (var t in Burst(Spike, 100))
        {
            foreach (var change in pipeline.Process(Activity("spike-" + n++, t)))
            {
                if (change.Kind == AlertChangeKind.Created)
                {
                    created++;
                }
            }
        }

        return created;
    }

    private static MemoryStream Saved(AlertPipeline pipeline)
    {
        var stream = new MemoryStream();
        pipeline.SaveAnomalyState(stream);
        stream.Position = 0;
        return stream;
    }

    [Fact]
    public void A_restarted_pipeline_restored_from_saved_state_detects_without_learning_again()
    {
        using var before = Learned(Unusual(), Forwarding());
        using var state = Saved(before);

        using var restarted = new AlertPipeline([Unusual(), Forwarding()]);
        var result = restarted.RestoreAnomalyState(state);

        Assert.Equal(["unusual"], result.Restored);
        Assert.Empty(result.Skipped);
        Assert.Equal(1, SpikeAlerts(restarted));

        using var fresh = new AlertPipeline([Unusual(), Forwarding()]);
        Assert.Equal(0, SpikeAlerts(fresh));
    }

    [Fact]
    public void Saving_what_was_restored_gives_the_same_bytes()
    {
        using var before = Learned(Unusual());
        using var state = Saved(before);
        using var restarted = new AlertPipeline([Unusual()]);
        restarted.RestoreAnomalyState(state);

        using var again = Saved(restarted);
        Assert.Equal(state.ToArray(), again.ToArray());
    }

    [Fact]
    public void Baselines_of_policies_that_are_gone_or_count_other_activities_are_skipped_with_the_reason()
    {
        using var before = Learned(Unusual("kept"), Unusual("removed"), Unusual("changed"), Unusual("now-every-time"), Unusual("other-zone"));
        using var state = Saved(before);

        using var restarted = new AlertPipeline(
            [
                Unusual("kept"),
                Unusual("changed") with { Conditions = new UsersCondition(["bob@contoso.com"]) },
                TestData.EveryTime("now-every-time"),
                Unusual("other-zone"),
            ],
            new AlertEngineOptions { TimeZone = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin") });
        var result = restarted.RestoreAnomalyState(state);

        Assert.Empty(result.Restored);
        var reasons = result.Skipped.ToDictionary(e => e.Path, e => e.Message);
        Assert.Equal(["changed", "kept", "now-every-time", "other-zone", "removed"], reasons.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("no policy has this id", reasons["removed"], StringComparison.Ordinal);
        Assert.Contains("operations, conditions or trigger changed", reasons["changed"], StringComparison.Ordinal);
        Assert.Contains("no longer an anomaly policy", reasons["now-every-time"], StringComparison.Ordinal);
        Assert.Contains("time zone", reasons["other-zone"], StringComparison.Ordinal);
        Assert.Contains("time zone", reasons["kept"], StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_or_truncated_state_is_refused_before_any_policy_changes()
    {
        using var before = Learned(Unusual("a"), Unusual("b"));
        var bytes = Saved(before).ToArray();

        using var restarted = new AlertPipeline([Unusual("a"), Unusual("b")]);
        Assert.Throws<InvalidDataException>(() => restarted.RestoreAnomalyState(new MemoryStream(bytes[..(bytes.Length - 10)])));
        Assert.Throws<InvalidDataException>(() => restarted.RestoreAnomalyState(new MemoryStream([1, 2, 3, 4, 5, 6, 7, 8])));
        Assert.Throws<InvalidDataException>(() => restarted.RestoreAnomalyState(new MemoryStream()));

        // Nothing was restored by the failed attempts: the first policy's baseline is still empty.
        Assert.Equal(0, SpikeAlerts(restarted));
    }

    [Fact]
    public void A_disposed_pipeline_refuses_to_save_or_restore()
    {
        var pipeline = new AlertPipeline([Unusual()]);
        pipeline.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pipeline.SaveAnomalyState(new MemoryStream()));
        Assert.Throws<ObjectDisposedException>(() => pipeline.RestoreAnomalyState(new MemoryStream(new byte[] { 0x41, 0x45, 0x41, 0x53, 1, 0, 0, 0, 0, 0, 0, 0 })));
    }

    /// <summary>The header (magic, version 1, <paramref name="count"/> records) followed by <paramref name="rest"/>.</summary>
    private static byte[] State(int count, Action<BinaryWriter> rest)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(0x53414541u);
            writer.Write(1);
            writer.Write(count);
            rest(writer);
        }

        return stream.ToArray();
    }

    public static TheoryData<string, byte[]> CorruptStates() => new()
    {
        // The policy's string length: a 7-bit encoded int of more than five bytes, then a negative one.
        { "bad string length", State(1, w => w.Write(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })) },
        { "negative string length", State(1, w => w.Write(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F })) },
        { "string length beyond the data", State(1, w => w.Write(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x07 })) },
        { "not JSON", State(1, w => w.Write("{{{ not json")) },
        {
            "snapshot with a bad time zone length",
            State(1, w =>
            {
                w.Write(PolicySerializer.Save([Unusual()]));
                byte[] snapshot = [0x41, 0x45, 0x42, 0x53, 1, 0, 0, 0, 0, 0x68, 0xC4, 0x61, 0x08, 0, 0, 0, 48, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];
                w.Write(snapshot.Length);
                w.Write(snapshot);
            })
        },
    };

    [Theory]
    [MemberData(nameof(CorruptStates))]
    public void Corrupt_state_is_refused_as_invalid_data_from_seekable_and_non_seekable_streams(string what, byte[] bytes)
    {
        using var pipeline = new AlertPipeline([Unusual()]);
        Assert.False(string.IsNullOrEmpty(what));
        Assert.Throws<InvalidDataException>(() => pipeline.RestoreAnomalyState(new MemoryStream(bytes)));
        Assert.Throws<InvalidDataException>(() => pipeline.RestoreAnomalyState(new NonSeekable(bytes)));
    }

    [Fact]
    public void A_huge_record_count_or_length_from_a_stream_that_cannot_seek_is_refused_without_allocating_it()
    {
        using var pipeline = new AlertPipeline([Unusual()]);
        var count = State(int.MaxValue, _ => { });
        Assert.Throws<InvalidDataException>(() => pipeline.RestoreAnomalyState(new NonSeekable(count)));

        var length = State(1, w =>
        {
            w.Write(PolicySerializer.Save([Unusual()]));
            w.Write(int.MaxValue);
        });
        Assert.Throws<InvalidDataException>(() => pipeline.RestoreAnomalyState(new NonSeekable(length)));
    }

    [Fact]
    public void Saved_state_restores_from_a_stream_that_cannot_seek()
    {
        using var before = Learned(Unusual());
        var bytes = Saved(before).ToArray();

        using var restarted = new AlertPipeline([Unusual()]);
        Assert.Equal(["unusual"], restarted.RestoreAnomalyState(new NonSeekable(bytes)).Restored);
        Assert.Equal(bytes, Saved(restarted).ToArray());
    }

    [Fact]
    public void A_disposed_pipeline_refuses_to_restore_even_corrupt_state()
    {
        var pipeline = new AlertPipeline([Unusual()]);
        pipeline.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pipeline.RestoreAnomalyState(new MemoryStream([1, 2, 3])));
    }

    [Fact]
    public void A_key_time_zone_resolver_that_throws_skips_that_policy_and_leaves_its_state_as_it_was()
    {
        var failing = false;
        var options = new AlertEngineOptions
        {
            AnomalyKeyTimeZone = key => failing && key == "alice@contoso.com" ? throw new InvalidOperationException("directory unavailable") : null,
        };
        using var before = Learned(Unusual("a"), Unusual("b"));
        using var state = Saved(before);

        using var restarted = new AlertPipeline([Unusual("a"), Unusual("b")], options);
        var fresh = Saved(restarted).ToArray();
        failing = true;
        var result = restarted.RestoreAnomalyState(state);

        Assert.Empty(result.Restored);
        Assert.Equal(["a", "b"], result.Skipped.Select(e => e.Path));
        Assert.All(result.Skipped, e => Assert.Contains("directory unavailable", e.Message, StringComparison.Ordinal));
        Assert.Equal(fresh, Saved(restarted).ToArray());
    }
}
