namespace AlertEngine;

/// <summary>
/// Where alerts are kept. Implementations must be safe for concurrent readers while one writer streams alerts in.
/// The default is <see cref="InMemoryAlertStore"/>; replace it for durable storage.
/// </summary>
/// <remarks>
/// <para><b>Two kinds of write.</b> An alert has <em>content</em> (everything the engine or an external source
/// produces: hit count, activities, users, tags, …) and <em>management fields</em> (<see cref="Alert.Status"/>,
/// <see cref="Alert.History"/>, <see cref="Alert.NotificationsSuppressed"/>), which only administrators change.
/// <see cref="UpsertAsync"/> writes content: for an alert already stored it must keep the stored management fields, so
/// a newer engine snapshot (which always says <see cref="AlertStatus.Active"/>) never undoes what an administrator
/// set. <see cref="TryUpdateManagementAsync"/> writes management fields only, as a compare-and-set, so it never undoes
/// content the engine wrote meanwhile.</para>
/// </remarks>
public interface IAlertStore
{
    /// <summary>
    /// Inserts an alert, or replaces the content of the stored alert with the same <see cref="Alert.Id"/> while keeping
    /// its management fields (<see cref="Alert.Status"/>, <see cref="Alert.History"/>,
    /// <see cref="Alert.NotificationsSuppressed"/>). A new alert is stored as given, management fields included.
    /// </summary>
    /// <param name="alert">The alert snapshot.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the alert is stored.</returns>
    ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compare-and-set of the management fields: when the stored alert with <paramref name="current"/>'s id still has
    /// the management fields of <paramref name="current"/> (same status, same suppression, same number of history
    /// entries), sets them to those of <paramref name="updated"/> and keeps the stored content (which the engine may
    /// have grown since <paramref name="current"/> was read).
    /// </summary>
    /// <param name="current">The alert as the caller read it from this store.</param>
    /// <param name="updated"><paramref name="current"/> with new management fields (same id).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The stored alert after the change; <see langword="null"/> when the alert is gone or its management
    /// fields changed since it was read (read it again and retry).</returns>
    ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default);

    /// <summary>Gets an alert by id.</summary>
    /// <param name="id">The alert id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The alert, or <see langword="null"/> when there is none with that id.</returns>
    ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists the alerts matching a query, ordered by <see cref="Alert.CreatedAt"/>, then policy id, then id
    /// (<see cref="AlertOrder"/>), starting after <see cref="AlertQuery.After"/> and stopping at
    /// <see cref="AlertQuery.Take"/> alerts.
    /// </summary>
    /// <param name="query">The filter; <see cref="AlertQuery.All"/> for every non-resolved alert.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The matching alerts (a snapshot).</returns>
    ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts the alerts matching a query, in total and by severity, category and status (for a dashboard).
    /// <see cref="AlertQuery.After"/> and <see cref="AlertQuery.Take"/> are ignored. The default implementation counts
    /// the result of <see cref="QueryAsync"/>; stores should override it with something cheaper.
    /// </summary>
    /// <param name="query">The filter.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts.</returns>
    async ValueTask<AlertCounts> CountAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var alerts = await QueryAsync(query with { After = null, Take = null }, cancellationToken).ConfigureAwait(false);
        var counter = new AlertCounts.Builder();
        foreach (var alert in alerts)
        {
            counter.Add(alert);
        }

        return counter.Build();
    }
}

/// <summary>
/// A filter over alerts, with keyset paging. Every set criterion must hold. Resolved alerts are hidden unless
/// <see cref="Statuses"/> names <see cref="AlertStatus.Resolved"/> or <see cref="IncludeResolved"/> is set.
/// </summary>
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

    /// <summary>Only alerts carrying at least one of these tags (<see cref="Alert.Tags"/>, case-insensitive).</summary>
    public IReadOnlyCollection<string>? Tags { get; init; }

    /// <summary>Only alerts from this source (case-insensitive), e.g. <see cref="Alert.EngineSource"/>.</summary>
    public string? Source { get; init; }

    /// <summary>Only alerts created at or after this time.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Only alerts created before this time.</summary>
    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Include resolved alerts even when <see cref="Statuses"/> is not set.</summary>
    public bool IncludeResolved { get; init; }

    /// <summary>
    /// Paging: only alerts strictly after this position in the <see cref="AlertOrder"/> (usually the last alert of the
    /// previous page, <see cref="AlertCursor.From"/>). Keyset paging is stable: alerts added while paging never shift
    /// or repeat pages. Not a filter criterion for <see cref="Matches"/>.
    /// </summary>
    public AlertCursor? After { get; init; }

    /// <summary>Paging: at most this many alerts (at least 1); <see langword="null"/> for all. Not a filter criterion for <see cref="Matches"/>.</summary>
    public int? Take { get; init; }

    /// <summary>Whether an alert matches the filter criteria (<see cref="After"/> and <see cref="Take"/> are paging, not criteria).</summary>
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
            && (CreatedTo is null || alert.CreatedAt < CreatedTo.Value)
            && (Tags is null || HasAnyTag(alert));
    }

    private bool HasAnyTag(Alert alert)
    {
        if (alert.Tags.IsDefaultOrEmpty)
        {
            return false;
        }

        foreach (var tag in alert.Tags)
        {
            foreach (var wanted in Tags!)
            {
                if (string.Equals(tag, wanted, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
