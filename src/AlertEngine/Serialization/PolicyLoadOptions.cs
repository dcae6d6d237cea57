namespace AlertEngine;

/// <summary>Options for <see cref="PolicySerializer.Load(string, PolicyLoadOptions?)"/>.</summary>
public sealed class PolicyLoadOptions
{
    /// <summary>
    /// The organization's plan. Default <see cref="Plan.E5"/>. Under a standard plan (E1, F1, G1, E3, F3, G3) a threshold
    /// or anomaly trigger is a validation error at <c>policies[i].trigger.type</c>.
    /// </summary>
    public Plan Plan { get; set; } = Plan.E5;
}
