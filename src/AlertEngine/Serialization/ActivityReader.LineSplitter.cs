namespace AlertEngine;

/// <summary>What <see cref="LineSplitter{T}.TryRead"/> found.</summary>
internal enum LineStatus
{
    /// <summary>More input is needed: fill the buffer and call again.</summary>
    NeedMore,
    /// <summary>A complete line (without its line terminator).</summary>
    Line,
    /// <summary>A line longer than the limit; its content is discarded up to the next newline.</summary>
    TooLong,
    /// <summary>The input is exhausted.</summary>
    End,
}

/// <summary>
/// Splits a stream of code units (bytes or chars) into lines, holding at most one line (up to the limit) plus one
/// read block in memory. A longer line is reported as <see cref="LineStatus.TooLong"/> and skipped without being
/// buffered. Single-threaded pure state: the caller does the I/O (<see cref="GetWriteSpace"/>, <see cref="Advance"/>,
/// <see cref="Complete"/>), so the same core serves sync and async, byte and char readers.
/// </summary>
/// <typeparam name="T"><see cref="byte"/> (UTF-8) or <see cref="char"/> (UTF-16).</typeparam>
internal sealed class LineSplitter<T>
    where T : unmanaged, IEquatable<T>
{
    private const int MinReadBlock = SplitterBuffer.MinReadBlock;

    private readonly int _maxLineLength;
    private readonly T _newline;
    private readonly T _carriageReturn;
    private T[] _buffer;
    private int _start;
    private int _end;
    private bool _skipping;
    private bool _completed;

    /// <summary>Creates a splitter.</summary>
    /// <param name="maxLineLength">The longest line accepted, in code units, not counting the line terminator.</param>
    /// <param name="newline">The newline code unit.</param>
    /// <param name="carriageReturn">The carriage return code unit, stripped before a newline.</param>
    /// <param name="initialSize">The buffer's first size in code units (capped at the line limit plus
    /// <see cref="SplitterBuffer.MinReadBlock"/>): each read fills at most the buffer's free space, so it bounds the size
    /// of a read until a long line grows the buffer.</param>
    public LineSplitter(int maxLineLength, T newline, T carriageReturn, int initialSize = 16 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(initialSize, 1);
        _maxLineLength = maxLineLength;
        _newline = newline;
        _carriageReturn = carriageReturn;
        _buffer = new T[(int)Math.Min(initialSize, (long)maxLineLength + MinReadBlock)];
    }

    /// <summary>The number of lines returned so far (lines too long included; the last one's number).</summary>
    public long LineNumber { get; private set; }

    /// <summary>The current buffer size, in code units; bounded by the line limit plus one read block (plus a little).</summary>
    public int BufferSize => _buffer.Length;

    /// <summary>Free space to read into. Never empty while the input is not complete.</summary>
    /// <returns>The space; pass the number of code units read to <see cref="Advance"/>.</returns>
    public Memory<T> GetWriteSpace()
    {
        if (_start > 0)
        {
            // Keep only the pending part of the current line.
            var pending = _end - _start;
            if (pending > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, pending);
            }

            _start = 0;
            _end = pending;
        }

        // Grows only while the pending line is shorter than the limit (TryRead discards longer ones),
        // so the buffer stays below maxLineLength + 2 blocks.
        SplitterBuffer.EnsureRoom(ref _buffer, _end, _maxLineLength);

        return _buffer.AsMemory(_end);
    }

    /// <summary>Records that <paramref name="count"/> code units were written into the space from <see cref="GetWriteSpace"/>.</summary>
    /// <param name="count">How many code units were read; 0 is allowed.</param>
    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - _end);
        _end += count;
    }

    /// <summary>Records the end of the input; a last line without a newline is then returned.</summary>
    public void Complete() => _completed = true;

    /// <summary>Records the result of one read into <see cref="GetWriteSpace"/>: 0 means the input ended.</summary>
    /// <param name="read">What the read returned.</param>
    public void Commit(int read)
    {
        if (read == 0)
        {
            Complete();
        }
        else
        {
            Advance(read);
        }
    }

    /// <summary>Returns the next line, if one is complete.</summary>
    /// <param name="start">Where the line starts in <see cref="Buffer"/> (for <see cref="LineStatus.Line"/>).</param>
    /// <param name="length">The line length, without the terminator (for <see cref="LineStatus.Line"/>).</param>
    /// <returns>The status.</returns>
    public LineStatus TryRead(out int start, out int length)
    {
        start = 0;
        length = 0;
        if (_skipping)
        {
            var nl = _buffer.AsSpan(_start, _end - _start).IndexOf(_newline);
            if (nl < 0)
            {
                _start = _end = 0;
                return _completed ? LineStatus.End : LineStatus.NeedMore;
            }

            _start += nl + 1;
            _skipping = false;
        }

        var pending = _buffer.AsSpan(_start, _end - _start);
        var index = pending.IndexOf(_newline);
        if (index >= 0)
        {
            var lineLength = index;
            if (lineLength > 0 && pending[lineLength - 1].Equals(_carriageReturn))
            {
                lineLength--;
            }

            LineNumber++;
            start = _start;
            length = lineLength;
            _start += index + 1;
            return lineLength > _maxLineLength ? LineStatus.TooLong : LineStatus.Line;
        }

        if (_completed)
        {
            if (pending.Length == 0)
            {
                return LineStatus.End;
            }

            var lineLength = pending.Length;
            if (pending[lineLength - 1].Equals(_carriageReturn))
            {
                lineLength--;
            }

            LineNumber++;
            start = _start;
            length = lineLength;
            _start = _end;
            return lineLength > _maxLineLength ? LineStatus.TooLong : LineStatus.Line;
        }

        // No newline yet. A carriage return may still follow the limit, hence + 1.
        if (pending.Length > _maxLineLength + 1)
        {
            LineNumber++;
            _start = _end = 0;
            _skipping = true;
            return LineStatus.TooLong;
        }

        return LineStatus.NeedMore;
    }

    /// <summary>The buffer the line positions of <see cref="TryRead"/> refer to; valid until the next <see cref="GetWriteSpace"/>.</summary>
    public ReadOnlySpan<T> Buffer => _buffer;
}
