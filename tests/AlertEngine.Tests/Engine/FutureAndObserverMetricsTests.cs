using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Time.Testing;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Engine;

// The meter is static: these tests run alone (see AlertEngineMetricsTests) so that other tests cannot blur the counts.
[Collection(nameof(MetricsCollection))]
public class FutureAndObserverMetricsTests
{
    private static long Sum(MetricCollector<long> collector, string? stream = null)
    {
        long sum = 0;
        foreach (var m in collector.GetMeasurementSnapshot())
        {
            if (stream is null || (m.Tags.TryGetValue("alertengine.observer.stream", out var tag) && (string?)tag == stream))
            {
                sum += m.Value;
            }
        }

        return sum;
    }

    [Fact]
    public void Future_activities_are_counted()
    {
        using var future = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.activities.future");
        using var pipeline = new AlertPipeline([EveryTime("p")], timeProvider: new FakeTimeProvider(T0));

        pipeline.Process(Act("a1", 0));
        pipeline.Process(new Activity("bad", T0.AddDays(3), "FileDeleted"));

        Assert.Equal(1, Sum(future));
    }

    [Fact]
    public void Observer_errors_are_counted_per_stream()
    {
        using var errors = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.observer.errors");
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        using var changes = pipeline.Changes.Subscribe(_ => throw new InvalidOperationException("changes"));
        using var diagnostics = pipeline.Diagnostics.Subscribe(_ => throw new InvalidOperationException("diagnostics"));

        pipeline.Process(Act("a1", 0));

        Assert.Equal(1, Sum(errors, "Changes"));
        Assert.Equal(1, Sum(errors, "Diagnostics"));
        Assert.Equal(0, Sum(errors, "EarlyWarnings"));
    }
}
