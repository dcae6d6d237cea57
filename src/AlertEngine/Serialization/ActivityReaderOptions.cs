namespace AlertEngine;

/// <summary>Options of <see cref="ActivityReader"/>.</summary>
public sealed class ActivityReaderOptions
{
    /// <summary>The default <see cref="MaxLineLength"/>: 1 MiB.</summary>
    public const int DefaultMaxLineLength = 1024 * 1024;

    private int _maxLineLength = DefaultMaxLineLength;

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
}
