namespace AlertEngine;

/// <summary>Options of <see cref="ActivityReader"/>.</summary>
public sealed class ActivityReaderOptions
{
    /// <summary>The default <see cref="MaxLineLength"/>: 1 MiB.</summary>
    public const int DefaultMaxLineLength = 1024 * 1024;

    private int _maxLineLength = DefaultMaxLineLength;
    private int _maxDegreeOfParallelism = 1;

    /// <summary>The shared default options.</summary>
    internal static ActivityReaderOptions Default { get; } = new();

    /// <summary>
    /// The longest line accepted, in bytes for UTF-8 streams and in chars for text readers, not counting the line
    /// terminator. A longer line is an error for that line; it is skipped without being held in memory, and reading
    /// goes on with the next line. Default 1 MiB.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxLineLength
    {
        get => _maxLineLength;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxLineLength = value;
        }
    }

    /// <summary>
    /// How many threads parse at once in the stream overloads of <see cref="ActivityReader"/> (JSON Lines and Purview
    /// CSV exports); at most the processor count is used. Default 1: every line is parsed on the enumerating thread as
    /// it is read. With more, the reader copies up to 1,024 lines (or about 4 MiB) at a time out of its read buffer and
    /// parses them in parallel, the enumerating thread taking a share and the others being dedicated background threads
    /// that each enumeration starts and stops when it ends or is disposed (enumerate with <c>foreach</c> or dispose the
    /// enumerator: one abandoned undisposed keeps its idle threads). The results, their order and their line numbers are
    /// exactly those of a sequential read, but they arrive a batch at a time, so the reader runs up to one batch ahead
    /// of the consumer and holds that batch in memory. Worth it when parsing, not the consumer, is the bottleneck (the
    /// replay command uses its <c>--threads</c> count). The text-reader overload and <c>ParseLine</c> always parse on
    /// the calling thread.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxDegreeOfParallelism = value;
        }
    }

    /// <summary>The most lines a parallel batch holds (<see cref="LineBatch.MaxLines"/>; smaller in tests, so that
    /// small inputs cross batch boundaries).</summary>
    internal int ParallelBatchLines { get; init; } = LineBatch.MaxLines;

    /// <summary>
    /// Whether a valid line read on the parser's fast path (a flat native object of plain strings) may be handed out in
    /// a result object the reader reuses for the next such line, instead of a new one per line (56 B). Only for a
    /// caller that is done with each result (and takes its activity and line number out of it) before asking for the
    /// next: the replay command. Invalid lines and lines with notes always get results of their own.
    /// </summary>
    internal bool ReuseResults { get; init; }
}
