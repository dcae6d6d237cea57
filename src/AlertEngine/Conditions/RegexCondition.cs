using System.Text.RegularExpressions;

namespace AlertEngine;

/// <summary>
/// A field or property (named as by <see cref="PropertyCondition"/>) whose text is matched by a regular expression
/// (a search: the expression may match any part unless it is anchored). Not part of the JSON policy format: it exists
/// for rule formats that need what globs cannot say (Sigma's <c>re</c> and <c>cased</c> modifiers, escaped wildcards),
/// so it is internal. The expression runs with <see cref="RegexOptions.NonBacktracking"/>: its cost is linear in the
/// text, whatever the pattern. A missing value never matches; the client IP is matched in its text form. The name
/// resolves like a <see cref="PropertyCondition"/>'s (<see cref="FieldPath"/>): a dotted path (<c>Parameters.Name</c>)
/// reaches into a property that holds JSON, every array element, and the condition holds when any value reached matches.
/// </summary>
/// <param name="Property">The field or property name.</param>
/// <param name="Pattern">The .NET regular expression (constructs that need backtracking, such as back-references
/// and look-arounds, are rejected when compiled).</param>
/// <param name="IgnoreCase">Whether letters match ignoring case (invariant culture).</param>
/// <param name="Multiline">Whether <c>^</c> and <c>$</c> match at line breaks.</param>
/// <param name="Singleline">Whether <c>.</c> matches a line break.</param>
internal sealed record RegexCondition(string Property, string Pattern, bool IgnoreCase, bool Multiline, bool Singleline) : Condition
{
    /// <summary>The options the expression is compiled with.</summary>
    public RegexOptions Options =>
        RegexOptions.NonBacktracking | RegexOptions.CultureInvariant
        | (IgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None)
        | (Multiline ? RegexOptions.Multiline : RegexOptions.None)
        | (Singleline ? RegexOptions.Singleline : RegexOptions.None);

    /// <summary>Compiles the expression.</summary>
    /// <exception cref="ArgumentException">The pattern is not a valid expression or needs backtracking.</exception>
    /// <exception cref="NotSupportedException">The pattern uses a construct NonBacktracking does not support.</exception>
    public Regex ToRegex() => new(Pattern, Options);
}
