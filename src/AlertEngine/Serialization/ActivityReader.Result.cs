using System.Diagnostics.CodeAnalysis;

namespace AlertEngine;

/// <summary>
/// The outcome of reading one non-blank activity line: either an <see cref="Activity"/>, or every problem of the
/// line in <see cref="Errors"/>. <see cref="Notes"/> reports what was read but is worth knowing (such as a client IP
/// that is not an address); notes are not errors.
/// </summary>
public sealed class ActivityReadResult
{
    internal ActivityReadResult(string sourceName, long lineNumber, Activity? activity, IReadOnlyList<ValidationError> errors, IReadOnlyList<EngineDiagnostic> notes)
    {
        SourceName = sourceName;
        LineNumber = lineNumber;
        Activity = activity;
        Errors = errors;
        Notes = notes;
    }

    /// <summary>The name of the input, as given to the reader (usually the file name).</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line number in the input.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Where the line is: <c>{SourceName}:{LineNumber}</c>, the <see cref="ValidationError.Path"/> of its errors.</summary>
    public string Location => Format(SourceName, LineNumber);

    /// <summary>The activity; <see langword="null"/> when the line is invalid.</summary>
    public Activity? Activity { get; private set; }

    /// <summary>Whether the line held a valid activity.</summary>
    [MemberNotNullWhen(true, nameof(Activity))]
    public bool IsValid => Activity is not null;

    /// <summary>Every problem of the line, each as <c>file:line: field: problem</c>; empty when valid.</summary>
    public IReadOnlyList<ValidationError> Errors { get; }

    /// <summary>Things noticed on a valid line that are not errors, e.g. <see cref="DiagnosticKind.UnparsableClientIp"/>.</summary>
    public IReadOnlyList<EngineDiagnostic> Notes { get; }

    /// <inheritdoc />
    public override string ToString() => IsValid
        ? $"{Location}: {Activity}"
        : string.Join(Environment.NewLine, Errors);

    /// <summary>This result, now for the valid <paramref name="activity"/> of line <paramref name="lineNumber"/>
    /// (<see cref="ActivityReaderOptions.ReuseResults"/>: only a result without errors and notes is reused).</summary>
    internal ActivityReadResult Reuse(long lineNumber, Activity activity)
    {
        LineNumber = lineNumber;
        Activity = activity;
        return this;
    }

    internal static string Format(string sourceName, long lineNumber) => sourceName + ":" + lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
