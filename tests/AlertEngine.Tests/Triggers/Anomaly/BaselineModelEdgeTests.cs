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
        var model = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { AllowedLateness = TimeSpan.FromHours(1), MaxActivitiesPerDetection = 50 });
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
}
