namespace AlertEngine.Sigma;

/// <summary>What <see cref="SigmaRuleLoader"/> loaded: the policies of every rule that loaded, and an error for every
/// rule (or file) that did not. Immutable.</summary>
public sealed class SigmaLoadResult
{
    internal SigmaLoadResult(IReadOnlyList<AlertPolicy> policies, IReadOnlyList<SigmaLoadError> errors)
    {
        Policies = policies;
        Errors = errors;
    }

    /// <summary>One policy per rule that loaded, in file order and, within a file, document order. A rule with an
    /// error has no policy here.</summary>
    public IReadOnlyList<AlertPolicy> Policies { get; }

    /// <summary>Every problem found, in file and document order.</summary>
    public IReadOnlyList<SigmaLoadError> Errors { get; }

    /// <summary>Whether every rule loaded.</summary>
    public bool IsValid => Errors.Count == 0;
}
