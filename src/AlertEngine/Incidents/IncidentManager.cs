using System.Collections.Immutable;
using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>
/// Runs incident response on top of alerts: groups alerts into incidents (<see cref="IncidentCorrelator"/>), moves
/// incidents through the response phases recording who, when and why, escalates through an
/// <see cref="IEscalationHandler"/>, tracks the 72-hour customer-notification clock of declared security incidents,
/// validates and records customer notifications and postmortems, and raises an alert when a notification deadline is
/// missed.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> All members are safe to call concurrently; changes are applied one at a time. Each
/// change is written to the <see cref="IIncidentStore"/> and then published on <see cref="Changes"/>, in order, after
/// the manager's internal lock is released, so observers may call back into the manager.</para>
/// <para><b>Time.</b> Grouping runs on the alerts' event times. Transitions, declarations, deadlines, notifications
/// and postmortems use the injected <see cref="TimeProvider"/> (UTC instants).</para>
/// <para><b>Errors.</b> Unknown incident ids throw <see cref="KeyNotFoundException"/>; moves the phase table or the
/// incident's state forbid throw <see cref="InvalidIncidentTransitionException"/>; other state errors (declaring
/// twice, notifying before declaring) throw <see cref="InvalidOperationException"/>. Notification and postmortem
/// content is user input: incomplete content is refused with a result listing every missing part.</para>
/// <para><b>Grouping state</b> lives in memory: after a restart, call <see cref="RestoreGroupingAsync"/> so new
/// alerts can join incidents opened before it. If the store fails while an alert is grouped, retrying the same alert
/// stores the incident.</para>
/// </remarks>
public sealed class IncidentManager : IDisposable
{
    /// <summary>The <see cref="Alert.PolicyId"/> of the alert raised when a notification deadline is missed.</summary>
    public const string OverdueNotificationPolicyId = "incident-notification-overdue";

    /// <summary>The <see cref="Alert.Source"/> of alerts raised by the manager.</summary>
    public const string AlertSource = "AlertEngine.Incidents";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IEscalationHandler _escalation;
    private readonly IAlertStore? _alertStore;
    private readonly ILogger _logger;
    private readonly IncidentCorrelator _correlator;
    private readonly int _maxEntities;
    private readonly Subject<IncidentChange> _changes = new();
    private readonly Lock _outboxGate = new();
    private readonly Queue<IncidentChange> _outbox = new();
    private readonly HashSet<string> _escalating = new(StringComparer.Ordinal);
    private bool _draining;
    private bool _disposed;

