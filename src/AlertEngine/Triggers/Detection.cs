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
        _activities = activities;
        HitCount = hitCount;
        ScopeKey = scopeKey;
    }

    /// <summary>The detection of one activity (<see cref="ForActivity"/>): its activity list is made on first read.</summary>
    private Detection(Activity activity)
    {
        Time = activity.Time;
        TriggeringActivity = activity;
        HitCount = 1;
        ScopeKey = string.Empty;
    }

    // The activities; null for a detection of its triggering activity alone until Activities is first read. An
    // every-time policy makes one detection per matching activity, and the engine's aggregator reads the one activity
    // through SingleActivity, so the one-item list (24 bytes) is made only for a caller that asks for it.
    private IReadOnlyList<Activity>? _activities;

    /// <summary>The id of the policy that fired, when the detection came from a policy (the engine sets it);
    /// <see langword="null"/> from a standalone operator such as <c>SlidingThreshold</c>.</summary>
    public string? PolicyId { get; init; }

    /// <summary>The event time of the detection: the time of <see cref="TriggeringActivity"/>.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The activity that completed the detection.</summary>
    public Activity TriggeringActivity { get; }

    /// <summary>The activities of the detection in time order; may be capped (see <see cref="HitCount"/>).</summary>
    public IReadOnlyList<Activity> Activities => Volatile.Read(ref _activities) ?? MakeSingleActivityList();

    /// <summary>The detection's only activity when it was made of its triggering activity alone
    /// (<see cref="ForActivity"/>), else <see langword="null"/>: lets the aggregator skip the list.</summary>
    internal Activity? SingleActivity => _activities is null ? TriggeringActivity : null;

    /// <summary>The exact number of activities in the detection.</summary>
    public int HitCount { get; }

    /// <summary>The scope key (user id, malware family, …); empty for every-time triggers and organization scope.</summary>
    public string ScopeKey { get; }

    /// <summary>For anomaly detections: the observed count, expected count and score; otherwise <see langword="null"/>.</summary>
    public AnomalyScore? Anomaly { get; init; }

    /// <summary>Why a distinct, new-value, absence, spike or sum detection fired (one of <see cref="DistinctValues"/>,
    /// <see cref="NewValueSeen"/>, <see cref="SilenceObserved"/>, <see cref="SpikeCounts"/>, <see cref="SumTotal"/>);
    /// otherwise <see langword="null"/>.</summary>
    public DetectionReason? Reason { get; init; }

    /// <summary>Creates the detection of an every-time trigger for one activity.</summary>
    /// <param name="activity">The activity.</param>
    /// <param name="policyId">The policy id, if any.</param>
    /// <returns>The detection.</returns>
    public static Detection ForActivity(Activity activity, string? policyId = null)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return new Detection(activity) { PolicyId = policyId };
    }

    /// <summary>The one-item list of a <see cref="ForActivity"/> detection, made once (one instance is published to
    /// every reader).</summary>
    private IReadOnlyList<Activity> MakeSingleActivityList()
    {
        IReadOnlyList<Activity> made = [TriggeringActivity];
        return Interlocked.CompareExchange(ref _activities, made, null) ?? made;
    }
}

/// <summary>Why an anomaly detection fired.</summary>
/// <param name="Observed">The bucket's count.</param>
/// <param name="Expected">The baseline's expected count for that bucket.</param>
/// <param name="Score">How far the observation is above the baseline, in the model's units.</param>
public sealed record AnomalyScore(long Observed, double Expected, double Score);

/// <summary>Why a detection of one of the newer trigger types fired. Immutable.</summary>
public abstract record DetectionReason
{
    private protected DetectionReason()
    {
    }
}

/// <summary>A distinct-count detection: the distinct values in the window, in the order of the detection's activities.</summary>
/// <param name="Count">The number of distinct values.</param>
/// <param name="Values">The values (possibly capped like the activities).</param>
public sealed record DistinctValues(int Count, IReadOnlyList<string> Values) : DetectionReason;

/// <summary>A new-value detection: the value not seen within the lookback, and when the key was first seen.</summary>
/// <param name="Value">The new value.</param>
/// <param name="KeyFirstSeen">The time of the key's first matching activity with a value.</param>
public sealed record NewValueSeen(string Value, DateTimeOffset KeyFirstSeen) : DetectionReason;

/// <summary>An absence detection: how long the key had been silent when it fired (the trigger's window).</summary>
/// <param name="Silence">The silence length.</param>
/// <param name="LastActivityAt">The time of the key's last matching activity.</param>
public sealed record SilenceObserved(TimeSpan Silence, DateTimeOffset LastActivityAt) : DetectionReason;

/// <summary>A spike detection: the current and reference window counts.</summary>
/// <param name="Current">Matching activities in (t − window, t].</param>
/// <param name="Reference">Matching activities in (t − 2·window, t − window].</param>
public sealed record SpikeCounts(int Current, int Reference) : DetectionReason;

/// <summary>A sum detection: the total over the window.</summary>
/// <param name="Total">The sum of the field's values over the window.</param>
public sealed record SumTotal(double Total) : DetectionReason;
