using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

/// <summary>How <see cref="CsvQuotedChunks"/> moves the kept bytes of a chunk down (a choice for tests and benchmarks).</summary>
internal enum CsvCompaction
{
    /// <summary>The fastest the machine has: <see cref="Compress512"/> where AVX-512 VBMI2 is supported, else <see cref="Shuffle128"/>.</summary>
    Best,
    /// <summary>One AVX-512 VBMI2 compress per 64 bytes.</summary>
    Compress512,
    /// <summary>A byte shuffle per 8 bytes from a table of 256 (SSSE3, AdvSimd or software).</summary>
    Shuffle128,
}

/// <summary>
/// Scans the inside of an RFC 4180 quoted field 64 bytes at a time: finds its doubled quotes and its closing quote from
/// the block's quote mask with a few integer operations (no branch per quote), counts its line breaks and, for the field
/// that is kept, removes the second quote of every pair in place (the bytes move down, never up). Used by
/// <see cref="CsvRecordSplitter"/> for the AuditData column of a Purview export, where JSON has a doubled quote every
/// few bytes: a search call or a branch per quote costs more than the JSON parse saves (benchmarks/results/activity-reader.md).
/// Pure functions over the caller's buffer; thread-safe.
/// </summary>
internal static class CsvQuotedChunks
{
    /// <summary>The bytes scanned at a time.</summary>
    public const int ChunkLength = 64;

    private const ulong EvenBits = 0x5555_5555_5555_5555;
    private const ulong OddBits = ~EvenBits;

    /// <summary>For each 8-bit mask, the indices of its set bits packed low (the shuffle that keeps those bytes).</summary>
    private static readonly ulong[] PackTable = CreatePackTable();

    /// <summary>
    /// Scans from <paramref name="at"/> (just after an opening quote or a complete pair, or after other content of the
    /// field) while a whole chunk and the byte after it are in <paramref name="data"/>. Stops with <paramref name="at"/>
    /// on the closing quote (a quote not followed by another), or where fewer than 65 bytes are left, never between the
    /// two quotes of a pair. Line feeds passed are added to <paramref name="newlines"/>. With <paramref name="keep"/>, the
    /// field's content passed, its pairs made single quotes, is written from <paramref name="write"/> on (which is at or
    /// before <paramref name="at"/>); nothing at or after the returned <paramref name="at"/> is changed.
    /// </summary>
    /// <param name="data">The data read.</param>
    /// <param name="at">Where scanning resumes; on return, where it stopped.</param>
    /// <param name="write">Where the kept content goes next (with <paramref name="keep"/>).</param>
    /// <param name="newlines">The line feeds passed, added to.</param>
    /// <param name="unusual">Set nonzero when the content passed has a byte that is not ASCII or is NUL (with
    /// <paramref name="keep"/>), so that the parser can skip its own UTF-8 and NUL checks of plain ASCII.</param>
    /// <param name="keep">Whether the content is written down unescaped.</param>
    /// <param name="compaction">How.</param>
    public static void Scan(Span<byte> data, ref int at, ref int write, ref int newlines, ref ulong unusual, bool keep, CsvCompaction compaction)
    {
        if (!Vector128.IsHardwareAccelerated)
        {
            return;
        }

        var useCompress = compaction != CsvCompaction.Shuffle128 && Avx512Vbmi2.IsSupported && Avx512Vbmi.IsSupported;
        if (compaction == CsvCompaction.Compress512 && !useCompress)
        {
            throw new PlatformNotSupportedException("AVX-512 VBMI2 is not supported here");
        }

        // The loop works on locals, stored back once: the JIT keeps ref parameters in memory, and a load and store of
        // each per chunk made a store-to-load chain through every iteration.
        ref var start = ref MemoryMarshal.GetReference(data);
        var length = data.Length;
        var i = at;
        var w = write;
        var lineCount = 0;
        var odd = 0UL;
        if (keep && useCompress && Vector512.IsHardwareAccelerated)
        {
            ScanKept512(ref start, length, ref i, ref w, ref lineCount, ref odd);
        }

        // The general loop: other fields, other machines, and the chunk where the kept field ends.
        while (i + ChunkLength < length)
        {
            var (quotes, lines, other) = Masks(ref Unsafe.Add(ref start, i));
            var (closing, drop) = Closing(quotes);
            var consumed = ChunkLength;
            var taken = ulong.MaxValue; // the bytes of the chunk that belong to the field
            if (closing != 0)
            {
                var first = BitOperations.TrailingZeroCount(closing);
                if (first < ChunkLength - 1 || Unsafe.Add(ref start, i + ChunkLength) != (byte)'"')
                {
                    taken = (1UL << first) - 1;
                    consumed = first;
                }
                else
                {
                    // The last byte starts a pair with the next chunk's first: skip that one.
                    consumed = ChunkLength + 1;
                }
            }

            lineCount += BitOperations.PopCount(lines & taken);
            if (keep)
            {
                // Stores may reach up to the chunk's end, or only up to the closing quote when the field ends here.
                var kept = ~drop & taken;
                odd |= other & taken;
                var limit = i + Math.Min(consumed, ChunkLength);
                w = useCompress ? Compress512(ref start, i, w, kept, limit) : Shuffle128(ref start, i, w, kept, limit);
            }

            i += consumed;
            if (consumed < ChunkLength)
            {
                break;
            }
        }

        at = i;
        write = w;
        newlines += lineCount;
        unusual |= odd;
    }