    /// <summary>Creates a manager.</summary>
    /// <param name="store">Where incidents are kept; a new <see cref="InMemoryIncidentStore"/> by default.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults. Validated; the manager keeps its own copy.</param>
    /// <param name="timeProvider">The wall clock; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="escalationHandler">Escalates incidents; a <see cref="LoggingEscalationHandler"/> by default.</param>
    /// <param name="alertStore">Where the alert for a missed notification deadline is written; when
    /// <see langword="null"/> that alert is only returned and published on <see cref="Changes"/>.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message lists every problem.</exception>
    public IncidentManager(
        IIncidentStore? store = null,
        IncidentManagerOptions? options = null,
        TimeProvider? timeProvider = null,
        IEscalationHandler? escalationHandler = null,
        IAlertStore? alertStore = null,
        ILogger<IncidentManager>? logger = null)
    {
        var source = options ?? new IncidentManagerOptions();
        var errors = source.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid incident manager options:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(options));
        }

        Store = store ?? new InMemoryIncidentStore();
        NotificationPeriod = source.NotificationPeriod;
        _correlator = new IncidentCorrelator(source.Grouping);
        _maxEntities = source.Grouping.MaxEntitiesPerIncident;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _escalation = escalationHandler ?? new LoggingEscalationHandler();
        _alertStore = alertStore;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The incident store.</summary>
    public IIncidentStore Store { get; }

    /// <summary>The wall clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>How long after declaration customers must be notified (72 hours by default).</summary>
    public TimeSpan NotificationPeriod { get; }

    /// <summary>Every change, after it is stored, in the order the changes were applied. Hot: subscribe before use.
    /// An observer that throws is logged and does not undo the change.</summary>
    public IObservable<IncidentChange> Changes => _changes;

    /// <summary>Gets an incident.</summary>
    /// <param name="incidentId">The incident id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The incident, or <see langword="null"/>.</returns>
    public ValueTask<Incident?> GetAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        return Store.GetAsync(incidentId, cancellationToken);
    }

    /// <summary>Groups an alert change by the grouping rules (see <see cref="IncidentCorrelator"/>).</summary>
    /// <param name="change">An alert change from the engine.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>What happened to which incident.</returns>
    public ValueTask<IncidentChange> CorrelateAsync(AlertChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        return CorrelateAsync(change.Alert, cancellationToken);
    }

    /// <summary>
    /// Groups an alert by the grouping rules (see <see cref="IncidentCorrelator"/>): it joins an incident, reopens a
    /// recently closed one (recording a closed → detected transition by <see cref="Incident.SystemActor"/>), or opens a
    /// new one in phase <see cref="IncidentPhase.Detected"/>. A newer snapshot of an alert already in an incident
    /// updates that incident.
    /// </summary>
    /// <param name="alert">The alert.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>What happened to which incident.</returns>
    public ValueTask<IncidentChange> CorrelateAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return WithGateAsync(async () =>
        {
            var owner = await FindOwnerAsync(alert.Id, cancellationToken).ConfigureAwait(false);
            var now = TimeProvider.GetUtcNow();
            if (owner is not null)
            {
                _correlator.Attach(owner, alert);
                var stored = await Store.GetAsync(owner, cancellationToken).ConfigureAwait(false);
                return stored is null
                    ? await SaveAsync(IncidentChangeKind.Opened, FromCorrelator(owner, now), alert, cancellationToken).ConfigureAwait(false)
                    : await SaveAsync(IncidentChangeKind.AlertUpdated, WithAlert(stored, alert), alert, cancellationToken).ConfigureAwait(false);
            }

            var decision = _correlator.Add(alert);
            var id = decision.Incident.Id;
            var current = decision.Kind == IncidentChangeKind.Opened ? null : await Store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (current is null)
            {
                return await SaveAsync(IncidentChangeKind.Opened, decision.Incident with { CreatedAt = now }, alert, cancellationToken).ConfigureAwait(false);
            }

            if (decision.Kind == IncidentChangeKind.Reopened && current.Phase == IncidentPhase.Closed)
            {
                var reopened = Move(current, IncidentPhase.Detected, now, Incident.SystemActor, $"Reopened by alert {alert.Id}") with
                {
                    ReopenCount = current.ReopenCount + 1,
                };
                return await SaveAsync(IncidentChangeKind.Reopened, WithAlert(reopened, alert), alert, cancellationToken).ConfigureAwait(false);
            }

            var kind = decision.Kind == IncidentChangeKind.AlertUpdated ? IncidentChangeKind.AlertUpdated : IncidentChangeKind.AlertAdded;
            return await SaveAsync(kind, WithAlert(current, alert), alert, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    /// <summary>
    /// Reloads grouping state from the store after a restart: incidents whose first alert is at or after
    /// <paramref name="since"/> (closed ones too, so they can reopen) become known to the grouping rules again, as if
    /// restored with <see cref="IncidentCorrelator.Restore"/>. Call it once before correlating new alerts; pick
    /// <paramref name="since"/> about one grouping window (or reopen window, if longer) before the first new alert.
    /// </summary>
    /// <param name="since">The earliest first-alert time to reload.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>How many incidents were reloaded.</returns>
    public ValueTask<int> RestoreGroupingAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        WithGateAsync(async () =>
        {
            var incidents = await Store.QueryAsync(new IncidentQuery { IncludeClosed = true, FirstAlertFrom = since }, cancellationToken).ConfigureAwait(false);
            var restored = 0;
            foreach (var incident in incidents)
            {
                if (_correlator.Restore(incident))
                {
                    restored++;
                }
            }

            return restored;
        }, cancellationToken);

    /// <summary>
    /// Creates an incident by hand from one or more alerts that are in no incident yet. Its id is <c>inc:</c> + the id of
    /// the earliest alert; later alerts join it by the grouping rules.
    /// </summary>
    /// <param name="alerts">The alerts (distinct ids).</param>
    /// <param name="createdBy">Who creates it.</param>
    /// <param name="title">A title; <see langword="null"/> for the earliest alert's policy name.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The new incident, in phase <see cref="IncidentPhase.Detected"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="alerts"/> is empty, holds <see langword="null"/> or repeats an id.</exception>
    /// <exception cref="InvalidOperationException">An alert is already in an incident.</exception>
    public ValueTask<Incident> CreateAsync(IReadOnlyList<Alert> alerts, string createdBy, string? title = null, CancellationToken cancellationToken = default)
    {
        IncidentCorrelator.SortForOpen(alerts);
        ArgumentException.ThrowIfNullOrWhiteSpace(createdBy);
        return WithGateAsync(async () =>
        {
            foreach (var alert in alerts)
            {
                if (await FindOwnerAsync(alert.Id, cancellationToken).ConfigureAwait(false) is { } owner)
                {
                    throw new InvalidOperationException($"Alert {alert.Id} is already in incident {owner}.");
                }
            }

            var incident = _correlator.Open(alerts, title) with { CreatedAt = TimeProvider.GetUtcNow(), CreatedBy = createdBy };
            await SaveAsync(IncidentChangeKind.Opened, incident, null, cancellationToken).ConfigureAwait(false);
            return incident;
        }, cancellationToken);
    }

    /// <summary>Attaches an alert to an incident by hand, whatever its phase and the grouping rules (the alert cap does not apply).</summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="alert">The alert; when already in this incident, its newer snapshot is merged.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The incident after the change.</returns>
    /// <exception cref="KeyNotFoundException">There is no such incident.</exception>
    /// <exception cref="InvalidOperationException">The alert is in another incident.</exception>
    public ValueTask<Incident> AttachAlertAsync(string incidentId, Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentNullException.ThrowIfNull(alert);
        return WithGateAsync(async () =>
        {
            var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
            var owner = await FindOwnerAsync(alert.Id, cancellationToken).ConfigureAwait(false);
            if (owner is not null && owner != incidentId)
            {
                throw new InvalidOperationException($"Alert {alert.Id} is already in incident {owner}; it cannot also join {incidentId}.");
            }

            _correlator.Attach(incidentId, alert);
            var kind = owner is null ? IncidentChangeKind.AlertAdded : IncidentChangeKind.AlertUpdated;
            return (await SaveAsync(kind, WithAlert(incident, alert), alert, cancellationToken).ConfigureAwait(false)).Incident;
        }, cancellationToken);
    }

    /// <summary>
    /// Escalates an incident to the response team through the <see cref="IEscalationHandler"/>, then moves it from
    /// detected to escalated, recording who, when, the note and where it went (<see cref="Incident.Escalation"/>).
    /// When the handler fails, nothing is recorded and its exception is rethrown.
    /// </summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="escalatedBy">Who escalates it.</param>
    /// <param name="note">An optional note for the responders.</param>
    /// <param name="cancellationToken">Cancels the escalation.</param>
    /// <returns>The escalated incident.</returns>
    /// <exception cref="KeyNotFoundException">There is no such incident.</exception>
    /// <exception cref="InvalidIncidentTransitionException">The incident is not in phase detected.</exception>
    /// <exception cref="InvalidOperationException">The incident is being escalated by another call, or changed during escalation.</exception>
    public async ValueTask<Incident> EscalateAsync(string incidentId, string escalatedBy, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(escalatedBy);
        var before = await WithGateAsync(async () =>
        {
            var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
            CheckTransition(incident, IncidentPhase.Escalated);
            lock (_escalating)
            {
                if (!_escalating.Add(incidentId))
                {
                    throw new InvalidOperationException($"Incident {incidentId} is already being escalated.");
                }
            }

            return incident;
        }, cancellationToken).ConfigureAwait(false);

        try
        {
            var request = new EscalationRequest(before, escalatedBy, note, TimeProvider.GetUtcNow());
            var result = await _escalation.EscalateAsync(request, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The escalation handler {_escalation.GetType().Name} returned null.");
            return await WithGateAsync(async () =>
            {
                var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
                if (incident.Phase != before.Phase)
                {
                    throw new InvalidOperationException(
                        $"Incident {incidentId} moved to {incident.Phase} while it was being escalated to {result.Target}; the escalation is not recorded.");
                }

                var escalated = Move(incident, IncidentPhase.Escalated, TimeProvider.GetUtcNow(), escalatedBy, note) with { Escalation = result };
                return (await SaveAsync(IncidentChangeKind.PhaseChanged, escalated, null, cancellationToken).ConfigureAwait(false)).Incident;
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_escalating)
            {
                _escalating.Remove(incidentId);
            }
        }
    }

    /// <summary>
    /// Moves an incident to another phase, recording who, when and the note. Escalated goes through
    /// <see cref="EscalateAsync"/>; detected (from closed) through <see cref="ReopenAsync"/>. Closing an incident that
    /// needs a postmortem is refused: record the postmortem with <see cref="RecordPostmortemAsync"/>, which closes it.
    /// </summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="to">The phase to move to (see <see cref="IncidentPhases.CanTransition"/>).</param>
    /// <param name="by">Who moves it.</param>
    /// <param name="note">An optional note.</param>
    /// <param name="cancellationToken">Cancels waiting for the store or the escalation handler.</param>
    /// <returns>The incident after the move.</returns>
    /// <exception cref="KeyNotFoundException">There is no such incident.</exception>
    /// <exception cref="InvalidIncidentTransitionException">The move is not allowed; the message says why and what is.</exception>
    public ValueTask<Incident> TransitionAsync(string incidentId, IncidentPhase to, string by, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        if (!Enum.IsDefined(to))
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, "Unknown incident phase.");
        }

        if (to == IncidentPhase.Escalated)
        {
            return EscalateAsync(incidentId, by, note, cancellationToken);
        }

        if (to == IncidentPhase.Detected)
        {
            return ReopenAsync(incidentId, by, note, cancellationToken);
        }

        return WithGateAsync(async () =>
        {
            var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
            CheckTransition(incident, to);
            if (to == IncidentPhase.Closed && incident.RequiresPostmortem)
            {
                throw new InvalidIncidentTransitionException(incidentId, incident.Phase, to,
                    $"it {PostmortemReason(incident)}, so it needs a postmortem: record one with {nameof(RecordPostmortemAsync)} (summary, root cause, actions), which closes it.");
            }

            var now = TimeProvider.GetUtcNow();
            if (to == IncidentPhase.Closed)
            {
                _correlator.Close(incidentId, now);
            }

            return (await SaveAsync(IncidentChangeKind.PhaseChanged, Move(incident, to, now, by, note), null, cancellationToken).ConfigureAwait(false)).Incident;
        }, cancellationToken);
    }

    /// <summary>Reopens a closed incident by hand: closed → detected, recorded like any transition.</summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="by">Who reopens it.</param>
    /// <param name="note">An optional note.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The reopened incident.</returns>
    /// <exception cref="KeyNotFoundException">There is no such incident.</exception>
    /// <exception cref="InvalidIncidentTransitionException">The incident is not closed.</exception>
    public ValueTask<Incident> ReopenAsync(string incidentId, string by, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        return WithGateAsync(async () =>
        {
            var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
            CheckTransition(incident, IncidentPhase.Detected);
            var reopened = Move(incident, IncidentPhase.Detected, TimeProvider.GetUtcNow(), by, note) with { ReopenCount = incident.ReopenCount + 1 };
            if (!_correlator.Reopen(incidentId))
            {
                _correlator.Restore(reopened);
            }

            return (await SaveAsync(IncidentChangeKind.Reopened, reopened, null, cancellationToken).ConfigureAwait(false)).Incident;
        }, cancellationToken);
    }

    /// <summary>
    /// Declares the incident a security incident (a confirmed breach of customer or personal data). This starts the
    /// customer-notification clock: the deadline is now (the <see cref="TimeProvider"/>'s UTC instant) +
    /// <see cref="NotificationPeriod"/> (72 hours), exactly. A declared incident needs a postmortem to close. Allowed in
    /// any phase but closed; declaring twice is refused (the clock does not restart).
    /// </summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="declaredBy">Who declares it.</param>
    /// <param name="note">An optional note (what was breached).</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The declared incident; <see cref="Incident.NotificationDeadline"/> is set.</returns>
    /// <exception cref="KeyNotFoundException">There is no such incident.</exception>
    /// <exception cref="InvalidOperationException">The incident is closed or already declared.</exception>
    public ValueTask<Incident> DeclareSecurityIncidentAsync(string incidentId, string declaredBy, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentException.ThrowIfNullOrWhiteSpace(declaredBy);
        return WithGateAsync(async () =>
        {
            var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
            if (incident.Declaration is { } existing)
            {
                throw new InvalidOperationException(
                    $"Incident {incidentId} was already declared a security incident at {existing.DeclaredAt:O} by {existing.DeclaredBy}; the notification deadline stays {existing.NotificationDeadline:O}.");
            }

            if (incident.Phase == IncidentPhase.Closed)
            {
                throw new InvalidOperationException($"Incident {incidentId} is closed; reopen it before declaring it a security incident.");
            }

            var now = TimeProvider.GetUtcNow();
            var declared = incident with { Declaration = new SecurityIncidentDeclaration(now, declaredBy, now + NotificationPeriod, note) };
            return (await SaveAsync(IncidentChangeKind.Declared, declared, null, cancellationToken).ConfigureAwait(false)).Incident;
        }, cancellationToken);
    }

    /// <summary>Marks the incident as having affected customers: it then needs a postmortem to close. Idempotent.</summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The incident after the change.</returns>
    /// <exception cref="KeyNotFoundException">There is no such incident.</exception>
    /// <exception cref="InvalidOperationException">The incident is closed.</exception>
    public ValueTask<Incident> MarkCustomersAffectedAsync(string incidentId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        return WithGateAsync(async () =>
        {
            var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
            if (incident.CustomersAffected)
            {
                return incident;
            }

            if (incident.Phase == IncidentPhase.Closed)
            {
                throw new InvalidOperationException($"Incident {incidentId} is closed; reopen it before changing its customer impact.");
            }

            return (await SaveAsync(IncidentChangeKind.CustomersAffected, incident with { CustomersAffected = true }, null, cancellationToken).ConfigureAwait(false)).Incident;
        }, cancellationToken);
    }

    /// <summary>
    /// Records a notice sent to affected customers of a declared security incident. A notice missing a required part
    /// (nature of the breach, approximate number of affected users, mitigation steps; next steps and a timeline while
    /// the investigation is not complete) is refused, listing every missing part. The first notice recorded at or
    /// before the deadline meets it; later notices (updates) are recorded too.
    /// </summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="notification">The notice's content.</param>
    /// <param name="recordedBy">Who records it.</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The incident with the notice recorded, or every problem of the notice (nothing recorded).</returns>
    /// <exception cref="KeyNotFoundException">There is no such incident.</exception>
    /// <exception cref="InvalidOperationException">The incident is not declared a security incident.</exception>
    public ValueTask<LoadResult<Incident>> RecordNotificationAsync(
        string incidentId,
        CustomerNotification notification,
        string recordedBy,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentException.ThrowIfNullOrWhiteSpace(recordedBy);
        return WithGateAsync(async () =>
        {
            var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
            if (incident.Declaration is not { } declaration)
            {
                throw new InvalidOperationException(
                    $"Incident {incidentId} is not declared a security incident; declare it ({nameof(DeclareSecurityIncidentAsync)}) before recording a customer notification.");
            }

            var errors = notification.Validate();
            if (errors.Count > 0)
            {
                return LoadResult.Failure<Incident>(errors);
            }

            var now = TimeProvider.GetUtcNow();
            var copy = notification with { MitigationSteps = [.. notification.MitigationSteps], NextSteps = [.. notification.NextSteps] };
            var recorded = new RecordedCustomerNotification(copy, now, recordedBy, now <= declaration.NotificationDeadline);
            var updated = incident with { Notifications = incident.Notifications.Add(recorded) };
            return LoadResult.Success((await SaveAsync(IncidentChangeKind.NotificationRecorded, updated, null, cancellationToken).ConfigureAwait(false)).Incident);
        }, cancellationToken);
    }

    /// <summary>
    /// Records a postmortem (summary, root cause, actions) and closes the incident with it. Allowed where closing is:
    /// from recovered, or from assessed for an incident that needs no postmortem. An incomplete postmortem is refused,
    /// listing every missing part, and the incident stays open.
    /// </summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="postmortem">The postmortem's content.</param>
    /// <param name="recordedBy">Who records it (and closes the incident).</param>
    /// <param name="cancellationToken">Cancels waiting for the store.</param>
    /// <returns>The closed incident, or every problem of the postmortem (nothing recorded).</returns>
    /// <exception cref="KeyNotFoundException">There is no such incident.</exception>
    /// <exception cref="InvalidIncidentTransitionException">The incident cannot close from its phase.</exception>
    public ValueTask<LoadResult<Incident>> RecordPostmortemAsync(
        string incidentId,
        Postmortem postmortem,
        string recordedBy,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentNullException.ThrowIfNull(postmortem);
        ArgumentException.ThrowIfNullOrWhiteSpace(recordedBy);
        return WithGateAsync(async () =>
        {
            var incident = await LoadAsync(incidentId, cancellationToken).ConfigureAwait(false);
            CheckTransition(incident, IncidentPhase.Closed);
            var errors = postmortem.Validate();
            if (errors.Count > 0)
            {
                return LoadResult.Failure<Incident>(errors);
            }

            var now = TimeProvider.GetUtcNow();
            var recorded = new RecordedPostmortem(postmortem with { Actions = [.. postmortem.Actions] }, now, recordedBy);
            var closed = Move(incident, IncidentPhase.Closed, now, recordedBy, "Closed with postmortem") with
            {
                Postmortems = incident.Postmortems.Add(recorded),
            };
            _correlator.Close(incidentId, now);
            return LoadResult.Success((await SaveAsync(IncidentChangeKind.PostmortemRecorded, closed, null, cancellationToken).ConfigureAwait(false)).Incident);
        }, cancellationToken);
    }

    /// <summary>
    /// Reports declared security incidents with no customer notification recorded whose deadline is within
    /// <paramref name="dueWithin"/> from now (due soon) or has passed (overdue). Closed incidents are included: closing
    /// does not notify anyone. A deadline exactly now is due, not overdue.
    /// </summary>
    /// <param name="dueWithin">How far ahead counts as due soon (zero: only overdue and due this instant).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The report.</returns>
    public async ValueTask<NotificationDeadlineReport> GetNotificationDeadlinesAsync(TimeSpan dueWithin, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dueWithin, TimeSpan.Zero);
        var now = TimeProvider.GetUtcNow();
        var declared = await Store.QueryAsync(new IncidentQuery { SecurityIncidentsOnly = true, IncludeClosed = true }, cancellationToken).ConfigureAwait(false);
        var dueSoon = new List<NotificationDeadline>();
        var overdue = new List<NotificationDeadline>();
        foreach (var incident in declared)
        {
            if (incident.Declaration is not { } declaration || !incident.Notifications.IsEmpty)
            {
                continue;
            }

            var deadline = new NotificationDeadline(incident.Id, incident.Title, declaration.DeclaredAt, declaration.NotificationDeadline, declaration.NotificationDeadline - now);
            if (deadline.IsOverdue)
            {
                overdue.Add(deadline);
            }
            else if (deadline.Remaining <= dueWithin)
            {
                dueSoon.Add(deadline);
            }
        }

        dueSoon.Sort(ByDeadline);
        overdue.Sort(ByDeadline);
        return new NotificationDeadlineReport(now, dueSoon, overdue);
    }

    /// <summary>
    /// Raises an alert for each overdue notification deadline that has none yet, through the normal alert path: the
    /// alert is written to the <see cref="IAlertStore"/> given to the constructor (when any), recorded on the incident
    /// (<see cref="Incident.OverdueAlertId"/>) and published on <see cref="Changes"/> as
    /// <see cref="IncidentChangeKind.NotificationOverdue"/>. Each incident gets one such alert. The alert: id
    /// <c>incident-notification-overdue:{incident id}</c>, policy <see cref="OverdueNotificationPolicyId"/>, source
    /// <see cref="AlertSource"/>, severity high, category threat management, created at the deadline, the incident's
    /// users, no activities (hit count 0).
    /// </summary>
    /// <param name="cancellationToken">Cancels waiting for the stores.</param>
    /// <returns>The alerts raised by this call.</returns>
    public ValueTask<IReadOnlyList<Alert>> RaiseOverdueAlertsAsync(CancellationToken cancellationToken = default) =>
        WithGateAsync<IReadOnlyList<Alert>>(async () =>
        {
            var report = await GetNotificationDeadlinesAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            var raised = new List<Alert>();
            foreach (var deadline in report.Overdue)
            {
                var incident = await LoadAsync(deadline.IncidentId, cancellationToken).ConfigureAwait(false);
                if (incident.OverdueAlertId is not null || incident.Declaration is null)
                {
                    continue;
                }

                var alert = OverdueAlert(incident, incident.Declaration);
                if (_alertStore is not null)
                {
                    await _alertStore.UpsertAsync(alert, cancellationToken).ConfigureAwait(false);
                }

                IncidentLog.NotificationOverdue(_logger, incident.Id, incident.Declaration.DeclaredAt, incident.Declaration.NotificationDeadline, alert.Id);
                await SaveAsync(IncidentChangeKind.NotificationOverdue, incident with { OverdueAlertId = alert.Id }, alert, cancellationToken).ConfigureAwait(false);
                raised.Add(alert);
            }

            return raised;
        }, cancellationToken);

    /// <summary>
    /// Runs <see cref="RaiseOverdueAlertsAsync"/> every <paramref name="period"/> on the <see cref="TimeProvider"/>'s
    /// timer (so a <c>FakeTimeProvider</c> drives it in tests). Failures are logged and retried at the next period.
    /// </summary>
    /// <param name="period">How often to check.</param>
    /// <returns>Dispose it to stop checking.</returns>
    public IDisposable StartDeadlineMonitor(TimeSpan period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(period, TimeSpan.Zero);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return TimeProvider.CreateTimer(static state => _ = ((IncidentManager)state!).CheckDeadlinesAsync(), this, period, period);
    }

    /// <summary>Completes <see cref="Changes"/>. Further calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _changes.OnCompleted();
        _changes.Dispose();
    }

    internal static Alert OverdueAlert(Incident incident, SecurityIncidentDeclaration declaration)
    {
        var users = ImmutableArray.CreateBuilder<string>();
        foreach (var entity in incident.Entities)
        {
            if (entity.Kind == IncidentEntityKind.User)
            {
                users.Add(entity.Value);
            }
        }

        var period = declaration.NotificationDeadline - declaration.DeclaredAt;
        return new Alert
        {
            Id = OverdueNotificationPolicyId + ":" + incident.Id,
            PolicyId = OverdueNotificationPolicyId,
            PolicyName = "Customer notification overdue for a security incident",
            Severity = AlertSeverity.High,
            Category = AlertCategory.ThreatManagement,
            Source = AlertSource,
            Description = $"Security incident {incident.Id} ({incident.Title}) was declared at {declaration.DeclaredAt:O} by {declaration.DeclaredBy}. "
                + $"Affected customers had to be notified within {period.TotalHours:0.##} hours, by {declaration.NotificationDeadline:O}, and no notification is recorded.",
            CreatedAt = declaration.NotificationDeadline,
            FirstActivityAt = declaration.NotificationDeadline,
            LastActivityAt = declaration.NotificationDeadline,
            HitCount = 0,
            DetectionCount = 0,
            Users = users.ToImmutable(),
            Activities = [],
        };
    }

    private static int ByDeadline(NotificationDeadline x, NotificationDeadline y)
    {
        var c = x.Deadline.UtcTicks.CompareTo(y.Deadline.UtcTicks);
        return c != 0 ? c : string.CompareOrdinal(x.IncidentId, y.IncidentId);
    }

    private static string PostmortemReason(Incident incident) => incident.IsSecurityIncident
        ? "is a declared security incident (a data breach)"
        : "affected customers";

    private static void CheckTransition(Incident incident, IncidentPhase to)
    {
        var from = incident.Phase;
        if (!IncidentPhases.CanTransition(from, to))
        {
            var next = IncidentPhases.NextPhases(from);
            var reason = from == to
                ? "it is already in that phase."
                : $"from {from} the only allowed {(next.Count == 1 ? "phase is" : "phases are")} {string.Join(" or ", next)}.";
            throw new InvalidIncidentTransitionException(incident.Id, from, to, reason);
        }

        if (from == IncidentPhase.Assessed && to == IncidentPhase.Closed && incident.RequiresPostmortem)
        {
            throw new InvalidIncidentTransitionException(incident.Id, from, to,
                $"it {PostmortemReason(incident)}, so it must be contained, eradicated and recovered first, then closed with a postmortem.");
        }
    }

    private static Incident Move(Incident incident, IncidentPhase to, DateTimeOffset at, string by, string? note) => incident with
    {
        Phase = to,
        Transitions = incident.Transitions.Add(new IncidentTransition(incident.Phase, to, at, by, note)),
    };

    private Incident WithAlert(Incident incident, Alert alert) => IncidentBuilder.WithAlert(incident, alert, _maxEntities, null);

    private Incident FromCorrelator(string incidentId, DateTimeOffset now) =>
        _correlator.TryGetIncident(incidentId, out var snapshot)
            ? snapshot with { CreatedAt = now }
            : throw new KeyNotFoundException($"There is no incident {incidentId}.");

    private async Task CheckDeadlinesAsync()
    {
        try
        {
            await RaiseOverdueAlertsAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The manager was disposed while the timer ran.
        }
#pragma warning disable CA1031 // A timer callback must not crash the process; the next period retries.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            IncidentLog.DeadlineCheckFailed(_logger, ex);
        }
    }

    private async ValueTask<string?> FindOwnerAsync(string alertId, CancellationToken cancellationToken)
    {
        if (_correlator.FindIncidentOf(alertId) is { } owner)
        {
            return owner;
        }

        var found = await Store.QueryAsync(new IncidentQuery { AlertId = alertId, IncludeClosed = true }, cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0].Id : null;
    }

    private async ValueTask<Incident> LoadAsync(string incidentId, CancellationToken cancellationToken) =>
        await Store.GetAsync(incidentId, cancellationToken).ConfigureAwait(false)
        ?? throw new KeyNotFoundException($"There is no incident {incidentId}.");

    private async ValueTask<IncidentChange> SaveAsync(IncidentChangeKind kind, Incident incident, Alert? alert, CancellationToken cancellationToken)
    {
        await Store.UpsertAsync(incident, cancellationToken).ConfigureAwait(false);
        var change = new IncidentChange(kind, incident, alert);
        IncidentLog.Changed(_logger, incident.Id, kind, incident.Phase);
        lock (_outboxGate)
        {
            _outbox.Enqueue(change);
        }

        return change;
    }

    private async ValueTask<T> WithGateAsync<T>(Func<ValueTask<T>> body, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await body().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
            Drain();
        }
    }

    /// <summary>Publishes queued changes in order. One caller drains at a time; re-entrant calls only enqueue.</summary>
    private void Drain()
    {
        lock (_outboxGate)
        {
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        while (true)
        {
            IncidentChange next;
            lock (_outboxGate)
            {
                if (!_outbox.TryDequeue(out next!))
                {
                    _draining = false;
                    return;
                }
            }

            if (_disposed)
            {
                continue;
            }

            try
            {
                _changes.OnNext(next);
            }
#pragma warning disable CA1031 // An observer's failure must not undo or block a stored change.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                IncidentLog.ObserverFailed(_logger, ex, next.Kind, next.Incident.Id);
            }
        }
    }
}
