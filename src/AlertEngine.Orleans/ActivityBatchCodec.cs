using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Text;

namespace AlertEngine;

/// <summary>
/// Activities on the wire between the client and the grains, and in the batch inputs the coordinator persists: one
/// byte array per batch, so Orleans copies one buffer instead of serializing an object graph. Every field is kept
/// (tags, properties, client IP). Version 2: the batch's operation and workload names once, in a table
/// at the start, and per activity a flags byte (which optional fields follow), the id, the time as a 32-bit tick
/// delta from the previous activity's (or the whole ticks when that does not fit), the operation as an index into
/// the table (2 bytes, 4 when the table has more than 65,536 names), then the optional fields (the user id with a
/// one-byte length, decoded through a silo-wide table of user ids, so a user's activities share one string): about 37
/// bytes for an activity with an id, an operation and a user, against 56 in version 1 (the engine checkpoint's activity encoding,
/// <see cref="CheckpointWriter.WriteActivity"/>), which is still read (batch inputs persisted by earlier builds).
/// Version 3 (written since orleans-11) is version 2 in chunks of <see cref="ChunkSize"/> activities, each starting
/// with its whole time, after a table of the chunks' first activities and byte offsets (8 bytes per chunk): a silo
/// decodes the chunks on all its cores (<see cref="EngineDefinition.Decode"/>), where version 2 could only be read from the start
/// on one thread while the batch's other phases waited. Versions 1 and 2 are still read.
/// The batch is copied four times on its way (the client's array, the silo's message copy, grain storage's serialized
/// record and, with memory grain storage, its grain's copy), so its size is the cluster's bytes per activity.
/// Thread-safe.
/// </summary>
internal static class ActivityBatchCodec
{
    private const byte Version1 = 1;
    private const byte Version2 = 2;
    private const byte Version = 3;

    /// <summary>Version 3: activities in chunks. Each chunk starts with a whole time, and the chunk table at the start
    /// gives every chunk's first activity and byte offset, so a silo decodes the chunks on several threads.</summary>
    internal const int ChunkSize = 1024;

    // Version 2's per-activity flags: which optional fields follow.
    private const byte HasUser = 1;
    private const byte HasClientIp = 2;
    private const byte HasObject = 4;
    private const byte HasWorkload = 8;
    private const byte HasTags = 16;
    private const byte HasProperties = 32;
    private const byte WholeTicks = 64;
    private const byte KnownFlags = 127;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The name table of the batch being encoded on this thread (kept between batches).</summary>
    [ThreadStatic]
    private static NameTable? Names;

