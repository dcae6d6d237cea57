using System.Buffers.Binary;
using System.IO.Hashing;

namespace AlertEngine;

/// <summary>
/// What the engine service stores in its <see cref="IEngineStateStore"/>: the engine checkpoint and the notification
/// state, cut at the same moment and stored as one value, so a crash can never leave one without the other.
/// Thread-safe (stateless).
/// </summary>
/// <remarks>
/// <para>Layout (little-endian): magic <c>AESV</c>, format version (1); then the engine section (int32 length, the bytes
/// of <c>AlertPipeline.SaveCheckpoint</c>, itself framed and checksummed), a flag for the notification section and,
/// when set, the section (int32 length, <see cref="NotificationStateEncoding"/>); then an XxHash64 of everything after
/// the version.</para>
/// <para>A stored value that starts with the engine checkpoint's own magic (<c>AECP</c>, written before the service
/// kept notification state) reads as an engine checkpoint without notification state.</para>
/// </remarks>
internal static class ServiceCheckpoint
{
    public const uint Magic = 0x56534541; // "AESV"
    public const int Version = 1;
    private const uint EngineMagic = 0x50434541; // "AECP"
    private const int HeaderBytes = 8;
    private const int ChecksumBytes = 8;

    /// <summary>The engine checkpoint and the notification state of one cut.</summary>
    /// <param name="Engine">The engine checkpoint (a stream for <c>AlertPipeline.RestoreCheckpoint</c>).</param>
    /// <param name="Notifications">The notification state; <see langword="null"/> when the stored value has none.</param>
    public readonly record struct Parts(ReadOnlyMemory<byte> Engine, NotificationStateSnapshot? Notifications);

    /// <summary>Writes one stored value.</summary>
    public static byte[] Write(ReadOnlySpan<byte> engine, NotificationStateSnapshot? notifications)
    {
        var section = notifications is null ? [] : NotificationStateEncoding.Encode(notifications);
        var bodyLength = 4 + engine.Length + 1 + (notifications is null ? 0 : 4 + section.Length);
        var bytes = new byte[HeaderBytes + bodyLength + ChecksumBytes];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(span[4..], Version);
        var at = HeaderBytes;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], engine.Length);
        at += 4;
        engine.CopyTo(span[at..]);
        at += engine.Length;
        span[at++] = notifications is null ? (byte)0 : (byte)1;
        if (notifications is not null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], section.Length);
            at += 4;
            section.CopyTo(span[at..]);
            at += section.Length;
        }

        BinaryPrimitives.WriteUInt64LittleEndian(span[at..], XxHash64.HashToUInt64(span[HeaderBytes..at]));
        return bytes;
    }

    /// <summary>Reads and checks a stored value; the notification state is decoded and checked too. The engine section
    /// is checked by <c>AlertPipeline.RestoreCheckpoint</c>.</summary>
    /// <exception cref="InvalidDataException">Foreign, truncated or corrupt data, or another version.</exception>
    public static Parts Read(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) == EngineMagic)
        {
            return new Parts(data, null);
        }

        if (data.Length < HeaderBytes + 5 + ChecksumBytes || BinaryPrimitives.ReadUInt32LittleEndian(data) != Magic)
        {
            throw new InvalidDataException("Not an engine service checkpoint (the data does not start with AESV or AECP, or is too short).");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(4));
        if (version != Version)
        {
            throw new InvalidDataException($"Unsupported engine service checkpoint version {version}; this library reads version {Version}.");
        }

        var end = data.Length - ChecksumBytes;
        if (BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(end)) != XxHash64.HashToUInt64(data.AsSpan(HeaderBytes, end - HeaderBytes)))
        {
            throw new InvalidDataException("Corrupt engine service checkpoint: the checksum does not match.");
        }

        var at = HeaderBytes;
        var engine = Section(data, ref at, end, "engine");
        if (at == end)
        {
            throw new InvalidDataException("Truncated engine service checkpoint: the notification flag is missing.");
        }

        var flag = data[at++];
        NotificationStateSnapshot? notifications = null;
        if (flag == 1)
        {
            notifications = NotificationStateEncoding.Decode(Section(data, ref at, end, "notification").Span);
        }
        else if (flag != 0)
        {
            throw new InvalidDataException("Corrupt engine service checkpoint: the notification flag is neither 0 nor 1.");
        }

        if (at != end)
        {
            throw new InvalidDataException("Corrupt engine service checkpoint: bytes after the last section.");
        }

        return new Parts(engine, notifications);
    }

    private static ReadOnlyMemory<byte> Section(byte[] data, ref int at, int end, string name)
    {
        if (end - at < 4)
        {
            throw new InvalidDataException($"Truncated engine service checkpoint: the {name} section is missing.");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(at));
        at += 4;
        if (length < 0 || length > end - at)
        {
            throw new InvalidDataException($"Corrupt engine service checkpoint: the {name} section's length does not fit the data.");
        }

        var section = new ReadOnlyMemory<byte>(data, at, length);
        at += length;
        return section;
    }
}
