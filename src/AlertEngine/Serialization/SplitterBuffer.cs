namespace AlertEngine;

/// <summary>The growth rule shared by the input splitters (<see cref="LineSplitter{T}"/>, <see cref="CsvRecordSplitter"/>).</summary>
internal static class SplitterBuffer
{
    /// <summary>The least free space a read is given.</summary>
    public const int MinReadBlock = 4096;

    /// <summary>
    /// Makes room for one read block after <paramref name="end"/>: doubles the buffer, but never beyond the longest
    /// line or record accepted plus two blocks, so memory stays bounded by the limit whatever the input.
    /// </summary>
    public static void EnsureRoom<T>(ref T[] buffer, int end, int maxLength)
    {
        if (buffer.Length - end < MinReadBlock)
        {
            var cap = (long)maxLength + 2 + MinReadBlock;
            var size = (int)Math.Min(Array.MaxLength, Math.Max(Math.Min((long)buffer.Length * 2, cap), (long)end + MinReadBlock));
            Array.Resize(ref buffer, size);
        }
    }
}
