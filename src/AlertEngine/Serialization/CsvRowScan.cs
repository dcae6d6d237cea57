using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

/// <summary>What <see cref="CsvRowScan.TryScan"/> found in a well-formed row.</summary>
internal struct CsvRow
{
    /// <summary>The position of the line feed that ends the row.</summary>
    public int End;

    /// <summary>The number of fields.</summary>
    public int FieldCount;

    /// <summary>The length of the kept field's content, unescaped, at the start of the kept buffer.</summary>
    public int KeptLength;

    /// <summary>The line feeds inside quoted fields.</summary>
    public int Newlines;

    /// <summary>Whether the kept content is all ASCII without NUL.</summary>
    public bool PlainAscii;
}

/// <summary>
/// The common case of <see cref="CsvRecordSplitter"/> in one small loop: a whole, well-formed row whose kept field is
/// quoted, 64 bytes at a time with no branch per field or per quote. Each block's quote mask gives the quoted regions by
/// a prefix XOR (a doubled quote leaves and re-enters them, so it needs no special case); the commas and the line feed
/// outside them are the separators and the row end; the kept field's content is the inside of its quotes minus its
/// opening quote, packed into a separate buffer (the input is not changed). Anything else (a quote that does not open a
/// field, text after a closing quote, an unquoted or missing kept field, a row not complete in the data read with 64
/// bytes to spare, a row near the length limit) returns <see langword="false"/> having changed nothing, and the splitter
/// reads the row its byte-exact way. Why: in the reader, between rows, the JSON parse evicts the splitter's code and
/// branch history; the field-by-field splitter then cost about 85 ns per row more than when timed alone (the line search
/// of JSON Lines, one small loop, lost nothing) (benchmarks/results/activity-reader.md). Pure functions; thread-safe.
/// </summary>
internal static class CsvRowScan
{
    private const int Block = 64;

    /// <summary>Whether the scan is vectorised here (else <see cref="TryScan"/> is not used).</summary>
    public static bool IsAccelerated => Vector128.IsHardwareAccelerated;

    /// <summary>
    /// Scans the row starting at <paramref name="start"/> in <paramref name="data"/> (the data read). Returns
    /// <see langword="false"/> when the row is not the common case (see the type); nothing is changed then.
    /// </summary>
    /// <param name="data">The data read.</param>
    /// <param name="start">The first byte of the row.</param>
    /// <param name="keptField">The index of the field to keep (0 or more).</param>
    /// <param name="maxLength">The longest row the caller accepts; a row this long or longer is left to it.</param>
    /// <param name="compress">Whether to pack with AVX-512 VBMI2 (else a table shuffle per 8 bytes).</param>
    /// <param name="kept">The buffer for the kept content; grown as needed (up to the row length plus 64 bytes).</param>
    /// <param name="row">The row found.</param>
    public static bool TryScan(ReadOnlySpan<byte> data, int start, int keptField, int maxLength, bool compress, ref byte[] kept, out CsvRow row)
    {
        row = default;
        ref var source = ref MemoryMarshal.GetReference(data);
        var pos = start;
        var field = 0;
        var keptFrom = int.MaxValue; // the first content byte of the kept field (after its opening quote)
        var keptTo = int.MaxValue;   // the separator after it
        if (keptField == 0)
        {
            if (data.Length <= start || data[start] != (byte)'"')
            {
                return false;
            }

            keptFrom = start + 1;
        }

        var insideCarry = 0UL;    // all ones when the previous block ended inside quotes
        var quoteCarry = 0UL;     // bit 0: the previous block's last byte is a quote
        var fieldStartCarry = 1UL; // bit 0: the block's first byte starts a field
        var closeCarry = 0UL;     // bit 0: the block's first byte follows a closing quote
        var crCarry = 0UL;        // bit 0: the block's first byte follows a carriage return that follows a closing quote
        var newlines = 0;
        var unusual = 0UL;
        var write = 0;
        var output = kept;
        while (pos + Block < data.Length && pos - start < maxLength)
        {
            if (output.Length < write + Block)
            {
                Array.Resize(ref output, Math.Max(output.Length * 2, write + Block));
                kept = output;
            }

            var (quotes, lines, commas, returns, other) = Masks(ref Unsafe.Add(ref source, pos));
            var inside = PrefixXor(quotes) ^ insideCarry;
            var nextQuote = (quotes >> 1) | (Unsafe.Add(ref source, pos + Block) == (byte)'"' ? 1UL << 63 : 0);

            // The row ends at the first line feed outside quotes; bits after it belong to the next row.
            var ends = lines & ~inside;
            var before = ends == 0 ? ulong.MaxValue : (ends & (0 - ends)) - 1; // the row's bytes in this block, without its line feed
            var upTo = (before << 1) | 1; // and with it

            // A quote that enters a quoted region without following a quote opens a field: it must start one. A quote
            // that leaves one without a quote next closes it: a comma, a line feed or CR LF must follow.
            var opening = quotes & inside & ~((quotes << 1) | quoteCarry);
            var closing = quotes & ~inside & ~nextQuote;
            var separators = commas & ~inside & before;
            var follow = (closing << 1) | closeCarry;
            var crFollow = ((follow & returns) << 1) | crCarry;
            var wrong = (opening & ~((separators << 1) | fieldStartCarry)) | (follow & ~(commas | lines | returns)) | (crFollow & ~lines);
            if ((wrong & upTo) != 0)
            {
                return false;
            }

            // The kept field starts after the keptField-th separator and ends at the next one (or the row end).
            var s = separators;
            while (s != 0)
            {
                var at = pos + BitOperations.TrailingZeroCount(s);
                s &= s - 1;
                field++;
                if (field == keptField)
                {
                    if (Unsafe.Add(ref source, at + 1) != (byte)'"')
                    {
                        return false;
                    }

                    keptFrom = at + 2;
                }
                else if (field == keptField + 1)
                {
                    keptTo = at;
                }
            }

            var end = ends == 0 ? int.MaxValue : pos + BitOperations.TrailingZeroCount(ends);
            var keep = inside & Range(keptFrom - pos, Math.Min(keptTo, end) - pos);
            unusual |= other & keep;
            newlines += BitOperations.PopCount(lines & before);
            write += compress
                ? CompressTo(ref Unsafe.Add(ref source, pos), ref output[write], keep)
                : ShuffleTo(ref Unsafe.Add(ref source, pos), ref output[write], keep);
            if (ends != 0)
            {
                if (field < keptField || end - start >= maxLength)
                {
                    return false;
                }

                row.End = end;
                row.FieldCount = field + 1;
                row.KeptLength = write;
                row.Newlines = newlines;
                row.PlainAscii = unusual == 0;
                return true;
            }

            insideCarry = 0 - (inside >> 63);
            quoteCarry = quotes >> 63;
            fieldStartCarry = separators >> 63;
            closeCarry = closing >> 63;
            crCarry = (follow & returns) >> 63;
            pos += Block;
        }

        return false;
    }

