using System.Collections.Frozen;
using System.Net;
using System.Text;

namespace AlertEngine;

/// <summary>
/// Reads what <see cref="CheckpointWriter"/> wrote, from memory that a checksum has already verified. Every
/// malformation (truncation, a negative or impossible count, a record not read exactly, a bad value) is an
/// <see cref="InvalidDataException"/>. Single-threaded.
/// </summary>
internal sealed class CheckpointReader
{
    private readonly ReadOnlyMemory<byte> _data;
    private int _position;
    private readonly Stack<int> _recordEnds = new();

    public CheckpointReader(ReadOnlyMemory<byte> data) => _data = data;

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => _data.Length - _position;

    public bool AtEnd => _position == _data.Length;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw Corrupt("truncated data");
        }

        var span = _data.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    public bool ReadBoolean() => Take(1)[0] switch
    {
        0 => false,
        1 => true,
        _ => throw Corrupt("a flag is neither 0 nor 1"),
    };

    public byte ReadByte() => Take(1)[0];

    public int ReadInt32() => BitConverter.ToInt32(Take(4));

    public long ReadInt64() => BitConverter.ToInt64(Take(8));

    public ulong ReadUInt64() => BitConverter.ToUInt64(Take(8));

    public float ReadSingle() => BitConverter.ToSingle(Take(4));

    public double ReadDouble() => BitConverter.ToDouble(Take(8));

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    /// <summary>Reads a string written by <see cref="BinaryWriter.Write(string)"/> (7-bit length prefix, UTF-8).</summary>
    public string ReadString()
    {
        var length = 0;
        var shift = 0;
        while (true)
        {
            if (shift > 28)
            {
                throw Corrupt("a string length is malformed");
            }

            var b = Take(1)[0];
            length |= (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        if (length < 0)
        {
            throw Corrupt("a string length is malformed");
        }

        try
        {
            return UTF8.GetString(Take(length));
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("Corrupt checkpoint: a string is not UTF-8.", e);
        }
    }

    public string? ReadNullableString() => ReadBoolean() ? ReadString() : null;

    public DateTimeOffset ReadTime()
    {
        var ticks = ReadInt64();
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw Corrupt("a time is out of range");
        }

        return new DateTimeOffset(ticks, TimeSpan.Zero);
    }

    /// <summary>Reads a length-prefixed byte block.</summary>
    public ReadOnlyMemory<byte> ReadBlock()
    {
        var length = ReadInt32();
        if (length < 0 || length > Remaining)
        {
            throw Corrupt("a block length is out of range");
        }

        var block = _data.Slice(_position, length);
        _position += length;
        return block;
    }

    /// <summary>Reads a count of items that take at least <paramref name="minimumBytesEach"/> bytes each, refusing a
    /// count the remaining data cannot hold (so a corrupt count never allocates).</summary>
    public int ReadCount(int minimumBytesEach = 1)
    {
        var count = ReadInt32();
        if (count < 0 || (long)count * Math.Max(1, minimumBytesEach) > Remaining)
        {
            throw Corrupt("a count is out of range");
        }

        return count;
    }

    public Activity ReadActivity()
    {
        var id = ReadString();
        var time = ReadTime();
        var operation = ReadString();
        if (id.Length == 0 || operation.Length == 0)
        {
            throw Corrupt("an activity has an empty id or operation");
        }

        var userId = ReadNullableString();
        var ip = ReadAddress();
        var objectId = ReadNullableString();
        var workload = ReadNullableString();
        var tagCount = ReadCount();
        var tags = tagCount == 0 ? Array.Empty<string>() : new string[tagCount];
        for (var i = 0; i < tags.Length; i++)
        {
            tags[i] = ReadString();
        }

        var propertyCount = ReadCount(2);
        IReadOnlyDictionary<string, string> properties = FrozenDictionary<string, string>.Empty;
        if (propertyCount > 0)
        {
            var d = new Dictionary<string, string>(propertyCount, StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < propertyCount; i++)
            {
                var key = ReadString();
                if (!d.TryAdd(key, ReadString()))
                {
                    throw Corrupt("an activity has a property twice");
                }
            }

            properties = d;
        }

        return new Activity(id, time, operation)
        {
            UserId = userId,
            ClientIp = ip,
            ObjectId = objectId,
            Workload = workload,
            UserTags = tags,
            Properties = properties,
        };
    }

    public IReadOnlyList<Activity> ReadActivities()
    {
        var count = ReadCount(20);
        var list = new Activity[count];
        for (var i = 0; i < count; i++)
        {
            list[i] = ReadActivity();
        }

        return list;
    }

    public IPAddress? ReadAddress()
    {
        var length = ReadByte();
        switch (length)
        {
            case 0:
                return null;
            case 4:
                return new IPAddress(Take(4));
            case 16:
                var bytes = Take(16);
                var scope = ReadInt64();
                return scope < 0 || scope > uint.MaxValue ? throw Corrupt("an IPv6 scope id is out of range") : new IPAddress(bytes, scope);
            default:
                throw Corrupt("an IP address has a bad length");
        }
    }

    /// <summary>The read position in the data.</summary>
    internal int Position => _position;

    /// <summary>Skips one encoded keyed record; returns its key (the record is the bytes from the position before the
    /// call to the position after it).</summary>
    internal string SkipKey()
    {
        var key = BeginKey();
        _position = _recordEnds.Pop();
        return key;
    }

    /// <summary>Reads the number of keyed records that follow.</summary>
    public int BeginKeys() => ReadCount(5);

    /// <summary>Reads the key of the next record; its payload follows, then <see cref="EndKey"/>.</summary>
    public string BeginKey()
    {
        var key = ReadString();
        var length = ReadInt32();
        if (length < 0 || length > Remaining)
        {
            throw Corrupt($"the record of key '{key}' has a bad length");
        }

        _recordEnds.Push(_position + length);
        return key;
    }

    /// <summary>Ends a record: its payload must have been read exactly.</summary>
    public void EndKey()
    {
        if (_recordEnds.Count == 0 || _recordEnds.Pop() != _position)
        {
            throw Corrupt("a keyed record was not read exactly");
        }
    }

    /// <summary>Throws unless everything was read.</summary>
    public void ExpectEnd(string what)
    {
        if (!AtEnd)
        {
            throw Corrupt($"{Remaining} unread bytes after {what}");
        }
    }

    public static InvalidDataException Corrupt(string message) => new("Corrupt checkpoint: " + message + ".");

    private static readonly UTF8Encoding UTF8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
}
