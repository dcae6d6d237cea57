namespace AlertEngine;

// The event-time clock of clock-driven triggers (absence): kept apart from the evaluation path.
public sealed partial class AlertPipeline
{
    private readonly List<Detection> _fired = [];

    /// <summary>The enabled policies whose detector fires on the clock, in policy order.</summary>
    private static PolicyRuntime[] ClockDriven(IEnumerable<PolicyRuntime> runtimes)
    {
        var result = new List<PolicyRuntime>();
        foreach (var runtime in runtimes)
        {
            if (runtime.Policy.Enabled && runtime.Detector is IClockDrivenDetector)
            {
                result.Add(runtime);
            }
        }

        return [.. result];
    }

    /// <summary>
    /// <paramref name="activity"/> (valid, not a duplicate, not late) moved the clock forward to its time: fires, policy
    /// by policy in policy order, every detection of a clock-driven policy due at or before that time (each policy's in
    /// its firing order), through the policy's aggregator, before the activity itself is evaluated.
    /// </summary>
    private void AdvanceClock(Activity activity, ref List<AlertChange>? changes)
    {
        foreach (var runtime in _clockDriven)
        {
            _fired.Clear();
            try
            {
                ((IClockDrivenDetector)runtime.Detector).AdvanceClock(activity.Time, _fired);
            }
#pragma warning disable CA1031 // One failing policy must not stop detection for the others; the failure is reported.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                EvaluationFailed(runtime, activity, ex);
            }

            foreach (var detection in _fired)
            {
                Emit(runtime, detection, ref changes);
            }
        }

        _fired.Clear();
    }
}
