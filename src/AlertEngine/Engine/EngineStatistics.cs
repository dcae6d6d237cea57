namespace AlertEngine;

/// <summary>Counters of an <see cref="AlertPipeline"/>, as a consistent snapshot.</summary>
/// <param name="ActivitiesProcessed">Activities given to the engine, duplicates and late ones included.</param>
/// <param name="Duplicates">Activities recognised as duplicates (not evaluated again).</param>
/// <param name="Late">Activities older than the allowed lateness (reported, not evaluated).</param>
/// <param name="Detections">Detections fired.</param>
/// <param name="AlertsCreated">Alerts created.</param>
/// <param name="AlertsUpdated">Detections that joined an existing alert.</param>
/// <param name="EvaluationErrors">Policy evaluations that threw (reported; the policy skipped the activity).</param>
/// <param name="Diagnostics">Diagnostic events reported (all kinds).</param>
public readonly record struct EngineStatistics(
    long ActivitiesProcessed,
    long Duplicates,
    long Late,
    long Detections,
    long AlertsCreated,
    long AlertsUpdated,
    long EvaluationErrors,
    long Diagnostics);
