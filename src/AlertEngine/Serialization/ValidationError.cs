namespace AlertEngine;

/// <summary>One problem found in user input, with where it is.</summary>
/// <param name="Path">A JSON path such as <c>policies[2].trigger.count</c>, or <c>file:line</c> for activity input.</param>
/// <param name="Message">What is wrong, e.g. <c>must be at least 1</c>.</param>
public sealed record ValidationError(string Path, string Message)
{
    /// <summary>The error as one line: <c>path: message</c>.</summary>
    /// <returns>The line.</returns>
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

/// <summary>The result of loading or validating user input: either a value, or every problem found.</summary>
/// <typeparam name="T">The value type.</typeparam>
public sealed class LoadResult<T>
{
    private readonly T? _value;

    private LoadResult(T? value, IReadOnlyList<ValidationError> errors)
    {
        _value = value;
        Errors = errors;
    }

    /// <summary>Whether the input was valid.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>Every problem found; empty when valid.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }

    /// <summary>The value.</summary>
    /// <exception cref="InvalidOperationException">The input was invalid; the message lists every error.</exception>
    public T Value => IsValid
        ? _value!
        : throw new InvalidOperationException("The input is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, Errors));

    internal static LoadResult<T> Ok(T value) => new(value, []);

    internal static LoadResult<T> Fail(IReadOnlyList<ValidationError> errors) => new(default, errors);
}

/// <summary>Creates <see cref="LoadResult{T}"/> values.</summary>
public static class LoadResult
{
    /// <summary>A valid result.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>The result.</returns>
    public static LoadResult<T> Success<T>(T value) => LoadResult<T>.Ok(value);

    /// <summary>An invalid result.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="errors">At least one error.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentException"><paramref name="errors"/> is empty.</exception>
    public static LoadResult<T> Failure<T>(IReadOnlyList<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A failure needs at least one error.", nameof(errors));
        }

        return LoadResult<T>.Fail(errors);
    }
}
