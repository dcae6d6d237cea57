namespace AlertEngine;

/// <content>The pipeline's part of <c>alertengine.policy.tracked_keys</c>.</content>
public sealed partial class AlertPipeline
{
    /// <summary>
    /// Adds, per policy id, how many scope keys the threshold and anomaly detectors hold state for. Called by the
    /// meter's observable instrument when a listener collects, not on the evaluation path.
    /// </summary>
    internal void AddTrackedKeys(Dictionary<string, long> perPolicy)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            foreach (var runtime in _byId.Values)
            {
                var keys = runtime.Detector switch
                {
                    ThresholdDetector threshold => threshold.Counter.TrackedKeys,
                    AnomalyDetector anomaly => anomaly.Model.KeyCount,
                    _ => -1,
                };
                if (keys >= 0)
                {
                    perPolicy[runtime.Policy.Id] = perPolicy.GetValueOrDefault(runtime.Policy.Id) + keys;
                }
            }
        }
    }
}
