namespace AlertEngine;

/// <content>
/// Isolation of the observers of <see cref="Changes"/>, <see cref="Diagnostics"/> and <see cref="EarlyWarnings"/>: an
/// observer that throws is counted, logged and (unless it observes <see cref="Diagnostics"/>) reported as
/// <see cref="DiagnosticKind.ObserverError"/>; evaluation, the other observers and later activities go on.
/// </content>
public sealed partial class AlertPipeline
{
    private long _observerErrors;

    private void ChangesObserverFailed(AlertChange? change, Exception exception) =>
        ObserverFailed(nameof(Changes), change?.Detection.TriggeringActivity.Id, change?.Alert.PolicyId, exception, report: true);

    private void EarlyWarningsObserverFailed(EarlyWarning? warning, Exception exception) =>
        ObserverFailed(nameof(EarlyWarnings), warning?.Activity.Id, warning?.Policy.Id, exception, report: true);

    // Not reported on Diagnostics: an observer that throws on every diagnostic would otherwise be handed its own
    // failure again, without end.
    private void DiagnosticsObserverFailed(EngineDiagnostic? diagnostic, Exception exception) =>
        ObserverFailed(nameof(Diagnostics), diagnostic?.ActivityId, diagnostic?.PolicyId, exception, report: false);

    private void ObserverFailed(string stream, string? activityId, string? policyId, Exception exception, bool report)
    {
        _observerErrors++;
        AlertEngineMetrics.ObserverErrors.Add(1, AlertEngineMetrics.StreamTag(stream));
        Log.ObserverFailed(_logger, exception, stream, activityId);
        if (report && !_disposed)
        {
            Report(new EngineDiagnostic(
                DiagnosticKind.ObserverError,
                activityId,
                policyId,
                $"an observer of {stream} threw {exception.GetType().Name}: {exception.Message}"));
        }
    }
}
