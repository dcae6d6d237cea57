namespace AlertEngine;

/// <summary>
/// Where incidents are kept. Implementations must be safe for concurrent readers and writers. The default is
/// <see cref="InMemoryIncidentStore"/>; replace it for durable storage. <see cref="IncidentManager"/> serializes its
/// own writes.
/// </summary>
public interface IIncidentStore
{
    /// <summary>Inserts an incident, or replaces the stored incident with the same <see cref="Incident.Id"/>.</summary>
    /// <param name="incident">The incident snapshot.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the incident is stored.</returns>
    ValueTask UpsertAsync(Incident incident, CancellationToken cancellationToken = default);

    /// <summary>Gets an incident by id.</summary>
    /// <param name="id">The incident id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The incident, or <see langword="null"/>.</returns>
    ValueTask<Incident?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists the incidents matching a query, ordered by <see cref="Incident.FirstAlertAt"/>, then id (ordinal).</summary>
    /// <param name="query">The filter; <see cref="IncidentQuery.All"/> for every incident that is not closed.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The matching incidents (a snapshot).</returns>
    ValueTask<IReadOnlyList<Incident>> QueryAsync(IncidentQuery query, CancellationToken cancellationToken = default);
}

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

/// <summary>The incident order: first alert time, then id (ordinal).</summary>
public sealed class IncidentOrder : IComparer<Incident>
{
    /// <summary>The shared instance.</summary>
    public static IncidentOrder Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(Incident? x, Incident? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null)
        {
            return -1;
        }

        if (y is null)
        {
            return 1;
        }

        var c = x.FirstAlertAt.UtcTicks.CompareTo(y.FirstAlertAt.UtcTicks);
        return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
    }
}
