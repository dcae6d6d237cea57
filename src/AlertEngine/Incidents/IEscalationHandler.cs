using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>
/// Hands an incident to the security response team (24x7 on-call): a pager, a ticketing system, a chat channel.
/// Called by <see cref="IncidentManager.EscalateAsync"/> before the incident moves to
/// <see cref="IncidentPhase.Escalated"/>; when it throws, the incident stays where it was and the exception reaches
/// the caller, who may retry. The default, <see cref="LoggingEscalationHandler"/>, only logs.
/// </summary>
public interface IEscalationHandler
{
    /// <summary>Escalates an incident.</summary>
    /// <param name="request">The incident and who escalates it.</param>
    /// <param name="cancellationToken">Cancels the escalation.</param>
    /// <returns>Who received it (team or rota) and a reference such as a page or ticket id.</returns>
    ValueTask<EscalationResult> EscalateAsync(EscalationRequest request, CancellationToken cancellationToken = default);
}

/// <summary>A request to escalate an incident.</summary>
/// <param name="Incident">The incident as it is before escalation.</param>
/// <param name="EscalatedBy">Who escalates it.</param>
/// <param name="Note">An optional note for the responders.</param>
/// <param name="RequestedAt">When (the manager's wall clock, UTC).</param>
public sealed record EscalationRequest(Incident Incident, string EscalatedBy, string? Note, DateTimeOffset RequestedAt);

/// <summary>Where an incident was escalated to.</summary>
/// <param name="Target">The team, rota or person that received it, e.g. <c>security-oncall</c>.</param>
/// <param name="Reference">A reference in that system (page id, ticket number), if any.</param>
public sealed record EscalationResult(string Target, string? Reference = null);

/// <summary>
/// The default <see cref="IEscalationHandler"/>: writes a warning to the log and returns target <see cref="Target"/>.
/// Register a real handler (pager, ticketing) in production.
/// </summary>
public sealed partial class LoggingEscalationHandler : IEscalationHandler
{
    /// <summary>The target this handler reports.</summary>
    public const string Target = "log";

    private readonly ILogger _logger;

    /// <summary>Creates the handler.</summary>
    /// <param name="logger">The logger; none by default.</param>
    public LoggingEscalationHandler(ILogger<LoggingEscalationHandler>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public ValueTask<EscalationResult> EscalateAsync(EscalationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        LogEscalated(_logger, request.Incident.Id, request.Incident.Title, request.Incident.Severity, request.EscalatedBy, request.Note);
        return ValueTask.FromResult(new EscalationResult(Target));
    }

    [LoggerMessage(EventId = 6101, Level = LogLevel.Warning, Message = "Incident {IncidentId} ({Title}, {Severity}) escalated by {EscalatedBy}: {Note}. No escalation handler is registered, so only this log entry records it")]
    private static partial void LogEscalated(ILogger logger, string incidentId, string title, AlertSeverity severity, string escalatedBy, string? note);
}
