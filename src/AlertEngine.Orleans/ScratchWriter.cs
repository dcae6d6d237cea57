namespace AlertEngine;

/// <summary>
/// A <see cref="CheckpointWriter"/> per thread, kept between uses (up to <see cref="MaxKeptBytes"/>), for encodings that
/// end in one exact-size array (a client's batch, a partition's base snapshot or filter segment, the coordinator's
/// delta): each then costs that array, not a scratch buffer grown from a guess as well. Rent, write, copy out, return,
/// all without an <c>await</c> in between (a rented writer is not shared: a nested rent gets a new one).
/// Thread-safe (one writer per thread).
/// </summary>
internal static class ScratchWriter
{
    [ThreadStatic]
    private static CheckpointWriter? Kept;

    /// <summary>Larger buffers are not kept (a silo's threads would hold them between batches).</summary>
    internal const int MaxKeptBytes = 8 << 20;

    /// <summary>An empty writer: this thread's kept one, or a new one of <paramref name="capacity"/> bytes.</summary>
    public static CheckpointWriter Rent(int capacity = 0)
    {
        var writer = Kept;
        if (writer is null)
        {
            return new CheckpointWriter(Math.Min(capacity, MaxKeptBytes));
        }

        Kept = null;
        writer.Reset();
        return writer;
    }

    /// <summary>Copies what <paramref name="writer"/> wrote into an array of its size and keeps the writer for the next
    /// <see cref="Rent"/> on this thread (unless its buffer outgrew <see cref="MaxKeptBytes"/>).</summary>
    public static byte[] ToArrayAndReturn(CheckpointWriter writer)
    {
        var bytes = writer.Written.ToArray();
        Return(writer);
        return bytes;
    }

    /// <summary>Keeps <paramref name="writer"/> for the next <see cref="Rent"/> on this thread.</summary>
    public static void Return(CheckpointWriter writer)
    {
        if (writer.Capacity <= MaxKeptBytes)
        {
            writer.Reset();
            Kept = writer;
        }
    }
}
