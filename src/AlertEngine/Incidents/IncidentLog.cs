using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>Source-generated log messages of the incident manager. Event ids are stable.</summary>
internal static partial class IncidentLog
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Incident {IncidentId} {Kind} ({Phase})")]
    public static partial void Changed(ILogger logger, string incidentId, IncidentChangeKind kind, IncidentPhase phase);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Security incident {IncidentId} was declared at {DeclaredAt}; customers had to be notified by {Deadline} and no notification is recorded. Alert {AlertId} raised")]
    public static partial void NotificationOverdue(ILogger logger, string incidentId, DateTimeOffset declaredAt, DateTimeOffset deadline, string alertId);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "An observer of incident changes threw while handling {Kind} of incident {IncidentId}; the change is applied and stored")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, IncidentChangeKind kind, string incidentId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "The notification deadline check failed; it runs again at the next period")]
    public static partial void DeadlineCheckFailed(ILogger logger, Exception exception);
}
