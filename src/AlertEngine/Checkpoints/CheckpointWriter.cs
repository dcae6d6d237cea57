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
    private readonly MemoryStream _stream;
    private readonly BinaryWriter _writer;
    private readonly Stack<long> _open = new();
    private int _keysLeft;

    /// <summary>Creates a writer.</summary>
    /// <param name="capacity">Expected size in bytes (e.g. the previous checkpoint's), to avoid regrowing the buffer.</param>
    public CheckpointWriter(int capacity = 0)
    {
        _stream = new MemoryStream(capacity);
        _writer = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written
    {
        get
        {
            _writer.Flush();
            return _stream.GetBuffer().AsSpan(0, (int)_stream.Length);
        }
    }

    public void Write(bool value) => _writer.Write(value);

    public void Write(byte value) => _writer.Write(value);

    public void Write(int value) => _writer.Write(value);

    public void Write(long value) => _writer.Write(value);

    public void Write(ulong value) => _writer.Write(value);

    public void Write(float value) => _writer.Write(value);

    public void Write(double value) => _writer.Write(value);

    public void Write(string value) => _writer.Write(value);

    public void Write(ReadOnlySpan<byte> bytes) => _writer.Write(bytes);

    public void WriteNullable(string? value)
    {
        _writer.Write(value is not null);
        if (value is not null)
        {
            _writer.Write(value);
        }
    }

    /// <summary>Writes a time as UTC ticks (the offset is not kept: event times are UTC).</summary>
    public void WriteTime(DateTimeOffset value) => _writer.Write(value.UtcTicks);

    /// <summary>Writes a length-prefixed byte block (e.g. a nested section).</summary>
    public void WriteBlock(ReadOnlySpan<byte> bytes)
    {
        _writer.Write(bytes.Length);
        _writer.Write(bytes);
    }

    /// <summary>Starts a length-prefixed block written in place (no copy); end it with <see cref="EndBlock"/>. Reads
    /// back with <see cref="CheckpointReader.ReadBlock"/>, like <see cref="WriteBlock"/>.</summary>
    public void BeginBlock()
    {
        _writer.Flush();
        _open.Push(_stream.Position);
        _writer.Write(0); // the block length, patched by EndBlock
    }

    /// <summary>Ends the block started by <see cref="BeginBlock"/>: writes its length.</summary>
    public void EndBlock() => EndKey();

    /// <summary>Writes the whole activity: id, time, operation, user, client IP, object, workload, tags, properties
    /// (properties in ordinal key order, so equal activities give equal bytes).</summary>
    public void WriteActivity(Activity activity)
    {
        _writer.Write(activity.Id);
        _writer.Write(activity.Time.UtcTicks);
        _writer.Write(activity.Operation);
        WriteNullable(activity.UserId);
        WriteAddress(activity.ClientIp);
        WriteNullable(activity.ObjectId);
        WriteNullable(activity.Workload);
        var tags = activity.UserTags;
        _writer.Write(tags.Count);
        for (var i = 0; i < tags.Count; i++)
        {
            _writer.Write(tags[i]);
        }

        var properties = activity.Properties;
        _writer.Write(properties.Count);
        if (properties.Count > 0)
        {
            var keys = new string[properties.Count];
            var n = 0;
            foreach (var pair in properties)
            {
                keys[n++] = pair.Key;
            }

            Array.Sort(keys, StringComparer.Ordinal);
            foreach (var key in keys)
            {
                _writer.Write(key);
                _writer.Write(properties[key]);
            }
        }
    }

    public void WriteActivities(IReadOnlyList<Activity> activities)
    {
        _writer.Write(activities.Count);
        for (var i = 0; i < activities.Count; i++)
        {
            WriteActivity(activities[i]);
        }
    }

    public void WriteAddress(IPAddress? address)
    {
        if (address is null)
        {
            _writer.Write((byte)0);
            return;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new InvalidOperationException("An IP address did not fit 16 bytes.");
        }

        _writer.Write((byte)written);
        _writer.Write(bytes[..written]);
        if (written == 16)
        {
            _writer.Write(address.ScopeId);
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

        _writer.Flush();
        KeysOffset = checked((int)_stream.Position);
        KeysCount = count;
        _writer.Write(count);
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
        _writer.Write(count);
    }

    /// <summary>Starts one key's record; its payload follows, then <see cref="EndKey"/>.</summary>
    public void BeginKey(string key)
    {
        if (_keysLeft == 0)
        {
            throw new InvalidOperationException("More keyed records than BeginKeys announced.");
        }

        _keysLeft--;
        _writer.Write(key);
        _writer.Flush();
        _open.Push(_stream.Position);
        _writer.Write(0); // the payload length, patched by EndKey
    }

    /// <summary>Ends the record started by <see cref="BeginKey"/>: writes its payload length.</summary>
    public void EndKey()
    {
        _writer.Flush();
        var start = _open.Pop();
        var end = _stream.Position;
        _stream.Position = start;
        _writer.Write(checked((int)(end - start - 4)));
        _writer.Flush();
        _stream.Position = end;
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

    public void Dispose()
    {
        _writer.Dispose();
        _stream.Dispose();
    }
}
