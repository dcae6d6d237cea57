using System.Net;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace AlertEngine;

/// <content>
/// The fast path for the commonest line of all: a native activity written as a flat object of plain strings.
/// </content>
internal static partial class ActivityLineParser
{
    /// <summary>
    /// Parses a line that is a flat native object of plain strings, the shape exporters and the generators write:
    /// <c>{"id":"…","time":"…","operation":"…",…}</c>, every byte printable ASCII, field names among <c>id</c>,
    /// <c>time</c>, <c>operation</c>, <c>userId</c>, <c>objectId</c>, <c>workload</c> and <c>clientIp</c> (any case,
    /// each once), every value a string without escapes, spaces allowed between tokens. Answers only when the line is
    /// that shape and valid (required fields present and not empty, a time <see cref="Iso8601FastPath"/> reads, an
    /// address <see cref="ClientIpParser"/> reads); any other line, valid or not, returns <see langword="null"/> and the
    /// caller parses it the general way, which decides and reports every problem.
    /// </summary>
    /// <remarks>
    /// Why (issue 16, benchmarks/results/end-to-end.md, 2026-12-05 06:00 UTC): the general path runs a
    /// <see cref="System.Text.Json.Utf8JsonReader"/> over the line, records each field in a scratch array, then checks
    /// the line for NUL bytes and for valid UTF-8 in passes of their own. Here one vectorised check (every byte in
    /// <c>0x20..0x7E</c>: no NUL, no control character, no UTF-8 to validate) replaces those passes, and the string
    /// values are found with a vectorised search for their closing quote. The activity built is exactly the one
    /// <see cref="BuildNative"/> builds from the same line (same interning, same empty-to-null rules): a JSON string
    /// without escapes and without control characters is its bytes, which is what the general path decodes too.
    /// The oracle property tests (ActivityLineParserOracleProperties) run both paths, since they generate lines of
    /// this shape among others.
    /// </remarks>
    internal static Activity? TryParsePlainNative(ReadOnlySpan<byte> line)
    {
        // Printable ASCII only (no NUL, no control character, nothing to validate as UTF-8), and no backslash anywhere
        // (no escapes), so a string ends at the next quote: one pass checks the bytes and lists where the quotes are.
        Span<int> quotes = stackalloc int[MaxPlainQuotes];
        if (line.IsEmpty || line[0] != (byte)'{' || !TryListQuotes(line, quotes, out var quoteCount))
        {
            return null;
        }

        var nextQuote = 0;
        ReadOnlySpan<byte> id = default, time = default, operation = default, userId = default, objectId = default, workload = default, clientIp = default;
        var seen = 0u;
        var i = SkipSpaces(line, 1);
        if (i < line.Length && line[i] == (byte)'}')
        {
            return null;
        }

        while (true)
        {
            // "name"
            if (!TryReadPlainString(line, quotes[..quoteCount], ref nextQuote, ref i, out var name))
            {
                return null;
            }

            var kind = KindOf(name);
            var bit = 1u << (int)kind;
            if (kind is FieldKind.Other or FieldKind.UserTags or FieldKind.Properties or FieldKind.CreationTime || (seen & bit) != 0)
            {
                return null;
            }

            seen |= bit;
            i = SkipSpaces(line, i);
            if (i >= line.Length || line[i] != (byte)':')
            {
                return null;
            }

            // "value"
            i = SkipSpaces(line, i + 1);
            if (!TryReadPlainString(line, quotes[..quoteCount], ref nextQuote, ref i, out var value))
            {
                return null;
            }

            switch (kind)
            {
                case FieldKind.Id: id = value; break;
                case FieldKind.Time: time = value; break;
                case FieldKind.Operation: operation = value; break;
                case FieldKind.UserId: userId = value; break;
                case FieldKind.ObjectId: objectId = value; break;
                case FieldKind.Workload: workload = value; break;
                default: clientIp = value; break;
            }

            i = SkipSpaces(line, i);
            if (i >= line.Length)
            {
                return null;
            }

            if (line[i] == (byte)',')
            {
                i = SkipSpaces(line, i + 1);
                continue;
            }

            if (line[i] != (byte)'}' || SkipSpaces(line, i + 1) != line.Length)
            {
                return null;
            }

            break;
        }

        const uint required = (1u << (int)FieldKind.Id) | (1u << (int)FieldKind.Time) | (1u << (int)FieldKind.Operation);
        if ((seen & required) != required || id.IsEmpty || operation.IsEmpty || !Iso8601FastPath.TryParse(time, out var utc))
        {
            return null;
        }

        IPAddress? address = null;
        if (!clientIp.IsEmpty && !TryPlainClientIp(clientIp, out address))
        {
            return null;
        }

        // Every byte is printable ASCII (checked up front), so each byte is its character: Latin-1 decoding widens
        // the bytes in one pass, where UTF-8 decoding would validate them first (6 ns less per string,
        // benchmarks/results/end-to-end.md "replay-t1-2"); the general path does the same for plain ASCII lines.
        // (string.Create with Ascii.ToUtf16 was slower: 26 against 20 ns per string, "replay-parse".)
        return new Activity(Encoding.Latin1.GetString(id), utc, Utf8InternTable.Values.GetOrAdd(operation))
        {
            UserId = userId.IsEmpty ? null : InternUserIds ? Utf8InternTable.Values.GetOrAdd(userId) : Encoding.Latin1.GetString(userId),
            ClientIp = address,
            ObjectId = objectId.IsEmpty ? null : Encoding.Latin1.GetString(objectId),
            Workload = workload.IsEmpty ? null : Utf8InternTable.Values.GetOrAdd(workload),
            UserTags = [],
            Properties = NoProperties,
        };
    }

