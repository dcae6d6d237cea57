namespace AlertEngine;

// The response phases: escalation, transitions, reopening and closing with a postmortem.
public sealed partial class IncidentManager
{
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
}
