namespace AlertEngine;

/// <summary>
/// A trigger fired: a policy matched enough activities (one for every-time triggers). Immutable.
/// </summary>
public sealed class Detection
{
    /// <summary>Creates a detection.</summary>
    /// <param name="time">The time of the activity that completed the detection.</param>
    /// <param name="triggeringActivity">The activity that completed the detection.</param>
    /// <param name="activities">The activities, in time order (possibly capped).</param>
    /// <param name="hitCount">The exact number of activities, never capped; at least <paramref name="activities"/>' count.</param>
    /// <param name="scopeKey">The scope key the detection was counted under; empty for every-time triggers.</param>
    public Detection(DateTimeOffset time, Activity triggeringActivity, IReadOnlyList<Activity> activities, int hitCount, string scopeKey)
    {
        ArgumentNullException.ThrowIfNull(triggeringActivity);
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(scopeKey);
        ArgumentOutOfRangeException.ThrowIfLessThan(hitCount, activities.Count);
        Time = time;
        TriggeringActivity = triggeringActivity;
        Activities = activities;
        HitCount = hitCount;
        ScopeKey = scopeKey;
    }

    /// <summary>The id of the policy that fired, when the detection came from a policy (the engine sets it);
    /// <see langword="null"/> from a standalone operator such as <c>SlidingThreshold</c>.</summary>
    public string? PolicyId { get; init; }

    /// <summary>The event time of the detection: the time of <see cref="TriggeringActivity"/>.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The activity that completed the detection.</summary>
    public Activity TriggeringActivity { get; }

    /// <summary>The activities of the detection in time order; may be capped (see <see cref="HitCount"/>).</summary>
    public IReadOnlyList<Activity> Activities { get; }

    /// <summary>The exact number of activities in the detection.</summary>
    public int HitCount { get; }

    /// <summary>The scope key (user id, malware family, …); empty for every-time triggers and organization scope.</summary>
    public string ScopeKey { get; }

    /// <summary>For anomaly detections: the observed count, expected count and score; otherwise <see langword="null"/>.</summary>
    public AnomalyScore? Anomaly { get; init; }

    /// <summary>Creates the detection of an every-time trigger for one activity.</summary>
    /// <param name="activity">The activity.</param>
    /// <param name="policyId">The policy id, if any.</param>
    /// <returns>The detection.</returns>
    public static Detection ForActivity(Activity activity, string? policyId = null)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return new Detection(activity.Time, activity, [activity], 1, string.Empty) { PolicyId = policyId };
    }
}

/// <summary>Why an anomaly detection fired.</summary>
/// <param name="Observed">The bucket's count.</param>
/// <param name="Expected">The baseline's expected count for that bucket.</param>
/// <param name="Score">How far the observation is above the baseline, in the model's units.</param>
public sealed record AnomalyScore(long Observed, double Expected, double Score);
