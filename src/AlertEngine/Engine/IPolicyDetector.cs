namespace AlertEngine;

/// <summary>
/// The trigger state of one policy inside the engine. Single-threaded: the engine calls it under its lock.
/// Implementations: every-time, threshold, anomaly.
/// </summary>
internal interface IPolicyDetector
{
    /// <summary>
    /// Observes an activity that passed the policy's conditions. Activities arrive in event-time order within the
    /// engine's allowed lateness (the engine has already rejected later ones). Returns the detection the activity
    /// completed, or <see langword="null"/>.
    /// </summary>
    Detection? Observe(Activity activity);
}

/// <summary>Creates the detector for a policy's trigger.</summary>
internal delegate IPolicyDetector DetectorFactory(AlertPolicy policy, AlertEngineOptions options, Action<EngineDiagnostic> report);
