using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Aggregation;

public class AlertAggregatorTests
{
    private static readonly AlertPolicy Policy = EveryTime("p1");

    private static Detection Det(string id, int seconds, string user = "u") => Detection.ForActivity(Act(id, seconds, user: user), "p1");

    [Fact]
    public void A_detection_exactly_at_created_plus_interval_opens_a_new_alert()
    {
        var aggregator = new AlertAggregator(Policy, TimeSpan.FromSeconds(10));
        Assert.Equal(AlertChangeKind.Created, aggregator.Add(Det("a", 0)).Kind);
        Assert.Equal(AlertChangeKind.Updated, aggregator.Add(Det("b", 9)).Kind);
        var edge = aggregator.Add(Det("c", 10));
        Assert.Equal(AlertChangeKind.Created, edge.Kind);
        Assert.Equal("p1:c", edge.Alert.Id);
    }

    [Fact]
    public void Mode_none_makes_every_detection_its_own_alert()
    {
        var aggregator = new AlertAggregator(Policy with { Aggregation = new(AggregationMode.None) }, TimeSpan.FromMinutes(1));
        Assert.Equal(AlertChangeKind.Created, aggregator.Add(Det("a", 0)).Kind);
        Assert.Equal(AlertChangeKind.Created, aggregator.Add(Det("b", 0)).Kind);
    }

    [Fact]
    public void Users_are_distinct_case_insensitively_in_first_seen_order()
    {
        var aggregator = new AlertAggregator(Policy, TimeSpan.FromMinutes(1));
        aggregator.Add(Det("a", 0, "bob"));
        aggregator.Add(Det("b", 1, "Alice"));
        var last = aggregator.Add(Det("c", 2, "BOB"));
        Assert.Equal(["bob", "Alice"], last.Alert.Users);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => new AlertAggregator(null!, TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlertAggregator(Policy, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AlertAggregator(Policy, TimeSpan.FromMinutes(1), 0));
    }

    /// <summary>The naive oracle: walk the full history; an alert starts at a detection that is not inside the
    /// interval of the alert started most recently.</summary>
    private static List<(string Id, int Hits)> Oracle(IReadOnlyList<int> times, int interval)
    {
        var alerts = new List<(string Id, int Start, int Hits)>();
        for (var i = 0; i < times.Count; i++)
        {
            if (alerts.Count > 0 && times[i] < alerts[^1].Start + interval)
            {
                alerts[^1] = (alerts[^1].Id, alerts[^1].Start, alerts[^1].Hits + 1);
            }
            else
            {
                alerts.Add(("p1:a" + i, times[i], 1));
            }
        }

        return alerts.Select(a => (a.Id, a.Hits)).ToList();
    }

    [Property(MaxTest = 200)]
    public Property Aggregation_matches_the_naive_oracle()
    {
        var gen =
            from gaps in Gen.ListOf(Gen.Choose(0, 30))
            from interval in Gen.Choose(1, 60)
            select (gaps, interval);
        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var (gaps, interval) = input;
            var times = new List<int>();
            var t = 0;
            foreach (var g in gaps)
            {
                t += g;
                times.Add(t);
            }

            var aggregator = new AlertAggregator(Policy, TimeSpan.FromSeconds(interval));
            var alerts = new Dictionary<string, Alert>();
            var order = new List<string>();
            for (var i = 0; i < times.Count; i++)
            {
                var change = aggregator.Add(Det("a" + i, times[i]));
                if (change.Kind == AlertChangeKind.Created)
                {
                    order.Add(change.Alert.Id);
                }

                alerts[change.Alert.Id] = change.Alert;
            }

            var actual = order.Select(id => (id, alerts[id].HitCount)).ToList();
            return actual.SequenceEqual(Oracle(times, interval));
        });
    }
}
