namespace AlertEngine;

/// <summary>
/// Turns the detections of one policy into alert changes. Single-threaded core of <c>AggregateAlerts</c> and of the
/// engine; it does not know about Rx.
/// </summary>
/// <remarks>
/// <para>Rule (policy mode): a detection at time t joins the policy's open alert when t &lt; that alert's
/// <see cref="Alert.CreatedAt"/> + interval; otherwise it opens a new alert, which becomes the open alert.
/// In <see cref="AggregationMode.None"/> every detection is its own alert.</para>
/// <para>The alert id is <c>{policyId}:{id of the activity that completed the first detection}</c>, so the same
/// input always gives the same ids. The hit count is exact; the activity list keeps the first
/// <see cref="MaxActivities"/> activities in the order the detections joined (each detection's in time order), and
/// <see cref="Alert.ActivitiesTruncated"/> says when it was capped. Users are distinct (user ids compare case-insensitively), in first-seen order; so are the user tags (<see cref="Alert.Tags"/>).
/// Users, operations and tags are capped like the activity list: an alert keeps the first <see cref="MaxActivities"/>
/// distinct values of each, so the memory of one open alert is bounded whatever the number of detections it joins.</para>
/// </remarks>
public sealed partial class AlertAggregator
{
    private readonly AlertPolicy _policy;
    private readonly HashSet<string> _openUsers = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _openOperations = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _openTags = new(StringComparer.OrdinalIgnoreCase);

    // The open alert's lists, shared by its snapshots (AlertValuesView): a detection that joins appends to them.
    private readonly AlertValuesBuffer<string> _users = new();
    private readonly AlertValuesBuffer<string> _operations = new();
    private readonly AlertValuesBuffer<string> _tags = new();
    private readonly AlertValuesBuffer<AlertActivity> _activities = new(listed: true);

    // The operation of the last activity collected (operations are interned by the reader and most policies track one):
    // the same instance is already in _openOperations, or the list is full. Saves a case-insensitive hash per activity.
    private string? _lastOperation;
    private Alert? _open;

