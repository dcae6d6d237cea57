using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>
/// An incident: one or more related alerts handled together through the response phases. Immutable snapshot; every
/// change produces a new snapshot with the same <see cref="Id"/> (see <see cref="IncidentChange"/>).
/// </summary>
/// <remarks>
/// Grouping fields (<see cref="AlertIds"/>, <see cref="Entities"/>, <see cref="FirstAlertAt"/>,
/// <see cref="LastAlertAt"/>) use the alerts' event times (<see cref="Alert.CreatedAt"/>). Response fields
/// (<see cref="Transitions"/>, <see cref="Declaration"/>, notifications, postmortems) use the wall clock of the
/// <see cref="IncidentManager"/>'s <see cref="TimeProvider"/>.
/// </remarks>
public sealed record Incident
{
    /// <summary>The actor recorded for changes the library makes itself (grouping, reopening, overdue alerts).</summary>
    public const string SystemActor = "AlertEngine.Incidents";

    /// <summary>Deterministic id: <c>inc:{id of the incident's first alert}</c>.</summary>
    public required string Id { get; init; }

    /// <summary>A title: given when the incident was created by hand, otherwise the first alert's policy name.</summary>
    public required string Title { get; init; }

    /// <summary>The highest severity of its alerts (Informational &lt; Low &lt; Medium &lt; High).</summary>
    public AlertSeverity Severity { get; init; }

    /// <summary>The current response phase.</summary>
    public IncidentPhase Phase { get; init; } = IncidentPhase.Detected;

    /// <summary>The earliest <see cref="Alert.CreatedAt"/> of its alerts (event time).</summary>
    public required DateTimeOffset FirstAlertAt { get; init; }

    /// <summary>The latest <see cref="Alert.CreatedAt"/> of its alerts (event time).</summary>
    public required DateTimeOffset LastAlertAt { get; init; }

    /// <summary>The ids of its alerts, in the order they joined.</summary>
    public required ImmutableArray<string> AlertIds { get; init; }

    /// <summary>
    /// Distinct entities of its alerts (policy, users, client IPs, objects), in first-seen order, compared
    /// case-insensitively; capped by <see cref="IncidentGroupingOptions.MaxEntitiesPerIncident"/>.
    /// </summary>
    public ImmutableArray<IncidentEntity> Entities { get; init; } = [];

    /// <summary>Whether <see cref="Entities"/> reached its cap (then later entities are neither listed nor used for grouping).</summary>
    public bool EntitiesTruncated { get; init; }

    /// <summary>Who created it: a person for incidents created by hand, <see cref="SystemActor"/> for grouping rules.</summary>
    public string CreatedBy { get; init; } = SystemActor;

    /// <summary>When the <see cref="IncidentManager"/> recorded it (wall clock); <see langword="null"/> for incidents
    /// produced by the <c>CorrelateIncidents</c> operator alone, which has no clock.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Every phase change, oldest first: who, when, from, to, note.</summary>
    public ImmutableList<IncidentTransition> Transitions { get; init; } = [];

    /// <summary>Where the incident was escalated to, once escalated.</summary>
    public EscalationResult? Escalation { get; init; }

    /// <summary>The security-incident declaration, which started the customer-notification clock; <see langword="null"/> until declared.</summary>
    public SecurityIncidentDeclaration? Declaration { get; init; }

    /// <summary>Whether the incident is marked as having affected customers (then it needs a postmortem to close).</summary>
    public bool CustomersAffected { get; init; }

    /// <summary>Customer notifications recorded, oldest first.</summary>
    public ImmutableList<RecordedCustomerNotification> Notifications { get; init; } = [];

    /// <summary>Postmortems recorded, oldest first; each one closed the incident.</summary>
    public ImmutableList<RecordedPostmortem> Postmortems { get; init; } = [];

    /// <summary>The id of the alert raised when the notification deadline was missed, once raised.</summary>
    public string? OverdueAlertId { get; init; }

    /// <summary>How many times the incident was reopened.</summary>
    public int ReopenCount { get; init; }

    /// <summary>Whether it is a declared security incident (a confirmed breach of customer or personal data).</summary>
    public bool IsSecurityIncident => Declaration is not null;

    /// <summary>Whether closing needs a postmortem: it is a declared security incident or it affected customers.</summary>
    public bool RequiresPostmortem => Declaration is not null || CustomersAffected;

    /// <summary>The customer-notification deadline (declaration + 72 hours), when declared.</summary>
    public DateTimeOffset? NotificationDeadline => Declaration?.NotificationDeadline;

    /// <summary>The first customer notification, which is the one that meets or misses the deadline.</summary>
    public RecordedCustomerNotification? FirstNotification => Notifications.IsEmpty ? null : Notifications[0];

    /// <summary>The latest postmortem.</summary>
    public RecordedPostmortem? Postmortem => Postmortems.IsEmpty ? null : Postmortems[^1];

    /// <summary>When it was last closed, while it is closed.</summary>
    public DateTimeOffset? ClosedAt => Phase == IncidentPhase.Closed && !Transitions.IsEmpty ? Transitions[^1].At : null;
}

