namespace AlertEngine.Tests.Serialization;

/// <summary>
/// The oracle for <see cref="CsvRecordSplitter"/>: RFC 4180 read from the whole input one byte at a time, as plainly as
/// it can be written. A record ends at a line feed outside quotes (a carriage return before it is not part of the last
/// field); a quote opens a quoted field only as the field's first byte; inside, two quotes are one and a single quote
/// closes the field. The first problem of a record is kept: a quote in a field that does not start with one, a quote
/// after the closing one, text after the closing quote, a field never closed. The kept field is "plain ASCII" when it
/// was quoted and its content has no byte above 127 and no NUL.
/// </summary>
internal static class NaiveCsv
{
    public static string TooLong(long line) => $"{line} too long";

    public static string Describe(long line, int fields, bool blank, string? problem, ReadOnlySpan<byte> kept, bool plainAscii) =>
        $"{line} fields {fields} blank {blank} problem {problem ?? "none"} plain ASCII {plainAscii} kept {Convert.ToHexString(kept)}";

    /// <summary>Every record of <paramref name="data"/>, described like <see cref="Describe"/> (or <see cref="TooLong"/>).</summary>
    public static List<string> Split(byte[] data, int keptField, int max)
    {
        var records = new List<string>();
        var pos = 0;
        long line = 1;
        while (pos < data.Length)
        {
            var start = pos;
            var field = 0;
            var fieldStart = pos;
            var inQuotes = false;
            var closing = -1;
            string? problem = null;
            var kept = new List<byte>();
            var keptQuoted = false;
            var keptFound = false;
            long newlines = 0;
            int fieldEnd;
            int next;

            void EndField(int end)
            {
                if (closing >= 0 && closing + 1 != end)
                {
                    problem ??= "not valid CSV: text after the closing quote of a field";
                }

                if (field == keptField)
                {
                    keptFound = true;
                    if (!keptQuoted)
                    {
                        kept.AddRange(data.AsSpan(fieldStart, end - fieldStart));
                    }
                }
            }

            while (true)
            {
                if (pos == data.Length)
                {
                    if (inQuotes)
                    {
                        problem ??= "not valid CSV: a quoted field is not closed";
                    }

                    fieldEnd = next = pos;
                    break;
                }

                var b = data[pos];
                if (inQuotes)
                {
                    if (b == (byte)'"' && pos + 1 < data.Length && data[pos + 1] == (byte)'"')
                    {
                        if (field == keptField)
                        {
                            kept.Add(b);
                        }

                        pos += 2;
                    }
                    else if (b == (byte)'"')
                    {
                        inQuotes = false;
                        closing = pos;
                        pos++;
                    }
                    else
                    {
                        newlines += b == (byte)'\n' ? 1 : 0;
                        if (field == keptField)
                        {
                            kept.Add(b);
                        }

                        pos++;
                    }

                    continue;
                }

                if (b == (byte)'"')
                {
                    if (pos == fieldStart)
                    {
                        inQuotes = true;
                        keptQuoted |= field == keptField;
                    }
                    else
                    {
                        problem ??= closing >= 0
                            ? "not valid CSV: a quote inside a quoted field must be doubled"
                            : "not valid CSV: a quote in a field that does not start with one";
                    }

                    pos++;
                }
                else if (b == (byte)',')
                {
                    EndField(pos);
                    field++;
                    fieldStart = pos + 1;
                    closing = -1;
                    pos++;
                }
                else if (b == (byte)'\n')
                {
                    fieldEnd = pos;
                    next = pos + 1;
                    break;
                }
                else
                {
                    pos++;
                }
            }

            var recordEnd = fieldEnd > start && data[fieldEnd - 1] == (byte)'\r' && !inQuotes ? fieldEnd - 1 : fieldEnd;
            EndField(recordEnd);
            records.Add(recordEnd - start > max
                ? TooLong(line)
                : Describe(line, field + 1, recordEnd == start, problem, keptFound ? kept.ToArray() : [],
                    keptFound && keptQuoted && kept.TrueForAll(b => b is > 0 and < 0x80)));
            line += 1 + newlines;
            pos = next;
        }

        return records;
    }
}
