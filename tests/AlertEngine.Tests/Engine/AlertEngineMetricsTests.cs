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
}
