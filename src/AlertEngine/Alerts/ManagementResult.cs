namespace AlertEngine;

/// <summary>How a management call ended.</summary>
public enum ManagementOutcome
{
    /// <summary>Done; <see cref="ManagementResult{T}.Value"/> holds the result.</summary>
    Succeeded,

    /// <summary>No such alert or policy, or one the caller may not see (the two are not told apart, so nothing leaks).</summary>
    NotFound,

    /// <summary>The caller lacks the role the call needs (for example Manage Alerts to edit a policy).</summary>
    Forbidden,

    /// <summary>The request is not valid (an invalid status transition, a read-only field of a System policy changed, …); see <see cref="ManagementResult{T}.Errors"/>.</summary>
    Invalid,

    /// <summary>The alert kept changing under concurrent administrators; read it again and retry.</summary>
    Conflict,
}

/// <summary>The result of a management call: a value, or why there is none, with every problem listed.</summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class ManagementResult<T>
{
    private readonly T? _value;

    private ManagementResult(ManagementOutcome outcome, T? value, IReadOnlyList<ValidationError> errors)
    {
        Outcome = outcome;
        _value = value;
        Errors = errors;
    }

    /// <summary>How the call ended.</summary>
    public ManagementOutcome Outcome { get; }

    /// <summary>Whether the call succeeded.</summary>
    public bool Succeeded => Outcome == ManagementOutcome.Succeeded;

    /// <summary>What went wrong, each with the field it concerns; empty on success.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }

    /// <summary>The value.</summary>
    /// <exception cref="InvalidOperationException">The call did not succeed; the message says why.</exception>
    public T Value => Succeeded
        ? _value!
        : throw new InvalidOperationException($"The call did not succeed ({Outcome}):" + Environment.NewLine + string.Join(Environment.NewLine, Errors));

    internal static ManagementResult<T> Success(T value) => new(ManagementOutcome.Succeeded, value, []);

    internal static ManagementResult<T> Failure(ManagementOutcome outcome, IReadOnlyList<ValidationError> errors) => new(outcome, default, errors);

    internal static ManagementResult<T> Failure(ManagementOutcome outcome, string path, string message) => new(outcome, default, [new ValidationError(path, message)]);

    /// <summary>The outcome and errors, one per line.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Errors.Count == 0 ? Outcome.ToString() : Outcome + ": " + string.Join("; ", Errors);
}
