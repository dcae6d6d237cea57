using System.Numerics;

namespace AlertEngine;

/// <summary>What <see cref="CsvRecordSplitter.TryRead"/> found.</summary>
internal enum CsvStatus
{
    /// <summary>More input is needed: fill the buffer and call again.</summary>
    NeedMore,
    /// <summary>A complete record.</summary>
    Record,
    /// <summary>A record longer than the limit; it was discarded while being read.</summary>
    TooLong,
    /// <summary>The input is exhausted.</summary>
    End,
}

/// <summary>
/// Splits UTF-8 CSV (RFC 4180: fields separated by <c>,</c>, records by LF or CRLF, a field in double quotes may hold
/// commas, line breaks and doubled quotes) into records, and keeps of each record only the field at one index (the
/// <c>AuditData</c> column of a Purview audit search export), unescaped in place. Holds at most one record (up to the
/// limit) plus one read block in memory; a longer record is reported as <see cref="CsvStatus.TooLong"/> and discarded
/// while it is scanned. Line numbers are physical lines: a line break inside a quoted field counts. Single-threaded
/// pure state; the caller does the I/O (<see cref="GetWriteSpace"/>, <see cref="Commit"/>), like
/// <see cref="LineSplitter{T}"/>.
/// </summary>
internal sealed class CsvRecordSplitter
{
    private const int MinReadBlock = SplitterBuffer.MinReadBlock;

    private readonly int _maxRecordLength;
    private readonly CsvCompaction _compaction;
    private byte[] _buffer;
    private int _start;   // first byte of the current record
    private int _end;     // end of the data read
    private int _scan;    // where scanning resumes
    private bool _completed;

    // The state of the record being scanned; positions are absolute in _buffer.
    private int _field;
    private int _fieldStart;
    private bool _inQuotes;
    private int _closingQuote = -1;
    private int _keptStart = -1;
    private int _keptEnd = -1;
    private int _keptWrite = -1; // where the next unescaped byte of a quoted kept field goes (at or before _scan)
    private bool _keptQuoted;
    private ulong _keptUnusual; // nonzero once the quoted kept field has a byte that is not ASCII, or NUL
    private long _newlines;
    private string? _problem;
    private bool _discarding;
    private long _nextLine = 1;
    private int _lastKeptStart;  // the kept field of the last record returned
    private int _lastKeptLength;

    // The separators (commas, quotes, line feeds) of the 64 bytes from _maskStart, one bit each; kept between searches.
    private int _maskStart = int.MinValue;
    private ulong _mask;

