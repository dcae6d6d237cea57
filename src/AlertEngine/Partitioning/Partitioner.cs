using System.Buffers;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace AlertEngine;

/// <summary>
/// Which partition a scope key or an activity id belongs to, for the partitioned engine (<see cref="EnginePartition"/>)
/// and the Orleans package. Stable across processes, machines and versions: it decides where checkpointed state lives.
/// </summary>
/// <remarks>
/// Scope keys are compared case-insensitively by the detectors (ordinal ignore-case), so a key is hashed upper-cased
/// (invariant, per UTF-16 code unit): keys a detector treats as one always land in one partition. The hash is XxHash3
/// (seed 0) of those code units; the partition is the hash modulo the count. Duplicate-filter entries are partitioned
/// by the high half of the id's 128-bit digest (the filter's own table uses the low half, so every partition's table
/// stays evenly filled).
/// </remarks>
internal static class Partitioner
{
    private const int StackChars = 128;

    /// <summary>The partition of <paramref name="key"/> among <paramref name="count"/>.</summary>
    public static int Of(string key, int count)
    {
        if (count == 1)
        {
            return 0;
        }

        return (int)(Hash(key) % (ulong)count);
    }

    /// <summary>The partition of a duplicate-filter digest among <paramref name="count"/>.</summary>
    public static int OfDigest(UInt128 digest, int count) => count == 1 ? 0 : (int)((ulong)(digest >> 64) % (ulong)count);

    /// <summary>The stable case-insensitive hash of a key.</summary>
    public static ulong Hash(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        char[]? rented = null;
        var buffer = key.Length <= StackChars ? stackalloc char[StackChars] : (rented = ArrayPool<char>.Shared.Rent(key.Length));
        var upper = buffer[..key.Length];

        // ASCII keys (user ids, activity ids) are upper-cased vectorised; Ascii.ToUpper maps a–z as the loop below and
        // stops at the first non-ASCII character, from where the loop finishes the key.
        _ = Ascii.ToUpper(key, upper, out var done);
        for (var i = done; i < key.Length; i++)
        {
            var c = key[i];
            upper[i] = c < 0x80 ? (c is >= 'a' and <= 'z' ? (char)(c - 32) : c) : char.ToUpperInvariant(c);
        }

        var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes((ReadOnlySpan<char>)upper));
        if (rented is not null)
        {
            ArrayPool<char>.Shared.Return(rented);
        }

        return hash;
    }
}
