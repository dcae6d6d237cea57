using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>
/// The default <see cref="IAlertNotifier"/>: writes each notification to an <see cref="ILogger"/> at
/// <see cref="LogLevel.Information"/> (event id 3101), with the policy, severity, category, users, hit count, summary
/// and recipients as structured values. Never fails.
/// </summary>
public sealed partial class LoggingAlertNotifier : IAlertNotifier
{
    private readonly ILogger _logger;

    /// <summary>Creates the notifier.</summary>
    /// <param name="logger">The logger; none (the notifier does nothing) when <see langword="null"/>.</param>
    public LoggingAlertNotifier(ILogger<LoggingAlertNotifier>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        cancellationToken.ThrowIfCancellationRequested();
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var users = string.Join(", ", notification.Users);
            var recipients = string.Join(", ", notification.Recipients);
            Log(
                _logger,
                notification.Kind,
                notification.PolicyName,
                notification.PolicyId,
                notification.AlertId,
                notification.Severity,
                notification.Category,
                notification.HitCount,
                users,
                notification.Summary,
                recipients);
        }

        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information,
        Message = "{Kind}: {PolicyName} ({PolicyId}) alert {AlertId}, severity {Severity}, category {Category}, {HitCount} hit(s), users {Users}: {Summary}; recipients {Recipients}")]
    private static partial void Log(ILogger logger, NotificationKind kind, string policyName, string policyId, string? alertId, AlertSeverity severity, AlertCategory category, int hitCount, string users, string summary, string recipients);
}
