using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Aggregation;

public class AlertAggregatorBoundsTests
{
    [Fact]
    public void Users_operations_and_tags_of_one_alert_are_capped_like_the_activity_list_and_the_hit_count_stays_exact()
    {
        var aggregator = new AlertAggregator(EveryTime("p1", "Op0", "Op1", "Op2", "Op3", "Op4"), TimeSpan.FromHours(1), maxActivities: 2);
        AlertChange last = null!;
        for (var i = 0; i < 5; i++)
        {
            var activity = new Activity("a" + i, T0.AddSeconds(i), "Op" + i) { UserId = "user" + i, UserTags = ["tag" + i] };
            last = aggregator.Add(Detection.ForActivity(activity, "p1"));
        }

        Assert.Equal(5, last.Alert.HitCount);
        Assert.Equal(["user0", "user1"], last.Alert.Users);
        Assert.Equal(["Op0", "Op1"], last.Alert.Operations);
        Assert.Equal(["tag0", "tag1"], last.Alert.Tags);
        Assert.True(last.Alert.ActivitiesTruncated);
    }
}
