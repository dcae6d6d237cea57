using System.Text;

namespace AlertEngine;

/// <summary>
/// A glob compiled once: <c>*</c> matches any run of characters (including none, including <c>/</c>), <c>?</c>
/// matches exactly one character, every other character matches itself ignoring case, and the whole text must match.
/// There is no escape character. Characters are UTF-16 code units compared with
/// <see cref="StringComparison.OrdinalIgnoreCase"/> one unit at a time.
/// </summary>
/// <remarks>
/// The pattern is split at its stars into a literal-ish prefix, a suffix and the segments between them. Matching checks
/// the prefix and the suffix in place, then finds each middle segment at its leftmost position after the previous one.
/// Leftmost placement is always safe because a star can absorb whatever a later placement would skip, so there is no
/// backtracking: the cost is at most O(text length × pattern length) and usually O(text length). Nothing is allocated.
/// </remarks>
internal sealed class GlobPattern
{
    private readonly string _prefix;
    private readonly string _suffix;
    private readonly string[] _middle;
    private readonly bool _hasStar;
    private readonly int _minLength;

    private GlobPattern(string pattern)
    {
        Pattern = pattern;
        var firstStar = pattern.IndexOf('*', StringComparison.Ordinal);
        if (firstStar < 0)
        {
            _prefix = pattern;
            _suffix = string.Empty;
            _middle = [];
            _minLength = pattern.Length;
            return;
        }

        _hasStar = true;
        var lastStar = pattern.LastIndexOf('*');
        _prefix = pattern[..firstStar];
        _suffix = pattern[(lastStar + 1)..];
        _middle = pattern[firstStar..(lastStar + 1)].Split('*', StringSplitOptions.RemoveEmptyEntries);
        _minLength = _prefix.Length + _suffix.Length;
        foreach (var segment in _middle)
        {
            _minLength += segment.Length;
        }

        // "*.docx": the commonest file-name pattern is a suffix test. With an ASCII suffix without '?', comparing it as
        // a whole with OrdinalIgnoreCase gives the same answer as comparing one code unit at a time (the two differ
        // only for surrogate pairs, which an ASCII suffix cannot hold), and the runtime's EndsWith is vectorized.
        AsciiSuffix = _prefix.Length == 0 && _middle.Length == 0 && Ascii.IsValid(_suffix) && !_suffix.Contains('?', StringComparison.Ordinal) ? _suffix : null;
    }

    /// <summary>The pattern text.</summary>
    public string Pattern { get; }

    /// <summary>
    /// For a pattern that is <c>*</c> then ASCII characters other than <c>*</c> and <c>?</c> (<c>*.docx</c>): those
    /// characters, and the pattern matches exactly the texts that end with them (<see cref="MemoryExtensions.EndsWith(ReadOnlySpan{char}, ReadOnlySpan{char}, StringComparison)"/>
    /// with <see cref="StringComparison.OrdinalIgnoreCase"/>). Otherwise <see langword="null"/>.
    /// </summary>
    public string? AsciiSuffix { get; }

    /// <summary>Compiles <paramref name="pattern"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="pattern"/> is null.</exception>
    public static GlobPattern Create(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        return new GlobPattern(pattern);
    }

    /// <summary>Whether the whole of <paramref name="text"/> matches the pattern.</summary>
    public bool IsMatch(ReadOnlySpan<char> text)
    {
        if (!_hasStar)
        {
            return text.Length == _prefix.Length && SegmentMatchesAt(text, _prefix);
        }

        if (AsciiSuffix is { } suffix)
        {
            return text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        }

        if (text.Length < _minLength
            || !SegmentMatchesAt(text, _prefix)
            || !SegmentMatchesAt(text[(text.Length - _suffix.Length)..], _suffix))
        {
            return false;
        }

        var rest = text[_prefix.Length..(text.Length - _suffix.Length)];
        foreach (var segment in _middle)
        {
            var at = IndexOfSegment(rest, segment);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + segment.Length)..];
        }

        return true;
    }

    /// <summary>Whether <paramref name="text"/> matches at least one of <paramref name="globs"/>.</summary>
    public static bool AnyMatch(GlobPattern[] globs, ReadOnlySpan<char> text)
    {
        foreach (var glob in globs)
        {
            if (glob.IsMatch(text))
            {
                return true;
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => Pattern;

    /// <summary>Whether <paramref name="text"/> starts with <paramref name="segment"/> (which may hold <c>?</c>).</summary>
    private static bool SegmentMatchesAt(ReadOnlySpan<char> text, string segment)
    {
        for (var i = 0; i < segment.Length; i++)
        {
            var p = segment[i];
            if (p != '?' && !CharsEqualIgnoreCase(p, text[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The leftmost index where <paramref name="segment"/> matches in <paramref name="text"/>, or -1.</summary>
    private static int IndexOfSegment(ReadOnlySpan<char> text, string segment)
    {
        var last = text.Length - segment.Length;
        var first = segment[0];
        var i = 0;
        while (i <= last)
        {
            if (first != '?' && char.IsAscii(first))
            {
                // Jump to the next candidate start with a vectorized search.
                var lower = char.ToLowerInvariant(first);
                var upper = char.ToUpperInvariant(first);
                var skip = lower == upper ? text[i..(last + 1)].IndexOf(first) : text[i..(last + 1)].IndexOfAny(lower, upper);
                if (skip < 0)
                {
                    return -1;
                }

                i += skip;
            }

            if (SegmentMatchesAt(text[i..], segment))
            {
                return i;
            }

            i++;
        }

        return -1;
    }

    /// <summary>Compares two UTF-16 code units with <see cref="StringComparison.OrdinalIgnoreCase"/>.</summary>
    internal static bool CharsEqualIgnoreCase(char a, char b)
    {
        if (a == b)
        {
            return true;
        }

        if (char.IsAscii(a) && char.IsAscii(b))
        {
            // ASCII letters differ by 0x20 only; any other pair of different ASCII characters is unequal.
            var x = (char)(a | 0x20);
            return x == (b | 0x20) && char.IsAsciiLetterLower(x);
        }

        return MemoryExtensions.Equals(new ReadOnlySpan<char>(in a), new ReadOnlySpan<char>(in b), StringComparison.OrdinalIgnoreCase);
    }
}
