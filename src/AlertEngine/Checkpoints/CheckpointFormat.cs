using System.Buffers.Binary;
using System.IO.Hashing;

namespace AlertEngine;

/// <summary>
/// The frame of an engine checkpoint: a header (magic <c>AECP</c>, format version, payload length), the payload, and an
/// XxHash64 checksum of the payload. A truncated, corrupt or foreign stream is refused before anything reads the payload.
/// </summary>
/// <remarks>
/// <para>Payload, version 1 (little-endian; strings are 7-bit-length-prefixed UTF-8):</para>
/// <code>
/// engine     watermark (ticks, long.MinValue = none), 10 counters (processed, duplicates, late, detections, created,
///            updated, errors, diagnostics, future, observer errors), the duplicate filter as a block: newest ticks,
///            count, (lo, hi, ticks)*
/// policies   count, then per policy in ordinal id order: id, the policy as JSON (its identity: a restore keeps a
///            policy's state only when its operations, conditions and trigger are unchanged), the aggregator block
///            (open alert), the detector block: detector-wide fields, then keyed records (key, length, payload)*
/// </code>
/// <para>An anomaly detector with the population day profile (issue 15; the population model, the default, with the grid) starts its
/// block with a negative format marker (−2: its detector-wide fields are followed by the profile, and each key's record
/// ends with its cached rate against the profile); without the profile the block is format 1 as before, starting with
/// its positive bucket length. Either reads both: format 1 with an empty profile, format 2 without the profile dropping
/// it.</para>
/// <para>Keyed records hold one scope key's whole state each, and duplicate-filter entries one id each, so a checkpoint
/// splits and merges by key without understanding the payloads.</para>
/// </remarks>
internal static class CheckpointFormat
{
    public const uint Magic = 0x50434541; // "AECP"
    public const int Version = 1;
    private const int HeaderBytes = 12;
    private const int ChecksumBytes = 8;

    /// <summary>Writes header, payload and checksum.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], payload.Length);
        stream.Write(header);
        stream.Write(payload);
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(checksum, XxHash64.HashToUInt64(payload));
        stream.Write(checksum);
    }

    /// <summary>Reads a whole checkpoint and returns its verified payload.</summary>
    /// <exception cref="InvalidDataException">Not a checkpoint, another version, truncated, or the checksum does not match.</exception>
    public static ReadOnlyMemory<byte> Read(Stream stream)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (ReadFully(stream, header) < HeaderBytes)
        {
            throw new InvalidDataException("Not an engine checkpoint: the data is shorter than a checkpoint header.");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            throw new InvalidDataException("Not an engine checkpoint (the header does not start with AECP).");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (version != Version)
        {
            throw new InvalidDataException($"Unsupported engine checkpoint version {version}; this library reads version {Version}.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (length < 0 || (stream.CanSeek && length > stream.Length - stream.Position - ChecksumBytes))
        {
            throw new InvalidDataException("Truncated or corrupt engine checkpoint: the payload length does not fit the data.");
        }

        if (stream is MemoryStream memory && memory.TryGetBuffer(out var visible))
        {
            // A memory stream that shows its buffer: read the payload in place.
            var at = (int)memory.Position;
            memory.Position = at + length;
            return Verify(stream, visible.AsMemory(at, length));
        }

        if (stream.CanSeek)
        {
            // The length was checked against the stream: read it in one piece.
            var bytes = GC.AllocateUninitializedArray<byte>(length); // every byte is read over
            if (ReadFully(stream, bytes) < length)
            {
                throw new InvalidDataException("Truncated engine checkpoint.");
            }

            return Verify(stream, bytes);
        }

        // Read in chunks: a corrupt length from a stream that cannot seek must not allocate it up front.
        using var buffer = new MemoryStream();
        var chunk = new byte[Math.Min(length, 1 << 20) + 1];
        var left = length;
        while (left > 0)
        {
            var read = stream.Read(chunk, 0, Math.Min(left, chunk.Length));
            if (read == 0)
            {
                throw new InvalidDataException("Truncated engine checkpoint.");
            }

            buffer.Write(chunk, 0, read);
            left -= read;
        }

        return Verify(stream, new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, length));
    }

    private static ReadOnlyMemory<byte> Verify(Stream stream, ReadOnlyMemory<byte> payload)
    {
        Span<byte> checksum = stackalloc byte[ChecksumBytes];
        if (ReadFully(stream, checksum) < ChecksumBytes)
        {
            throw new InvalidDataException("Truncated engine checkpoint: the checksum is missing.");
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(checksum) != XxHash64.HashToUInt64(payload.Span))
        {
            throw new InvalidDataException("Corrupt engine checkpoint: the checksum does not match.");
        }

        return payload;
    }

    private static int ReadFully(Stream stream, Span<byte> into)
    {
        var total = 0;
        while (total < into.Length)
        {
            var read = stream.Read(into[total..]);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
