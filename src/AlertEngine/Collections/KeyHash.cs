using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// The string hash of the trigger cores' key lookups (<see cref="KeyTable{TValue}"/>, the anomaly model's
/// <see cref="HandleIndex"/>): per 8-byte block, the sum so far rotated plus the block times an odd constant, from the
/// process's seed (<see cref="KeyTableSeed"/>) plus the length, then a final mix. Not a defence against crafted keys on
/// its own: each table switches to .NET's randomized string hash when a probe run grows too long.
/// </summary>
internal static class KeyHash
{
    /// <summary>The hash of the characters with <paramref name="fold"/> or-ed into every block (0: ordinal).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Mix(ReadOnlySpan<char> key, ulong fold) => Mix(key, fold, out _);

    /// <summary>The hash of the characters with <paramref name="fold"/> or-ed into every block;
    /// <paramref name="nonAscii"/> tells whether a character is not ASCII.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Mix(ReadOnlySpan<char> key, ulong fold, out bool nonAscii)
    {
        const ulong K = 0x9E37_79B9_7F4A_7C15;
        const ulong High = 0xFF80_FF80_FF80_FF80;
        var bytes = MemoryMarshal.AsBytes(key);
        ref var start = ref MemoryMarshal.GetReference(bytes);
        var length = bytes.Length;
        var h = KeyTableSeed.Value + (ulong)length;
        ulong any = 0;
        var i = 0;
        for (; i + 8 <= length; i += 8)
        {
            var block = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            any |= block;
            h = BitOperations.RotateLeft(h, 23) + ((block | fold) * K);
        }

        if (i < length)
        {
            // The last one to three characters, read as the last eight bytes when the key is that long (overlapping
            // characters already hashed) and character by character otherwise.
            ulong block;
            if (length >= 8)
            {
                block = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8));
            }
            else
            {
                block = 0;
                for (var j = i; j < length; j += 2)
                {
                    block = (block << 16) | Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, j));
                }
            }

            any |= block;
            h = BitOperations.RotateLeft(h, 23) + ((block | fold) * K);
        }

        nonAscii = (any & High) != 0;
        h ^= h >> 33;
        h *= 0xFF51_AFD7_ED55_8CCD;
        h ^= h >> 29;
        return (int)h;
    }
}
