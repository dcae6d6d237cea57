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