    public static byte[] Encode(IReadOnlyList<Activity> activities)
    {
        var names = Names ?? new NameTable();
        Names = null; // not shared with a nested call on this thread
        names.Clear();
        for (var i = 0; i < activities.Count; i++)
        {
            var activity = activities[i];
            names.Add(activity.Operation);
            if (activity.Workload is { } workload)
            {
                names.Add(workload);
            }
        }

        // The writer is kept per thread between batches (ScratchWriter): a batch costs one array, the message's.
        var writer = ScratchWriter.Rent(activities.Count * 48);
        writer.Write(Version);
        writer.Write(activities.Count);
        writer.Write(names.List.Count);
        Span<byte> scratch = stackalloc byte[Utf8InternTableMaxBytes];
        foreach (var name in names.List)
        {
            var length = Encoding.UTF8.GetByteCount(name);
            var bytes = length <= scratch.Length ? scratch[..length] : new byte[length];
            Encoding.UTF8.GetBytes(name, bytes);
            writer.Write(length);
            writer.Write(bytes);
        }

        var wide = names.List.Count > ushort.MaxValue + 1;
        // The chunk table: its size now, its offsets once the chunks are written (patched into the array below).
        var chunks = (activities.Count + ChunkSize - 1) / ChunkSize;
        writer.Write(chunks);
        var table = writer.Written.Length;
        for (var c = 0; c < chunks; c++)
        {
            writer.Write(c * ChunkSize);
            writer.Write(0);
        }

        Span<int> offsets = chunks <= 64 ? stackalloc int[chunks] : new int[chunks];
        var previous = 0L;
        for (var i = 0; i < activities.Count; i++)
        {
            var activity = activities[i];
            var chunkStart = i % ChunkSize == 0;
            if (chunkStart)
            {
                offsets[i / ChunkSize] = writer.Written.Length;
            }

            var ticks = activity.Time.UtcTicks;
            var delta = ticks - previous;
            var flags = (byte)((activity.UserId is null ? 0 : HasUser)
                | (activity.ClientIp is null ? 0 : HasClientIp)
                | (activity.ObjectId is null ? 0 : HasObject)
                | (activity.Workload is null ? 0 : HasWorkload)
                | (activity.UserTags.Count == 0 ? 0 : HasTags)
                | (activity.Properties.Count == 0 ? 0 : HasProperties)
                | (chunkStart || delta is < int.MinValue or > int.MaxValue ? WholeTicks : 0));
            writer.Write(flags);
            writer.Write(activity.Id);
            if ((flags & WholeTicks) != 0)
            {
                writer.Write(ticks);
            }
            else
            {
                writer.Write((int)delta);
            }

            previous = ticks;
            WriteName(writer, names.IndexOf(activity.Operation), wide);
            if (activity.UserId is { } user)
            {
                WriteUser(writer, user);
            }

            if (activity.ClientIp is { } ip)
            {
                writer.WriteAddress(ip);
            }

            if (activity.ObjectId is { } objectId)
            {
                writer.Write(objectId);
            }

            if (activity.Workload is { } workload)
            {
                WriteName(writer, names.IndexOf(workload), wide);
            }

            if ((flags & HasTags) != 0)
            {
                var tags = activity.UserTags;
                writer.Write(tags.Count);
                for (var t = 0; t < tags.Count; t++)
                {
                    writer.Write(tags[t]);
                }
            }

            if ((flags & HasProperties) != 0)
            {
                writer.WriteProperties(activity.Properties); // as version 1
            }
        }

        names.Clear();
        Names = names;
        var encoded = ScratchWriter.ToArrayAndReturn(writer);
        for (var c = 0; c < chunks; c++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(encoded.AsSpan(table + (c * 8) + 4), offsets[c]);
        }

        return encoded;
    }

    /// <summary>Decodes a batch; with <paramref name="parallel"/>, a version-3 batch of several chunks on up to as many
    /// thread-pool threads as there are cores (the calling thread takes part). The activities are the same either way.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an encoded batch.</exception>
    public static Activity[] Decode(ReadOnlyMemory<byte> bytes, bool parallel = false)
    {
        var reader = new CheckpointReader(bytes);
        var version = reader.ReadByte();
        switch (version)
        {
            case Version:
                return DecodeVersion3(bytes, reader, parallel);
            case Version2:
            case Version1:
                var activities = version == Version2 ? DecodeVersion2(reader) : DecodeVersion1(reader);
                reader.ExpectEnd("activity batch");
                return activities;
            default:
                throw new InvalidDataException($"Unknown activity batch encoding version {version}.");
        }
    }

    private static Activity[] DecodeVersion1(CheckpointReader reader)
    {
        var count = reader.ReadCount(8);
        var activities = new Activity[count];
        for (var i = 0; i < count; i++)
        {
            activities[i] = reader.ReadActivity();
        }

        return activities;
    }

    private static Activity[] DecodeVersion2(CheckpointReader reader)
    {
        var count = reader.ReadCount(8);
        var names = ReadNames(reader);
        var activities = new Activity[count];
        DecodeActivities(reader, names, activities, 0, count);
        return activities;
    }

