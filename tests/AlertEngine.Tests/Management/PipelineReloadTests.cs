using Microsoft.Extensions.Time.Testing;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Management;

public class PipelineReloadTests
{
    [Fact]
    public void Added_policies_detect_from_the_next_activity_and_removed_ones_stop()
    {
        using var pipeline = new AlertPipeline([EveryTime("old")]);
        Assert.Equal(["old"], pipeline.Process(Act("a1", 0)).Select(c => c.Alert.PolicyId));

        var summary = pipeline.UpdatePolicies([EveryTime("new")]);

        Assert.Equal(["new"], summary.Added);
        Assert.Equal(["old"], summary.Removed);
        Assert.Equal(["new"], pipeline.Process(Act("a2", 1)).Select(c => c.Alert.PolicyId));
        Assert.Equal(["new"], pipeline.Policies.Select(p => p.Id));
        Assert.False(pipeline.TryGetPolicy("old", out _));
        Assert.True(pipeline.TryGetPolicy("new", out var found));
        Assert.Equal("new", found.Id);
    }

    [Fact]
    public void Changing_only_notification_or_enabled_keeps_the_open_alert()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        pipeline.Process(Act("a1", 0));

        var summary = pipeline.UpdatePolicies([EveryTime("p") with { Notification = new(true, ["soc@contoso.com"]) }]);
        var change = Assert.Single(pipeline.Process(Act("a2", 10)));

        Assert.Equal(["p"], summary.Updated);
        Assert.Equal(AlertChangeKind.Updated, change.Kind);
        Assert.Equal("p:a1", change.Alert.Id);
    }

    [Fact]
    public void A_checkpoint_after_an_update_writes_the_updated_policies()
    {
        // A checkpoint keeps each policy's JSON once written: an update must not leave the old policy's text behind.
        var changed = EveryTime("p") with { Notification = new(true, ["soc@contoso.com"]) };
        using var updated = new AlertPipeline([EveryTime("p"), EveryTime("q")], timeProvider: new FakeTimeProvider(T0));
        updated.Process(Act("a1", 0));
        updated.SaveCheckpoint(Stream.Null);
        updated.UpdatePolicies([changed, EveryTime("q")]);
        using var fresh = new AlertPipeline([changed, EveryTime("q")], timeProvider: new FakeTimeProvider(T0));
        fresh.Process(Act("a1", 0));

        var saved = Checkpoint(updated);
        Assert.True(saved.AsSpan().IndexOf("soc@contoso.com"u8) >= 0, "the updated policy's recipients are in the checkpoint");
        Assert.Equal(Checkpoint(fresh), saved);
    }

    private static byte[] Checkpoint(AlertPipeline pipeline)
    {
        using var stream = new MemoryStream();
        pipeline.SaveCheckpoint(stream);
        return stream.ToArray();
    }

    [Fact]
    public void An_identical_set_changes_nothing()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        pipeline.Process(Act("a1", 0));

        var summary = pipeline.UpdatePolicies([EveryTime("p")]);

        Assert.Equal(["p"], summary.Unchanged);
        Assert.Equal(AlertChangeKind.Updated, Assert.Single(pipeline.Process(Act("a2", 10))).Kind);
    }

    [Fact]
    public void Changing_severity_starts_a_new_alert_with_the_new_severity_and_leaves_the_old_one()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        var first = Assert.Single(pipeline.Process(Act("a1", 0))).Alert;

        var summary = pipeline.UpdatePolicies([EveryTime("p") with { Severity = AlertSeverity.Low }]);
        var change = Assert.Single(pipeline.Process(Act("a2", 10)));

        Assert.Equal(["p"], summary.Reset);
        Assert.Equal(AlertChangeKind.Created, change.Kind);
        Assert.Equal("p:a2", change.Alert.Id);
        Assert.Equal(AlertSeverity.Low, change.Alert.Severity);
        Assert.Equal(AlertSeverity.High, first.Severity);
        Assert.True(pipeline.IsFinal(first));
    }

    [Fact]
    public void Changing_the_operations_resets_detection_and_the_index_follows()
    {
        using var pipeline = new AlertPipeline([EveryTime("p", "FileDeleted")]);

        var summary = pipeline.UpdatePolicies([EveryTime("p", "MailRedirect")]);

        Assert.Equal(["p"], summary.Reset);
        Assert.Empty(pipeline.Process(Act("a1", 0, "FileDeleted")));
        Assert.Single(pipeline.Process(Act("a2", 1, "MailRedirect")));
    }

    [Fact]
    public void Detection_state_is_kept_only_when_operations_conditions_and_trigger_are_unchanged()
    {
        var threshold = EveryTime("p") with { Trigger = new ThresholdTrigger(5, TimeSpan.FromHours(1), TriggerScope.User) };

        Assert.True(PolicyEquality.SameDetection(threshold, threshold with { Enabled = false, Severity = AlertSeverity.Low }));
        Assert.True(PolicyEquality.SameDetection(threshold, threshold with { Operations = ["FILEDELETED"] }));
        Assert.False(PolicyEquality.SameDetection(threshold, threshold with { Trigger = new ThresholdTrigger(5, TimeSpan.FromHours(2), TriggerScope.User) }));
        Assert.False(PolicyEquality.SameDetection(threshold, threshold with { Trigger = new ThresholdTrigger(6, TimeSpan.FromHours(1), TriggerScope.User) }));
        Assert.False(PolicyEquality.SameDetection(threshold, threshold with { Conditions = new UsersCondition(["bob"]) }));
        Assert.True(PolicyEquality.SameDetection(
            threshold with { Conditions = new NotCondition(new UsersCondition(["bob"])) },
            threshold with { Conditions = new NotCondition(new UsersCondition(["BOB"])) }));
    }

    [Fact]
    public void An_invalid_set_throws_and_leaves_the_running_set()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);

        Assert.Throws<ArgumentException>(() => pipeline.UpdatePolicies([EveryTime("q"), null!]));
        Assert.Equal(["p"], pipeline.Policies.Select(p => p.Id));
    }

    [Fact]
    public void Updating_a_disposed_pipeline_throws()
    {
        var pipeline = new AlertPipeline([EveryTime("p")]);
        pipeline.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pipeline.UpdatePolicies([EveryTime("p")]));
    }

    [Fact]
    public async Task Policies_can_change_while_activities_stream_in()
    {
        using var pipeline = new AlertPipeline([EveryTime("p") with { Aggregation = new(AggregationMode.None) }]);
        var stop = false;
        var toggler = Task.Run(() =>
        {
            var enabled = true;
            while (!Volatile.Read(ref stop))
            {
                enabled = !enabled;
                pipeline.UpdatePolicies([EveryTime("p") with { Enabled = enabled, Aggregation = new(AggregationMode.None) }, EveryTime("q")]);
            }
        }, TestContext.Current.CancellationToken);

        var changes = 0;
        for (var i = 0; i < 5_000; i++)
        {
            changes += pipeline.Process(Act("a" + i, i)).Count;
        }

        Volatile.Write(ref stop, true);
        await toggler;
        var stats = pipeline.Statistics;
        Assert.Equal(5_000, stats.ActivitiesProcessed);
        Assert.Equal(stats.AlertsCreated + stats.AlertsUpdated, changes);
        Assert.Equal(0, stats.EvaluationErrors);
    }
}