/// <summary>The kind of an <see cref="IncidentEntity"/>.</summary>
public enum IncidentEntityKind
{
    /// <summary>A user id (<see cref="Alert.Users"/>).</summary>
    User,
    /// <summary>A client IP address of an alert activity (<see cref="AlertActivity.ClientIp"/>).</summary>
    IpAddress,
    /// <summary>An object id of an alert activity: file, URL, mailbox… (<see cref="AlertActivity.ObjectId"/>).</summary>
    ObjectId,
    /// <summary>The alert's policy (<see cref="Alert.PolicyId"/>).</summary>
    Policy,
}

/// <summary>Which entity kinds alerts must share to be grouped into one incident.</summary>
[Flags]
#pragma warning disable CA1711 // "Entities" is the domain word.
public enum IncidentGroupingEntities
#pragma warning restore CA1711
{
    /// <summary>No grouping: every alert opens its own incident.</summary>
    None = 0,
    /// <summary>Same user.</summary>
    User = 1,
    /// <summary>Same client IP address.</summary>
    IpAddress = 2,
    /// <summary>Same object id (file, URL, mailbox…).</summary>
    ObjectId = 4,
    /// <summary>Same policy.</summary>
    Policy = 8,
    /// <summary>Any of the above.</summary>
    All = User | IpAddress | ObjectId | Policy,
}

/// <summary>Something an incident's alerts involve: a user, an IP address, an object or a policy.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Value">The value as the alert gave it (IP addresses in their canonical text form).</param>
public sealed record IncidentEntity(IncidentEntityKind Kind, string Value)
{
    /// <summary>The entity as <c>kind:value</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Kind}:{Value}";
}

/// <summary>One recorded phase change.</summary>
/// <param name="From">The phase before.</param>
/// <param name="To">The phase after.</param>
/// <param name="At">When (the manager's <see cref="TimeProvider"/>, UTC).</param>
/// <param name="By">Who: a person, or <see cref="Incident.SystemActor"/>.</param>
/// <param name="Note">An optional note.</param>
public sealed record IncidentTransition(IncidentPhase From, IncidentPhase To, DateTimeOffset At, string By, string? Note);

/// <summary>The declaration that an incident is a security incident: a confirmed breach of customer or personal data.</summary>
/// <param name="DeclaredAt">When it was declared (wall clock, UTC).</param>
/// <param name="DeclaredBy">Who declared it.</param>
/// <param name="NotificationDeadline">When affected customers must have been notified by: <paramref name="DeclaredAt"/> + the notification period (72 hours).</param>
/// <param name="Note">An optional note.</param>
public sealed record SecurityIncidentDeclaration(DateTimeOffset DeclaredAt, string DeclaredBy, DateTimeOffset NotificationDeadline, string? Note);

/// <summary>A customer notification as recorded on an incident.</summary>
/// <param name="Notification">The notification's content (validated).</param>
/// <param name="RecordedAt">When it was recorded (wall clock, UTC).</param>
/// <param name="RecordedBy">Who recorded it.</param>
/// <param name="OnTime">Whether it was recorded at or before the notification deadline.</param>
public sealed record RecordedCustomerNotification(CustomerNotification Notification, DateTimeOffset RecordedAt, string RecordedBy, bool OnTime);

/// <summary>A postmortem as recorded on an incident.</summary>
/// <param name="Postmortem">The postmortem's content (validated).</param>
/// <param name="RecordedAt">When it was recorded, which is when it closed the incident (wall clock, UTC).</param>
/// <param name="RecordedBy">Who recorded it.</param>
public sealed record RecordedPostmortem(Postmortem Postmortem, DateTimeOffset RecordedAt, string RecordedBy);

/// <summary>The kind of an <see cref="IncidentChange"/>.</summary>
public enum IncidentChangeKind
{
    /// <summary>A new incident (from grouping rules or by hand).</summary>
    Opened,
    /// <summary>An alert joined an existing incident (grouping rules or attached by hand).</summary>
    AlertAdded,
    /// <summary>A newer snapshot of an alert already in the incident (the alert aggregated more detections).</summary>
    AlertUpdated,
    /// <summary>A closed incident was reopened, by a matching alert or by hand.</summary>
    Reopened,
    /// <summary>The phase changed (other than reopening).</summary>
    PhaseChanged,
    /// <summary>The incident was declared a security incident; the notification clock started.</summary>
    Declared,
    /// <summary>The incident was marked as having affected customers.</summary>
    CustomersAffected,
    /// <summary>A customer notification was recorded.</summary>
    NotificationRecorded,
    /// <summary>A postmortem was recorded; it closed the incident.</summary>
    PostmortemRecorded,
    /// <summary>The notification deadline passed with no notification; <see cref="IncidentChange.Alert"/> is the alert raised.</summary>
    NotificationOverdue,
}

/// <summary>A change to an incident: the incident's new snapshot, and the alert involved when there is one.</summary>
/// <param name="Kind">What changed.</param>
/// <param name="Incident">The incident after the change.</param>
/// <param name="Alert">The alert that joined, updated or reopened the incident, or the overdue-notification alert; otherwise <see langword="null"/>.</param>
public sealed record IncidentChange(IncidentChangeKind Kind, Incident Incident, Alert? Alert = null);
