using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Engine;

[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

// The meter is static: these tests run alone so that other tests' measurements cannot blur the counts.
[Collection(nameof(MetricsCollection))]
public class AlertEngineMetricsTests
{
    private static long SumFor<T>(MetricCollector<T> collector, string policyId)
        where T : struct
    {
        long sum = 0;
        foreach (var m in collector.GetMeasurementSnapshot())
        {
            if (m.Tags.TryGetValue("alertengine.policy.id", out var id) && (string?)id == policyId)
            {
                sum += Convert.ToInt64(m.Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return sum;
    }

    [Fact]
    public void Detections_and_alert_changes_are_counted_per_policy()
    {
        var policyId = "metrics-" + Guid.NewGuid().ToString("N");
        using var detections = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.detections");
        using var created = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.alerts.created");
        using var updated = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.alerts.updated");
        using var duration = new MetricCollector<double>(null, AlertEngineMetrics.Name, "alertengine.evaluation.duration");
        using var pipeline = new AlertPipeline([EveryTime(policyId)]);

        pipeline.Process(Act("a1", 0));
        pipeline.Process(Act("a2", 1));
        pipeline.Process(Act("a3", 120));

        Assert.Equal(3, SumFor(detections, policyId));
        Assert.Equal(2, SumFor(created, policyId));
        Assert.Equal(1, SumFor(updated, policyId));
        Assert.True(duration.GetMeasurementSnapshot().Count >= 3);
    }

    [Fact]
    public void Duplicates_and_late_activities_are_counted()
    {
        using var duplicates = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.activities.duplicate");
        using var late = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.activities.late");
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        var beforeDup = duplicates.GetMeasurementSnapshot().Count;
        var beforeLate = late.GetMeasurementSnapshot().Count;

        pipeline.Process(Act("a1", 10));
        pipeline.Process(Act("a1", 10));
        pipeline.Process(Act("a2", 5));

        Assert.Equal(1, duplicates.GetMeasurementSnapshot().Count - beforeDup);
        Assert.Equal(1, late.GetMeasurementSnapshot().Count - beforeLate);
    }

    [Fact]
    public void Invalid_activity_lines_are_counted()
    {
        using var invalid = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.activities.invalid");
        var before = invalid.GetMeasurementSnapshot().Count;
        var lines = string.Join('\n',
            """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"FileDeleted"}""",
            """{"id":"a2","operation":"FileDeleted"}""",
            "not json",
            "",
            """{"Id":"a3","CreationTime":"2026-03-01T09:00:00","Operation":"FileDeleted"}""");

        var results = ActivityReader.Read(new StringReader(lines), "input.jsonl").ToList();

        Assert.Equal(2, results.Count(r => !r.IsValid));
        Assert.Equal(2, invalid.GetMeasurementSnapshot().Count - before);
    }

    [Fact]
    public void Tracked_keys_are_observed_per_threshold_and_anomaly_policy_while_the_pipeline_lives()
    {
        var threshold = EveryTime("keys-t-" + Guid.NewGuid().ToString("N")) with
        {
            Trigger = new ThresholdTrigger(100, TimeSpan.FromHours(1), TriggerScope.User),
        };
        var anomaly = EveryTime("keys-a-" + Guid.NewGuid().ToString("N")) with
        {
            Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, TimeSpan.FromHours(1)),
        };
        var everyTime = EveryTime("keys-e-" + Guid.NewGuid().ToString("N"));
        using var keys = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.policy.tracked_keys");
        var pipeline = new AlertPipeline([threshold, anomaly, everyTime]);

        pipeline.Process(Act("a1", 0, user: "alice@contoso.com"));
        pipeline.Process(Act("a2", 1, user: "bob@contoso.com"));
        pipeline.Process(Act("a3", 2, user: "carol@contoso.com"));
        pipeline.Process(Act("a4", 3, user: "alice@contoso.com"));
        keys.RecordObservableInstruments();
        var whileAlive = keys.GetMeasurementSnapshot();
        keys.Clear();
        pipeline.Dispose();
        keys.RecordObservableInstruments();

        Assert.Equal(3, LastFor(whileAlive, threshold.Id));
        Assert.Equal(3, LastFor(whileAlive, anomaly.Id));
        Assert.Null(LastFor(whileAlive, everyTime.Id));
        Assert.Null(LastFor(keys.GetMeasurementSnapshot(), threshold.Id));
    }

    private static long? LastFor(IReadOnlyList<CollectedMeasurement<long>> measurements, string policyId)
    {
        long? last = null;
        foreach (var m in measurements)
        {
            if (m.Tags.TryGetValue("alertengine.policy.id", out var id) && (string?)id == policyId)
            {
                last = m.Value;
            }
        }

        return last;
    }
}
