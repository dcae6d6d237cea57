using System.Collections.Immutable;
using System.Net;
using System.Runtime.InteropServices;

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
public sealed record AlertChange(AlertChangeKind Kind, Alert Alert, Detection Detection);
