using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Windowed;

public class WindowedTriggerPropertyTests
{
    private static readonly Func<Activity, string?> User = a => string.IsNullOrEmpty(a.UserId) ? null : a.UserId;

    internal static DistinctTrigger Distinct(WindowedScenario s) => new(s.DistinctField, s.Count, s.Window, TriggerScope.User);

    internal static SumTrigger Sum(WindowedScenario s) => new(WindowedScenario.SumField, s.Threshold / 4.0, s.Window, TriggerScope.User);

    internal static SpikeTrigger Spike(WindowedScenario s) => new(s.Ratio, s.Window, s.MinCount, s.MinReference, TriggerScope.User);

    internal static Func<Action<EngineDiagnostic>, IPolicyDetector> DistinctDetector(WindowedScenario s) =>
        report => new DistinctDetector(WindowedCompare.Policy(Distinct(s)), Distinct(s), s.EngineOptions(), report);

    internal static Func<Action<EngineDiagnostic>, IPolicyDetector> SumDetector(WindowedScenario s) =>
        report => new SumDetector(WindowedCompare.Policy(Sum(s)), Sum(s), s.EngineOptions(), report);

    internal static Func<Action<EngineDiagnostic>, IPolicyDetector> SpikeDetector(WindowedScenario s) =>
        report => new SpikeDetector(WindowedCompare.Policy(Spike(s)), Spike(s), s.EngineOptions(), report);

    [Property(MaxTest = 300, Arbitrary = [typeof(WindowedArbitraries)])]
    public Property Distinct_detector_equals_the_naive_oracle(WindowedScenario s)
    {
        var activities = s.Activities();
        var expected = DistinctOracle.Run(activities, s.DistinctField, s.Count, s.Window, User, s.OracleOptions());
        return Same(expected, WindowedCompare.Run(DistinctDetector(s), activities));
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(WindowedArbitraries)])]
    public Property Sum_detector_equals_the_naive_oracle(WindowedScenario s)
    {
        var activities = s.Activities();
        var expected = SumOracle.Run(activities, WindowedScenario.SumField, s.Threshold / 4.0, s.Window, User, s.OracleOptions());
        return Same(expected, WindowedCompare.Run(SumDetector(s), activities));
    }

    [Property(MaxTest = 300, Arbitrary = [typeof(WindowedArbitraries)])]
    public Property Spike_detector_equals_the_naive_oracle(WindowedScenario s)
    {
        var activities = s.Activities();
        var expected = SpikeOracle.Run(activities, s.Ratio, s.Window, s.MinCount, s.MinReference, User, s.OracleOptions());
        return Same(expected, WindowedCompare.Run(SpikeDetector(s), activities));
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(WindowedArbitraries)])]
    public Property Distinct_with_a_small_value_cap_equals_the_naive_oracle(WindowedScenario s)
    {
        var activities = s.Activities();
        var scenario = s with { Count = s.Count + 3 };
        var options = scenario.OracleOptions();
        options.MaxValuesPerKey = 2;
        var expected = DistinctOracle.Run(activities, scenario.DistinctField, scenario.Count, scenario.Window, User, options);
        var diagnostics = new List<(string, DiagnosticKind)>();
        var evaluator = new DistinctEvaluator(scenario.Count, scenario.Window, scenario.DistinctField, options,
            new WindowedTriggerReporter("Distinct", ScopeKeys.Reader(TriggerScope.User), "user", null, d => diagnostics.Add((d.ActivityId!, d.Kind)), null));
        var detections = activities.Select(evaluator.Observe).OfType<Detection>().ToList();
        return Same(expected, (detections, diagnostics));
    }

    [Property(MaxTest = 100, Arbitrary = [typeof(WindowedArbitraries)])]
    public Property The_operators_emit_what_the_oracles_compute(WindowedScenario s)
    {
        var activities = s.Activities();
        var options = new WindowedTriggerOperatorOptions
        {
            Resolution = TimeSpan.FromSeconds(s.ResolutionSeconds),
            AllowedLateness = TimeSpan.FromSeconds(s.LatenessSeconds),
            MaxItemsPerDetection = s.MaxItems,
        };
        var source = System.Reactive.Linq.Observable.ToObservable(activities);
        var distinct = Collect(source.DistinctCount(s.DistinctField, s.Count, s.Window, TriggerScope.User, options));
        var sum = Collect(source.SlidingSum(WindowedScenario.SumField, s.Threshold / 4.0, s.Window, TriggerScope.User, options));
        var spike = Collect(source.Spike(s.Ratio, s.Window, TriggerScope.User, s.MinCount, s.MinReference, options));
        var ok = distinct.SequenceEqual(WindowedCompare.Describe(DistinctOracle.Run(activities, s.DistinctField, s.Count, s.Window, User, s.OracleOptions()).Detections))
            && sum.SequenceEqual(WindowedCompare.Describe(SumOracle.Run(activities, WindowedScenario.SumField, s.Threshold / 4.0, s.Window, User, s.OracleOptions()).Detections))
            && spike.SequenceEqual(WindowedCompare.Describe(SpikeOracle.Run(activities, s.Ratio, s.Window, s.MinCount, s.MinReference, User, s.OracleOptions()).Detections));
        return ok.ToProperty();
    }

    private static List<string> Collect(IObservable<Detection> detections)
    {
        var list = new List<Detection>();
        using (detections.Subscribe(list.Add))
        {
        }

        return WindowedCompare.Describe(list);
    }

    internal static Property Same(WindowedOracleResult expected, (List<Detection> Detections, List<(string, DiagnosticKind)> Diagnostics) actual)
    {
        var e = WindowedCompare.Describe(expected.Detections);
        var a = WindowedCompare.Describe(actual.Detections);
        var ed = WindowedCompare.Describe(expected.Diagnostics);
        var ad = WindowedCompare.Describe(actual.Diagnostics);
        return (e.SequenceEqual(a) && ed.SequenceEqual(ad))
            .Label("detections: " + WindowedCompare.Explain(e, a) + "; diagnostics: " + WindowedCompare.Explain(ed, ad));
    }
}
