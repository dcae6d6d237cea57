using AlertEngine.AspNetCore.Api;

namespace AlertEngine.AspNetCore;

/// <summary>
/// The engine's statistics with a rate: activities per second over the time since the previous sample that is at
/// least a second old (the first call measures from when the endpoints were mapped), and the scope keys the threshold
/// and anomaly detectors hold (<see cref="AlertPipeline.AddTrackedKeys"/>, the pipeline's part of the
/// <c>alertengine.policy.tracked_keys</c> gauge; read under the pipeline's lock, once per look, not per activity).
/// Thread-safe.
/// </summary>
internal sealed class EngineHealth
{
    private readonly Lock _gate = new();
    private DateTimeOffset _sampledAt;
    private long _sampledProcessed;
    private double _rate;
    private bool _started;

    public EngineStatisticsModel Read(IAlertEngine engine, TimeProvider clock)
    {
        var statistics = engine.Pipeline.Statistics;
        var now = clock.GetUtcNow();
        double rate;
        lock (_gate)
        {
            if (!_started)
            {
                _started = true;
                _sampledAt = now;
                _sampledProcessed = statistics.ActivitiesProcessed;
            }
            else if (now - _sampledAt >= TimeSpan.FromSeconds(1))
            {
                _rate = (statistics.ActivitiesProcessed - _sampledProcessed) / (now - _sampledAt).TotalSeconds;
                _sampledAt = now;
                _sampledProcessed = statistics.ActivitiesProcessed;
            }

            rate = _rate;
        }

        var policies = engine.Pipeline.Policies;
        var enabled = 0;
        foreach (var policy in policies)
        {
            if (policy.Enabled)
            {
                enabled++;
            }
        }

        var perPolicy = new Dictionary<string, long>(StringComparer.Ordinal);
        engine.Pipeline.AddTrackedKeys(perPolicy);
        long trackedKeys = 0;
        foreach (var keys in perPolicy.Values)
        {
            trackedKeys += keys;
        }

        return new(
            now, statistics.ActivitiesProcessed, rate, statistics.Duplicates, statistics.Late, statistics.Future, statistics.Detections,
            statistics.AlertsCreated, statistics.AlertsUpdated, statistics.EvaluationErrors, statistics.ObserverErrors, statistics.Diagnostics,
            engine.PendingStoreWrites, engine.Pipeline.Watermark, policies.Count, enabled, trackedKeys);
    }
}
