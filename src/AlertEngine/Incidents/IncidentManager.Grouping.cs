namespace AlertEngine;

// Grouping alerts into incidents: by the grouping rules, by hand, and reloading the rules' state after a restart.
public sealed partial class IncidentManager
{
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

    private Incident WithAlert(Incident incident, Alert alert) => IncidentBuilder.WithAlert(incident, alert, _maxEntities, null);

    private Incident FromCorrelator(string incidentId, DateTimeOffset now) =>
        _correlator.TryGetIncident(incidentId, out var snapshot)
            ? snapshot with { CreatedAt = now }
            : throw new KeyNotFoundException($"There is no incident {incidentId}.");

    private async ValueTask<string?> FindOwnerAsync(string alertId, CancellationToken cancellationToken)
    {
        if (_correlator.FindIncidentOf(alertId) is { } owner)
        {
            return owner;
        }

        var found = await Store.QueryAsync(new IncidentQuery { AlertId = alertId, IncludeClosed = true }, cancellationToken).ConfigureAwait(false);
        return found.Count > 0 ? found[0].Id : null;
    }
}
