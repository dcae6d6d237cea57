using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

public class AnomalyDetectorTests
{
    private static readonly AlertPolicy Policy = new()
    {
        Id = "unusual-deletes",
        Name = "Unusual volume of file deletion",
        Operations = ["FileDeleted"],
        Trigger = Trigger(),
    };

    [Fact]
    public void A_detection_names_the_policy_and_explains_itself_with_capped_activities_and_an_exact_hit_count()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var detector = new AnomalyDetector(Policy, Trigger(), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey, MaxActivitiesPerAlert = 5 }, diagnostics.Add);
        var n = 0;
        foreach (var t in Steady(Start, 8 * 24, 3))
        {
            Assert.Null(detector.Observe(Activity($"a{n++}", t)));
        }

        var found = Burst(Start.AddDays(8).AddHours(14), 100).Select(t => detector.Observe(Activity($"b{n++}", t))).Where(d => d is not null).ToList();
        var d = Assert.Single(found)!;
        Assert.Equal("unusual-deletes", d.PolicyId);
        Assert.Equal("alice@contoso.com", d.ScopeKey);
        Assert.Equal(5, d.Activities.Count);
        Assert.Equal(d.Anomaly!.Observed, d.HitCount);
        Assert.True(d.HitCount > 5);
        Assert.Equal(d.Activities.OrderBy(a => a.Time), d.Activities);
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void Key_cap_overflow_is_reported_per_activity()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var detector = new AnomalyDetector(Policy, Trigger(), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey, MaxTrackedKeysPerPolicy = 1 }, diagnostics.Add);
        detector.Observe(Activity("a1", Start, "alice"));
        detector.Observe(Activity("a2", Start, "bob"));
        var d = Assert.Single(diagnostics);
        Assert.Equal((DiagnosticKind.KeyCapExceeded, "a2", "unusual-deletes"), (d.Kind, d.ActivityId, d.PolicyId));
    }

    [Fact]
    public void Missing_scope_values_are_reported_except_for_organization_scope()
    {
        var diagnostics = new List<EngineDiagnostic>();
        new AnomalyDetector(Policy, Trigger(), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, diagnostics.Add).Observe(Activity("a1", Start, user: null));
        new AnomalyDetector(Policy, Trigger(scope: TriggerScope.Organization), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, diagnostics.Add).Observe(Activity("a2", Start, user: null));
        Assert.Equal([(DiagnosticKind.MissingScopeKey, "a1")], diagnostics.Select(x => (x.Kind, x.ActivityId)));
    }

    [Fact]
    public void The_detectors_state_survives_a_restart_through_a_snapshot()
    {
        var first = new AnomalyDetector(Policy, Trigger(), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, _ => { });
        var n = 0;
        foreach (var t in Steady(Start, 8 * 24, 3))
        {
            first.Observe(Activity($"a{n++}", t));
        }

        var second = new AnomalyDetector(Policy, Trigger(), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, _ => { });
        second.Restore(first.CreateSnapshot());
        var found = Burst(Start.AddDays(8).AddHours(14), 100).Select(t => second.Observe(Activity($"b{n++}", t))).Where(d => d is not null);
        Assert.Single(found);
    }

    [Fact]
    public void A_checkpoint_declaring_more_keys_than_its_bytes_can_hold_is_refused_before_the_model_sizes_itself()
    {
        // A real header (an empty detector's state ends with its key count), then a count of 200,000 keys over 1 MB of
        // zeros: 5 bytes per key, enough for the reader's generic check but not for any anomaly key record.
        using var writer = new CheckpointWriter();
        new AnomalyDetector(Policy, Trigger(), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, _ => { }).WriteState(writer);
        var header = writer.Written.ToArray();
        var bytes = new byte[header.Length + 1_000_000];
        header.CopyTo(bytes, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(header.Length - 4), 200_000);
        var fresh = new AnomalyDetector(Policy, Trigger(), new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, _ => { });

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => fresh.ReadState(new CheckpointReader(bytes)));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains("declares 200000 keys", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 4_000_000, $"allocated {allocated:N0} bytes before refusing (sizing 200,000 keys takes about 90 MB)");
    }

    [Fact]
    public void A_key_record_is_three_cache_lines_as_its_pinned_chunks_assume()
    {
        Assert.Equal(192, BaselineModel<Activity>.RecordBytes);
        Assert.Equal(BaselineModel<Activity>.RecordBytes, BaselineModel<Activity>.KeyRecordSize);
    }
}
