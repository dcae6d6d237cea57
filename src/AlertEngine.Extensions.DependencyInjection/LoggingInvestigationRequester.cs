using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>The default <see cref="IAlertEngine"/> investigation requester: logs each request and does nothing else.
/// Register your own <see cref="IInvestigationRequester"/> to start real investigations.</summary>
internal sealed partial class LoggingInvestigationRequester(ILogger<LoggingInvestigationRequester>? logger) : IInvestigationRequester
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public ValueTask RequestAsync(InvestigationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        LogRequested(_logger, request.Alert.Id, request.Policy.Id);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Automated investigation requested for alert {AlertId} of policy {PolicyId} (no investigation system registered; register an IInvestigationRequester)")]
    private static partial void LogRequested(ILogger logger, string alertId, string policyId);
}
