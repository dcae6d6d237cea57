namespace AlertEngine;

/// <summary>
/// One record split by <see cref="CsvRecordSplitter.TryReadMany"/>: what <see cref="CsvRecordSplitter.TryRead"/> and the
/// splitter's properties tell of it, with the kept field as a position in <see cref="CsvRecordSplitter.Buffer"/> (valid
/// until the next <see cref="CsvRecordSplitter.GetWriteSpace"/>).
/// </summary>
internal struct CsvRow
{
    /// <summary>Whether the record was longer than the limit (<see cref="CsvStatus.TooLong"/>): nothing else is set.</summary>
    public bool TooLong;

    /// <summary>Where the kept field, unquoted and unescaped, starts in the buffer.</summary>
    public int KeptStart;

    /// <summary>The kept field's length; 0 when the record has no such field.</summary>
    public int KeptLength;

    /// <summary>The line the record starts on (1-based).</summary>
    public long LineNumber;

    /// <summary>The number of fields.</summary>
    public int FieldCount;

    /// <summary>Why the record is not valid CSV; <see langword="null"/> when it is.</summary>
    public string? Problem;

    /// <summary>Whether the record was a blank line.</summary>
    public bool IsBlank;

    /// <summary>See <see cref="CsvRecordSplitter.KeptIsPlainAscii"/>.</summary>
    public bool KeptIsPlainAscii;
}
