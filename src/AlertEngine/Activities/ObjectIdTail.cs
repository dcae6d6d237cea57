namespace AlertEngine;

/// <summary>
/// A 28-bit code of a text's last four characters, when they are ASCII: each lowercased (<c>A</c>-<c>Z</c> only), 7 bits,
/// the last character in the lowest bits. Two texts whose last k (at most 4) characters are equal ignoring ASCII case
/// have equal low 7k bits, so a suffix test (<see cref="StringComparison.OrdinalIgnoreCase"/>, ASCII suffix) that
/// disagrees on those bits cannot match: <see cref="Activity"/> keeps the code of its object id, and
/// <see cref="ObjectIdSuffixLeaf"/> rejects most object ids without reading the string.
/// </summary>
internal static class ObjectIdTail
{
    /// <summary>The code's bits.</summary>
    public const uint CodeMask = (1u << 28) - 1;

    /// <summary>Set in <see cref="Of"/>'s result when the code is known.</summary>
    public const uint Known = 1u << 30;

    /// <summary><see cref="Known"/> and the code of <paramref name="text"/>'s last four characters; 0 when the text is
    /// null, shorter than four characters, or one of its last four characters is not ASCII.</summary>
    public static uint Of(string? text)
    {
        if (text is null || text.Length < 4)
        {
            return 0;
        }

        var code = 0u;
        for (var i = 1; i <= 4; i++)
        {
            var c = text[^i];
            if (c >= 0x80)
            {
                return 0;
            }

            code |= Lower(c) << (7 * (i - 1));
        }

        return Known | code;
    }

    /// <summary>The code of the last characters (at most 4) of an ASCII
    /// suffix, and the mask of its bits.</summary>
    public static (uint Code, uint Mask) OfSuffix(string suffix)
    {
        var k = Math.Min(4, suffix.Length);
        var code = 0u;
        for (var i = 1; i <= k; i++)
        {
            code |= Lower(suffix[^i]) << (7 * (i - 1));
        }

        return (code, k == 0 ? 0 : (1u << (7 * k)) - 1);
    }

    private static uint Lower(char c) => c is >= 'A' and <= 'Z' ? (uint)(c | 0x20) : c;
}