    /// <summary>Creates an aggregator for a policy.</summary>
    /// <param name="policy">The policy whose detections are aggregated.</param>
    /// <param name="interval">The aggregation interval (greater than zero); ignored in <see cref="AggregationMode.None"/>.</param>
    /// <param name="maxActivities">Cap on the activity list of one alert (at least 1).</param>
    public AlertAggregator(AlertPolicy policy, TimeSpan interval, int maxActivities = 1000)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxActivities, 1);
        _policy = policy;
        Interval = interval;
        MaxActivities = maxActivities;
        Mode = policy.Aggregation?.Mode ?? AggregationMode.Policy;
    }

    /// <summary>The aggregation interval.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The aggregation mode, from the policy.</summary>
    public AggregationMode Mode { get; }

    /// <summary>Cap on the activity list of one alert.</summary>
    public int MaxActivities { get; }

    /// <summary>The alert that later detections may still join, if any.</summary>
    public Alert? OpenAlert => _open;

    /// <summary>The interval a policy aggregates with: its own, else the plan's (1 minute advanced, 15 minutes standard).</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="plan">The plan.</param>
    /// <returns>The interval.</returns>
    public static TimeSpan ResolveInterval(AlertPolicy policy, Plan plan)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Aggregation?.Interval ?? plan.DefaultAggregationInterval();
    }

    /// <summary>Whether a detection at <paramref name="time"/> would join <paramref name="alert"/>.</summary>
    /// <param name="alert">An alert of this policy.</param>
    /// <param name="time">The detection time.</param>
    /// <returns><see langword="true"/> when it joins.</returns>
    public bool Joins(Alert alert, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return Mode == AggregationMode.Policy && time < alert.CreatedAt + Interval;
    }

    /// <summary>
    /// Whether no detection at or after <paramref name="earliestFutureDetection"/> can change <paramref name="alert"/>
    /// any more.
    /// </summary>
    /// <param name="alert">An alert of this policy.</param>
    /// <param name="earliestFutureDetection">The earliest time a later detection can have.</param>
    /// <returns><see langword="true"/> when the alert is final.</returns>
    public bool IsFinal(Alert alert, DateTimeOffset earliestFutureDetection)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return _open is null || _open.Id != alert.Id || !Joins(_open, earliestFutureDetection);
    }

    /// <summary>Adds a detection: it joins the open alert or opens a new one.</summary>
    /// <param name="detection">The detection.</param>
    /// <returns>The change: <see cref="AlertChangeKind.Created"/> or <see cref="AlertChangeKind.Updated"/>.</returns>
    public AlertChange Add(Detection detection)
    {
        ArgumentNullException.ThrowIfNull(detection);
        if (_open is not null && Joins(_open, detection.Time))
        {
            _open = Join(_open, detection);
            return new AlertChange(AlertChangeKind.Updated, _open, detection);
        }

        _open = Create(detection);
        return new AlertChange(AlertChangeKind.Created, _open, detection);
    }

    private Alert Create(Detection detection)
    {
        _openUsers.Clear();
        _openOperations.Clear();
        _openTags.Clear();
        _users.Reset();
        _operations.Reset();
        _tags.Reset();
        _activities.Reset();
        _lastOperation = null;
        var first = DateTimeOffset.MaxValue;
        var last = DateTimeOffset.MinValue;
        Collect(detection, ref first, ref last);

        // The views are set after the collections they stand for (whose init accessors drop a view).
        return new Alert
        {
            Id = _policy.Id + ":" + detection.TriggeringActivity.Id,
            PolicyId = _policy.Id,
            PolicyName = _policy.Name,
            Severity = _policy.Severity,
            Category = _policy.Category,
            Description = _policy.Description,
            CreatedAt = detection.Time,
            FirstActivityAt = first,
            LastActivityAt = last,
            HitCount = detection.HitCount,
            Users = default,
            Activities = null!,
            UsersView = _users.View,
            OperationsView = _operations.View,
            TagsView = _tags.View,
            ActivitiesView = _activities.View,
            ActivitiesTruncated = _activities.Count < detection.HitCount,
        };
    }

    private Alert Join(Alert open, Detection detection)
    {
        var first = open.FirstActivityAt;
        var last = open.LastActivityAt;
        Collect(detection, ref first, ref last);
        var hits = open.HitCount + detection.HitCount;
        return open with
        {
            FirstActivityAt = first,
            LastActivityAt = last,
            HitCount = hits,
            DetectionCount = open.DetectionCount + 1,
            UsersView = _users.View,
            OperationsView = _operations.View,
            TagsView = _tags.View,
            ActivitiesView = _activities.View,
            ActivitiesTruncated = _activities.Count < hits,
        };
    }

    /// <summary>Adds a detection's activities to the open alert's lists: the users, operations and tags it has not seen
    /// yet (up to the cap) and the activities (up to the cap).</summary>
    private void Collect(Detection detection, ref DateTimeOffset first, ref DateTimeOffset last)
    {
        if (detection.Time > last)
        {
            last = detection.Time;
        }

        if (detection.SingleActivity is { } only)
        {
            // An every-time detection: no list to read, and its time is its activity's.
            Collect(only, detection.Time, ref first, ref last);
            return;
        }

        var list = detection.Activities;
        for (var i = 0; i < list.Count; i++)
        {
            var a = list[i];
            Collect(a, a.Time, ref first, ref last);
        }
    }

    /// <summary>Adds one activity of a detection to the open alert's lists.</summary>
    /// <param name="a">The activity.</param>
    /// <param name="time">Its <see cref="Activity.Time"/>, read once by the caller: each read makes a
    /// <see cref="DateTimeOffset"/> from the activity's ticks, whose offset check is a call into the runtime library
    /// when the JIT has no profile to inline it by (end-to-end.md, range-16).</param>
    /// <param name="first">The alert's first activity time so far.</param>
    /// <param name="last">The alert's last activity time so far.</param>
    private void Collect(Activity a, DateTimeOffset time, ref DateTimeOffset first, ref DateTimeOffset last)
    {
        if (time < first)
        {
            first = time;
        }

        if (time > last)
        {
            last = time;
        }

        if (_users.Count < MaxActivities && a.UserId is { Length: > 0 } user && _openUsers.Add(user))
        {
            _users.Add(user);
        }

        if (_lastOperation is null || !ReferenceEquals(a.Operation, _lastOperation))
        {
            if (_operations.Count < MaxActivities && _openOperations.Add(a.Operation))
            {
                _operations.Add(a.Operation);
            }

            _lastOperation = a.Operation;
        }

        var userTags = a.UserTags;
        for (var t = 0; t < userTags.Count && _tags.Count < MaxActivities; t++)
        {
            if (userTags[t] is { Length: > 0 } tag && _openTags.Add(tag))
            {
                _tags.Add(tag);
            }
        }

        if (_activities.Count < MaxActivities)
        {
            _activities.Add(AlertActivity.From(a, time));
        }
    }
}
