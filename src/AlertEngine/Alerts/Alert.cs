using System.Collections.Immutable;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace AlertEngine;

/// <summary>
/// An alert: one or more detections of a policy, aggregated. Immutable snapshot; an aggregated alert is replaced by
/// a newer snapshot with the same <see cref="Id"/> (see <see cref="AlertChange"/>).
/// </summary>
/// <remarks>Thread safety: safe to read from any thread. The snapshots the engine makes of one alert share its growing
/// lists; a snapshot's <see cref="Users"/>, <see cref="Operations"/>, <see cref="Tags"/> and <see cref="Activities"/>
/// are made the first time they are read and are the same instances on every later read.</remarks>
public sealed record Alert
{
    /// <summary>The source name of alerts raised by this engine.</summary>
    public const string EngineSource = "AlertEngine";

    /// <summary>Deterministic id: <c>{policyId}:{id of the activity that completed the first detection}</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The policy id.</summary>
    public required string PolicyId { get; init; }

    /// <summary>The policy name.</summary>
    public required string PolicyName { get; init; }

    /// <summary>Severity, copied from the policy.</summary>
    public AlertSeverity Severity { get; init; }

    /// <summary>Category, copied from the policy.</summary>
    public AlertCategory Category { get; init; }

    /// <summary>Status; new alerts are <see cref="AlertStatus.Active"/>.</summary>
    public AlertStatus Status { get; init; } = AlertStatus.Active;

    /// <summary>Where the alert comes from: <see cref="EngineSource"/>, or an external product's name.</summary>
    public string Source { get; init; } = EngineSource;

    /// <summary>The policy description.</summary>
    public string? Description { get; init; }

    /// <summary>Time of the first detection (the activity that completed it).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Earliest activity time in the alert.</summary>
    public required DateTimeOffset FirstActivityAt { get; init; }

    /// <summary>Latest activity time in the alert.</summary>
    public required DateTimeOffset LastActivityAt { get; init; }

    /// <summary>Number of activities in the alert's detections; never capped.</summary>
    public required int HitCount { get; init; }

    /// <summary>Number of detections aggregated into the alert.</summary>
    public int DetectionCount { get; init; } = 1;

    // Users, operations, tags and activities: each field holds either the collection given to the init accessor (an
    // immutable array's array, or the immutable list) or (the aggregator's snapshots) a view of the open alert's growing
    // list that makes the collection on first read (AlertValuesView). One field each rather than a collection and a
    // view: the engine makes a snapshot per detection, and the four fields saved are 32 bytes of each. Equality is
    // unchanged by that: both an immutable array's and a view's compare by reference. The init accessors replace the
    // view, so `alert with { Users = … }` means what it says.
    private object? _users;
    private object? _operations = ImmutableCollectionsMarshal.AsArray(ImmutableArray<string>.Empty);
    private object? _tags = ImmutableCollectionsMarshal.AsArray(ImmutableArray<string>.Empty);
    private object? _activities;

    /// <summary>Distinct user ids in first-seen order.</summary>
    public required ImmutableArray<string> Users
    {
        get => ArrayOf(_users);
        init => _users = ImmutableCollectionsMarshal.AsArray(value);
    }

    /// <summary>Distinct operations that triggered the alert, in first-seen order.</summary>
    public ImmutableArray<string> Operations
    {
        get => ArrayOf(_operations);
        init => _operations = ImmutableCollectionsMarshal.AsArray(value);
    }

    /// <summary>The activities, in the order the detections joined, each detection's in time order; capped by configuration.</summary>
    public required ImmutableList<AlertActivity> Activities
    {
        get => _activities is AlertValuesView<AlertActivity> view ? view.ToImmutableList() : (ImmutableList<AlertActivity>)_activities!;
        init => _activities = value;
    }

    /// <summary>Whether <see cref="Activities"/> was capped (then fewer than <see cref="HitCount"/>).</summary>
    public bool ActivitiesTruncated { get; init; }

    /// <summary>Whether email notifications are suppressed for this alert (the alert still updates).
    /// A management field (see <see cref="History"/>): the engine sets it only on a new alert that was suppressed
    /// through the notification dispatcher before it existed.</summary>
    public bool NotificationsSuppressed { get; init; }

    /// <summary>
    /// Distinct user tags (e.g. <c>Priority account</c>) of the alert's activities, in first-seen order, compared
    /// case-insensitively; for external alerts, the tags the source gave. Filter with <see cref="AlertQuery.Tags"/>.
    /// </summary>
    public ImmutableArray<string> Tags
    {
        get => ArrayOf(_tags);
        init => _tags = ImmutableCollectionsMarshal.AsArray(value);
    }

