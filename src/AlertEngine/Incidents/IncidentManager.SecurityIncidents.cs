using System.Collections.Immutable;

namespace AlertEngine;

// Declared security incidents: the customer-notification clock, notifications, deadlines and the overdue alert.
public sealed partial class IncidentManager
{
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
}
