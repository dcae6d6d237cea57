using static AlertEngine.Tests.Triggers.Windowed.WindowedTestData;

namespace AlertEngine.Tests.Engine;

/// <summary><see cref="AlertEngineOptions.MaxValuesPerKey"/>: validated, and the cap of both value-keeping detectors.</summary>
public class MaxValuesPerKeyTests
{
    private static AlertPolicy Policy(string id, Trigger trigger) => new()
    {
        Id = id,
        Name = id,
        Operations = ["Op"],
        Trigger = trigger,
    };

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    public void A_cap_below_one_is_invalid(int cap)
    {
        var error = Assert.Single(new AlertEngineOptions { MaxValuesPerKey = cap }.Validate());

        Assert.Equal("MaxValuesPerKey: must be at least 1", error.ToString());
        Assert.Throws<ArgumentException>(() => new AlertPipeline([], new AlertEngineOptions { MaxValuesPerKey = cap }));
    }

    [Fact]
    public void The_default_is_one_thousand_and_one_is_valid()
    {
        Assert.Equal(1000, new AlertEngineOptions().MaxValuesPerKey);
        Assert.Equal(AlertEngineOptions.DefaultMaxValuesPerKey, new AlertEngineOptions().MaxValuesPerKey);
        Assert.Empty(new AlertEngineOptions { MaxValuesPerKey = 1 }.Validate());
    }

    [Fact]
    public void A_small_cap_reaches_the_distinct_and_new_value_detectors_and_overflow_is_reported()
    {
        var options = new AlertEngineOptions { MaxValuesPerKey = 2 };
        using var pipeline = new AlertPipeline(
            [
                Policy("distinct", new DistinctTrigger("clientIp", 10, TimeSpan.FromHours(1), TriggerScope.User)),
                Policy("new-ip", new NewValueTrigger("clientIp", TriggerScope.User, TimeSpan.FromDays(1), TimeSpan.FromSeconds(1))),
            ],
            options);
        options.MaxValuesPerKey = 1000; // the pipeline copied the options
        var diagnostics = new List<EngineDiagnostic>();
        using var _ = pipeline.Diagnostics.Subscribe(diagnostics.Add);

        foreach (var activity in new[] { Act("a", 0, ip: "10.0.0.1"), Act("b", 1, ip: "10.0.0.2"), Act("c", 2, ip: "10.0.0.3") })
        {
            pipeline.Process(activity);
        }

        var overflow = diagnostics.Where(d => d.Kind == DiagnosticKind.ValueCapExceeded).Select(d => (d.PolicyId, d.ActivityId)).Order().ToArray();
        Assert.Equal([("distinct", "c"), ("new-ip", "c")], overflow);
        Assert.Equal(2, pipeline.Options.MaxValuesPerKey);
    }

    [Fact]
    public void Under_the_default_cap_nothing_overflows()
    {
        using var pipeline = new AlertPipeline(
            [
                Policy("distinct", new DistinctTrigger("clientIp", 10, TimeSpan.FromHours(1), TriggerScope.User)),
                Policy("new-ip", new NewValueTrigger("clientIp", TriggerScope.User, TimeSpan.FromDays(1), TimeSpan.FromSeconds(1))),
            ]);
        var diagnostics = new List<EngineDiagnostic>();
        using var _ = pipeline.Diagnostics.Subscribe(diagnostics.Add);

        for (var i = 0; i < 9; i++)
        {
            pipeline.Process(Act("a" + i, i, ip: "10.0.0." + i));
        }

        Assert.DoesNotContain(diagnostics, d => d.Kind == DiagnosticKind.ValueCapExceeded);
    }
}