    /// <summary>
    /// Every status change, oldest first, with who made it, when and why. Empty for a new alert.
    /// </summary>
    /// <remarks>
    /// <see cref="Status"/>, <see cref="History"/> and <see cref="NotificationsSuppressed"/> are the alert's
    /// <em>management fields</em>: administrators change them (through <c>AlertManager</c> and
    /// <see cref="IAlertStore.TryUpdateManagementAsync"/>); the engine and external sources never do. When a newer
    /// snapshot of an existing alert is written with <see cref="IAlertStore.UpsertAsync"/>, the store keeps the stored
    /// management fields.
    /// </remarks>
    public ImmutableArray<AlertStatusChange> History { get; init; } = [];

    /// <summary>Ids of the notification silences that matched this alert (it was raised and updated, not notified,
    /// while they were active); empty when none did.</summary>
    public ImmutableArray<string> SilencedBy { get; init; } = [];

    /// <summary>The aggregator's view of the open alert's users (set after <see cref="Users"/> in an initializer).</summary>
    internal AlertValuesView<string>? UsersView { get => _users as AlertValuesView<string>; init => _users = value; }

    /// <summary>The aggregator's view of the open alert's operations (set after <see cref="Operations"/>).</summary>
    internal AlertValuesView<string>? OperationsView { get => _operations as AlertValuesView<string>; init => _operations = value; }

    /// <summary>The aggregator's view of the open alert's tags (set after <see cref="Tags"/>).</summary>
    internal AlertValuesView<string>? TagsView { get => _tags as AlertValuesView<string>; init => _tags = value; }

    /// <summary>The aggregator's view of the open alert's activities (set after <see cref="Activities"/>).</summary>
    internal AlertValuesView<AlertActivity>? ActivitiesView { get => _activities as AlertValuesView<AlertActivity>; init => _activities = value; }

    /// <summary>The immutable array a users, operations or tags field stands for.</summary>
    private static ImmutableArray<string> ArrayOf(object? field) => field is AlertValuesView<string> view
        ? view.ToImmutableArray()
        : ImmutableCollectionsMarshal.AsImmutableArray((string[]?)field);
}

/// <summary>One status change of an alert.</summary>
/// <param name="From">The status before.</param>
/// <param name="To">The status after.</param>
/// <param name="ChangedBy">Who made the change (the caller's name).</param>
/// <param name="ChangedAt">When, by the management layer's <see cref="TimeProvider"/> (wall clock, not event time).</param>
/// <param name="Comment">An optional comment.</param>
public sealed record AlertStatusChange(AlertStatus From, AlertStatus To, string ChangedBy, DateTimeOffset ChangedAt, string? Comment = null);

/// <summary>One activity as an alert lists it.</summary>
/// <param name="Id">Activity id.</param>
/// <param name="Time">Event time.</param>
/// <param name="Operation">Operation.</param>
/// <param name="UserId">User id.</param>
/// <param name="ObjectId">Object id.</param>
/// <param name="ClientIp">Client IP.</param>
public sealed record AlertActivity(string Id, DateTimeOffset Time, string Operation, string? UserId, string? ObjectId, IPAddress? ClientIp)
{
    /// <summary>Projects an activity.</summary>
    /// <param name="activity">The activity.</param>
    /// <returns>The alert's view of it.</returns>
    public static AlertActivity From(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return From(activity, activity.Time);
    }

    /// <summary><see cref="From(Activity)"/> with the activity's <see cref="Activity.Time"/> already made (the
    /// aggregator's: each <see cref="Activity.Time"/> read makes a <see cref="DateTimeOffset"/>, whose offset check is a
    /// call unless the JIT's profile inlines it).</summary>
    internal static AlertActivity From(Activity activity, DateTimeOffset time) =>
        new(activity.Id, time, activity.Operation, activity.UserId, activity.ObjectId, activity.ClientIp);
}

/// <summary>The kind of an <see cref="AlertChange"/>.</summary>
public enum AlertChangeKind
{
    /// <summary>A new alert.</summary>
    Created,
    /// <summary>A detection joined an existing alert.</summary>
    Updated,
}

/// <summary>A change to an alert produced by the engine: the alert's new snapshot and the detection that caused it.</summary>
/// <param name="Kind">Created or updated.</param>
/// <param name="Alert">The alert after the change.</param>
/// <param name="Detection">The detection that caused the change.</param>
/// <remarks>Immutable and safe to read from any thread. A change made by the engine's <see cref="AlertAggregator"/>
/// for an aggregated alert makes its <see cref="Alert"/> snapshot the first time it is read, from values it kept when it
/// was made, so the snapshot is the same whenever and on whichever thread it is read, and every read returns the same
/// instance.</remarks>
public sealed record AlertChange(AlertChangeKind Kind, Alert Alert, Detection Detection)
{
    // The snapshot, or null until a change made by the aggregator for an aggregated alert is first read: most snapshots
    // of an every-time policy's open alert are never read (the replay keeps an alert's last one of a batch, a store
    // replaces each with the next), and making each cost an Alert and one or two list views per detection.
    private Alert? _alert = Alert;

