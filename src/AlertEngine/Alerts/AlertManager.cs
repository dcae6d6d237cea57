using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>
/// What administrators do with alerts: read and query them (with counts for a dashboard), move them through the status
/// lifecycle, suppress their notifications, and ingest alerts of external sources. Everything goes through an
/// <see cref="IAlertStore"/>, and every read or change goes through the caller's identity. Thread-safe.
/// </summary>
/// <remarks>
/// <para><b>Permissions.</b> The caller's role claims are mapped to role groups by the <see cref="AlertRoleTable"/>.
/// An alert whose category the caller may not see is <see cref="ManagementOutcome.NotFound"/> for reading and for
/// changing (the caller cannot tell it from a missing alert); queries and counts only cover the caller's categories.</para>
/// <para><b>Status.</b> Transitions follow <see cref="AlertStatusTransitions"/>; each change is appended to
/// <see cref="Alert.History"/> with the caller's name, the time from the <see cref="TimeProvider"/> and the comment.
/// Changes are compare-and-set (<see cref="IAlertStore.TryUpdateManagementAsync"/>), so two administrators never
/// silently overwrite each other and the engine can keep growing the alert meanwhile; the engine's later snapshots keep
/// the status (see <see cref="IAlertStore.UpsertAsync"/>).</para>
/// <para><b>External alerts</b> (<see cref="IngestExternalAsync"/>) carry their product's name in
/// <see cref="Alert.Source"/> and can be filtered by it. Status changes and suppression made here are recorded here
/// only: they are not synced back to the source product, and a later update from the source does not undo them.</para>
/// </remarks>
public sealed partial class AlertManager
{
    /// <summary>The longest status-change comment accepted.</summary>
    public const int MaxCommentLength = 4000;

    private const int MaxAttempts = 16;

    private readonly IAlertStore _store;
    private readonly ILogger _logger;
    private readonly NotificationDispatcher? _notifications;

    /// <summary>Creates a manager.</summary>
    /// <param name="store">The alert store.</param>
    /// <param name="roles">The role table; <see cref="AlertRoleTable.Default"/> when <see langword="null"/>.</param>
    /// <param name="timeProvider">The clock for status-change times; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    /// <param name="logger">Logger; none by default.</param>
    /// <param name="notifications">The dispatcher that sends this engine's notifications, if any: suppression changes are
    /// applied to it too, so it stops (or resumes) notifying the alert. The DI package passes its dispatcher.</param>
    public AlertManager(
        IAlertStore store,
        AlertRoleTable? roles = null,
        TimeProvider? timeProvider = null,
        ILogger<AlertManager>? logger = null,
        NotificationDispatcher? notifications = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _notifications = notifications;
        Roles = roles ?? AlertRoleTable.Default;
        TimeProvider = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The role table.</summary>
    public AlertRoleTable Roles { get; }

    /// <summary>The clock for status-change times.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Gets an alert the caller may see.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="id">The alert id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The alert, or <see cref="ManagementOutcome.NotFound"/>.</returns>
    public async ValueTask<ManagementResult<Alert>> GetAsync(ClaimsPrincipal caller, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        var permissions = Roles.Resolve(caller);
        var alert = await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return alert is not null && permissions.CanSee(alert.Category)
            ? ManagementResult<Alert>.Success(alert)
            : NotFound<Alert>(id);
    }

    /// <summary>
    /// Lists the alerts matching <paramref name="query"/> that the caller may see, in <see cref="AlertOrder"/>, one page
    /// at a time: set <see cref="AlertQuery.Take"/>, then pass <see cref="AlertPage.Next"/> as <see cref="AlertQuery.After"/>.
    /// Resolved alerts are hidden unless the query asks for them.
    /// </summary>
    /// <param name="caller">The caller.</param>
    /// <param name="query">The filter and paging.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page, or <see cref="ManagementOutcome.Invalid"/> when <see cref="AlertQuery.Take"/> is less than 1.</returns>
    public async ValueTask<ManagementResult<AlertPage>> QueryAsync(ClaimsPrincipal caller, AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        if (query.Take is < 1)
        {
            return ManagementResult<AlertPage>.Failure(ManagementOutcome.Invalid, "take", "must be at least 1");
        }

        var restricted = Restrict(query, Roles.Resolve(caller));
        if (restricted is null)
        {
            return ManagementResult<AlertPage>.Success(AlertPage.Empty);
        }

        var alerts = await _store.QueryAsync(restricted, cancellationToken).ConfigureAwait(false);
        var next = query.Take is { } take && alerts.Count >= take ? AlertCursor.From(alerts[^1]) : null;
        return ManagementResult<AlertPage>.Success(new AlertPage(alerts, next));
    }

    /// <summary>Counts the alerts matching <paramref name="query"/> that the caller may see, by severity, category and status.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="query">The filter (paging is ignored).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The counts.</returns>
    public async ValueTask<ManagementResult<AlertCounts>> CountAsync(ClaimsPrincipal caller, AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(query);
        var restricted = Restrict(query, Roles.Resolve(caller));
        if (restricted is null)
        {
            return ManagementResult<AlertCounts>.Success(AlertCounts.Empty);
        }

        var counts = await _store.CountAsync(restricted with { After = null, Take = null }, cancellationToken).ConfigureAwait(false);
        return ManagementResult<AlertCounts>.Success(counts);
    }

    /// <summary>
    /// Moves an alert the caller may see to another status (see <see cref="AlertStatusTransitions"/>), recording who,
    /// when and the comment in <see cref="Alert.History"/>.
    /// </summary>
    /// <param name="caller">The caller.</param>
    /// <param name="id">The alert id.</param>
    /// <param name="status">The new status.</param>
    /// <param name="comment">An optional comment (at most <see cref="MaxCommentLength"/> characters).</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The alert after the change; <see cref="ManagementOutcome.NotFound"/>, <see cref="ManagementOutcome.Invalid"/>
    /// (the transition is not allowed, with the reason) or <see cref="ManagementOutcome.Conflict"/> otherwise.</returns>
    public async ValueTask<ManagementResult<Alert>> ChangeStatusAsync(
        ClaimsPrincipal caller,
        string id,
        AlertStatus status,
        string? comment = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        var errors = new List<ValidationError>();
        if (!Enum.IsDefined(status))
        {
            errors.Add(new("status", "must be one of " + string.Join(", ", Enum.GetNames<AlertStatus>())));
        }

        if (comment is { Length: > MaxCommentLength })
        {
            errors.Add(new("comment", $"must be at most {MaxCommentLength} characters"));
        }

        var permissions = Roles.Resolve(caller);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (current is null || !permissions.CanSee(current.Category))
            {
                return NotFound<Alert>(id);
            }

            if (errors.Count > 0)
            {
                return ManagementResult<Alert>.Failure(ManagementOutcome.Invalid, errors);
            }

            if (AlertStatusTransitions.Explain(current.Status, status) is { } reason)
            {
                return ManagementResult<Alert>.Failure(ManagementOutcome.Invalid, "status", reason);
            }

            var change = new AlertStatusChange(current.Status, status, permissions.Name, TimeProvider.GetUtcNow(), comment);
            var history = current.History.IsDefault ? ImmutableArray.Create(change) : current.History.Add(change);
            var stored = await _store.TryUpdateManagementAsync(current, current with { Status = status, History = history }, cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                LogStatusChanged(_logger, id, current.Status, status, permissions.Name);
                return ManagementResult<Alert>.Success(stored);
            }
        }

        return ManagementResult<Alert>.Failure(ManagementOutcome.Conflict, "id", $"alert '{id}' kept changing under concurrent updates; read it again and retry");
    }

