using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Engine;

public class EarlyWarningTests
{
    private static AlertPolicy Threshold(bool earlyWarning) => EveryTime("t") with
    {
        Trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User),
        Notification = new NotificationSettings(true, ["soc@contoso.com"]) { EarlyWarning = earlyWarning },
    };

    [Fact]
    public void The_first_match_per_key_and_window_raises_an_early_warning_and_later_ones_do_not()
    {
        using var pipeline = new AlertPipeline([Threshold(earlyWarning: true)]);
        var warnings = new List<EarlyWarning>();
        using var sub = pipeline.EarlyWarnings.Subscribe(warnings.Add);

        pipeline.Process(Act("a1", 0, user: "alice"));
        pipeline.Process(Act("a2", 1, user: "alice"));
        pipeline.Process(Act("b1", 2, user: "bob"));
        Assert.Single(pipeline.Process(Act("a3", 3, user: "alice")));    // detection: count resets for alice
        pipeline.Process(Act("a4", 4, user: "alice"));                   // first of a new count

        Assert.Equal(["a1", "b1", "a4"], warnings.Select(w => w.Activity.Id));
        Assert.Equal(["alice", "bob", "alice"], warnings.Select(w => w.ScopeKey));
    }

    [Fact]
    public void Policies_that_did_not_opt_in_raise_no_early_warning()
    {
        using var pipeline = new AlertPipeline([Threshold(earlyWarning: false)]);
        var warnings = new List<EarlyWarning>();
        using var sub = pipeline.EarlyWarnings.Subscribe(warnings.Add);

        pipeline.Process(Act("a1", 0));
        Assert.Empty(warnings);
    }
}
