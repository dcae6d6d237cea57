using AlertEngine.Testing;

namespace AlertEngine.Tests.Triggers.Anomaly;

public class AnomalyStreamGeneratorTests
{
    private static readonly ActivityStreamOptions WithBursts = new() { Weeks = 3, Bursts = [BurstSpec.Times(5), BurstSpec.Quiet(20)] };

    [Fact]
    public void The_same_seed_gives_the_same_stream()
    {
        var a = AnomalyStreamGenerator.Generate(7, WithBursts);
        var b = AnomalyStreamGenerator.Generate(7, WithBursts);
        Assert.Equal(a.Events, b.Events);
        Assert.Equal(a.Anomalies, b.Anomalies);
        Assert.NotEqual(a.Events, AnomalyStreamGenerator.Generate(8, WithBursts).Events);
    }

    [Fact]
    public void The_anomaly_free_stream_is_the_same_traffic_without_the_injected_activities()
    {
        var injected = AnomalyStreamGenerator.Generate(11, WithBursts);
        var clean = AnomalyStreamGenerator.Generate(11, new ActivityStreamOptions { Weeks = 3 });
        Assert.Empty(clean.Anomalies);
        Assert.Equal(clean.Events, injected.Events.Where(e => e.Anomaly < 0));
    }

    [Fact]
    public void Labels_are_ground_truth_inside_each_anomaly_after_the_learning_period()
    {
        var trace = AnomalyStreamGenerator.Generate(3, WithBursts);
        Assert.Equal(4, trace.Anomalies.Count); // 2 a week for the 2 weeks after learning
        Assert.True(trace.Events.Zip(trace.Events.Skip(1)).All(p => p.First.Time <= p.Second.Time));
        foreach (var a in trace.Anomalies)
        {
            Assert.True(a.Start >= trace.Start.AddDays(7));
            var labelled = trace.Events.Where(e => e.Anomaly == a.Index).ToList();
            Assert.Equal(a.InjectedCount, labelled.Count);
            Assert.All(labelled, e => Assert.Same(a, trace.AnomalyAt(e.Time)));
            Assert.Equal(a.SeasonalExpectation, trace.SeasonalExpectation(a.Start));
        }
    }

    [Fact]
    public void Traffic_follows_office_hours_and_weekends()
    {
        var trace = AnomalyStreamGenerator.Generate(5, new ActivityStreamOptions { Weeks = 2, MedianPeakRate = 40 });
        int office = 0, night = 0, weekend = 0;
        foreach (var e in trace.Events)
        {
            var weekendDay = e.Time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            if (weekendDay)
            {
                weekend++;
            }
            else if (e.Time.Hour is >= 9 and < 17)
            {
                office++;
            }
            else if (e.Time.Hour < 6)
            {
                night++;
            }
        }

        Assert.True(office > 20 * night, $"{office} vs {night}");
        Assert.True(office > 5 * weekend, $"{office} vs {weekend}");
    }

    [Fact]
    public void Activities_can_be_scaled_by_repeating_each()
    {
        var trace = AnomalyStreamGenerator.Generate(9, new ActivityStreamOptions { Weeks = 1 });
        var activities = trace.ToActivities(copies: 3).ToList();
        Assert.Equal(3 * trace.Events.Count, activities.Count);
        Assert.Equal(activities.Count, activities.Select(a => a.Id).Distinct().Count());
        Assert.All(activities, a => Assert.Equal(trace.Key, a.UserId));
    }
}