    /// <summary>
    /// Suppresses (or restores) email notifications for one alert the caller may see. The alert itself still updates.
    /// Idempotent: setting the current value changes nothing. Recorded in the store and, when the manager was given
    /// the engine's <see cref="NotificationDispatcher"/>, applied to it.
    /// </summary>
    /// <param name="caller">The caller.</param>
    /// <param name="id">The alert id.</param>
    /// <param name="suppressed">Whether notifications are suppressed.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <returns>The alert after the change, or <see cref="ManagementOutcome.NotFound"/>.</returns>
    public async ValueTask<ManagementResult<Alert>> SetNotificationsSuppressedAsync(
        ClaimsPrincipal caller,
        string id,
        bool suppressed,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        var permissions = Roles.Resolve(caller);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var current = await _store.GetAsync(id, cancellationToken).ConfigureAwait(false);
            if (current is null || !permissions.CanSee(current.Category))
            {
                return NotFound<Alert>(id);
            }

            if (current.NotificationsSuppressed == suppressed)
            {
                _notifications?.SetSuppressed(id, suppressed);
                return ManagementResult<Alert>.Success(current);
            }

            var stored = await _store.TryUpdateManagementAsync(current, current with { NotificationsSuppressed = suppressed }, cancellationToken).ConfigureAwait(false);
            if (stored is not null)
            {
                _notifications?.SetSuppressed(id, suppressed);
                LogSuppressionChanged(_logger, id, suppressed, permissions.Name);
                return ManagementResult<Alert>.Success(stored);
            }
        }