    /// <summary>
    /// A string at <paramref name="i"/> (the line has no backslash): its content, and <paramref name="i"/> moved past
    /// it. Its quotes are the next two of <paramref name="quotes"/> (from <see cref="TryListQuotes"/>): the scanner
    /// only steps over spaces, colons and commas between strings, so no quote is ever skipped.
    /// </summary>
    private static bool TryReadPlainString(ReadOnlySpan<byte> line, scoped ReadOnlySpan<int> quotes, scoped ref int nextQuote, scoped ref int i, out ReadOnlySpan<byte> content)
    {
        content = default;
        if (nextQuote + 1 >= quotes.Length || quotes[nextQuote] != i)
        {
            return false;
        }

        var end = quotes[nextQuote + 1];
        content = line[(i + 1)..end];
        nextQuote += 2;
        i = end + 1;
        return true;
    }

    /// <summary>At most this many quotes on a line the fast path reads: 7 fields of 2 strings of 2 quotes.</summary>
    private const int MaxPlainQuotes = 28;

    /// <summary>
    /// Whether every byte of <paramref name="line"/> is printable ASCII (<c>0x20..0x7E</c>) other than a backslash,
    /// with at most <see cref="MaxPlainQuotes"/> quotes; if so, their positions in order in <paramref name="quotes"/>.
    /// </summary>
    /// <remarks>
    /// One pass instead of three (range check, backslash search, then a search for each closing quote): 32 bytes at a
    /// time, the quotes as a bit mask whose set bits are listed lowest first (issue 16, benchmarks/results/end-to-end.md
    /// "replay-t1-2"). The same loop twice, at 32 and then 16 bytes (the rest of the line, or all of it without
    /// 256-bit vectors), on purpose: 16-byte steps alone cost 274–282 against 267–272 ns per <c>ParseLine</c> with both
    /// (09:55 UTC, same process shape, alternating).
    /// </remarks>
    private static bool TryListQuotes(ReadOnlySpan<byte> line, Span<int> quotes, out int count)
    {
        count = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref var start = ref MemoryMarshal.GetReference(line);
            for (; i + Vector256<byte>.Count <= line.Length; i += Vector256<byte>.Count)
            {
                var block = Vector256.LoadUnsafe(ref start, (nuint)i);
                // Outside 0x20..0x7E: (b - 0x20) > 0x5E unsigned.
                var bad = Vector256.GreaterThan(block - Vector256.Create((byte)0x20), Vector256.Create((byte)0x5E))
                    | Vector256.Equals(block, Vector256.Create((byte)'\\'));
                if (bad != Vector256<byte>.Zero)
                {
                    return false;
                }

                var mask = Vector256.Equals(block, Vector256.Create((byte)'"')).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    if (count == quotes.Length)
                    {
                        return false;
                    }

                    quotes[count++] = i + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                }
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            // The rest of the line (or all of it without 256-bit vectors), 16 bytes at a time, the same way.
            ref var start = ref MemoryMarshal.GetReference(line);
            for (; i + Vector128<byte>.Count <= line.Length; i += Vector128<byte>.Count)
            {
                var block = Vector128.LoadUnsafe(ref start, (nuint)i);
                var bad = Vector128.GreaterThan(block - Vector128.Create((byte)0x20), Vector128.Create((byte)0x5E))
                    | Vector128.Equals(block, Vector128.Create((byte)'\\'));
                if (bad != Vector128<byte>.Zero)
                {
                    return false;
                }

                var mask = Vector128.Equals(block, Vector128.Create((byte)'"')).ExtractMostSignificantBits();
                while (mask != 0)
                {
                    if (count == quotes.Length)
                    {
                        return false;
                    }

                    quotes[count++] = i + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                }
            }
        }

        for (; i < line.Length; i++)
        {
            var b = line[i];
            if (b is < 0x20 or > 0x7E or (byte)'\\')
            {
                return false;
            }

            if (b == (byte)'"')
            {
                if (count == quotes.Length)
                {
                    return false;
                }

                quotes[count++] = i;
            }
        }

        return true;
    }

    private static int SkipSpaces(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && line[i] == (byte)' ')
        {
            i++;
        }

        return i;
    }

    /// <summary>The native clientIp rule of <see cref="NativeClientIp"/> for printable ASCII: blank is no address;
    /// anything that is not an address is not answered here (the general path reports it).</summary>
    private static bool TryPlainClientIp(ReadOnlySpan<byte> raw, out IPAddress? address)
    {
        // The common case straight from the bytes: a canonical dotted quad (no spaces to trim, no colon) is exactly
        // what the chars' path below would parse too.
        if (ClientIpParser.TryParseCanonicalDottedQuad(raw, out address))
        {
            return true;
        }

        address = null;
        if (raw.Length > MaxStackChars)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[MaxStackChars];
        System.Text.Ascii.ToUtf16(raw, buffer, out var written);
        ReadOnlySpan<char> text = buffer[..written];
        if (text.IsWhiteSpace())
        {
            return true;
        }

        return ClientIpParser.TryParseAddress(text.Trim(), out address);
    }
}
