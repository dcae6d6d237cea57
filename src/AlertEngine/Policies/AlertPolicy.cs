namespace AlertEngine;

/// <summary>
/// An alert policy: which operations it tracks, which activities it keeps (conditions), what makes a detection
/// (trigger), and what its alerts carry. Immutable; validate with <c>PolicyValidator</c> or load with
/// <c>PolicySerializer</c>, which validates.
/// </summary>
public sealed record AlertPolicy
{
    /// <summary>Unique policy id.</summary>
    public required string Id { get; init; }

    /// <summary>Display name, copied onto alerts.</summary>
    public required string Name { get; init; }

    /// <summary>What the policy is about.</summary>
    public string? Description { get; init; }

    /// <summary>Whether the policy evaluates activities. Default <see langword="true"/>.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Custom (default) or System (built-in).</summary>
    public PolicyType Type { get; init; } = PolicyType.Custom;

    /// <summary>Alert category.</summary>
    public AlertCategory Category { get; init; } = AlertCategory.Others;

    /// <summary>Alert severity.</summary>
    public AlertSeverity Severity { get; init; } = AlertSeverity.Low;

    /// <summary>Tracked operations, matched exactly and case-insensitively. At least one.</summary>
    public required IReadOnlyList<string> Operations { get; init; }

    /// <summary>Activity conditions; <see langword="null"/> means every activity of the tracked operations.</summary>
    public Condition? Conditions { get; init; }

    /// <summary>The trigger. Default every time.</summary>
    public Trigger Trigger { get; init; } = EveryTimeTrigger.Instance;

    /// <summary>How detections become alerts; <see langword="null"/> means policy mode with the plan's interval.</summary>
    public AggregationSettings? Aggregation { get; init; }

    /// <summary>Raise an automated investigation request when an alert fires.</summary>
    public bool AutomatedInvestigation { get; init; }

    /// <summary>Email notification settings; <see langword="null"/> means notifications off.</summary>
    public NotificationSettings? Notification { get; init; }
}

/// <summary>How a policy's detections are grouped into alerts.</summary>
/// <param name="Mode">Policy (default) or none.</param>
/// <param name="Interval">The aggregation interval; <see langword="null"/> takes the plan's (1 minute advanced, 15 minutes standard).</param>
public sealed record AggregationSettings(AggregationMode Mode = AggregationMode.Policy, TimeSpan? Interval = null);

/// <summary>Email notification settings of a policy.</summary>
/// <param name="Enabled">Whether notifications are sent. Default <see langword="false"/>.</param>
/// <param name="Recipients">Recipient addresses.</param>
/// <param name="DailyLimit">At most this many notifications per policy per day (≥ 1); <see langword="null"/> = no limit.</param>
public sealed record NotificationSettings(bool Enabled, IReadOnlyList<string> Recipients, int? DailyLimit = null)
{
    /// <summary>At most <see cref="NotificationThrottle.Count"/> notifications of this policy per rolling
    /// <see cref="NotificationThrottle.Window"/> of event time; <see langword="null"/> takes
    /// <see cref="NotificationOptions.DefaultThrottle"/> (none by default).</summary>
    public NotificationThrottle? Throttle { get; init; }

    /// <summary>For a threshold policy: send an early-warning notification on the first match, before the threshold is
    /// reached. Default <see langword="false"/>.</summary>
    public bool EarlyWarning { get; init; }
}
