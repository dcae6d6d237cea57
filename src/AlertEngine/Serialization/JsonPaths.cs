using System.Globalization;
using System.Text;

namespace AlertEngine;

/// <summary>Builds the JSON paths of validation errors (<c>policies[2].trigger.count</c>) and quotes user text for messages.</summary>
internal static class JsonPaths
{
    /// <summary>The root of policy paths.</summary>
    public const string Policies = "policies";

    private const int MaxQuotedLength = 60;

    /// <summary><c>parent.name</c>, or <c>parent["odd name"]</c> when the name is not a plain identifier.</summary>
    public static string Property(string parent, string name) =>
        IsIdentifier(name) ? parent + "." + name : parent + "[" + Quote(name) + "]";

    /// <summary><c>parent[index]</c>.</summary>
    public static string Index(string parent, int index) =>
        parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>
    /// The text as a double-quoted, JSON-escaped string, shortened to about 60 characters, safe to print
    /// whatever the input holds (control characters, null bytes, lone surrogates).
    /// </summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, MaxQuotedLength) + 8);
        sb.Append('"');
        var length = text.Length;
        var cut = length > MaxQuotedLength;
        if (cut)
        {
            length = MaxQuotedLength;
            if (char.IsHighSurrogate(text[length - 1]))
            {
                length--;
            }
        }

        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    var pair = char.IsHighSurrogate(c) && i + 1 < length && char.IsLowSurrogate(text[i + 1]);
                    if (pair)
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029')
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
        if (cut)
        {
            sb.Append("… (").Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append(" characters)");
        }

        return sb.ToString();
    }

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || name.Length > MaxQuotedLength || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '$' and not '-')
            {
                return false;
            }
        }

        return true;
    }
}