    /// <summary>Creates a splitter.</summary>
    /// <param name="maxRecordLength">The longest record accepted, in bytes, line breaks inside it included.</param>
    /// <param name="compaction">How the kept field is unescaped (tests choose; the default is the fastest).</param>
    public CsvRecordSplitter(int maxRecordLength, CsvCompaction compaction = CsvCompaction.Best)
    {
        _compaction = compaction;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRecordLength, 1);
        _maxRecordLength = maxRecordLength;
        _buffer = new byte[(int)Math.Min(64 * 1024, (long)maxRecordLength + MinReadBlock)];
        ResetRecord(0);
    }

    /// <summary>The index of the field to keep (<see langword="-1"/>: none, e.g. while reading the header).</summary>
    public int KeptField { get; set; } = -1;

    /// <summary>The line the last record returned starts on (1-based).</summary>
    public long LineNumber { get; private set; }

    /// <summary>The number of fields of the last record returned.</summary>
    public int FieldCount { get; private set; }

    /// <summary>Why the last record returned is not valid CSV; <see langword="null"/> when it is.</summary>
    public string? Problem { get; private set; }

    /// <summary>
    /// Whether the kept field of the last record returned was quoted and its content is all ASCII without NUL (found
    /// while unescaping it), so that it is valid UTF-8 with no NUL byte: the parser need not check again.
    /// </summary>
    public bool KeptIsPlainAscii { get; private set; }

    /// <summary>Whether the last record returned was a blank line.</summary>
    public bool IsBlank { get; private set; }

    /// <summary>The buffer that <see cref="CsvRow.KeptStart"/> refers to; valid until the next <see cref="GetWriteSpace"/>.</summary>
    public ReadOnlySpan<byte> Buffer => _buffer;

    /// <summary>Free space to read into. Never empty while the input is not complete.</summary>
    public Memory<byte> GetWriteSpace()
    {
        if (_start > 0)
        {
            var shift = _start;
            var pending = _end - _start;
            if (pending > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, pending);
            }

            _start = 0;
            _end = pending;
            _maskStart = int.MinValue;
            _scan -= shift;
            _fieldStart -= shift;
            if (_closingQuote >= 0)
            {
                _closingQuote -= shift;
            }

            if (_keptStart >= 0)
            {
                _keptStart -= shift;
                _keptEnd -= shift;
                _keptWrite -= shift;
            }
        }

        // Grows only while the pending record is shorter than the limit (longer ones are discarded as scanned).
        SplitterBuffer.EnsureRoom(ref _buffer, _end, _maxRecordLength);

        return _buffer.AsMemory(_end);
    }

    /// <summary>Records the result of one read into <see cref="GetWriteSpace"/>: 0 means the input ended.</summary>
    public void Commit(int read)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(read);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(read, _buffer.Length - _end);
        if (read == 0)
        {
            _completed = true;
        }

        _end += read;
    }

    /// <summary>Returns the next record, if one is complete.</summary>
    /// <param name="kept">For <see cref="CsvStatus.Record"/>: the kept field, unquoted and unescaped; empty when the
    /// record has no such field (see <see cref="FieldCount"/>). Valid until the next <see cref="GetWriteSpace"/>.</param>
    public CsvStatus TryRead(out ReadOnlySpan<byte> kept)
    {
        kept = default;
        var i = _scan;
        while (true)
        {
            if (_inQuotes)
            {
                var status = ScanQuoted(ref i);
                if (status == CsvStatus.NeedMore)
                {
                    return NeedMore(i);
                }

                if (_inQuotes)
                {
                    // The input ended inside the quotes.
                    _problem ??= "not valid CSV: a quoted field is not closed";
                    return Finish(i, i, out kept);
                }

                continue;
            }

            var at = NextSeparator(i);
            if (at < 0)
            {
                i = _end;
                if (_completed)
                {
                    return i == _start && !_discarding ? CsvStatus.End : Finish(i, i, out kept);
                }

                return NeedMore(i);
            }

            switch (_buffer[at])
            {
                case (byte)'"':
                    if (at == _fieldStart && _closingQuote < 0)
                    {
                        _inQuotes = true;
                        if (_field == KeptField && !_discarding)
                        {
                            _keptQuoted = true;
                            _keptStart = _keptWrite = _keptEnd = at + 1;
                        }
                    }
                    else
                    {
                        _problem ??= _closingQuote >= 0
                            ? "not valid CSV: a quote inside a quoted field must be doubled"
                            : "not valid CSV: a quote in a field that does not start with one";
                    }

                    i = at + 1;
                    break;
                case (byte)',':
                    EndField(at);
                    _field++;
                    _fieldStart = at + 1;
                    _closingQuote = -1;
                    i = at + 1;
                    break;
                default:
                    return Finish(at, at + 1, out kept);
            }
        }
    }

    /// <summary>
    /// Splits up to <paramref name="rows"/>.Length records from the data already read, without asking for more input:
    /// the same records, in the same order, as that many calls of <see cref="TryRead"/>. Splitting rows in a run, then
    /// handing them out, keeps the scan loop hot between the parses of their content (benchmarks/results/activity-reader.md).
    /// Each record's kept field stays valid in <see cref="Buffer"/> until the next <see cref="GetWriteSpace"/>: unescaping
    /// a later record writes only inside that record.
    /// </summary>
    /// <param name="rows">Where the records go, from index 0.</param>
    /// <param name="stopped">Why splitting stopped: <see cref="CsvStatus.NeedMore"/> (fill the buffer, after handing out
    /// the records), <see cref="CsvStatus.End"/>, or <see cref="CsvStatus.Record"/> when <paramref name="rows"/> is full.</param>
    /// <returns>The number of records split (<see cref="CsvStatus.Record"/> or <see cref="CsvStatus.TooLong"/>).</returns>
    public int TryReadMany(Span<CsvRow> rows, out CsvStatus stopped)
    {
        var count = 0;
        stopped = CsvStatus.Record;
        while (count < rows.Length)
        {
            var status = TryRead(out _);
            if (status is CsvStatus.NeedMore or CsvStatus.End)
            {
                stopped = status;
                break;
            }

            ref var row = ref rows[count++];
            row.TooLong = status == CsvStatus.TooLong;
            row.KeptStart = _lastKeptStart;
            row.KeptLength = _lastKeptLength;
            row.LineNumber = LineNumber;
            row.FieldCount = FieldCount;
            row.Problem = Problem;
            row.IsBlank = IsBlank;
            row.KeptIsPlainAscii = KeptIsPlainAscii;
        }

        return count;
    }

    /// <summary>
    /// The first comma, quote or line feed at or after <paramref name="i"/> (outside quotes), or -1 when there is none
    /// in the data read. Each 64 bytes are tested once (<see cref="CsvQuotedChunks.Separators"/>) and the mask kept for
    /// the next calls: the few bytes of a row's other fields are many short searches, too short for a search call each.
    /// </summary>
    private int NextSeparator(int i)
    {
        var offset = i - _maskStart;
        if ((uint)offset < CsvQuotedChunks.ChunkLength)
        {
            var rest = _mask >> offset;
            if (rest != 0)
            {
                return i + BitOperations.TrailingZeroCount(rest);
            }

            i = _maskStart + CsvQuotedChunks.ChunkLength;
        }

        while (i + CsvQuotedChunks.ChunkLength <= _end && CsvQuotedChunks.IsAccelerated)
        {
            _maskStart = i;
            _mask = CsvQuotedChunks.Separators(ref _buffer[i]);
            if (_mask != 0)
            {
                return i + BitOperations.TrailingZeroCount(_mask);
            }

            i += CsvQuotedChunks.ChunkLength;
        }

        var stop = _buffer.AsSpan(i, _end - i).IndexOfAny((byte)',', (byte)'\n', (byte)'"');
        return stop < 0 ? -1 : i + stop;
    }

    /// <summary>The buffer, for tests.</summary>
    internal int BufferSize => _buffer.Length;

    private CsvStatus NeedMore(int resumeAt)
    {
        _scan = resumeAt;
        if (_discarding)
        {
            // Keep nothing of a record that is too long: positions of it are no longer needed.
            _start = _scan;
        }
        else if (_scan - _start > (long)_maxRecordLength + 1)
        {
            _discarding = true;
            _start = _scan;
        }

        return CsvStatus.NeedMore;
    }

    /// <summary>Ends the record: its last field ends at <paramref name="fieldEnd"/>, the next record starts at <paramref name="next"/>.</summary>
    private CsvStatus Finish(int fieldEnd, int next, out ReadOnlySpan<byte> kept)
    {
        kept = default;
        var recordEnd = fieldEnd;
        if (fieldEnd > _start && _buffer[fieldEnd - 1] == (byte)'\r' && !_inQuotes)
        {
            recordEnd--;
        }

        EndField(recordEnd);
        LineNumber = _nextLine;
        _nextLine += 1 + _newlines;
        FieldCount = _field + 1;
        Problem = _problem;
        var discarded = _discarding;
        var tooLong = discarded || recordEnd - _start > _maxRecordLength;
        IsBlank = !discarded && recordEnd == _start;
        KeptIsPlainAscii = false;
        _lastKeptStart = 0;
        _lastKeptLength = 0;
        if (!tooLong && _keptStart >= 0)
        {
            _lastKeptStart = _keptStart;
            _lastKeptLength = _keptEnd - _keptStart;
            kept = _buffer.AsSpan(_keptStart, _lastKeptLength);
            KeptIsPlainAscii = _keptQuoted && _keptUnusual == 0;
        }

        ResetRecord(next);
        return tooLong ? CsvStatus.TooLong : CsvStatus.Record;
    }

    private void EndField(int end)
    {
        if (_discarding)
        {
            return;
        }

        if (_closingQuote >= 0 && _closingQuote + 1 != end)
        {
            _problem ??= "not valid CSV: text after the closing quote of a field";
        }

        if (_field != KeptField)
        {
            return;
        }

        if (_keptQuoted)
        {
            // Unescaped while scanning: the content ends where writing stopped.
            _keptEnd = _keptWrite;
        }
        else
        {
            _keptStart = _fieldStart;
            _keptEnd = end;
        }
    }

    /// <summary>
    /// Scans inside a quoted field from <paramref name="i"/> in one pass: counts line breaks, skips doubled quotes, and
    /// for the kept field moves each byte down to <see cref="_keptWrite"/> so that its content ends up unescaped in
    /// place. Stops after the closing quote (<see cref="_inQuotes"/> false), at the end of the input (still true), or
    /// returns <see cref="CsvStatus.NeedMore"/> with <paramref name="i"/> where to resume. The field's bulk goes 64 bytes
    /// at a time through <see cref="CsvQuotedChunks"/>; this loop takes the closing quote and the last bytes of the
    /// buffer one at a time.
    /// </summary>
    private CsvStatus ScanQuoted(ref int i)
    {
        var data = _buffer.AsSpan(0, _end);
        var keep = _field == KeptField && !_discarding;
        var write = keep ? _keptWrite : 0;
        var newlines = 0;
        var at = i;
        var status = CsvStatus.NeedMore;
        while ((uint)at < (uint)data.Length)
        {
            CsvQuotedChunks.Scan(data, ref at, ref write, ref newlines, ref _keptUnusual, keep, _compaction);
            if ((uint)at >= (uint)data.Length)
            {
                break;
            }

            var b = data[at];
            if (b != (byte)'"')
            {
                if (b == (byte)'\n')
                {
                    newlines++;
                }

                if (keep)
                {
                    data[write++] = b;
                    _keptUnusual |= b >= 0x80 || b == 0 ? 1UL : 0UL;
                }

                at++;
                continue;
            }

            if (at + 1 < data.Length && data[at + 1] == (byte)'"')
            {
                if (keep)
                {
                    data[write++] = (byte)'"';
                }

                at += 2;
                continue;
            }

            if (at + 1 == data.Length && !_completed)
            {
                // A doubled quote or the closing one? The next byte decides.
                break;
            }

            _inQuotes = false;
            _closingQuote = at;
            at++;
            status = CsvStatus.Record;
            break;
        }

        if (_inQuotes && _completed && at >= data.Length)
        {
            status = CsvStatus.Record;
        }

        if (keep)
        {
            _keptWrite = write;
        }

        _newlines += newlines;
        i = at;
        return status;
    }

    private void ResetRecord(int start)
    {
        _start = start;
        _scan = start;
        _field = 0;
        _fieldStart = start;
        _inQuotes = false;
        _closingQuote = -1;
        _keptStart = -1;
        _keptEnd = -1;
        _keptWrite = -1;
        _keptQuoted = false;
        _keptUnusual = 0;
        _newlines = 0;
        _problem = null;
        _discarding = false;
    }
}
