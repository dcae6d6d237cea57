namespace AlertEngine;

/// <summary>
/// The trigger state of one policy inside the engine. Single-threaded: the engine calls it under its lock.
/// One implementation per trigger type: every-time, threshold, anomaly, distinct, newValue, absence (also
/// <see cref="IClockDrivenDetector"/>), spike and sum.
/// </summary>
internal interface IPolicyDetector
{
    /// <summary>
    /// Observes an activity that passed the policy's conditions. Activities arrive in event-time order within the
    /// engine's allowed lateness (the engine has already rejected later ones). Returns the detection the activity
    /// completed, or <see langword="null"/>.
    /// </summary>
    Detection? Observe(Activity activity);

    /// <summary>
    /// The partitioned engine (<see cref="EnginePartition"/>): <paramref name="activity"/> passed the policy's
    /// conditions, in event-time order like <see cref="Observe"/>. Moves the detector-wide clock to its time (with the
    /// eviction of idle keys that goes with it) without touching any key, so that every partition's detector-wide state
    /// equals the single detector's whichever partition owns the activity's key. The owner calls it before
    /// <see cref="Observe"/>. The anomaly detector also counts the activity in its policy's population day profile
    /// (so <see cref="AlertPipeline"/> calls it just before <see cref="Observe"/> for anomaly policies, and the
    /// detector's <see cref="Observe"/> does not count again).
    /// </summary>
    void Pass(Activity activity);

    /// <summary>
    /// Writes the detector's whole state (everything that decides later detections, kept activities included) into an
    /// engine checkpoint: detector-wide fields first, then one keyed record per scope key
    /// (<see cref="CheckpointWriter.BeginKeys"/>), so that checkpoints split and merge by key.
    /// </summary>
    void WriteState(CheckpointWriter writer);

    /// <summary>Reads what <see cref="WriteState"/> wrote into a fresh detector built for the same policy and options.</summary>
    /// <exception cref="InvalidDataException">The data is malformed or does not fit this detector.</exception>
    void ReadState(CheckpointReader reader);
}

/// <summary>
/// A detector whose detections fire on the clock (absence). The engine calls <see cref="AdvanceClock"/> with its
/// clock (the newest valid activity time) every time the clock moves forward, before evaluating the activity that
/// moved it.
/// </summary>
internal interface IClockDrivenDetector : IPolicyDetector
{
    /// <summary>Appends, in firing order, every detection due at or before <paramref name="now"/>.</summary>
    void AdvanceClock(DateTimeOffset now, List<Detection> fired);
}

/// <summary>Creates the detector for a policy's trigger.</summary>
internal delegate IPolicyDetector DetectorFactory(AlertPolicy policy, AlertEngineOptions options, Action<EngineDiagnostic> report);
