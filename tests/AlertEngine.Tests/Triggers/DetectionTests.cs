using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Triggers;

/// <summary>A detection of one activity (<see cref="Detection.ForActivity"/>) makes its activity list on first read.</summary>
public class DetectionTests
{
    [Fact]
    public void A_detection_of_one_activity_lists_that_activity_and_the_same_list_on_every_read()
    {
        var activity = Act("a1", 5);
        var detection = Detection.ForActivity(activity, "p1");
        Assert.Same(activity, detection.SingleActivity);
        var list = detection.Activities;
        Assert.Same(activity, Assert.Single(list));
        Assert.Same(list, detection.Activities);
        Assert.Equal(1, detection.HitCount);
        Assert.Equal(activity.Time, detection.Time);
        Assert.Same(activity, detection.TriggeringActivity);
        Assert.Equal(string.Empty, detection.ScopeKey);
        Assert.Equal("p1", detection.PolicyId);
    }

    [Fact]
    public void A_detection_made_with_its_list_has_no_single_activity_even_with_one_item()
    {
        var activity = Act("a1", 5);
        IReadOnlyList<Activity> activities = [activity];
        var detection = new Detection(activity.Time, activity, activities, 1, string.Empty);
        Assert.Null(detection.SingleActivity);
        Assert.Same(activities, detection.Activities);
    }
}
