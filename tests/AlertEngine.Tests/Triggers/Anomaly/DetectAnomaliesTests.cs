using System.Reactive.Linq;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

public class DetectAnomaliesTests
{
    public static TheoryData<string> Scopes => ["user", "organization", "allMessages", "malwareFamily", "recipient", "property:Workload"];

    [Theory]
    [MemberData(nameof(Scopes))]
    public void Each_scope_kind_keeps_a_baseline_per_key_and_names_the_key_of_the_spike(string scopeText) =>
        EachScopeKind(scopeText, AnomalyStreams.PerKey());

    /// <summary>The same on the operator's default path (no options: the population model).</summary>
    [Theory]
    [MemberData(nameof(Scopes))]
    public void Each_scope_kind_names_the_key_of_the_spike_with_the_default_model(string scopeText) =>
        EachScopeKind(scopeText, null);

    private static void EachScopeKind(string scopeText, AnomalyDetectorOptions? options)
    {
        Assert.True(TriggerScope.TryParse(scopeText, out var scope));
        var activities = new List<Activity>();
        var n = 0;
        foreach (var t in Steady(Start, 8 * 24, 3))
        {
            activities.Add(Make(scope, "one", t, n++));
            activities.Add(Make(scope, "two", t.AddSeconds(1), n++));
        }

        foreach (var t in Burst(Start.AddDays(8).AddHours(14), 120))
        {
            activities.Add(Make(scope, "two", t, n++));
        }

        var detections = activities.ToObservable().DetectAnomalies(Trigger(scope: scope), options).ToList().Wait();
        var d = Assert.Single(detections);
        var expectedKey = scope.IsSingleKey ? string.Empty : "two";
        Assert.Equal(expectedKey, d.ScopeKey);
        Assert.NotNull(d.Anomaly);
        Assert.Equal(d.HitCount, d.Anomaly.Observed);
        Assert.True(d.Anomaly.Expected > 0);
        Assert.True(d.Anomaly.Score > 0);
        Assert.Equal(d.TriggeringActivity.Time, d.Time);
        Assert.Null(d.PolicyId);
    }

    [Fact]
    public void Activities_without_a_scope_value_count_under_the_empty_key_and_are_reported()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var activities = new[] { Activity("a1", Start, user: null), Activity("a2", Start, user: "bob") };
        var detections = activities.ToObservable().DetectAnomalies(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Diagnostics = diagnostics.Add }).ToList().Wait();
        Assert.Empty(detections);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticKind.MissingScopeKey, diagnostic.Kind);
        Assert.Equal("a1", diagnostic.ActivityId);
    }

    [Fact]
    public void Late_activities_are_reported_not_counted()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var activities = new[] { Activity("a1", Start.AddHours(1)), Activity("a2", Start) };
        activities.ToObservable().DetectAnomalies(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Diagnostics = diagnostics.Add }).ToList().Wait();
        Assert.Equal([(DiagnosticKind.Late, "a2")], diagnostics.Select(d => (d.Kind, d.ActivityId)));
    }

    [Fact]
    public void A_throwing_scope_delegate_ends_the_stream_with_OnError()
    {
        var boom = new InvalidOperationException("boom");
        var source = new[] { Activity("a1", Start) }.ToObservable();
        var error = Assert.Throws<InvalidOperationException>(() => source.DetectAnomalies(_ => throw boom, Trigger(), AnomalyStreams.PerKey()).ToList().Wait());
        Assert.Same(boom, error);
    }

    [Fact]
    public void The_operator_is_cold_each_subscription_learns_on_its_own() => ColdOperator(AnomalyStreams.PerKey());

    /// <summary>The same on the operator's default path (no options: the population model).</summary>
    [Fact]
    public void The_operator_is_cold_with_the_default_model() => ColdOperator(null);

    private static void ColdOperator(AnomalyDetectorOptions? options)
    {
        var activities = Steady(Start, 8 * 24, 3).Select((t, i) => Activity($"a{i}", t))
            .Concat(Burst(Start.AddDays(8).AddHours(14), 100).Select((t, i) => Activity($"b{i}", t)))
            .ToList();
        var detections = activities.ToObservable().DetectAnomalies(Trigger(), options);
        Assert.Single(detections.ToList().Wait());
        Assert.Single(detections.ToList().Wait());
    }

    [Fact]
    public void A_subscription_starting_from_a_snapshot_does_not_relearn()
    {
        var model = new BaselineModel<Activity>(Trigger(), AnomalyStreams.PerKey());
        var n = 0;
        foreach (var t in Steady(Start, 8 * 24, 3))
        {
            model.Observe("alice@contoso.com", t, Activity($"a{n++}", t), out _);
        }

        var options = new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, InitialState = model.CreateSnapshot() };
        var spike = Burst(Start.AddDays(8).AddHours(14), 100).Select((t, i) => Activity($"b{i}", t));
        Assert.Single(spike.ToObservable().DetectAnomalies(Trigger(), options).ToList().Wait());
    }

    [Fact]
    public void Invalid_arguments_fail_at_composition()
    {
        var source = Observable.Empty<Activity>();
        Assert.Throws<ArgumentNullException>(() => source.DetectAnomalies((AnomalyTrigger)null!, AnomalyStreams.PerKey()));
        Assert.Throws<ArgumentException>(() => source.DetectAnomalies(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Retention = TimeSpan.Zero }));
    }

    private static Activity Make(TriggerScope scope, string key, DateTimeOffset time, int n) => scope.Kind switch
    {
        TriggerScopeKind.MalwareFamily => Activity($"x{n}", time, "u", new Dictionary<string, string> { ["MalwareFamily"] = key }),
        TriggerScopeKind.Recipient => Activity($"x{n}", time, "u", new Dictionary<string, string> { ["Recipient"] = key }),
        TriggerScopeKind.Property => Activity($"x{n}", time, "u", workload: key),
        _ => Activity($"x{n}", time, key),
    };
}
