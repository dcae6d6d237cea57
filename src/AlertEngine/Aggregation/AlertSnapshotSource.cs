namespace AlertEngine;

/// <summary>What an <see cref="AlertChange"/> made by the aggregator needs to make its <see cref="Alert"/> snapshot when
/// it is first read: the values of the snapshot that change from detection to detection (copied into the change).</summary>
/// <param name="First">The earliest activity time.</param>
/// <param name="Last">The latest activity time.</param>
/// <param name="Hits">The hit count.</param>
/// <param name="Detections">The detection count.</param>
/// <param name="Users">How many users the snapshot lists.</param>
/// <param name="Operations">How many operations.</param>
/// <param name="Tags">How many tags.</param>
/// <param name="Activities">How many activities.</param>
/// <param name="Truncated">Whether the activity list was capped.</param>
internal readonly record struct AlertSnapshotValues(
    DateTimeOffset First,
    DateTimeOffset Last,
    int Hits,
    int Detections,
    int Users,
    int Operations,
    int Tags,
    int Activities,
    bool Truncated);

/// <summary>
/// One alert of an aggregator, as its snapshots need it: the values that never change while it is open (id, policy,
/// creation time) and its lists' arrays (<see cref="AlertLists"/>), from which a snapshot's <see cref="Alert"/> is made
/// with the counts its <see cref="AlertChange"/> kept (<see cref="Snapshot"/>).
/// </summary>
/// <remarks>
/// <para><b>Why.</b> An every-time policy makes one detection per matching activity, and each joins the open alert: an
/// eager snapshot cost an <see cref="Alert"/> (176 bytes) and one or two list views (40 bytes each) per detection, about
/// two fifths of the bytes a detection allocated, and most snapshots are never read (the replay writes an alert's last
/// one; a store replaces each with the next). The change keeps the snapshot's counts instead and the alert is made on
/// first read (benchmarks/results/end-to-end.md, lazy-16).</para>
/// <para><b>Why a snapshot read late still shows what it had.</b> The lists only ever append below the cap, and a full
/// array is never written again (the next item moves the list to a new array, with the same first items); a new alert
/// starts new arrays. So the first n items of the newest array of this alert are the first n items the alert ever had:
/// a snapshot reads the newest array (published here by the aggregator after each detection) up to its own counts.</para>
/// <para><b>What it pins.</b> The aggregator and the changes of this alert that were not read yet hold it (the shared
/// cell); it holds no aggregator, detection or change. A change drops it once its snapshot is made, so a read change
/// holds only its own snapshot (whose views hold the arrays up to its counts) and its detection.</para>
/// <para><b>Thread safety.</b> The aggregator writes the arrays (after their items) with release semantics, readers on
/// any thread read them with acquire semantics; the views cached for reuse are immutable and published the same way.</para>
/// </remarks>
internal sealed class AlertSnapshotSource
{
    private string[] _users;
    private string[] _operations;
    private string[] _tags;
    private AlertActivity[] _activities;
    private readonly AlertValuesView<AlertActivity>.Lineage? _lineage;

    // The last view made of each list: a snapshot with the same count takes it (most snapshots add no operation or tag).
    private AlertValuesView<string>? _usersView;
    private AlertValuesView<string>? _operationsView;
    private AlertValuesView<string>? _tagsView;
    private AlertValuesView<AlertActivity>? _activitiesView;

    public AlertSnapshotSource(
        string id, string policyId, string policyName, AlertSeverity severity, AlertCategory category, string? description,
        DateTimeOffset createdAt, AlertLists lists)
    {
        Id = id;
        PolicyId = policyId;
        PolicyName = policyName;
        Severity = severity;
        Category = category;
        Description = description;
        CreatedAt = createdAt;
        _users = lists.Users.Items;
        _operations = lists.Operations.Items;
        _tags = lists.Tags.Items;
        _activities = lists.Activities.Items;
        _lineage = lists.Activities.Lineage;
    }

