namespace AlertEngine;

/// <summary>Counters of an <see cref="AlertPipeline"/>, as a consistent snapshot.</summary>
/// <param name="ActivitiesProcessed">Activities given to the engine, duplicates, late and future ones included.</param>
/// <param name="Duplicates">Activities recognised as duplicates (not evaluated again).</param>
/// <param name="Late">Activities older than the allowed lateness (reported, not evaluated).</param>
/// <param name="Future">Activities dated more than <see cref="AlertEngineOptions.FutureTolerance"/> ahead of the wall clock
/// (invalid: reported, not evaluated, not moving the clock).</param>
/// <param name="Detections">Detections fired.</param>
/// <param name="AlertsCreated">Alerts created.</param>
/// <param name="AlertsUpdated">Detections that joined an existing alert.</param>
/// <param name="EvaluationErrors">Policy evaluations that threw (reported; the policy skipped the activity).</param>
/// <param name="ObserverErrors">Exceptions thrown by observers of <see cref="AlertPipeline.Changes"/>,
/// <see cref="AlertPipeline.Diagnostics"/> or <see cref="AlertPipeline.EarlyWarnings"/> (caught, logged and reported;
/// evaluation went on).</param>
/// <param name="Diagnostics">Diagnostic events reported (all kinds).</param>
public readonly record struct EngineStatistics(
    long ActivitiesProcessed,
    long Duplicates,
    long Late,
    long Future,
    long Detections,
    long AlertsCreated,
    long AlertsUpdated,
    long EvaluationErrors,
    long ObserverErrors,
    long Diagnostics);