    // Until the snapshot is made: the alert's shared cell (what never changes while it is open, and its lists' newest
    // arrays), dropped once the snapshot is made, so a read change keeps only its snapshot and its detection.
    private AlertSnapshotSource? _source;

    // The snapshot's values that change from detection to detection (AlertSnapshotValues, packed: a change is made per
    // detection): the first and last activity times as clock ticks and offset minutes, the counts. ActivitiesTruncated
    // is _activityCount < _hits, as the aggregator sets it.
    private readonly long _firstTicks;
    private readonly long _lastTicks;
    private readonly int _hits;
    private readonly int _detections;
    private readonly int _userCount;
    private readonly int _operationCount;
    private readonly int _tagCount;
    private readonly int _activityCount;
    private readonly short _firstOffset;
    private readonly short _lastOffset;

    /// <summary>A change whose snapshot is made of <paramref name="source"/> and <paramref name="values"/> when read.</summary>
    internal AlertChange(AlertChangeKind kind, Detection detection, AlertSnapshotSource source, in AlertSnapshotValues values)
        : this(kind, null!, detection)
    {
        Debug.Assert(values.Truncated == values.Activities < values.Hits, "ActivitiesTruncated is derived from the counts");
        _source = source;
        _firstTicks = values.First.Ticks;
        _firstOffset = (short)values.First.TotalOffsetMinutes;
        _lastTicks = values.Last.Ticks;
        _lastOffset = (short)values.Last.TotalOffsetMinutes;
        _hits = values.Hits;
        _detections = values.Detections;
        _userCount = values.Users;
        _operationCount = values.Operations;
        _tagCount = values.Tags;
        _activityCount = values.Activities;
    }

    /// <summary>A copy (<c>with</c>): it shares the original's snapshot, made now if it was not yet.</summary>
    /// <param name="original">The change copied.</param>
    private AlertChange(AlertChange original)
    {
        Kind = original.Kind;
        _alert = original.Alert;
        Detection = original.Detection;
    }

    /// <summary>The alert after the change.</summary>
    public Alert Alert
    {
        get => Volatile.Read(ref _alert) ?? MakeAlert();
        init => _alert = value;
    }

    /// <summary>The id of <see cref="Alert"/>, without making the snapshot when it was not made yet.</summary>
    internal string AlertId => Volatile.Read(ref _alert)?.Id ?? Volatile.Read(ref _source)?.Id ?? Alert.Id;

    /// <summary>The alert's shared cell the snapshot is still to be made of; <see langword="null"/> once it is made (or
    /// when the change was given its alert). For tests.</summary>
    internal object? SnapshotSource => Volatile.Read(ref _source);

    /// <summary>The key of <see cref="Alert"/> in output order (creation time, policy id, id), without making the
    /// snapshot when it was not made yet.</summary>
    internal (DateTimeOffset CreatedAt, string PolicyId, string Id) AlertKey
    {
        get
        {
            if (Volatile.Read(ref _alert) is null && Volatile.Read(ref _source) is { } source)
            {
                return (source.CreatedAt, source.PolicyId, source.Id);
            }

            var alert = Alert;
            return (alert.CreatedAt, alert.PolicyId, alert.Id);
        }
    }

    /// <inheritdoc/>
    public bool Equals(AlertChange? other) =>
        ReferenceEquals(this, other)
        || (other is not null
            && Kind == other.Kind
            && EqualityComparer<Alert>.Default.Equals(Alert, other.Alert)
            && EqualityComparer<Detection>.Default.Equals(Detection, other.Detection));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, Alert, Detection);

    /// <summary>The members <see cref="ToString"/> prints, in the positional order (as the compiler's would).</summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Kind = ").Append(Kind.ToString());
        builder.Append(", Alert = ").Append(Alert);
        builder.Append(", Detection = ").Append(Detection);
        return true;
    }

    private Alert MakeAlert()
    {
        // The source is dropped only after the snapshot is published: seeing no source means the snapshot is visible
        // (or the change was given no alert, whose Alert stays null as it always did).
        if (Volatile.Read(ref _source) is not { } source)
        {
            return Volatile.Read(ref _alert)!;
        }

        var made = source.Snapshot(new AlertSnapshotValues(
            new DateTimeOffset(_firstTicks, TimeSpan.FromMinutes(_firstOffset)),
            new DateTimeOffset(_lastTicks, TimeSpan.FromMinutes(_lastOffset)),
            _hits, _detections, _userCount, _operationCount, _tagCount, _activityCount, _activityCount < _hits));
        var alert = Interlocked.CompareExchange(ref _alert, made, null) ?? made;
        Volatile.Write(ref _source, null);
        return alert;
    }
}
