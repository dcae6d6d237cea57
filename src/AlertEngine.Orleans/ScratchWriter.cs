namespace AlertEngine;

/// <summary>
/// <see cref="CheckpointWriter"/>s kept between uses, process-wide (at most <see cref="MaxKept"/>, each up to
/// <see cref="MaxKeptBytes"/>), for encodings that end in one exact-size array (a client's batch, a partition's base
/// snapshot or filter segment, the coordinator's delta): each then costs that array, not a scratch buffer grown from
/// a guess as well. Shared by the silo's threads rather than kept per thread: grain turns run on any thread-pool
/// thread, and a base snapshot comes every few batches, so a per-thread writer was mostly cold. Rent, write, copy out,
/// return, all without an <c>await</c> in between. Thread-safe.
/// </summary>
internal static class ScratchWriter
{
    /// <summary>Larger buffers are not kept (they would be held between batches).</summary>
    internal const int MaxKeptBytes = 8 << 20;

    /// <summary>At most this many writers are kept (concurrent encodings on a silo: a few partitions' snapshots).</summary>
    internal const int MaxKept = 4;

    private static readonly Lock Gate = new();
    private static readonly Stack<CheckpointWriter> Kept = new();

    /// <summary>An empty writer: a kept one, or a new one of <paramref name="capacity"/> bytes.</summary>
    public static CheckpointWriter Rent(int capacity = 0)
    {
        lock (Gate)
        {
            if (Kept.TryPop(out var writer))
            {
                return writer;
            }
        }

        return new CheckpointWriter(Math.Min(capacity, MaxKeptBytes));
    }

    /// <summary>Copies what <paramref name="writer"/> wrote into an array of its size and keeps the writer for a next
    /// <see cref="Rent"/> (unless its buffer outgrew <see cref="MaxKeptBytes"/>).</summary>
    public static byte[] ToArrayAndReturn(CheckpointWriter writer)
    {
        var bytes = writer.Written.ToArray();
        Return(writer);
        return bytes;
    }

    /// <summary>Keeps <paramref name="writer"/> (emptied) for a next <see cref="Rent"/>.</summary>
    public static void Return(CheckpointWriter writer)
    {
        if (writer.Capacity > MaxKeptBytes)
        {
            return;
        }

        writer.Reset();
        lock (Gate)
        {
            if (Kept.Count < MaxKept)
            {
                Kept.Push(writer);
            }
        }
    }
}
