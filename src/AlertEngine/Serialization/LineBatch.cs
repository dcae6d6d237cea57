namespace AlertEngine;

/// <summary>
/// Lines copied out of <see cref="ActivityReader"/>'s read buffer so that several threads can parse them at once
/// (<see cref="ActivityReaderOptions.MaxDegreeOfParallelism"/>). Entries are either a line to parse or a result the
/// reader already has (a line too long, a CSV row that is not valid); <see cref="Parse"/> fills in the parsed ones and
/// the results come out in input order, so the reader yields exactly what it would sequentially. Holds at most
/// <see cref="MaxLines"/> entries and about <see cref="TargetBytes"/> bytes (more only for a single longer line), and
/// reuses its arrays from batch to batch. Parses on a <see cref="WorkerGroup"/> of its own, stopped by
/// <see cref="Dispose"/> (the reader's iterators dispose it when the enumeration ends or is disposed). Not
/// thread-safe: the reader owns it; only <see cref="Parse"/> fans out.
/// </summary>
internal sealed class LineBatch : IDisposable
{
    /// <summary>The most entries a batch holds.</summary>
    public const int MaxLines = 1024;

    /// <summary>The bytes of line content after which a batch counts as full.</summary>
    public const int TargetBytes = 4 * 1024 * 1024;

    private readonly int _maxLines;
    private readonly string _sourceName;
    private readonly int[] _start = new int[MaxLines];
    private readonly int[] _length = new int[MaxLines];
    private readonly long[] _lineNumber = new long[MaxLines];
    private readonly bool[] _blankIsError = new bool[MaxLines];
    private readonly bool[] _plainAscii = new bool[MaxLines];
    private readonly ActivityReadResult?[] _results = new ActivityReadResult?[MaxLines];
    private readonly Action<int> _parseRange;
    private readonly WorkerGroup _workers;
    private readonly ActivityReadResult?[]? _reusable;
    private byte[] _bytes = new byte[256 * 1024];
    private int _used;
    private int _ranges;

    /// <summary>Creates a batch whose <see cref="Parse"/> uses up to <paramref name="parallelism"/> threads.</summary>
    /// <param name="parallelism">The most threads that parse at once.</param>
    /// <param name="sourceName">The input's name for messages.</param>
    /// <param name="maxLines">The most entries, at most <see cref="MaxLines"/>.</param>
    /// <param name="reuseResults">Whether the results of lines read on the parser's fast path are objects this batch
    /// reuses from one filling to the next (<see cref="ActivityReaderOptions.ReuseResults"/>).</param>
    public LineBatch(int parallelism, string sourceName, int maxLines = MaxLines, bool reuseResults = false)
    {
        _reusable = reuseResults ? new ActivityReadResult?[MaxLines] : null;
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLines, MaxLines);
        _maxLines = maxLines;
        _sourceName = sourceName;
        _parseRange = ParseRange;
        _workers = new WorkerGroup(Math.Min(parallelism, Environment.ProcessorCount), "AlertEngine reader");
    }

    /// <summary>The number of entries.</summary>
    public int Count { get; private set; }

    /// <summary>Whether the batch must be parsed and emptied before another entry is added.</summary>
    public bool IsFull => Count == _maxLines || _used >= TargetBytes;

    /// <summary>Adds a copy of a line to parse.</summary>
    /// <param name="line">The line (UTF-8, without its terminator).</param>
    /// <param name="lineNumber">Its line number.</param>
    /// <param name="blankIsError">Whether a blank line is an error (a CSV row's empty AuditData) rather than skipped.</param>
    /// <param name="plainAscii">Whether the line is known to be ASCII without NUL (see <see cref="ActivityLineParser.Parse"/>).</param>
    public void AddLine(ReadOnlySpan<byte> line, long lineNumber, bool blankIsError, bool plainAscii = false)
    {
        if (_used + line.Length > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, _used + line.Length));
        }

        line.CopyTo(_bytes.AsSpan(_used));
        _start[Count] = _used;
        _length[Count] = line.Length;
        _lineNumber[Count] = lineNumber;
        _blankIsError[Count] = blankIsError;
        _plainAscii[Count] = plainAscii;
        _results[Count] = null;
        _used += line.Length;
        Count++;
    }

    /// <summary>Adds a result the reader already has (not parsed again); <see langword="null"/> adds nothing.</summary>
    public void AddResult(ActivityReadResult? result)
    {
        if (result is null)
        {
            return;
        }

        _length[Count] = -1;
        _results[Count] = result;
        Count++;
    }

    /// <summary>Parses every line entry, on up to the configured number of threads (contiguous ranges).</summary>
    public void Parse()
    {
        // Ranges of 128 lines (fewer lines only in the small batches of tests), claimed by the threads one at a time,
        // so that a thread that starts late or parses long lines does not keep the others waiting at the end.
        var linesPerRange = Math.Clamp(_maxLines / (2 * _workers.Size), 1, 128);
        _ranges = (Count + linesPerRange - 1) / linesPerRange;
        if (_ranges <= 1 || _workers.Size == 1)
        {
            _ranges = 1;
            ParseRange(0);
            return;
        }

        _workers.Run(_ranges, _parseRange);
    }

    /// <summary>Stops the parsing threads.</summary>
    public void Dispose() => _workers.Dispose();

    /// <summary>The result of entry <paramref name="index"/> after <see cref="Parse"/>; <see langword="null"/> for a
    /// blank line.</summary>
    public ActivityReadResult? this[int index] => _results[index];

    /// <summary>Empties the batch (the arrays are kept).</summary>
    public void Clear()
    {
        Array.Clear(_results, 0, Count);
        Count = 0;
        _used = 0;
    }

    private void ParseRange(int range) => ParseRange(range, _ranges);

    /// <summary>Parses the line entries of range <paramref name="range"/> of <paramref name="ranges"/> contiguous,
    /// equal ranges (a staged caller's share; any thread, each range once, none while entries are added).</summary>
    internal void ParseRange(int range, int ranges)
    {
        var from = (int)((long)Count * range / ranges);
        var to = (int)((long)Count * (range + 1) / ranges);
        for (var i = from; i < to; i++)
        {
            if (_length[i] >= 0)
            {
                var reuse = _reusable is null ? null : _reusable[i] ??= new ActivityReadResult(_sourceName, 0, null, [], []);
                _results[i] = ActivityLineParser.Parse(_bytes.AsSpan(_start[i], _length[i]), _sourceName, _lineNumber[i], _plainAscii[i], reuse)
                    ?? (_blankIsError[i] ? ActivityReader.Failure(_sourceName, _lineNumber[i], ActivityReader.EmptyAuditData) : null);
            }
        }
    }
}
