namespace AlertEngine.AspNetCore.Api;

/// <summary>The outcome of creating several policies at once (<see cref="SigmaPolicyCommands"/>): all of them, or none and why.</summary>
/// <param name="Outcome">Succeeded, or the kind of failure.</param>
/// <param name="Policies">The created policies; empty unless it succeeded.</param>
/// <param name="Errors">Every problem, each naming its rule (and YAML line where known).</param>
internal sealed record PolicyRangeResult(ManagementOutcome Outcome, IReadOnlyList<AlertPolicy> Policies, IReadOnlyList<ValidationError> Errors)
{
    public bool Succeeded => Outcome == ManagementOutcome.Succeeded;

    /// <summary>The reason as one sentence.</summary>
    public string Detail => Errors.Count == 0 ? Outcome.ToString() : string.Join("; ", Errors);
}
