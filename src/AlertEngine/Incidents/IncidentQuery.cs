namespace AlertEngine;

/// <summary>A filter over incidents. Every set criterion must hold. Closed incidents are hidden unless
/// <see cref="Phases"/> names <see cref="IncidentPhase.Closed"/> or <see cref="IncludeClosed"/> is set.</summary>
public sealed record IncidentQuery
{
    /// <summary>Every incident that is not closed.</summary>
    public static IncidentQuery All { get; } = new();

    /// <summary>Only incidents in one of these phases.</summary>
    public IReadOnlyCollection<IncidentPhase>? Phases { get; init; }

    /// <summary>Include closed incidents even when <see cref="Phases"/> is not set.</summary>
    public bool IncludeClosed { get; init; }

    /// <summary>Only declared security incidents.</summary>
    public bool SecurityIncidentsOnly { get; init; }

    /// <summary>Only the incident holding this alert.</summary>
    public string? AlertId { get; init; }

    /// <summary>Only incidents whose first alert is at or after this time.</summary>
    public DateTimeOffset? FirstAlertFrom { get; init; }

    /// <summary>Only incidents whose first alert is before this time.</summary>
    public DateTimeOffset? FirstAlertTo { get; init; }

    /// <summary>Whether an incident matches the query.</summary>
    /// <param name="incident">The incident.</param>
    /// <returns><see langword="true"/> when every criterion holds.</returns>
    public bool Matches(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (Phases is not null)
        {
            if (!Phases.Contains(incident.Phase))
            {
                return false;
            }
        }
        else if (incident.Phase == IncidentPhase.Closed && !IncludeClosed)
        {
            return false;
        }

        return (!SecurityIncidentsOnly || incident.IsSecurityIncident)
            && (AlertId is null || (!incident.AlertIds.IsDefault && incident.AlertIds.IndexOf(AlertId) >= 0))
            && (FirstAlertFrom is null || incident.FirstAlertAt >= FirstAlertFrom.Value)
            && (FirstAlertTo is null || incident.FirstAlertAt < FirstAlertTo.Value);
    }
}
