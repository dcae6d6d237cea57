namespace AlertEngine;

/// <summary>An activity the partitioned engine's coordinator admitted for evaluation (valid, not a duplicate, not
/// late), with its global arrival number and whether it moved the engine's clock.</summary>
/// <param name="Sequence">The global arrival number: the number of activities the engine processed before it.</param>
/// <param name="Activity">The activity.</param>
/// <param name="MovesClock">Whether its time is newer than every earlier admitted activity's: the clock-driven
/// policies fire their due silences before it is evaluated.</param>
internal readonly record struct AdmittedActivity(long Sequence, Activity Activity, bool MovesClock);
