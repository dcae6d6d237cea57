namespace AlertEngine;

/// <summary>
/// Activities on the wire between the client and the grains: the engine checkpoint's activity encoding
/// (<see cref="CheckpointWriter.WriteActivity"/>), which keeps every field (tags, properties, client IP) and is already
/// tested to round-trip. One byte array per batch, so Orleans copies one buffer instead of serializing an object graph.
/// Thread-safe.
/// </summary>
internal static class ActivityBatchCodec
{
    private const byte Version = 1;

    /// <summary>Batches decoded in this process, by buffer: grain calls within a silo pass an <c>Immutable</c> buffer
    /// by reference, so the coordinator and the partitions on its silo decode a batch once (activities are immutable
    /// and shared, as in the in-process partitioned engine). An entry lives as long as its buffer.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], Lazy<Activity[]>> Decoded = [];

    public static byte[] Encode(IReadOnlyList<Activity> activities)
    {
        // The writer is kept per thread between batches (ScratchWriter): a batch costs one array, the message's.
        var writer = ScratchWriter.Rent(activities.Count * 64);
        writer.Write(Version);
        writer.WriteActivities(activities);
        return ScratchWriter.ToArrayAndReturn(writer);
    }

    /// <summary>Decodes <paramref name="bytes"/>, or returns the activities already decoded from this very buffer
    /// (never change the buffer or the array).</summary>
    /// <exception cref="InvalidDataException">The bytes are not an encoded batch.</exception>
    public static Activity[] DecodeShared(byte[] bytes) =>
        Decoded.GetValue(bytes, static b => new Lazy<Activity[]>(() => Decode(b), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <exception cref="InvalidDataException">The bytes are not an encoded batch.</exception>
    public static Activity[] Decode(ReadOnlyMemory<byte> bytes)
    {
        var reader = new CheckpointReader(bytes);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Unknown activity batch encoding version {version}.");
        }

        var count = reader.ReadCount(8);
        var activities = new Activity[count];
        for (var i = 0; i < count; i++)
        {
            activities[i] = reader.ReadActivity();
        }

        reader.ExpectEnd("activity batch");
        return activities;
    }
}
