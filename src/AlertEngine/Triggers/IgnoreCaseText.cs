using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// Case-insensitive comparison of a value with a remembered one (<see cref="StringComparison.OrdinalIgnoreCase"/>), for
/// the scans of <see cref="DistinctCounter{TItem}"/> and <see cref="NewValueTracker"/>: a key's values often have the same
/// length (addresses, client names with a version) and differ near their end, so the last characters are compared first,
/// from the strings the scan already holds, and the full comparison runs only when they may match. Thread-safe (stateless).
/// </summary>
internal static class IgnoreCaseText
{
    /// <summary>Whether <paramref name="value"/> equals <paramref name="remembered"/> ignoring case, by
    /// <see cref="StringComparison.OrdinalIgnoreCase"/>; <paramref name="exact"/> tells whether they are equal ordinally
    /// (the same spelling). Both are non-empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Equal(ReadOnlySpan<char> value, string remembered, out bool exact)
    {
        exact = false;
        if (remembered.Length != value.Length || !LastMayMatch(value[^1], remembered[^1]))
        {
            return false;
        }

        // Ordinally first (the usual case: the same spelling), so an equal value is compared once and its spelling need
        // not be compared again.
        if (value.SequenceEqual(remembered))
        {
            exact = true;
            return true;
        }

        return value.Equals(remembered, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>False only when the two characters are both ASCII and differ ignoring case (then the strings they end
    /// cannot be equal ignoring case); a non-ASCII character is left to the full comparison.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LastMayMatch(char a, char b)
    {
        if (a == b || (a | b) >= 0x80)
        {
            return true;
        }

        // ASCII: equal ignoring case only as the same letter in either case ('A' | 0x20 == 'a'; the other characters
        // that differ by 0x20, such as '@' and '`', are not letters).
        var lower = (uint)(a | 0x20);
        return lower == (uint)(b | 0x20) && lower - 'a' <= 'z' - 'a';
    }
}
