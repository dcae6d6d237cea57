namespace AlertEngine;

/// <summary>
/// The response phases of an incident, in order: detected → escalated → assessed → contained → eradicated →
/// recovered → closed. See <see cref="IncidentPhases.CanTransition"/> for the allowed moves.
/// </summary>
public enum IncidentPhase
{
    /// <summary>Opened from one or more alerts (monitoring and detection). Every incident starts here.</summary>
    Detected,
    /// <summary>Handed to the security response team / on-call through an <see cref="IEscalationHandler"/>.</summary>
    Escalated,
    /// <summary>Analysed: scope, impact and whether it is a security incident are known.</summary>
    Assessed,
    /// <summary>The damage is stopped from spreading.</summary>
    Contained,
    /// <summary>The cause is removed.</summary>
    Eradicated,
    /// <summary>Affected systems and data are back to normal operation.</summary>
    Recovered,
    /// <summary>Done. Incidents that affected customers or were data breaches close only with a postmortem.</summary>
    Closed,
}

/// <summary>The transition table of <see cref="IncidentPhase"/>.</summary>
public static class IncidentPhases
{
    /// <summary>
    /// Whether the table allows moving from <paramref name="from"/> to <paramref name="to"/>. Allowed: each phase to
    /// the next one (detected → escalated → assessed → contained → eradicated → recovered → closed); assessed → closed
    /// (assessment found nothing to contain: a false positive or a benign event); closed → detected (reopen).
    /// Nothing else: no skipping, no going back, no moving to the same phase.
    /// </summary>
    /// <remarks>
    /// <see cref="IncidentManager"/> adds two rules that depend on the incident, not only the phases: assessed → closed
    /// is refused once the incident needs a postmortem (a declared security incident, or customers affected), and
    /// closing such an incident takes a postmortem (<see cref="IncidentManager.RecordPostmortemAsync"/>).
    /// </remarks>
    /// <param name="from">The current phase.</param>
    /// <param name="to">The requested phase.</param>
    /// <returns><see langword="true"/> when the move is in the table.</returns>
    public static bool CanTransition(IncidentPhase from, IncidentPhase to) => (from, to) switch
    {
        (IncidentPhase.Detected, IncidentPhase.Escalated) => true,
        (IncidentPhase.Escalated, IncidentPhase.Assessed) => true,
        (IncidentPhase.Assessed, IncidentPhase.Contained) => true,
        (IncidentPhase.Assessed, IncidentPhase.Closed) => true,
        (IncidentPhase.Contained, IncidentPhase.Eradicated) => true,
        (IncidentPhase.Eradicated, IncidentPhase.Recovered) => true,
        (IncidentPhase.Recovered, IncidentPhase.Closed) => true,
        (IncidentPhase.Closed, IncidentPhase.Detected) => true,
        _ => false,
    };

    /// <summary>The phases the table allows after <paramref name="from"/>, in phase order.</summary>
    /// <param name="from">The current phase.</param>
    /// <returns>The allowed next phases.</returns>
    public static IReadOnlyList<IncidentPhase> NextPhases(IncidentPhase from)
    {
        var next = new List<IncidentPhase>(2);
        foreach (var to in Enum.GetValues<IncidentPhase>())
        {
            if (CanTransition(from, to))
            {
                next.Add(to);
            }
        }

        return next;
    }
}

/// <summary>
/// A requested phase change is not allowed: not in the transition table, or the incident's state forbids it (for
/// example closing a data breach without a postmortem). The message says why and what is allowed.
/// </summary>
public sealed class InvalidIncidentTransitionException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public InvalidIncidentTransitionException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public InvalidIncidentTransitionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public InvalidIncidentTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a refused move.</summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="from">Its current phase.</param>
    /// <param name="to">The requested phase.</param>
    /// <param name="reason">Why the move is refused.</param>
    public InvalidIncidentTransitionException(string incidentId, IncidentPhase from, IncidentPhase to, string reason)
        : base($"Incident {incidentId} cannot move from {from} to {to}: {reason}")
    {
        IncidentId = incidentId;
        From = from;
        To = to;
    }

    /// <summary>The incident, when known.</summary>
    public string? IncidentId { get; }

    /// <summary>The incident's phase when the move was refused.</summary>
    public IncidentPhase? From { get; }

    /// <summary>The requested phase.</summary>
    public IncidentPhase? To { get; }
}
