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

    // The open alert's lists, shared by its snapshots (AlertSnapshotSource): a detection that joins appends to them.
    private readonly AlertLists _lists;

    // The open alert (policy mode; also a restored alert): the cell its snapshots are made of (shared with its changes
    // not read yet; it holds no aggregator or detection), and its values now.
    private AlertSnapshotSource? _open;
    private DateTimeOffset _first;
    private DateTimeOffset _last;
    private int _hits;
    private int _detectionCount;

    // OpenAlert once made: AggregationMode.None's last alert and a restored alert are made eagerly; an aggregated alert's
    // snapshot is made from _open and the values now when first read after an Add (null until then). No change is kept:
    // it would keep its detection (and the caller's activity list) alive until the policy's next detection.
    private Alert? _made;

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
        _lists = new AlertLists(maxActivities);
    }

    /// <summary>The aggregation interval.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The aggregation mode, from the policy.</summary>
    public AggregationMode Mode { get; }

    /// <summary>Cap on the activity list of one alert.</summary>
    public int MaxActivities { get; }

    /// <summary>The alert that later detections may still join, if any.</summary>
    /// <remarks>The snapshot the <see cref="AlertChange.Alert"/> of the last change <see cref="Add"/> returned shows (made
    /// when first read after that <see cref="Add"/>, then the same instance until the next one); the aggregator keeps
    /// neither that change nor its detection.</remarks>
    public Alert? OpenAlert => _made ??= _open?.Snapshot(Values());

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
        return Joins(alert.CreatedAt, time);
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
        return _open is null || _open.Id != alert.Id || !Joins(_open.CreatedAt, earliestFutureDetection);
    }

    /// <summary>Adds a detection: it joins the open alert or opens a new one.</summary>
    /// <param name="detection">The detection.</param>
    /// <returns>The change: <see cref="AlertChangeKind.Created"/> or <see cref="AlertChangeKind.Updated"/>. In
    /// <see cref="AggregationMode.Policy"/> its <see cref="AlertChange.Alert"/> is made when first read, with the values
    /// it had when the detection was added.</returns>
    public AlertChange Add(Detection detection)
    {
        ArgumentNullException.ThrowIfNull(detection);
        if (Mode != AggregationMode.Policy)
        {
            // Every detection its own alert, made now from the detection (a caller may reuse the detection's activity
            // list once Add returns), of its own lists: nothing is kept for later detections but the alert (OpenAlert).
            _open = null;
            _made = NoneAlert(detection);
            return new AlertChange(AlertChangeKind.Created, _made, detection);
        }

        AlertChange change;
        if (_open is not null && Joins(_open.CreatedAt, detection.Time))
        {
            _lists.Collect(detection, ref _first, ref _last);
            _hits += detection.HitCount;
            _detectionCount++;
            _open.Publish(_lists);
            change = new AlertChange(AlertChangeKind.Updated, detection, _open, Values());
        }
        else
        {
            _lists.Reset();
            _first = DateTimeOffset.MaxValue;
            _last = DateTimeOffset.MinValue;
            _lists.Collect(detection, ref _first, ref _last);
            _hits = detection.HitCount;
            _detectionCount = 1;
            _open = new AlertSnapshotSource(
                _policy.Id + ":" + detection.TriggeringActivity.Id, _policy.Id, _policy.Name, _policy.Severity,
                _policy.Category, _policy.Description, detection.Time, _lists);
            change = new AlertChange(AlertChangeKind.Created, detection, _open, Values());
        }

        _made = null;
        return change;
    }

    /// <summary>The alert of <paramref name="detection"/> alone (<see cref="AggregationMode.None"/>), made now.</summary>
    private Alert NoneAlert(Detection detection)
    {
        var id = _policy.Id + ":" + detection.TriggeringActivity.Id;
        if (detection.SingleActivity is { } a)
        {
            // One activity (an every-time policy): its one user, operation and activity, and its distinct tags, as
            // collections of their own (no list buffer, view or lineage: nothing will be appended).
            var time = detection.Time;
            var tags = a.UserTags;
            return new Alert
            {
                Id = id,
                PolicyId = _policy.Id,
                PolicyName = _policy.Name,
                Severity = _policy.Severity,
                Category = _policy.Category,
                Description = _policy.Description,
                CreatedAt = time,
                FirstActivityAt = time,
                LastActivityAt = time,
                HitCount = detection.HitCount,
                Users = a.UserId is { Length: > 0 } user ? [user] : [],
                Operations = [a.Operation],
                Tags = tags.Count == 0 ? [] : AlertLists.DistinctTags(tags, MaxActivities),
                Activities = [AlertActivity.From(a, time)],
                ActivitiesTruncated = 1 < detection.HitCount,
            };
        }

        _lists.Reset();
        var first = DateTimeOffset.MaxValue;
        var last = DateTimeOffset.MinValue;
        _lists.Collect(detection, ref first, ref last);
        return AlertSnapshotSource.MakeAlert(
            id, _policy.Id, _policy.Name, _policy.Severity, _policy.Category, _policy.Description, detection.Time, _lists,
            new(first, last, detection.HitCount, 1, _lists.Users.Count, _lists.Operations.Count, _lists.Tags.Count,
                _lists.Activities.Count, _lists.Activities.Count < detection.HitCount));
    }

    private bool Joins(DateTimeOffset createdAt, DateTimeOffset time) => Mode == AggregationMode.Policy && time < createdAt + Interval;

    /// <summary>The open alert's values now.</summary>
    private AlertSnapshotValues Values() => new(
        _first, _last, _hits, _detectionCount, _lists.Users.Count, _lists.Operations.Count, _lists.Tags.Count,
        _lists.Activities.Count, _lists.Activities.Count < _hits);
}
