namespace AlertEngine;

/// <summary>
/// Raises automated investigation requests: called once for every alert created by a policy with
/// <see cref="AlertPolicy.AutomatedInvestigation"/> set (not for later updates of the same alert). Plug in your
/// security orchestration (SOAR) or automated investigation and response system here. The DI package registers a
/// default that only logs the request.
/// </summary>
public interface IInvestigationRequester
{
    /// <summary>Requests an investigation of a new alert.</summary>
    /// <param name="request">The alert and the policy that raised it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the request has been accepted. A failure is logged and the request is retried
    /// later by the engine; it never stops detection.</returns>
    ValueTask RequestAsync(InvestigationRequest request, CancellationToken cancellationToken = default);
}

/// <summary>An automated investigation request.</summary>
/// <param name="Alert">The alert as it was created.</param>
/// <param name="Policy">The policy that raised it.</param>
/// <param name="RequestedAt">When the request was raised (wall clock of the engine's <see cref="TimeProvider"/>).</param>
public sealed record InvestigationRequest(Alert Alert, AlertPolicy Policy, DateTimeOffset RequestedAt);
