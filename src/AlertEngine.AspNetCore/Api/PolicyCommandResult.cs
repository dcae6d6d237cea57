namespace AlertEngine.AspNetCore.Api;

/// <summary>The outcome of a <see cref="PolicyCommands"/> call: the policy, or why not (every problem with its path).</summary>
/// <param name="Outcome">Succeeded, or the kind of failure.</param>
/// <param name="Policy">The policy after the change, when it succeeded.</param>
/// <param name="Errors">Every problem; for <see cref="ManagementOutcome.Forbidden"/> and
/// <see cref="ManagementOutcome.NotFound"/> the reason.</param>
internal sealed record PolicyCommandResult(ManagementOutcome Outcome, AlertPolicy? Policy, IReadOnlyList<ValidationError> Errors)
{
    public bool Succeeded => Outcome == ManagementOutcome.Succeeded;

    /// <summary>The reason as one sentence (for 403/404/409 problems and pages).</summary>
    public string Detail => Errors.Count == 0 ? Outcome.ToString() : string.Join("; ", Errors);

    public static PolicyCommandResult From(ManagementResult<AlertPolicy> result) =>
        new(result.Outcome, result.Succeeded ? result.Value : null, result.Errors);

    public static PolicyCommandResult Forbidden(string reason) => new(ManagementOutcome.Forbidden, null, [new(string.Empty, reason)]);

    public static PolicyCommandResult Invalid(IReadOnlyList<ValidationError> errors) => new(ManagementOutcome.Invalid, null, errors);
}
