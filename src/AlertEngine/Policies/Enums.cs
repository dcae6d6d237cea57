namespace AlertEngine;

/// <summary>Alert category, copied from the policy onto its alerts.</summary>
public enum AlertCategory
{
    /// <summary>Data loss prevention.</summary>
    DataLossPrevention,
    /// <summary>Information governance.</summary>
    InformationGovernance,
    /// <summary>Mail flow.</summary>
    MailFlow,
    /// <summary>Permissions.</summary>
    Permissions,
    /// <summary>Threat management.</summary>
    ThreatManagement,
    /// <summary>Others.</summary>
    Others,
}

/// <summary>Alert severity, copied from the policy onto its alerts.</summary>
public enum AlertSeverity
{
    /// <summary>Low.</summary>
    Low,
    /// <summary>Medium.</summary>
    Medium,
    /// <summary>High.</summary>
    High,
    /// <summary>Informational.</summary>
    Informational,
}

/// <summary>Alert status lifecycle.</summary>
public enum AlertStatus
{
    /// <summary>New alert (default).</summary>
    Active,
    /// <summary>Someone is looking at it.</summary>
    Investigating,
    /// <summary>Handled.</summary>
    Resolved,
    /// <summary>Not a problem.</summary>
    Dismissed,
}

/// <summary>Whether a policy is built in or user defined.</summary>
public enum PolicyType
{
    /// <summary>User-defined policy (default).</summary>
    Custom,
    /// <summary>Built-in catalog policy: only enabled, recipients and daily limit may change.</summary>
    System,
}

/// <summary>Licensing plan of the organization. Standard plans allow only every-time triggers.</summary>
public enum Plan
{
    /// <summary>Office 365 E1 (standard).</summary>
    E1,
    /// <summary>Frontline F1 (standard).</summary>
    F1,
    /// <summary>Government G1 (standard).</summary>
    G1,
    /// <summary>E3 (standard).</summary>
    E3,
    /// <summary>F3 (standard).</summary>
    F3,
    /// <summary>G3 (standard).</summary>
    G3,
    /// <summary>E5 (advanced).</summary>
    E5,
    /// <summary>G5 (advanced).</summary>
    G5,
}

/// <summary>Helpers for <see cref="Plan"/>.</summary>
public static class PlanExtensions
{
    /// <summary>Whether the plan is advanced (E5/G5): every trigger but every-time (threshold, anomaly, distinct, newValue,
    /// absence, spike, sum), 1-minute aggregation.</summary>
    /// <param name="plan">The plan.</param>
    /// <returns><see langword="true"/> for E5 and G5.</returns>
    public static bool IsAdvanced(this Plan plan) => plan is Plan.E5 or Plan.G5;

    /// <summary>The default aggregation interval of the plan: 1 minute advanced, 15 minutes standard.</summary>
    /// <param name="plan">The plan.</param>
    /// <returns>The interval.</returns>
    public static TimeSpan DefaultAggregationInterval(this Plan plan) =>
        plan.IsAdvanced() ? TimeSpan.FromMinutes(1) : TimeSpan.FromMinutes(15);
}

/// <summary>How detections of a policy are grouped into alerts.</summary>
public enum AggregationMode
{
    /// <summary>Detections inside the interval join the policy's open alert (default).</summary>
    Policy,
    /// <summary>Each detection is its own alert.</summary>
    None,
}

/// <summary>Sensitivity of an unusual-activity trigger: high fires on smaller deviations.</summary>
public enum AnomalySensitivity
{
    /// <summary>Fires only on large deviations.</summary>
    Low,
    /// <summary>Default.</summary>
    Medium,
    /// <summary>Fires on smaller deviations.</summary>
    High,
}
