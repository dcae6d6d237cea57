namespace AlertEngine;

/// <summary>
/// Where alerts are kept. Implementations must be safe for concurrent readers while one writer streams alerts in.
/// The default is <see cref="InMemoryAlertStore"/>; replace it for durable storage.
/// </summary>
public interface IAlertStore
{
    /// <summary>Inserts an alert, or replaces the stored alert with the same <see cref="Alert.Id"/>.</summary>
    /// <param name="alert">The alert snapshot.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the alert is stored.</returns>
    ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default);

    /// <summary>Gets an alert by id.</summary>
    /// <param name="id">The alert id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The alert, or <see langword="null"/> when there is none with that id.</returns>
    ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists the alerts matching a query, ordered by <see cref="Alert.CreatedAt"/>, then policy id, then id.</summary>
    /// <param name="query">The filter; <see cref="AlertQuery.All"/> for every non-resolved alert.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The matching alerts (a snapshot).</returns>
    ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default);
}

/// <summary>A filter over alerts. Every set criterion must hold. Resolved alerts are hidden unless
/// <see cref="Statuses"/> names <see cref="AlertStatus.Resolved"/> or <see cref="IncludeResolved"/> is set.</summary>
public sealed record AlertQuery
{
    /// <summary>Every alert except resolved ones.</summary>
    public static AlertQuery All { get; } = new();

    /// <summary>Only alerts of this policy.</summary>
    public string? PolicyId { get; init; }

    /// <summary>Only alerts with one of these statuses.</summary>
    public IReadOnlyCollection<AlertStatus>? Statuses { get; init; }

    /// <summary>Only alerts with one of these severities.</summary>
    public IReadOnlyCollection<AlertSeverity>? Severities { get; init; }

    /// <summary>Only alerts with one of these categories.</summary>
    public IReadOnlyCollection<AlertCategory>? Categories { get; init; }

    /// <summary>Only alerts from this source (case-insensitive).</summary>
    public string? Source { get; init; }

    /// <summary>Only alerts created at or after this time.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Only alerts created before this time.</summary>
    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Include resolved alerts even when <see cref="Statuses"/> is not set.</summary>
    public bool IncludeResolved { get; init; }

    /// <summary>Whether an alert matches the query.</summary>
    /// <param name="alert">The alert.</param>
    /// <returns><see langword="true"/> when every criterion holds.</returns>
    public bool Matches(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (Statuses is not null)
        {
            if (!Statuses.Contains(alert.Status))
            {
                return false;
            }
        }
        else if (alert.Status == AlertStatus.Resolved && !IncludeResolved)
        {
            return false;
        }

        return (PolicyId is null || string.Equals(alert.PolicyId, PolicyId, StringComparison.Ordinal))
            && (Severities is null || Severities.Contains(alert.Severity))
            && (Categories is null || Categories.Contains(alert.Category))
            && (Source is null || string.Equals(alert.Source, Source, StringComparison.OrdinalIgnoreCase))
            && (CreatedFrom is null || alert.CreatedAt >= CreatedFrom.Value)
            && (CreatedTo is null || alert.CreatedAt < CreatedTo.Value);
    }
}