    /// <summary>The bits from <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive), both clamped to 0-64.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Range(int from, int to)
    {
        var high = to >= Block ? ulong.MaxValue : to <= 0 ? 0 : (1UL << to) - 1;
        var low = from >= Block ? ulong.MaxValue : from <= 0 ? 0 : (1UL << from) - 1;
        return high & ~low;
    }

    /// <summary>Bit i: the XOR of bits 0 to i (whether byte i is inside quotes, counting from the block start).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong PrefixXor(ulong bits)
    {
        if (Pclmulqdq.IsSupported)
        {
            return Pclmulqdq.CarrylessMultiply(Vector128.CreateScalar(bits), Vector128.Create(ulong.MaxValue), 0).ToScalar();
        }

        bits ^= bits << 1;
        bits ^= bits << 2;
        bits ^= bits << 4;
        bits ^= bits << 8;
        bits ^= bits << 16;
        bits ^= bits << 32;
        return bits;
    }

    /// <summary>The quote, line feed, comma, carriage return and not-ASCII-or-NUL masks of the 64 bytes at <paramref name="source"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (ulong Quotes, ulong Lines, ulong Commas, ulong Returns, ulong Other) Masks(ref byte source)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var block = Vector512.LoadUnsafe(ref source);
            return (Vector512.Equals(block, Vector512.Create((byte)'"')).ExtractMostSignificantBits(),
                Vector512.Equals(block, Vector512.Create((byte)'\n')).ExtractMostSignificantBits(),
                Vector512.Equals(block, Vector512.Create((byte)',')).ExtractMostSignificantBits(),
                Vector512.Equals(block, Vector512.Create((byte)'\r')).ExtractMostSignificantBits(),
                (block | Vector512.Equals(block, Vector512<byte>.Zero)).ExtractMostSignificantBits());
        }

        ulong quotes = 0, lines = 0, commas = 0, returns = 0, other = 0;
        for (var i = 0; i < Block; i += 16)
        {
            var block = Vector128.LoadUnsafe(ref source, (nuint)i);
            quotes |= (ulong)Vector128.Equals(block, Vector128.Create((byte)'"')).ExtractMostSignificantBits() << i;
            lines |= (ulong)Vector128.Equals(block, Vector128.Create((byte)'\n')).ExtractMostSignificantBits() << i;
            commas |= (ulong)Vector128.Equals(block, Vector128.Create((byte)',')).ExtractMostSignificantBits() << i;
            returns |= (ulong)Vector128.Equals(block, Vector128.Create((byte)'\r')).ExtractMostSignificantBits() << i;
            other |= (ulong)(block | Vector128.Equals(block, Vector128<byte>.Zero)).ExtractMostSignificantBits() << i;
        }

        return (quotes, lines, commas, returns, other);
    }

    /// <summary>Packs the bytes of the 64 at <paramref name="source"/> selected by <paramref name="keep"/> to
    /// <paramref name="destination"/> (which has 64 bytes of room) with one AVX-512 VBMI2 compress; returns their count.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CompressTo(ref byte source, ref byte destination, ulong keep)
    {
        CsvQuotedChunks.Pack512(ref source, keep).StoreUnsafe(ref destination);
        return BitOperations.PopCount(keep);
    }

    /// <summary>Like <see cref="CompressTo"/> with a table shuffle per 8 bytes (SSSE3, AdvSimd or software).</summary>
    private static int ShuffleTo(ref byte source, ref byte destination, ulong keep)
    {
        var write = 0;
        for (var i = 0; i < Block; i += 16)
        {
            var mask = (uint)(keep >> i) & 0xFFFF;
            var (low, high) = CsvQuotedChunks.Pack128(Vector128.LoadUnsafe(ref source, (nuint)i), mask);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, write), low);
            write += BitOperations.PopCount(mask & 0xFF);
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, write), high);
            write += BitOperations.PopCount(mask >> 8);
        }

        return write;
    }
}
