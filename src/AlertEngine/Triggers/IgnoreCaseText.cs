using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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
        if (SameChars(value, remembered))
        {
            exact = true;
            return true;
        }

        return value.Equals(remembered, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether <paramref name="value"/> and <paramref name="other"/>, of the same length (not checked here),
    /// hold the same characters (ordinally): <see cref="MemoryExtensions.SequenceEqual{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>
    /// without its call for the short values the scans compare (up to 32 characters: two overlapping loads from each, of
    /// 8, 16 or 32 bytes); longer ones are left to it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SameChars(ReadOnlySpan<char> value, ReadOnlySpan<char> other)
    {
        var bytes = (nint)value.Length * sizeof(char);
        ref var a = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(value));
        ref var b = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(other));
        if (bytes <= 16)
        {
            if (bytes >= 8)
            {
                return Unsafe.ReadUnaligned<ulong>(ref a) == Unsafe.ReadUnaligned<ulong>(ref b)
                    && Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref a, bytes - 8)) == Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref b, bytes - 8));
            }

            if (bytes >= 4)
            {
                return Unsafe.ReadUnaligned<uint>(ref a) == Unsafe.ReadUnaligned<uint>(ref b)
                    && Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref a, bytes - 4)) == Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, bytes - 4));
            }

            return bytes == 0 || Unsafe.ReadUnaligned<ushort>(ref a) == Unsafe.ReadUnaligned<ushort>(ref b);
        }

        if (bytes <= 32 && Vector128.IsHardwareAccelerated)
        {
            return Vector128.LoadUnsafe(ref a) == Vector128.LoadUnsafe(ref b)
                && Vector128.LoadUnsafe(ref Unsafe.Add(ref a, bytes - 16)) == Vector128.LoadUnsafe(ref Unsafe.Add(ref b, bytes - 16));
        }

        if (bytes >= 32 && bytes <= 64 && Vector256.IsHardwareAccelerated)
        {
            return Vector256.LoadUnsafe(ref a) == Vector256.LoadUnsafe(ref b)
                && Vector256.LoadUnsafe(ref Unsafe.Add(ref a, bytes - 32)) == Vector256.LoadUnsafe(ref Unsafe.Add(ref b, bytes - 32));
        }

        return value.SequenceEqual(other);
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
