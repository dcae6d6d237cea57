using System.Text;
using System.Text.RegularExpressions;

namespace AlertEngine.Sigma;

/// <summary>
/// A Sigma string value with its wildcards resolved: <c>*</c> (any run of characters) and <c>?</c> (one character)
/// are wildcards unless escaped with a backslash (<c>\*</c>, <c>\?</c>); <c>\\</c> is one backslash; a backslash
/// before any other character is itself. Immutable.
/// </summary>
internal sealed class SigmaString
{
    // Each part is a literal character or a wildcard; '\0' entries of _wildcards mark literals.
    private readonly List<(char Char, bool IsWildcard)> _parts;

    private SigmaString(List<(char, bool)> parts) => _parts = parts;

    /// <summary>Parses a rule's value.</summary>
    public static SigmaString Parse(string value)
    {
        var parts = new List<(char, bool)>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is '*' or '?' or '\\')
            {
                parts.Add((value[i + 1], false));
                i++;
            }
            else
            {
                parts.Add((c, c is '*' or '?'));
            }
        }

        return new SigmaString(parts);
    }

    /// <summary>Whether any part is a wildcard.</summary>
    public bool HasWildcards => _parts.Exists(p => p.IsWildcard);

    /// <summary>Whether a literal <c>*</c> or <c>?</c> (escaped) occurs: then a glob cannot express the value.</summary>
    public bool HasLiteralWildcardCharacters => _parts.Exists(p => !p.IsWildcard && p.Char is '*' or '?');

    /// <summary>The value with <c>*</c> added in front (endswith, contains).</summary>
    public SigmaString PrependStar() => new([('*', true), .. _parts]);

    /// <summary>The value with <c>*</c> added at the end (startswith, contains).</summary>
    public SigmaString AppendStar() => new([.. _parts, ('*', true)]);

    /// <summary>The plain text (when there are no wildcards), or the glob (when no literal wildcard characters).</summary>
    public string Text()
    {
        var builder = new StringBuilder(_parts.Count);
        foreach (var (c, _) in _parts)
        {
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>An anchored .NET regular expression for the whole value (<c>*</c> → <c>.*</c>, <c>?</c> → <c>.</c>),
    /// to be used with <see cref="RegexOptions.Singleline"/>.</summary>
    public string ToRegex()
    {
        var builder = new StringBuilder("^");
        foreach (var (c, wildcard) in _parts)
        {
            builder.Append(wildcard ? (c == '*' ? ".*" : ".") : Regex.Escape(c.ToString()));
        }

        return builder.Append('$').ToString();
    }
}
