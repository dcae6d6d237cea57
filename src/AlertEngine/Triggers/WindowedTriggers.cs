namespace AlertEngine;

/// <summary>
/// Distinct count: per scope key, when a matching activity at time t that has a value for <see cref="Field"/> brings
/// the number of distinct values of that field among the key's matching activities with time in (t − <see cref="Window"/>, t]
/// to <see cref="Count"/> or more, one detection fires carrying, for each distinct value, the most recent activity with
/// that value (in time order, equal times in arrival order), and the key starts again from zero. Activities without a
/// value are not counted; values compare case-insensitively as text (<c>clientIp</c> in its normalised form).
/// </summary>
/// <param name="Field">A top-level field (<c>userId</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c>, <c>operation</c>) or a key of the properties.</param>
/// <param name="Count">N, at least 1.</param>
/// <param name="Window">The sliding window, greater than zero.</param>
/// <param name="Scope">What the count is kept per.</param>
public sealed record DistinctTrigger(string Field, int Count, TimeSpan Window, TriggerScope Scope) : Trigger
{
    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => true;
}

/// <summary>
/// First-seen value: per scope key, a matching activity at time t with value v for <see cref="Field"/> fires one
/// detection carrying that activity when no earlier matching activity of the key had value v at a time in
/// (t − <see cref="Lookback"/>, t], unless t &lt; (time of the key's first matching activity with a value) +
/// <see cref="LearningPeriod"/>.
/// </summary>
/// <param name="Field">A top-level field or a key of the properties.</param>
/// <param name="Scope">What the seen values are kept per.</param>
/// <param name="Lookback">How long a seen value is remembered; default 30 days.</param>
/// <param name="LearningPeriod">How long after a key's first value nothing fires; default 7 days. May exceed the lookback.</param>
public sealed record NewValueTrigger(string Field, TriggerScope Scope, TimeSpan Lookback, TimeSpan LearningPeriod) : Trigger
{
    /// <summary>The default lookback, 30 days.</summary>
    public static readonly TimeSpan DefaultLookback = TimeSpan.FromDays(30);

    /// <summary>The default learning period, 7 days.</summary>
    public static readonly TimeSpan DefaultLearningPeriod = TimeSpan.FromDays(7);

    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => true;
}

/// <summary>
/// Silence: per scope key that has had a matching activity, when the stream's clock reaches (time of the key's last
/// matching activity) + <see cref="Window"/> with no later matching activity for the key, one detection fires at that
/// time carrying the last activity; the key fires again only after a new matching activity and another silence.
/// The clock is event time: the newest activity read by the engine, whatever its operation.
/// </summary>
/// <param name="Window">The silence that fires, greater than zero.</param>
/// <param name="Scope">What silences are kept per.</param>
public sealed record AbsenceTrigger(TimeSpan Window, TriggerScope Scope) : Trigger
{
    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => true;
}

/// <summary>
/// Spike: per scope key, at a matching activity at time t let cur = the key's matching activities with time in
/// (t − <see cref="Window"/>, t] and ref = those in (t − 2·window, t − window]. A detection fires, carrying cur's
/// activities, when cur ≥ <see cref="MinCount"/>, ref ≥ <see cref="MinReference"/> and cur ≥ <see cref="Ratio"/> × ref;
/// after it the key does not fire again for activities with time &lt; t + window (counting goes on).
/// </summary>
/// <param name="Ratio">R, greater than 1.</param>
/// <param name="Window">The window, greater than zero.</param>
/// <param name="MinCount">M, at least 1; default 1.</param>
/// <param name="MinReference">K, at least 1; default 1.</param>
/// <param name="Scope">What the counts are kept per.</param>
public sealed record SpikeTrigger(double Ratio, TimeSpan Window, int MinCount, int MinReference, TriggerScope Scope) : Trigger
{
    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => true;
}

/// <summary>
/// Sum: like <see cref="ThresholdTrigger"/>, but adds the numeric value of <see cref="Field"/> (a JSON number, or text
/// that parses as an invariant-culture number) instead of counting: when a matching activity at time t with a numeric
/// value brings the key's sum over (t − <see cref="Window"/>, t] to <see cref="Threshold"/> or more, one detection
/// fires carrying those activities and the key starts again from zero. A non-numeric value is not counted and is
/// reported in diagnostics.
/// </summary>
/// <param name="Field">A top-level field or a key of the properties.</param>
/// <param name="Threshold">X, the sum that fires (greater than zero).</param>
/// <param name="Window">The sliding window, greater than zero.</param>
/// <param name="Scope">What the sum is kept per.</param>
public sealed record SumTrigger(string Field, double Threshold, TimeSpan Window, TriggerScope Scope) : Trigger
{
    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => true;
}
