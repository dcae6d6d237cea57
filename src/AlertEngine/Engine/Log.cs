using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>Source-generated log messages of the engine. Event ids are stable.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Activity {ActivityId} is a duplicate within the duplicate horizon; not evaluated again")]
    public static partial void Duplicate(ILogger logger, string activityId);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Activity {ActivityId} at {Time} is late (newest event time {Watermark}, allowed lateness {Lateness}); not evaluated")]
    public static partial void Late(ILogger logger, string activityId, DateTimeOffset time, DateTimeOffset watermark, TimeSpan lateness);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Debug, Message = "{Kind}: {Message}")]
    public static partial void Diagnostic(ILogger logger, DiagnosticKind kind, string message);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Policy {PolicyId} failed to evaluate activity {ActivityId}; the policy skipped it")]
    public static partial void EvaluationFailed(ILogger logger, Exception exception, string policyId, string activityId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "Alert {AlertId} created by policy {PolicyId}")]
    public static partial void AlertCreated(ILogger logger, string alertId, string policyId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Activity {ActivityId} at {Time} is more than {Tolerance} ahead of the wall clock ({Now}); invalid, not evaluated")]
    public static partial void Future(ILogger logger, string activityId, DateTimeOffset time, DateTimeOffset now, TimeSpan tolerance);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "An observer of {Stream} threw while handling activity {ActivityId}; evaluation went on")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string stream, string? activityId);
}