    /// <summary>Version 3: version 2's header, then the chunk table (the number of chunks; per chunk its first activity's
    /// index and its byte offset from the batch's start), then the chunks, each of version 2's activities, the first with
    /// its whole time.</summary>
    private static Activity[] DecodeVersion3(ReadOnlyMemory<byte> bytes, CheckpointReader reader, bool parallel)
    {
        var count = reader.ReadCount(8);
        var names = ReadNames(reader);
        var chunks = reader.ReadCount(8);
        if ((count == 0) != (chunks == 0) || chunks > count)
        {
            throw CheckpointReader.Corrupt("the chunk count does not fit the activity count");
        }

        // Chunk c: activities [starts[c], starts[c + 1]), bytes [offsets[c], offsets[c + 1]).
        var starts = new int[chunks + 1];
        var offsets = new int[chunks + 1];
        for (var c = 0; c < chunks; c++)
        {
            starts[c] = reader.ReadInt32();
            offsets[c] = reader.ReadInt32();
        }

        starts[chunks] = count;
        offsets[chunks] = bytes.Length;
        if (chunks > 0 && (starts[0] != 0 || offsets[0] != reader.Position))
        {
            throw CheckpointReader.Corrupt("the first chunk does not start the activities");
        }

        for (var c = 0; c < chunks; c++)
        {
            if (starts[c + 1] <= starts[c] || offsets[c + 1] <= offsets[c])
            {
                throw CheckpointReader.Corrupt("the chunks are out of order");
            }
        }

        if (chunks == 0)
        {
            reader.ExpectEnd("activity batch");
            return [];
        }

        var activities = new Activity[count];
        if (!parallel || chunks == 1 || Environment.ProcessorCount == 1)
        {
            for (var c = 0; c < chunks; c++)
            {
                DecodeChunk(bytes, names, activities, starts, offsets, c);
            }

            return activities;
        }

        try
        {
            // The default scheduler: inside a grain, the current one runs one task at a time.
            Parallel.For(0, chunks, new ParallelOptions { TaskScheduler = TaskScheduler.Default, MaxDegreeOfParallelism = Environment.ProcessorCount }, c => DecodeChunk(bytes, names, activities, starts, offsets, c));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        return activities;
    }

    private static void DecodeChunk(ReadOnlyMemory<byte> bytes, string[] names, Activity[] activities, int[] starts, int[] offsets, int chunk)
    {
        var reader = new CheckpointReader(bytes[offsets[chunk]..offsets[chunk + 1]]);
        DecodeActivities(reader, names, activities, starts[chunk], starts[chunk + 1]);
        reader.ExpectEnd("activity batch chunk");
    }

    private static string[] ReadNames(CheckpointReader reader)
    {
        var nameCount = reader.ReadCount(4);
        var names = nameCount == 0 ? [] : new string[nameCount];
        for (var i = 0; i < names.Length; i++)
        {
            var utf8 = reader.ReadBytes(reader.ReadCount());
            // Process-wide names (as version 1 reads them): a batch's thousand operations are not decoded again.
            names[i] = utf8.Length is > 0 and <= Utf8InternTableMaxBytes && Ascii.IsValid(utf8)
                ? Utf8InternTable.Values.GetOrAdd(utf8)
                : Strict(utf8);
        }

        return names;
    }

    /// <summary>Activities <paramref name="from"/> to <paramref name="to"/> (excluded) of version 2's (and 3's)
    /// encoding, the first with its whole time.</summary>
    private static void DecodeActivities(CheckpointReader reader, string[] names, Activity[] activities, int from, int to)
    {
        var wide = names.Length > ushort.MaxValue + 1;
        var previous = 0L;
        for (var i = from; i < to; i++)
        {
            var flags = reader.ReadByte();
            if ((flags & ~KnownFlags) != 0 || (i == from && (flags & WholeTicks) == 0))
            {
                throw CheckpointReader.Corrupt("an activity's flags are unknown");
            }

            var id = reader.ReadString();
            var ticks = (flags & WholeTicks) != 0 ? reader.ReadInt64() : previous + reader.ReadInt32();
            if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
            {
                throw CheckpointReader.Corrupt("a time is out of range");
            }

            previous = ticks;
            var operation = ReadName(reader, names, wide);
            if (id.Length == 0 || operation.Length == 0)
            {
                throw CheckpointReader.Corrupt("an activity has an empty id or operation");
            }

            var user = (flags & HasUser) != 0 ? ReadUser(reader) : null;
            var ip = (flags & HasClientIp) != 0 ? reader.ReadAddress() ?? throw CheckpointReader.Corrupt("an activity's client IP is missing") : null;
            var objectId = (flags & HasObject) != 0 ? reader.ReadInternedString() : null;
            var workload = (flags & HasWorkload) != 0 ? ReadName(reader, names, wide) : null;
            var tags = Array.Empty<string>();
            if ((flags & HasTags) != 0)
            {
                tags = new string[reader.ReadCount()];
                for (var t = 0; t < tags.Length; t++)
                {
                    tags[t] = reader.ReadString();
                }
            }

            IReadOnlyDictionary<string, string> properties = FrozenDictionary<string, string>.Empty;
            if ((flags & HasProperties) != 0)
            {
                var propertyCount = reader.ReadCount(2);
                var d = new Dictionary<string, string>(propertyCount, StringComparer.OrdinalIgnoreCase);
                for (var p = 0; p < propertyCount; p++)
                {
                    var key = reader.ReadString();
                    if (!d.TryAdd(key, reader.ReadString()))
                    {
                        throw CheckpointReader.Corrupt("an activity has a property twice");
                    }
                }

                properties = d;
            }

            var time = new DateTimeOffset(ticks, TimeSpan.Zero);
            // Tags and properties are set only when the activity has some (the defaults are the same empty ones; their
            // setters check and normalize).
            activities[i] = (flags & (HasTags | HasProperties)) == 0
                ? new Activity(id, time, operation)
                {
                    UserId = user,
                    ClientIp = ip,
                    ObjectId = objectId,
                    Workload = workload,
                }
                : new Activity(id, time, operation)
                {
                    UserId = user,
                    ClientIp = ip,
                    ObjectId = objectId,
                    Workload = workload,
                    UserTags = tags,
                    Properties = properties,
                };
        }
    }

    private const int Utf8InternTableMaxBytes = Utf8InternTable.MaxLength;

    /// <summary>User ids decoded on this silo: a user's activities come batch after batch, and the decoded activities
    /// live on in the trigger state, so one string per user instead of one per activity is both fewer allocations and
    /// a smaller heap. Bounded (a slot is replaced when another id hashes to it; ASCII ids of at most 64 bytes): 256K
    /// slots (4 MB, made at the first decode: a client that only encodes never makes it). At 64K slots a stream of
    /// 100,000 users missed ~80 % of its lookups (orleans-10: 53 of the silo's 283 small-object bytes per activity
    /// were user-id strings, each surviving into the trigger state and copied by two collections); at 256K the table
    /// is under half full for up to ~100,000 users.</summary>
    private static class UserTable
    {
        public static readonly Utf8InternTable Users = new(256 * 1024);
    }

    /// <summary>A user id: its UTF-8 length in one byte (255: an <c>int</c> follows), then the bytes.</summary>
    private static void WriteUser(CheckpointWriter writer, string user)
    {
        var length = Encoding.UTF8.GetByteCount(user);
        Span<byte> scratch = stackalloc byte[256];
        var bytes = length <= scratch.Length ? scratch[..length] : new byte[length];
        Encoding.UTF8.GetBytes(user, bytes);
        if (length < 255)
        {
            writer.Write((byte)length);
        }
        else
        {
            writer.Write((byte)255);
            writer.Write(length);
        }

        writer.Write(bytes);
    }

    private static string ReadUser(CheckpointReader reader)
    {
        var length = reader.ReadByte();
        var utf8 = reader.ReadBytes(length < 255 ? length : reader.ReadCount());
        return utf8.Length is > 0 and <= Utf8InternTableMaxBytes && Ascii.IsValid(utf8) ? UserTable.Users.GetOrAdd(utf8) : Strict(utf8);
    }

    private static void WriteName(CheckpointWriter writer, int index, bool wide)
    {
        if (wide)
        {
            writer.Write(index);
        }
        else
        {
            Span<byte> two = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(two, (ushort)index);
            writer.Write(two);
        }
    }

    private static string ReadName(CheckpointReader reader, string[] names, bool wide)
    {
        var index = wide ? reader.ReadInt32() : BinaryPrimitives.ReadUInt16LittleEndian(reader.ReadBytes(2));
        return (uint)index < (uint)names.Length ? names[index] : throw CheckpointReader.Corrupt("an activity names an operation or workload the batch does not list");
    }

    private static string Strict(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return StrictUtf8.GetString(utf8);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException("Corrupt checkpoint: a string is not UTF-8.", e);
        }
    }

    /// <summary>The distinct operation and workload names of a batch, numbered in order of first use.</summary>
    private sealed class NameTable
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

        public List<string> List { get; } = [];

        public void Add(string name)
        {
            if (_index.TryAdd(name, List.Count))
            {
                List.Add(name);
            }
        }

        public int IndexOf(string name) => _index[name];

        public void Clear()
        {
            var many = _index.Count > 4096;
            _index.Clear();
            List.Clear();
            if (many)
            {
                // A batch with very many names does not pin a large table on this thread.
                _index.TrimExcess(4096);
                List.TrimExcess();
            }
        }
    }
}
