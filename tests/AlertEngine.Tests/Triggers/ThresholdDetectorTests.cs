namespace AlertEngine.Tests.Triggers;

public class ThresholdDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static AlertPolicy Policy(ThresholdTrigger trigger) => new()
    {
        Id = "mass-delete",
        Name = "Mass file deletion",
        Operations = ["FileDeleted"],
        Trigger = trigger,
    };

    private static Activity Act(string id, double second, string? user = "alice") =>
        new(id, T0.AddSeconds(second), "FileDeleted") { UserId = user };

    [Fact]
    public void Detections_carry_the_policy_id_and_the_engine_caps()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(1), TriggerScope.User);
        var detector = new ThresholdDetector(Policy(trigger), trigger, new AlertEngineOptions { MaxActivitiesPerAlert = 2 }, diagnostics.Add);

        Assert.Null(detector.Observe(Act("a", 0)));
        Assert.Null(detector.Observe(Act("b", 1)));
        var d = detector.Observe(Act("c", 2));

        Assert.NotNull(d);
        Assert.Equal("mass-delete", d.PolicyId);
        Assert.Equal(3, d.HitCount);
        Assert.Equal(["b", "c"], d.Activities.Select(a => a.Id));
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Uses_the_engine_resolution_lateness_and_key_cap()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var trigger = new ThresholdTrigger(2, TimeSpan.FromTicks(1), TriggerScope.User);
        var detector = new ThresholdDetector(Policy(trigger), trigger, new AlertEngineOptions
        {
            ThresholdResolution = TimeSpan.FromMilliseconds(100),
            AllowedLateness = TimeSpan.FromSeconds(1),
            MaxTrackedKeysPerPolicy = 1,
        }, diagnostics.Add);

        Assert.Null(detector.Observe(Act("a", 1.05)));
        Assert.NotNull(detector.Observe(Act("b", 1.01))); // same 100 ms slot, 40 ms late but within the lateness
        Assert.Null(detector.Observe(Act("c", 1.5, "bob")));
        Assert.Null(detector.Observe(Act("d", 0.2)));

        Assert.Equal([DiagnosticKind.KeyCapExceeded, DiagnosticKind.Late], diagnostics.Select(x => x.Kind));
        Assert.All(diagnostics, x => Assert.Equal("mass-delete", x.PolicyId));
        Assert.Equal(["c", "d"], diagnostics.Select(x => x.ActivityId));
    }

    [Fact]
    public void Counts_user_ids_case_insensitively()
    {
        var trigger = new ThresholdTrigger(2, TimeSpan.FromMinutes(1), TriggerScope.User);
        var detector = new ThresholdDetector(Policy(trigger), trigger, new AlertEngineOptions(), _ => { });
        Assert.Null(detector.Observe(Act("a", 0, "Alice")));
        Assert.NotNull(detector.Observe(Act("b", 1, "ALICE")));
    }

    [Fact]
    public void Reports_a_missing_scope_value_with_the_policy_id()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var trigger = new ThresholdTrigger(2, TimeSpan.FromMinutes(1), TriggerScope.Recipient);
        var detector = new ThresholdDetector(Policy(trigger), trigger, new AlertEngineOptions(), diagnostics.Add);

        detector.Observe(Act("a", 0));
        Assert.Equal(string.Empty, detector.Observe(Act("b", 1))?.ScopeKey);
        Assert.Equal(2, diagnostics.Count);
        Assert.All(diagnostics, x => Assert.Equal((DiagnosticKind.MissingScopeKey, "mass-delete"), (x.Kind, x.PolicyId)));
    }

    [Fact]
    public void A_detector_restored_from_a_snapshot_continues_the_same_counts()
    {
        var trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(1), TriggerScope.User);
        var policy = Policy(trigger);
        var first = new ThresholdDetector(policy, trigger, new AlertEngineOptions(), _ => { });
        first.Observe(Act("a", 0));
        first.Observe(Act("b", 10));

        var second = new ThresholdDetector(policy, trigger, new AlertEngineOptions(), _ => { });
        second.Restore(first.CreateSnapshot());
        var d = second.Observe(Act("c", 20));

        Assert.Equal(["a", "b", "c"], d?.Activities.Select(a => a.Id));
    }

    [Fact]
    public void The_factory_builds_threshold_detectors_and_refuses_other_triggers()
    {
        var trigger = new ThresholdTrigger(1, TimeSpan.FromMinutes(1), TriggerScope.Organization);
        Assert.IsType<ThresholdDetector>(ThresholdDetector.Create(Policy(trigger), new AlertEngineOptions(), _ => { }));
        var everyTime = Policy(trigger) with { Trigger = EveryTimeTrigger.Instance };
        Assert.Throws<ArgumentException>(() => ThresholdDetector.Create(everyTime, new AlertEngineOptions(), _ => { }));
        DetectorFactory factory = ThresholdDetector.Create;
        Assert.NotNull(factory);
    }
}
