namespace AlertEngine;

/// <summary>What turns matching activities into detections. One of <see cref="EveryTimeTrigger"/>,
/// <see cref="ThresholdTrigger"/>, <see cref="AnomalyTrigger"/>, <see cref="DistinctTrigger"/>,
/// <see cref="NewValueTrigger"/>, <see cref="AbsenceTrigger"/>, <see cref="SpikeTrigger"/> or <see cref="SumTrigger"/>.</summary>
public abstract record Trigger
{
    private protected Trigger()
    {
    }

    /// <summary>Whether the trigger needs an advanced plan (E5/G5).</summary>
    public abstract bool RequiresAdvancedPlan { get; }
}

/// <summary>Each matching activity is a detection.</summary>
public sealed record EveryTimeTrigger : Trigger
{
    /// <summary>The shared instance.</summary>
    public static EveryTimeTrigger Instance { get; } = new();

    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => false;
}

/// <summary>
/// Per scope key, when a matching activity at time t brings the number of matching activities with time in
/// (t − <see cref="Window"/>, t] to <see cref="Count"/> or more, one detection fires carrying those activities,
/// and that key's count starts again from zero.
/// </summary>
/// <param name="Count">N, at least 1.</param>
/// <param name="Window">The sliding window, greater than zero.</param>
/// <param name="Scope">What the count is kept per.</param>
public sealed record ThresholdTrigger(int Count, TimeSpan Window, TriggerScope Scope) : Trigger
{
    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => true;
}

/// <summary>
/// Unusual activity: per scope key, activity counts per <see cref="Bucket"/> are compared with a baseline learned
/// from that key's history; no detection before <see cref="LearningPeriod"/> of history has been seen for the key.
/// </summary>
/// <param name="Scope">What the baseline is kept per.</param>
/// <param name="LearningPeriod">History needed before detecting; default 7 days.</param>
/// <param name="Sensitivity">How large a deviation fires.</param>
/// <param name="Bucket">Counting bucket; default 1 hour.</param>
public sealed record AnomalyTrigger(TriggerScope Scope, TimeSpan LearningPeriod, AnomalySensitivity Sensitivity, TimeSpan Bucket) : Trigger
{
    /// <summary>The default learning period, 7 days.</summary>
    public static readonly TimeSpan DefaultLearningPeriod = TimeSpan.FromDays(7);

    /// <summary>The default bucket, 1 hour.</summary>
    public static readonly TimeSpan DefaultBucket = TimeSpan.FromHours(1);

    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => true;
}
