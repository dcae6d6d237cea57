using static AlertEngine.Tests.Triggers.Windowed.WindowedTestData;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>One test per sentence of the spec's <c>sum</c> trigger.</summary>
public class SumTriggerTests
{
    private static readonly SumTrigger TenGbAnHour = new("Bytes", 10e9, TimeSpan.FromHours(1), TriggerScope.User);

    [Fact]
    public void Fires_when_the_sum_over_the_window_reaches_X_carrying_those_activities()
    {
        var (detector, diagnostics) = Detector(TenGbAnHour);
        Assert.Null(detector.Observe(Bytes("a", 0, "4000000000")));
        Assert.Null(detector.Observe(Bytes("b", 60, "3000000000")));
        var d = detector.Observe(Bytes("c", 120, "3000000000"));

        Assert.Equal(["a", "b", "c"], Ids(d!));
        Assert.Equal(3, d!.HitCount);
        Assert.Equal(new SumTotal(10e9), d.Reason);
        Assert.Equal("alice@contoso.com", d.ScopeKey);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void The_window_is_open_at_t_minus_window_and_closed_at_t()
    {
        var (detector, _) = Detector(new SumTrigger("Bytes", 10, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Empty(Feed(detector, Bytes("a", 0, "5"), Bytes("b", 60, "5")));        // a is at exactly t − window: out
        Assert.Equal(["b", "c"], Ids(Assert.Single(Feed(detector, Bytes("c", 119, "5"))))); // b is one second inside
    }

    [Fact]
    public void The_key_starts_again_from_zero()
    {
        var (detector, _) = Detector(new SumTrigger("Bytes", 10, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Single(Feed(detector, Bytes("a", 0, "6"), Bytes("b", 1, "6")));
        Assert.Null(detector.Observe(Bytes("c", 2, "6")));
        Assert.Equal(["c", "d"], Ids(detector.Observe(Bytes("d", 3, "4"))!));
    }

    [Theory]
    [InlineData("1500")]
    [InlineData("1.5e3")]
    [InlineData(" 1500.0 ")]
    [InlineData("+1500")]
    public void Text_that_parses_as_an_invariant_number_counts(string text)
    {
        var (detector, _) = Detector(new SumTrigger("Bytes", 1500, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.NotNull(detector.Observe(Bytes("a", 0, text)));
    }

    [Theory]
    [InlineData("1,500")]
    [InlineData("1.5 KB")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1e400")]
    [InlineData("lots")]
    public void A_non_numeric_value_is_not_counted_and_is_reported(string text)
    {
        var (detector, diagnostics) = Detector(new SumTrigger("Bytes", 1, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Null(detector.Observe(Bytes("a", 0, text)));
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal((DiagnosticKind.NonNumericValue, "a", "p"), (diagnostic.Kind, diagnostic.ActivityId, diagnostic.PolicyId));
        Assert.Contains("Bytes", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_activity_without_the_field_is_not_counted_and_not_reported()
    {
        var (detector, diagnostics) = Detector(new SumTrigger("Bytes", 1, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Null(detector.Observe(Act("a", 0)));
        Assert.Null(detector.Observe(Bytes("b", 0, "")));
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void The_field_names_a_top_level_field_or_a_property_case_insensitively()
    {
        var (detector, _) = Detector(new SumTrigger("bytes", 2, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.NotNull(detector.Observe(Act("a", 0, properties: ("BYTES", "2"))));

        var (byObject, _) = Detector(new SumTrigger("objectId", 2, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.NotNull(byObject.Observe(new Activity("b", T0, "Op") { UserId = "u", ObjectId = "2" }));
    }

    [Fact]
    public void A_missing_scope_key_counts_under_the_empty_key_and_is_reported()
    {
        var (detector, diagnostics) = Detector(new SumTrigger("Bytes", 2, TimeSpan.FromMinutes(1), TriggerScope.User));
        var d = detector.Observe(Bytes("a", 0, "2", user: null));
        Assert.Equal(string.Empty, d!.ScopeKey);
        Assert.Equal([DiagnosticKind.MissingScopeKey], diagnostics.Select(x => x.Kind));
    }

    [Theory]
    [InlineData(WindowedTriggerOptions.DefaultMaxItemsPerDetection)] // the kept activities stand for the slots (one ring)
    [InlineData(3)]                                                  // 30 activities per window: slots and 3 kept (two rings)
    [InlineData(0)]                                                  // counting only: slots
    public void Steady_state_allocates_nothing_per_activity(int maxItems)
    {
        var sum = new SlidingWindowSum<string?>(1e12, TimeSpan.FromSeconds(30), new WindowedTriggerOptions { KeyComparer = StringComparer.OrdinalIgnoreCase, MaxItemsPerDetection = maxItems });
        var keys = Enumerable.Range(0, 100).Select(i => "user" + i).ToArray();
        void Run(int pass)
        {
            for (var i = 0; i < 20_000; i++)
            {
                sum.Add(keys[i % keys.Length], T0.AddSeconds((pass * 20_000) + (i / 10)), i % 7, null);
            }
        }

        Run(0);
        Run(1);
        Assert.Equal(0, Allocations.FewestBytesPerPass(Run, firstPass: 2));
    }
}
