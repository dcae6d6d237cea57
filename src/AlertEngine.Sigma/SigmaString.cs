using System.Text;
using System.Text.RegularExpressions;

namespace AlertEngine.Sigma;

/// <summary>
/// A Sigma string value with its wildcards resolved: <c>*</c> (any run of characters) and <c>?</c> (one character)
/// are wildcards unless escaped with a backslash (<c>\*</c>, <c>\?</c>); <c>\\</c> is one backslash; a backslash
/// before any other character is itself. The value modifiers transform it: <c>windash</c> turns dashes into a class of
/// dash characters, the <c>utf16</c> family into bytes (one character per byte), <c>base64</c> into its encoding.
/// Immutable.
/// </summary>
internal sealed class SigmaString
{
    /// <summary>The characters <c>windash</c> treats as one: hyphen-minus, slash, en dash, em dash, horizontal bar.</summary>
    public const string DashCharacters = "-/\u2013\u2014\u2015";

    private readonly List<(char Char, PartKind Kind)> _parts;

    private SigmaString(List<(char, PartKind)> parts, bool isBytes)
    {
        _parts = parts;
        IsBytes = isBytes;
    }

    private enum PartKind
    {
        Literal,
        Wildcard,
        Dash,
    }

    /// <summary>Whether each character is one byte (after a <c>utf16</c> modifier), for <c>base64</c>.</summary>
    public bool IsBytes { get; }

    /// <summary>Whether any part is a wildcard.</summary>
    public bool HasWildcards => _parts.Exists(p => p.Kind == PartKind.Wildcard);

    /// <summary>Whether any part is a <c>windash</c> class.</summary>
    public bool HasDashes => _parts.Exists(p => p.Kind == PartKind.Dash);

    /// <summary>Whether a literal <c>*</c> or <c>?</c> (escaped) occurs: then a glob cannot express the value.</summary>
    public bool HasLiteralWildcardCharacters => _parts.Exists(p => p.Kind == PartKind.Literal && p.Char is '*' or '?');

    /// <summary>How many plain values the <c>windash</c> classes stand for (5 per class; capped at
    /// <see cref="int.MaxValue"/>).</summary>
    public int DashVariants
    {
        get
        {
            long variants = 1;
            foreach (var (_, kind) in _parts)
            {
                if (kind == PartKind.Dash)
                {
                    variants = Math.Min(int.MaxValue, variants * DashCharacters.Length);
                }
            }

            return (int)variants;
        }
    }

    /// <summary>Parses a rule's value.</summary>
    public static SigmaString Parse(string value)
    {
        var parts = new List<(char, PartKind)>(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is '*' or '?' or '\\')
            {
                parts.Add((value[i + 1], PartKind.Literal));
                i++;
            }
            else
            {
                parts.Add((c, c is '*' or '?' ? PartKind.Wildcard : PartKind.Literal));
            }
        }

        return new SigmaString(parts, isBytes: false);
    }

    /// <summary>A value of literal characters only.</summary>
    public static SigmaString Literal(string text)
    {
        var parts = new List<(char, PartKind)>(text.Length);
        foreach (var c in text)
        {
            parts.Add((c, PartKind.Literal));
        }

        return new SigmaString(parts, isBytes: false);
    }

    /// <summary>The value with <c>*</c> added in front (endswith, contains).</summary>
    public SigmaString PrependStar() => new([('*', PartKind.Wildcard), .. _parts], IsBytes);

    /// <summary>The value with <c>*</c> added at the end (startswith, contains).</summary>
    public SigmaString AppendStar() => new([.. _parts, ('*', PartKind.Wildcard)], IsBytes);

    /// <summary><c>windash</c>: every literal dash character (<see cref="DashCharacters"/>) becomes a class of all
    /// five.</summary>
    public SigmaString WithDashClasses()
    {
        var parts = new List<(char, PartKind)>(_parts.Count);
        foreach (var (c, kind) in _parts)
        {
            parts.Add(kind == PartKind.Literal && DashCharacters.Contains(c, StringComparison.Ordinal) ? ('-', PartKind.Dash) : (c, kind));
        }

        return new SigmaString(parts, IsBytes);
    }

    /// <summary>The plain values the <c>windash</c> classes stand for, each dash class replaced by each dash character
    /// (the value itself when it has none).</summary>
    public List<SigmaString> ExpandDashes()
    {
        var results = new List<List<(char, PartKind)>> { new(_parts.Count) };
        foreach (var part in _parts)
        {
            if (part.Kind != PartKind.Dash)
            {
                foreach (var r in results)
                {
                    r.Add(part);
                }

                continue;
            }

            var next = new List<List<(char, PartKind)>>(results.Count * DashCharacters.Length);
            foreach (var r in results)
            {
                foreach (var dash in DashCharacters)
                {
                    next.Add([.. r, (dash, PartKind.Literal)]);
                }
            }

            results = next;
        }

        return results.ConvertAll(parts => new SigmaString(parts, IsBytes));
    }

    /// <summary>The value encoded as UTF-16 bytes, one character per byte (<c>utf16le</c>, <c>utf16be</c>; with a byte
    /// order mark FF FE for <c>utf16</c>); wildcards stay wildcards. The value has no dash classes.</summary>
    public SigmaString EncodeUtf16(bool bigEndian, bool byteOrderMark)
    {
        var parts = new List<(char, PartKind)>((_parts.Count * 2) + 2);
        if (byteOrderMark)
        {
            parts.Add(((char)0xFF, PartKind.Literal));
            parts.Add(((char)0xFE, PartKind.Literal));
        }

        foreach (var (c, kind) in _parts)
        {
            if (kind != PartKind.Literal)
            {
                parts.Add((c, kind));
                continue;
            }

            var (high, low) = ((char)(c >> 8), (char)(c & 0xFF));
            parts.Add((bigEndian ? high : low, PartKind.Literal));
            parts.Add((bigEndian ? low : high, PartKind.Literal));
        }

        return new SigmaString(parts, isBytes: true);
    }

    /// <summary>The bytes <c>base64</c> encodes: the characters themselves after a <c>utf16</c> modifier, else the
    /// value's UTF-8. The value has no wildcards and no dash classes.</summary>
    public byte[] Bytes()
    {
        if (!IsBytes)
        {
            return Encoding.UTF8.GetBytes(Text());
        }

        var bytes = new byte[_parts.Count];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)_parts[i].Char;
        }

        return bytes;
    }

    /// <summary>The plain text (when there are no wildcards), or the glob (when no literal wildcard characters). The
    /// value has no dash classes.</summary>
    public string Text()
    {
        var builder = new StringBuilder(_parts.Count);
        foreach (var (c, _) in _parts)
        {
            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>An anchored .NET regular expression for the whole value (<c>*</c> → <c>.*</c>, <c>?</c> → <c>.</c>, a
    /// dash class → a character class of the five dashes), to be used with <see cref="RegexOptions.Singleline"/>.</summary>
    public string ToRegex()
    {
        var builder = new StringBuilder("^");
        foreach (var (c, kind) in _parts)
        {
            builder.Append(kind switch
            {
                PartKind.Wildcard => c == '*' ? ".*" : ".",
                PartKind.Dash => "[-/\u2013\u2014\u2015]",
                _ => Regex.Escape(c.ToString()),
            });
        }

        return builder.Append('$').ToString();
    }
}
