using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace AlertEngine;

/// <summary>
/// Writes one part of an engine checkpoint (see <see cref="CheckpointFormat"/>): primitives, activities, and keyed
/// records. A keyed record holds one scope key's whole state, length-prefixed, so a checkpoint can be split and merged
/// by key (shards, partitions) without understanding the payload. Single-threaded.
/// </summary>
internal sealed class CheckpointWriter : IDisposable
{
    // As BinaryWriter: invalid UTF-16 (a lone surrogate) is written as U+FFFD rather than refused.
    private static readonly Encoding Utf8 = Encoding.UTF8;

    // Written straight into one array (no stream, no BinaryWriter: a checkpoint is millions of small values). The
    // bytes are those BinaryWriter would write: little-endian, strings 7-bit-length-prefixed UTF-8.
    private byte[] _buffer;
    private int _length;
    private readonly Stack<int> _open = new();
    private int _keysLeft;
    private string[] _keys = [];
    private int[] _order = [];

    /// <summary>Creates a writer.</summary>
    /// <param name="capacity">Expected size in bytes (e.g. the previous checkpoint's), to avoid regrowing the buffer.</param>
    public CheckpointWriter(int capacity = 0)
    {
        _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(capacity, 256));
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public void Write(bool value) => Write(value ? (byte)1 : (byte)0);

