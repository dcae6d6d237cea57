using System.Buffers.Binary;
using System.Collections.Frozen;
using System.IO.Hashing;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;

namespace AlertEngine;

/// <summary>
/// Reads what <see cref="CheckpointWriter"/> wrote, from memory that a checksum has already verified. Every
/// malformation (truncation, a negative or impossible count, a record not read exactly, a bad value) is an
/// <see cref="InvalidDataException"/>. Single-threaded.
/// </summary>
internal sealed class CheckpointReader
{
    private const int InternSlots = 1024;
    private const int AddressSlots = 64;

    private readonly ReadOnlyMemory<byte> _data;
    private readonly byte[] _array; // _data's bytes are _array[_start.._end]
    private readonly int _start;
    private readonly int _end;
    private int _position; // into _array
    private readonly Stack<int> _recordEnds = new();
    private string?[]? _interned;
    private IPAddress?[]? _addresses;
    private string? _lastOther;
    private string? _lastOperation;
    private string? _lastUser;
    private string? _lastObject;
    private string? _lastWorkload;

    public CheckpointReader(ReadOnlyMemory<byte> data)
    {
        _data = data;
        if (!MemoryMarshal.TryGetArray(data, out var segment) || segment.Array is null)
        {
            segment = new ArraySegment<byte>(data.ToArray());
        }

        _array = segment.Array!;
        _start = segment.Offset;
        _end = segment.Offset + segment.Count;
        _position = _start;
    }

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => _end - _position;

    public bool AtEnd => _position == _end;

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_end - _position))
        {
            throw Corrupt("truncated data");
        }

        var span = new ReadOnlySpan<byte>(_array, _position, count);
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

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public ReadOnlySpan<byte> ReadBytes(int count) => Take(count);

    /// <summary>Reads a string written by <see cref="BinaryWriter.Write(string)"/> (7-bit length prefix, UTF-8).</summary>
    public string ReadString() => Decode(Take(ReadStringLength()));

    private int ReadStringLength()
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

        return length < 0 ? throw Corrupt("a string length is malformed") : length;
    }

    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return UTF8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("Corrupt checkpoint: a string is not UTF-8.", e);
        }
    }

    /// <summary>Reads a string like <see cref="ReadString"/> and tells whether it equals <paramref name="expected"/>
    /// (ordinal), without making a string of it.</summary>
    public bool ReadStringEquals(string expected)
    {
        var bytes = Take(ReadStringLength());
        if (bytes.Length > 256)
        {
            return string.Equals(Decode(bytes), expected, StringComparison.Ordinal);
        }

        Span<byte> encoded = stackalloc byte[256];
        return UTF8.GetByteCount(expected) == bytes.Length && UTF8.GetBytes(expected, encoded) == bytes.Length && bytes.SequenceEqual(encoded[..bytes.Length]);
    }

    public string? ReadNullableString() => ReadBoolean() ? ReadString() : null;

    /// <summary>
    /// Reads a string like <see cref="ReadString"/>, sharing one instance among equal values this reader met recently
    /// (operations, users, workloads repeat across thousands of kept activities): a small table by hash of the bytes,
    /// an entry replaced when another value hashes to its slot. Only ASCII values are shared.
    /// </summary>
    public string ReadInternedString() => ReadInternedString(ref _lastOther);

    /// <summary>As <see cref="ReadInternedString()"/>, first comparing with the value this field had last time
    /// (<paramref name="last"/>): consecutive kept activities of one key mostly repeat their operation, user and object.</summary>
    private string ReadInternedString(ref string? last)
    {
        var bytes = Take(ReadStringLength());
        if (last is { } previous && previous.Length == bytes.Length && Ascii.Equals(bytes, previous))
        {
            return previous;
        }

        if (bytes.Length > 128)
        {
            return last = Decode(bytes);
        }

        _interned ??= new string?[InternSlots];
        ref var slot = ref _interned[(int)(XxHash3.HashToUInt64(bytes) & (InternSlots - 1))];
        if (slot is { } cached && cached.Length == bytes.Length && Ascii.Equals(bytes, cached))
        {
            return last = cached;
        }

        var value = Decode(bytes);
        if (Ascii.IsValid(bytes))
        {
            slot = value;
        }

        return last = value;
    }

    public string? ReadNullableInternedString() => ReadBoolean() ? ReadInternedString() : null;

    /// <summary>
    /// Whether operation and workload names go through the process-wide <see cref="Utf8InternTable.Values"/> (few
    /// values, repeated in every batch: a reader starting with an empty table of its own decodes each one again, and
    /// a batch's thousand operations collide in its direct-mapped slots). On; a switch for the batch-decode
    /// benchmark's side-by-side rows.
    /// </summary>
    internal static bool ShareNames { get; set; } = true;

    /// <summary>As <see cref="ReadInternedString(ref string?)"/> for a name (operation, workload): ASCII names of at
    /// most <see cref="Utf8InternTable.MaxLength"/> bytes come from <see cref="Utf8InternTable.Values"/>.</summary>
    private string ReadName(ref string? last)
    {
        if (!ShareNames)
        {
            return ReadInternedString(ref last);
        }

        var bytes = Take(ReadStringLength());
        if (last is { } previous && previous.Length == bytes.Length && Ascii.Equals(bytes, previous))
        {
            return previous;
        }

        // Non-ASCII bytes take the strict decoder (invalid UTF-8 is an InvalidDataException, not a replacement).
        return last = bytes.Length <= Utf8InternTable.MaxLength && Ascii.IsValid(bytes) ? Utf8InternTable.Values.GetOrAdd(bytes) : Decode(bytes);
    }

    private string? ReadNullableName(ref string? last) => ReadBoolean() ? ReadName(ref last) : null;

    private string? ReadNullableInternedString(ref string? last) => ReadBoolean() ? ReadInternedString(ref last) : null;

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

        var block = _data.Slice(_position - _start, length);
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
        var operation = ReadName(ref _lastOperation);
        if (id.Length == 0 || operation.Length == 0)
        {
            throw Corrupt("an activity has an empty id or operation");
        }

        var userId = ReadNullableInternedString(ref _lastUser);
        var ip = ReadAddress();
        var objectId = ReadNullableInternedString(ref _lastObject);
        var workload = ReadNullableName(ref _lastWorkload);
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
                // Shared among equal addresses met recently (kept activities repeat a few client addresses).
                var v4 = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
                _addresses ??= new IPAddress?[AddressSlots];
                ref var slot = ref _addresses[(int)((v4 * 2654435761u) >> 24) & (AddressSlots - 1)];
                if (slot is { } cached && cached.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && CachedV4(cached) == v4)
                {
                    return cached;
                }

                Span<byte> bytes4 = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes4, v4);
                return slot = new IPAddress(bytes4);
            case 16:
                var bytes = Take(16);
                var scope = ReadInt64();
                return scope < 0 || scope > uint.MaxValue ? throw Corrupt("an IPv6 scope id is out of range") : new IPAddress(bytes, scope);
            default:
                throw Corrupt("an IP address has a bad length");
        }
    }

    private static uint CachedV4(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        return address.TryWriteBytes(bytes, out var written) && written == 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : 0;
    }

    /// <summary>The read position in the data.</summary>
    internal int Position => _position - _start;

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
        // Interned: the scope key is often a value of the record's activities too (a user, an IP address).
        var key = ReadInternedString();
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