    public string Id { get; }

    public string PolicyId { get; }

    public string PolicyName { get; }

    public AlertSeverity Severity { get; }

    public AlertCategory Category { get; }

    public string? Description { get; }

    public DateTimeOffset CreatedAt { get; }

    /// <summary>After a detection joined: publishes the arrays the lists moved to (single writer, the aggregator).</summary>
    public void Publish(AlertLists lists)
    {
        PublishIfMoved(ref _users, lists.Users.Items);
        PublishIfMoved(ref _operations, lists.Operations.Items);
        PublishIfMoved(ref _tags, lists.Tags.Items);
        PublishIfMoved(ref _activities, lists.Activities.Items);
    }

    /// <summary>The snapshot with <paramref name="values"/>: a new <see cref="Alert"/> whose lists are views of the first
    /// items of this alert's arrays.</summary>
    public Alert Snapshot(in AlertSnapshotValues values) => Make(
        Id, PolicyId, PolicyName, Severity, Category, Description, CreatedAt, values,
        ViewOf(ref _usersView, ref _users, values.Users, null),
        ViewOf(ref _operationsView, ref _operations, values.Operations, null),
        ViewOf(ref _tagsView, ref _tags, values.Tags, null),
        ViewOf(ref _activitiesView, ref _activities, values.Activities, _lineage));

    /// <summary>An alert made at once of <paramref name="lists"/> (<see cref="AggregationMode.None"/>'s alert of a
    /// detection of several activities), whose lists are views of their arrays, which are never written again after
    /// the lists' next <see cref="AlertLists.Reset"/>.</summary>
    public static Alert MakeAlert(
        string id, string policyId, string policyName, AlertSeverity severity, AlertCategory category, string? description,
        DateTimeOffset createdAt, AlertLists lists, in AlertSnapshotValues values) => Make(
        id, policyId, policyName, severity, category, description, createdAt, values,
        new AlertValuesView<string>(lists.Users.Items, values.Users, null),
        new AlertValuesView<string>(lists.Operations.Items, values.Operations, null),
        new AlertValuesView<string>(lists.Tags.Items, values.Tags, null),
        new AlertValuesView<AlertActivity>(lists.Activities.Items, values.Activities, lists.Activities.Lineage));

    private static Alert Make(
        string id, string policyId, string policyName, AlertSeverity severity, AlertCategory category, string? description,
        DateTimeOffset createdAt, in AlertSnapshotValues values, AlertValuesView<string> users,
        AlertValuesView<string> operations, AlertValuesView<string> tags, AlertValuesView<AlertActivity> activities) => new()
    {
        Id = id,
        PolicyId = policyId,
        PolicyName = policyName,
        Severity = severity,
        Category = category,
        Description = description,
        CreatedAt = createdAt,
        FirstActivityAt = values.First,
        LastActivityAt = values.Last,
        HitCount = values.Hits,
        DetectionCount = values.Detections,

        // The views are set after the collections they stand for (whose init accessors drop a view).
        Users = default,
        Activities = null!,
        UsersView = users,
        OperationsView = operations,
        TagsView = tags,
        ActivitiesView = activities,
        ActivitiesTruncated = values.Truncated,
    };

    private static void PublishIfMoved<T>(ref T[] published, T[] now)
    {
        if (!ReferenceEquals(published, now))
        {
            Volatile.Write(ref published, now);
        }
    }

    private static AlertValuesView<T> ViewOf<T>(ref AlertValuesView<T>? cached, ref T[] items, int count, AlertValuesView<T>.Lineage? lineage)
    {
        var view = Volatile.Read(ref cached);
        if (view is null || view.Count != count)
        {
            view = new AlertValuesView<T>(Volatile.Read(ref items), count, lineage);
            Volatile.Write(ref cached, view);
        }

        return view;
    }
}