    public void Write(byte value)
    {
        if (_length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[_length++] = value;
    }

    public void Write(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void Write(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    public void Write(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void Write(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);

    public void Write(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);

    /// <summary>Writes a string as <see cref="BinaryWriter.Write(string)"/> does (7-bit length prefix, UTF-8).</summary>
    public void Write(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_buffer.Length - _length < 5 + (value.Length * 3))
        {
            Grow(5 + Utf8.GetMaxByteCount(value.Length));
        }

        var bytes = value.Length < 128 && Ascii.IsValid(value) ? value.Length : Utf8.GetByteCount(value);
        var v = (uint)bytes;
        while (v >= 0x80)
        {
            _buffer[_length++] = (byte)(v | 0x80);
            v >>= 7;
        }

        _buffer[_length++] = (byte)v;
        _length += Utf8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void Write(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void WriteNullable(string? value)
    {
        Write(value is not null);
        if (value is not null)
        {
            Write(value);
        }
    }

    /// <summary>Writes a time as UTC ticks (the offset is not kept: event times are UTC).</summary>
    public void WriteTime(DateTimeOffset value) => Write(value.UtcTicks);

    /// <summary>Writes a length-prefixed byte block (e.g. a nested section).</summary>
    public void WriteBlock(ReadOnlySpan<byte> bytes)
    {
        Write(bytes.Length);
        Write(bytes);
    }

    /// <summary>Starts a length-prefixed block written in place (no copy); end it with <see cref="EndBlock"/>. Reads
    /// back with <see cref="CheckpointReader.ReadBlock"/>, like <see cref="WriteBlock"/>.</summary>
    public void BeginBlock()
    {
        _open.Push(_length);
        Write(0); // the block length, patched by EndBlock
    }

    /// <summary>Ends the block started by <see cref="BeginBlock"/>: writes its length.</summary>
    public void EndBlock() => EndKey();

    /// <summary>Writes the whole activity: id, time, operation, user, client IP, object, workload, tags, properties
    /// (properties in ordinal key order, so equal activities give equal bytes).</summary>
    public void WriteActivity(Activity activity)
    {
        Write(activity.Id);
        Write(activity.Time.UtcTicks);
        Write(activity.Operation);
        WriteNullable(activity.UserId);
        WriteAddress(activity.ClientIp);
        WriteNullable(activity.ObjectId);
        WriteNullable(activity.Workload);
        var tags = activity.UserTags;
        Write(tags.Count);
        for (var i = 0; i < tags.Count; i++)
        {
            Write(tags[i]);
        }

        WriteProperties(activity.Properties);
    }

    /// <summary>Writes an activity's properties: the count, then the pairs in ordinal key order (equal activities give
    /// equal bytes).</summary>
    /// <remarks>Allocates nothing for the engine's own property dictionaries (the reader's <see cref="Utf8Properties"/>,
    /// whose values are copied as UTF-8 without being decoded, and <see cref="Dictionary{TKey, TValue}"/>): a trigger
    /// window's <see cref="ActivityArena"/> writes every activity it keeps this way.</remarks>
    public void WriteProperties(IReadOnlyDictionary<string, string> properties)
    {
        var count = properties.Count;
        Write(count);
        if (count == 0)
        {
            return;
        }

        if (_keys.Length < count)
        {
            _keys = new string[Math.Max(count, _keys.Length * 2)];
            _order = new int[_keys.Length];
        }

        var n = 0;
        switch (properties)
        {
            case Utf8Properties utf8:
                for (; n < count; n++)
                {
                    _keys[n] = utf8.KeyAt(n);
                    _order[n] = n;
                }

                break;
            case Dictionary<string, string> d:
                foreach (var pair in d)
                {
                    _keys[n++] = pair.Key;
                }

                break;
            default:
                foreach (var pair in properties)
                {
                    _keys[n++] = pair.Key;
                }

                break;
        }

        if (properties is Utf8Properties record)
        {
            SortKeys(count, withOrder: true);
            for (var i = 0; i < count; i++)
            {
                Write(_keys[i]);
                var raw = record.Utf8ValueAt(_order[i], out var decoded);

                // Valid UTF-8 is what Write(string) would write of its decoded string; anything else goes through the
                // string (as U+FFFD, like the decoded value).
                if (decoded is null && System.Text.Unicode.Utf8.IsValid(raw))
                {
                    Write7BitLength(raw.Length);
                    Write(raw);
                }
                else
                {
                    Write(decoded ?? record[_keys[i]]);
                }
            }
        }
        else
        {
            SortKeys(count, withOrder: false);
            for (var i = 0; i < count; i++)
            {
                Write(_keys[i]);
                Write(properties[_keys[i]]);
            }
        }

        Array.Clear(_keys, 0, count);
    }

    /// <summary>Sorts the first <paramref name="count"/> of <see cref="_keys"/> (and <see cref="_order"/> with them) in
    /// ordinal order: by insertion for the few properties an activity has (the library's sorts allocate a comparer
    /// object per call for a pair of arrays or an <see cref="IComparer{T}"/>), else with the library's.</summary>
    private void SortKeys(int count, bool withOrder)
    {
        if (count > 64)
        {
            if (withOrder)
            {
                Array.Sort(_keys, _order, 0, count, StringComparer.Ordinal);
            }
            else
            {
                Array.Sort(_keys, 0, count, StringComparer.Ordinal);
            }

            return;
        }

        for (var i = 1; i < count; i++)
        {
            var key = _keys[i];
            var order = _order[i];
            var j = i - 1;
            while (j >= 0 && string.CompareOrdinal(_keys[j], key) > 0)
            {
                _keys[j + 1] = _keys[j];
                _order[j + 1] = _order[j];
                j--;
            }

            _keys[j + 1] = key;
            _order[j + 1] = order;
        }
    }

    private void Write7BitLength(int length)
    {
        var v = (uint)length;
        while (v >= 0x80)
        {
            Write((byte)(v | 0x80));
            v >>= 7;
        }

        Write((byte)v);
    }

    public void WriteActivities(IReadOnlyList<Activity> activities)
    {
        Write(activities.Count);
        for (var i = 0; i < activities.Count; i++)
        {
            WriteActivity(activities[i]);
        }
    }

    public void WriteAddress(IPAddress? address)
    {
        if (address is null)
        {
            Write((byte)0);
            return;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new InvalidOperationException("An IP address did not fit 16 bytes.");
        }

        Write((byte)written);
        Write(bytes[..written]);
        if (written == 16)
        {
            Write(address.ScopeId);
        }
    }

    /// <summary>Starts the keyed records: exactly <paramref name="count"/> <see cref="BeginKey"/>/<see cref="EndKey"/> pairs follow.</summary>
    public void BeginKeys(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_keysLeft != 0)
        {
            throw new InvalidOperationException($"{_keysLeft} keyed records of the previous BeginKeys were not written.");
        }

        KeysOffset = _length;
        KeysCount = count;
        Write(count);
        _keysLeft = count;
    }

    /// <summary>Where (in <see cref="Written"/>) the count of the last <see cref="BeginKeys"/> starts, or −1: what comes
    /// before it is the detector-wide part of a detector's state, what follows it its keyed records.</summary>
    internal int KeysOffset { get; private set; } = -1;

    /// <summary>The count of the last <see cref="BeginKeys"/>.</summary>
    internal int KeysCount { get; private set; }

    /// <summary>Announces <paramref name="count"/> keyed records that the caller writes already encoded (their bytes
    /// as <see cref="BeginKey"/>/<see cref="EndKey"/> wrote them, copied with <see cref="Write(ReadOnlySpan{byte})"/>):
    /// the partitioned engine merges its partitions' records this way.</summary>
    internal void BeginEncodedKeys(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Write(count);
    }

    /// <summary>Starts one key's record; its payload follows, then <see cref="EndKey"/>.</summary>
    public void BeginKey(string key)
    {
        if (_keysLeft == 0)
        {
            throw new InvalidOperationException("More keyed records than BeginKeys announced.");
        }

        _keysLeft--;
        Write(key);
        _open.Push(_length);
        Write(0); // the payload length, patched by EndKey
    }

    /// <summary>Ends the record started by <see cref="BeginKey"/>: writes its payload length.</summary>
    public void EndKey()
    {
        var start = _open.Pop();
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(start), checked(_length - start - 4));
    }

    /// <summary>Throws when keyed records announced by <see cref="BeginKeys"/> are missing (a detector bug).</summary>
    /// <param name="openBlocks">The blocks the caller itself has open around the detector's state.</param>
    public void CheckComplete(int openBlocks = 0)
    {
        if (_keysLeft != 0 || _open.Count != openBlocks)
        {
            throw new InvalidOperationException("A detector wrote fewer keyed records than it announced, or left one open.");
        }
    }

    /// <summary>Empties the writer, keeping its buffer (for a writer reused batch after batch).</summary>
    internal void Reset()
    {
        _length = 0;
        _open.Clear();
        _keysLeft = 0;
        KeysOffset = -1;
        KeysCount = 0;
    }

    /// <summary>The capacity of the buffer (bytes).</summary>
    internal int Capacity => _buffer.Length;

    /// <summary>Nothing to release (the buffer is garbage-collected); kept so callers can scope the writer.</summary>
    public void Dispose()
    {
    }

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Grow(count);
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void Grow(int atLeast)
    {
        var capacity = (int)Math.Min(Array.MaxLength, Math.Max((long)_buffer.Length * 2, (long)_length + atLeast));
        if (capacity - _length < atLeast)
        {
            throw new InvalidOperationException("The checkpoint is larger than an array can hold.");
        }

        var grown = GC.AllocateUninitializedArray<byte>(capacity);
        _buffer.AsSpan(0, _length).CopyTo(grown);
        _buffer = grown;
    }
}
