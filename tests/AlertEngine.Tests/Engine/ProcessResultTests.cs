using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Engine;

/// <summary>
/// <see cref="AlertPipeline.Process(Activity)"/> collects an activity's changes in a list it reuses and returns a copy:
/// a result is the caller's and never changes afterwards, and a (forbidden but possible) nested call from an observer
/// gets its own list.
/// </summary>
public class ProcessResultTests
{
    private static AlertPolicy NoAggregation(string id) => EveryTime(id) with { Aggregation = new(AggregationMode.None) };

    [Fact]
    public void A_result_keeps_its_changes_after_later_activities()
    {
        using var pipeline = new AlertPipeline([NoAggregation("p1"), NoAggregation("p2")]);
        var first = pipeline.Process(Act("a1", 1));
        var second = pipeline.Process(Act("a2", 2));
        var none = pipeline.Process(Act("a3", 3, "FileAccessed"));
        var third = pipeline.Process(Act("a4", 4));

        Assert.Equal(["p1:a1", "p2:a1"], first.Select(c => c.Alert.Id));
        Assert.Equal(["p1:a2", "p2:a2"], second.Select(c => c.Alert.Id));
        Assert.Empty(none);
        Assert.Equal(["p1:a4", "p2:a4"], third.Select(c => c.Alert.Id));
    }

    [Fact]
    public void A_nested_call_from_an_observer_gets_its_own_changes_and_leaves_the_outer_ones_intact()
    {
        using var pipeline = new AlertPipeline([NoAggregation("p1"), NoAggregation("p2")]);
        IReadOnlyList<AlertChange>? nested = null;
        using var subscription = pipeline.Changes.Subscribe(change =>
        {
            if (nested is null && change.Alert.Id == "p1:a1")
            {
                nested = pipeline.Process(Act("n1", 2));
            }
        });

        var outer = pipeline.Process(Act("a1", 1));

        Assert.Equal(["p1:a1", "p2:a1"], outer.Select(c => c.Alert.Id));
        Assert.NotNull(nested);
        Assert.Equal(["p1:n1", "p2:n1"], nested.Select(c => c.Alert.Id));
        Assert.Equal(["p1:a2", "p2:a2"], pipeline.Process(Act("a2", 3)).Select(c => c.Alert.Id));
    }
}