        return ManagementResult<Alert>.Failure(ManagementOutcome.Conflict, "id", $"alert '{id}' kept changing under concurrent updates; read it again and retry");
    }

    /// <summary>
    /// Ingests an alert of an external source (for example a cloud-app security product) for viewing and management
    /// here. The alert keeps its id and its <see cref="Alert.Source"/> (the product's name; anything but
    /// <see cref="Alert.EngineSource"/>). A first ingestion takes the status and suppression given (history starts
    /// empty); later ingestions of the same id update the content and keep the status, history and suppression set here.
    /// Status changes made here are not synced back to the source.
    /// </summary>
    /// <param name="alert">The external alert.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The stored alert, or <see cref="ManagementOutcome.Invalid"/> with every problem listed (for example an
    /// id already used by an alert of another source).</returns>
    public async ValueTask<ManagementResult<Alert>> IngestExternalAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var errors = ValidateExternal(alert);
        if (errors.Count > 0)
        {
            return ManagementResult<Alert>.Failure(ManagementOutcome.Invalid, errors);
        }

        var existing = await _store.GetAsync(alert.Id, cancellationToken).ConfigureAwait(false);
        if (existing is not null && !string.Equals(existing.Source, alert.Source, StringComparison.OrdinalIgnoreCase))
        {
            return ManagementResult<Alert>.Failure(
                ManagementOutcome.Invalid,
                "id",
                $"alert '{alert.Id}' already exists from source '{existing.Source}'; an external source cannot replace it");
        }

        await _store.UpsertAsync(existing is null ? alert with { History = [] } : alert, cancellationToken).ConfigureAwait(false);
        var stored = await _store.GetAsync(alert.Id, cancellationToken).ConfigureAwait(false);
        LogIngested(_logger, alert.Id, alert.Source);
        return stored is null
            ? ManagementResult<Alert>.Failure(ManagementOutcome.Conflict, "id", $"alert '{alert.Id}' was not found after it was stored")
            : ManagementResult<Alert>.Success(stored);
    }

    private static List<ValidationError> ValidateExternal(Alert alert)
    {
        var errors = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(alert.Id))
        {
            errors.Add(new("id", "is required"));
        }

        if (string.IsNullOrWhiteSpace(alert.Source))
        {
            errors.Add(new("source", "is required: the name of the external product"));
        }
        else if (string.Equals(alert.Source, Alert.EngineSource, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add(new("source", $"'{Alert.EngineSource}' is this engine's own source; give the external product's name"));
        }

        if (string.IsNullOrWhiteSpace(alert.PolicyId))
        {
            errors.Add(new("policyId", "is required"));
        }

        if (string.IsNullOrWhiteSpace(alert.PolicyName))
        {
            errors.Add(new("policyName", "is required"));
        }

        if (!Enum.IsDefined(alert.Severity))
        {
            errors.Add(new("severity", "must be one of " + string.Join(", ", Enum.GetNames<AlertSeverity>())));
        }

        if (!Enum.IsDefined(alert.Category))
        {
            errors.Add(new("category", "must be one of " + string.Join(", ", Enum.GetNames<AlertCategory>())));
        }

        if (!Enum.IsDefined(alert.Status))
        {
            errors.Add(new("status", "must be one of " + string.Join(", ", Enum.GetNames<AlertStatus>())));
        }

        if (alert.HitCount < 0)
        {
            errors.Add(new("hitCount", "must not be negative"));
        }

        if (alert.Users.IsDefault)
        {
            errors.Add(new("users", "is required (may be empty)"));
        }

        if (alert.Activities is null)
        {
            errors.Add(new("activities", "is required (may be empty)"));
        }

        return errors;
    }

    /// <summary>The query cut to the caller's categories; <see langword="null"/> when nothing is left to see.</summary>
    private static AlertQuery? Restrict(AlertQuery query, AlertPermissions permissions)
    {
        var visible = new List<AlertCategory>();
        foreach (var category in Enum.GetValues<AlertCategory>())
        {
            if (permissions.CanSee(category) && (query.Categories is null || query.Categories.Contains(category)))
            {
                visible.Add(category);
            }
        }

        return visible.Count == 0 ? null : query with { Categories = visible };
    }

    private static ManagementResult<T> NotFound<T>(string id) =>
        ManagementResult<T>.Failure(ManagementOutcome.NotFound, "id", $"no alert '{id}' that you may see");

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Alert {AlertId} status changed from {From} to {To} by {ChangedBy}")]
    private static partial void LogStatusChanged(ILogger logger, string alertId, AlertStatus from, AlertStatus to, string changedBy);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Alert {AlertId} notifications suppressed: {Suppressed} (by {ChangedBy})")]
    private static partial void LogSuppressionChanged(ILogger logger, string alertId, bool suppressed, string changedBy);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "External alert {AlertId} from {Source} ingested")]
    private static partial void LogIngested(ILogger logger, string alertId, string source);
}

/// <summary>One page of alerts.</summary>
/// <param name="Alerts">The alerts, in <see cref="AlertOrder"/>.</param>
/// <param name="Next">Where the next page starts (pass it as <see cref="AlertQuery.After"/>); <see langword="null"/> when the
/// page is not full, so no more alerts follow (a full page may be followed by an empty one).</param>
public sealed record AlertPage(IReadOnlyList<Alert> Alerts, AlertCursor? Next)
{
    /// <summary>An empty last page.</summary>
    public static AlertPage Empty { get; } = new([], null);
}