    /// <summary>
    /// The bulk of the kept field on an AVX-512 VBMI2 machine: the chunks with no closing quote (every byte belongs to the
    /// field), in one loop with nothing else in it. Which bytes are not ASCII, NUL or line feeds is kept as a running
    /// byte-wise maximum and minimum (one instruction each per chunk, tested once at the end) instead of masks per chunk;
    /// only when there is a control byte are the line feeds counted (and NUL looked for) in the bytes written. Stops at
    /// the first chunk where the field ends, left to <see cref="Scan"/>'s general loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScanKept512(ref byte start, int length, ref int at, ref int write, ref int newlines, ref ulong unusual)
    {
        var i = at;
        var w = write;
        var lineCount = 0;
        var max = Vector512<byte>.Zero;
        var min = Vector512<byte>.AllBitsSet;
        while (i + ChunkLength < length)
        {
            var block = Vector512.LoadUnsafe(ref start, (nuint)i);
            var (closing, drop) = Closing(Vector512.Equals(block, Vector512.Create((byte)'"')).ExtractMostSignificantBits());
            var consumed = ChunkLength;
            if (closing != 0)
            {
                if (closing != 1UL << (ChunkLength - 1) || Unsafe.Add(ref start, i + ChunkLength) != (byte)'"')
                {
                    break;
                }

                // The last byte starts a pair with the next chunk's first: skip that one.
                consumed = ChunkLength + 1;
            }

            max = Vector512.Max(max, block);
            min = Vector512.Min(min, block);
            Dropped512(block, drop).StoreUnsafe(ref start, (nuint)w);
            w += ChunkLength - BitOperations.PopCount(drop);
            i += consumed;
        }

        if (Vector512.LessThanAny(min, Vector512.Create((byte)0x20)))
        {
            // A control byte (rare in AuditData: a pretty-printed record). Line feeds and NUL are never dropped, so
            // they are counted and looked for in what was written.
            var written = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref start, write), w - write);
            lineCount = written.Count((byte)'\n');
            if (written.Contains((byte)0))
            {
                unusual |= 1;
            }
        }

        if (Vector512.GreaterThanAny(max, Vector512.Create((byte)0x7F)))
        {
            unusual |= 1;
        }

        at = i;
        write = w;
        newlines += lineCount;
    }

    /// <summary>The bytes of <paramref name="block"/> not selected by <paramref name="drop"/>, packed low (AVX-512 VBMI2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Dropped512(Vector512<byte> block, ulong drop)
    {
        var bits = Vector512.Create(
            (byte)1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128,
            1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128);
        var byteOfMask = Vector512.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
            4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
        var spread = Avx512Vbmi.PermuteVar64x8(Vector512.Create(drop).AsByte(), byteOfMask);
        return Avx512Vbmi2.Compress(Vector512<byte>.Zero, Vector512.Equals(spread & bits, Vector512<byte>.Zero), block);
    }

    /// <summary>
    /// The closing quotes of a chunk's quote mask (bit i: byte i), and the second quote of each pair (dropped). A run of quotes pairs up from its first quote: the second of each pair is dropped, and a run of odd length
    /// ends with the closing quote. The runs that start on an odd bit are found by adding each even start to the run (the
    /// carry clears exactly the runs starting on even bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong Closing, ulong Drop) Closing(ulong quotes)
    {
        var starts = quotes & ~(quotes << 1);
        var oddRuns = (quotes + (starts & EvenBits)) & quotes;
        var evenRuns = quotes ^ oddRuns;
        var drop = (evenRuns & OddBits) | (oddRuns & EvenBits);
        return (quotes & ~drop & ~(drop >> 1), drop);
    }

    /// <summary>Whether the chunk scans are vectorised here (else <see cref="Scan"/> does nothing and callers search).</summary>
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;

    /// <summary>The mask of the commas, quotes and line feeds of the 64 bytes at <paramref name="source"/> (bit i: byte i).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Separators(ref byte source)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var block = Vector512.LoadUnsafe(ref source);
            return (Vector512.Equals(block, Vector512.Create((byte)',')) | Vector512.Equals(block, Vector512.Create((byte)'"'))
                | Vector512.Equals(block, Vector512.Create((byte)'\n'))).ExtractMostSignificantBits();
        }

        var mask = 0UL;
        for (var i = 0; i < ChunkLength; i += 16)
        {
            var block = Vector128.LoadUnsafe(ref source, (nuint)i);
            mask |= (ulong)(Vector128.Equals(block, Vector128.Create((byte)',')) | Vector128.Equals(block, Vector128.Create((byte)'"'))
                | Vector128.Equals(block, Vector128.Create((byte)'\n'))).ExtractMostSignificantBits() << i;
        }

        return mask;
    }

    /// <summary>The quote, line feed, and not-ASCII-or-NUL masks of the 64 bytes at <paramref name="source"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong Quotes, ulong Lines, ulong Other) Masks(ref byte source)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var block = Vector512.LoadUnsafe(ref source);
            return (Vector512.Equals(block, Vector512.Create((byte)'"')).ExtractMostSignificantBits(),
                Vector512.Equals(block, Vector512.Create((byte)'\n')).ExtractMostSignificantBits(),
                Vector512.GreaterThanOrEqual(block - Vector512<byte>.One, Vector512.Create((byte)0x7F)).ExtractMostSignificantBits());
        }

        if (Vector256.IsHardwareAccelerated)
        {
            var low = Vector256.LoadUnsafe(ref source);
            var high = Vector256.LoadUnsafe(ref source, 32);
            var quote = Vector256.Create((byte)'"');
            var line = Vector256.Create((byte)'\n');
            return (Vector256.Equals(low, quote).ExtractMostSignificantBits() | ((ulong)Vector256.Equals(high, quote).ExtractMostSignificantBits() << 32),
                Vector256.Equals(low, line).ExtractMostSignificantBits() | ((ulong)Vector256.Equals(high, line).ExtractMostSignificantBits() << 32),
                (low | Vector256.Equals(low, Vector256<byte>.Zero)).ExtractMostSignificantBits()
                    | ((ulong)(high | Vector256.Equals(high, Vector256<byte>.Zero)).ExtractMostSignificantBits() << 32));
        }

        var quotes = 0UL;
        var lines = 0UL;
        var other = 0UL;
        for (var i = 0; i < ChunkLength; i += 16)
        {
            var block = Vector128.LoadUnsafe(ref source, (nuint)i);
            quotes |= (ulong)Vector128.Equals(block, Vector128.Create((byte)'"')).ExtractMostSignificantBits() << i;
            lines |= (ulong)Vector128.Equals(block, Vector128.Create((byte)'\n')).ExtractMostSignificantBits() << i;
            other |= (ulong)(block | Vector128.Equals(block, Vector128<byte>.Zero)).ExtractMostSignificantBits() << i;
        }

        return (quotes, lines, other);
    }

    /// <summary>
    /// Moves the bytes of the chunk at <paramref name="at"/> selected by <paramref name="kept"/> to <paramref name="write"/>
    /// in one compress, stored with one 64-byte store when that ends at or before <paramref name="limit"/> (always for a
    /// whole chunk, as <paramref name="write"/> is at or before <paramref name="at"/>), else only the kept bytes, so that
    /// the rest of the record after the closing quote is untouched. Returns the new write position.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Compress512(ref byte start, int at, int write, ulong kept, int limit)
    {
        var packed = Dropped512(Vector512.LoadUnsafe(ref start, (nuint)at), ~kept);
        var count = BitOperations.PopCount(kept);
        if (write + ChunkLength <= limit)
        {
            packed.StoreUnsafe(ref start, (nuint)write);
        }
        else
        {
            StoreFirst(packed, ref Unsafe.Add(ref start, write), count);
        }

        return write + count;
    }

    /// <summary>Stores the first <paramref name="count"/> bytes of <paramref name="packed"/> (the end of a field: rare).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreFirst(Vector512<byte> packed, ref byte destination, int count)
    {
        Span<byte> tail = stackalloc byte[ChunkLength];
        packed.StoreUnsafe(ref MemoryMarshal.GetReference(tail));
        tail[..count].CopyTo(MemoryMarshal.CreateSpan(ref destination, count));
    }

    /// <summary>
    /// Like <see cref="Compress512"/> with a 16-byte shuffle per 16 bytes, each half packed by <see cref="PackTable"/> and
    /// stored with an 8-byte store (which ends at or before the end of those 8 bytes) while that ends at or before
    /// <paramref name="limit"/>, else one byte at a time. Returns the new write position.
    /// </summary>
    private static int Shuffle128(ref byte start, int at, int write, ulong kept, int limit)
    {
        var table = PackTable;
        for (var i = 0; i < ChunkLength; i += 16)
        {
            var mask = (uint)(kept >> i) & 0xFFFF;
            var low = (int)(mask & 0xFF);
            var high = (int)(mask >> 8);
            var block = Vector128.LoadUnsafe(ref start, (nuint)(at + i));
            var packed = Vector128.ShuffleNative(block, Vector128.Create(table[low], table[high] + 0x0808_0808_0808_0808).AsByte()).AsUInt64();
            var lowCount = BitOperations.PopCount((uint)low);
            var highCount = BitOperations.PopCount((uint)high);
            write = Store8(ref start, write, packed.GetElement(0), lowCount, limit);
            write = Store8(ref start, write, packed.GetElement(1), highCount, limit);
        }

        return write;
    }

    /// <summary>Stores the first <paramref name="count"/> of 8 <paramref name="bytes"/> at <paramref name="write"/>, all 8 in one
    /// store when they end at or before <paramref name="limit"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Store8(ref byte start, int write, ulong bytes, int count, int limit)
    {
        if (write + 8 <= limit)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, write), bytes);
            return write + count;
        }

        for (var i = 0; i < count; i++)
        {
            Unsafe.Add(ref start, write++) = (byte)(bytes >> (8 * i));
        }

        return write;
    }

    private static ulong[] CreatePackTable()
    {
        var table = new ulong[256];
        for (var mask = 0; mask < 256; mask++)
        {
            var entry = 0UL;
            var n = 0;
            for (var bit = 0; bit < 8; bit++)
            {
                if ((mask & (1 << bit)) != 0)
                {
                    entry |= (ulong)bit << (8 * n++);
                }
            }

            table[mask] = entry;
        }

        return table;
    }
}
