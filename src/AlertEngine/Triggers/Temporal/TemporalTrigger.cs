namespace AlertEngine;

/// <summary>
/// Temporal proximity (Sigma's <c>temporal</c> and <c>temporal_ordered</c> correlations): per scope key, one detection
/// fires when a matching activity at time t completes a set of activities, one matching each of the
/// <see cref="Steps"/>, all with time in (t − <see cref="Window"/>, t] — in any order, or, when
/// <see cref="Ordered"/>, arriving in the order of the steps. The detection carries those activities (in step order)
/// and the key starts again from zero. See <c>docs/trigger-temporal.md</c> for the exact rule.
/// </summary>
/// <remarks>The policy's conditions decide which activities reach the trigger (usually any of the steps); each step's
/// condition then decides which steps an activity fulfils. This trigger has no form in the JSON policy format: it is
/// built in code or loaded from Sigma correlation rules.</remarks>
/// <param name="Steps">The conditions to fulfil, at least one (at most <see cref="MaxSteps"/>).</param>
/// <param name="Ordered">Whether the steps must be fulfilled in the order given.</param>
/// <param name="Window">The time all of the steps must fall into, greater than zero.</param>
/// <param name="Scope">What the steps are tracked per.</param>
public sealed record TemporalTrigger(IReadOnlyList<Condition> Steps, bool Ordered, TimeSpan Window, TriggerScope Scope) : Trigger
{
    /// <summary>The largest number of steps, 64.</summary>
    public const int MaxSteps = 64;

    /// <inheritdoc />
    public override bool RequiresAdvancedPlan => true;
}
