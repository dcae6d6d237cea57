using System.Text;

namespace AlertEngine;

/// <summary>
/// The start of an activity stream, read once to recognise its format from the content, then handed out again ahead
/// of the rest of the stream so nothing is read twice. JSON Lines unless the first line that is not blank is a CSV
/// header row with an <c>AuditData</c> column (the audit search export of the Microsoft Purview portal).
/// Single-threaded.
/// </summary>
internal sealed class ActivityInput(Stream stream)
{
    /// <summary>How far the header row is looked for; a longer first line is not a Purview header.</summary>
    private const int MaxHeaderLength = 64 * 1024;

    private const string AuditDataColumn = "AuditData";

    private byte[] _prefix = new byte[4096];
    private int _prefixLength;
    private int _prefixRead;

    /// <summary>Whether the input is a Purview CSV export (after <see cref="Sniff"/>).</summary>
    public bool IsCsv => AuditDataIndex >= 0;

    /// <summary>The index of the <c>AuditData</c> column; <see langword="-1"/> for JSON Lines.</summary>
    public int AuditDataIndex { get; private set; } = -1;

    /// <summary>Reads the start of the stream and recognises the format.</summary>
    public void Sniff()
    {
        var complete = false;
        while (Decide(complete) is null)
        {
            EnsureRoom();
            var read = stream.Read(_prefix.AsSpan(_prefixLength));
            complete = read == 0;
            _prefixLength += read;
        }
    }

    /// <summary>Reads the start of the stream and recognises the format, asynchronously.</summary>
    public async ValueTask SniffAsync(CancellationToken cancellationToken)
    {
        var complete = false;
        while (Decide(complete) is null)
        {
            EnsureRoom();
            var read = await stream.ReadAsync(_prefix.AsMemory(_prefixLength), cancellationToken).ConfigureAwait(false);
            complete = read == 0;
            _prefixLength += read;
        }
    }

    /// <summary>Reads into <paramref name="buffer"/>: the sniffed bytes first, then the stream.</summary>
    public int Read(Span<byte> buffer)
    {
        if (_prefixRead < _prefixLength)
        {
            var n = Math.Min(buffer.Length, _prefixLength - _prefixRead);
            _prefix.AsSpan(_prefixRead, n).CopyTo(buffer);
            _prefixRead += n;
            return n;
        }

        return stream.Read(buffer);
    }

    /// <summary>Reads into <paramref name="buffer"/>: the sniffed bytes first, then the stream.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        _prefixRead < _prefixLength ? new ValueTask<int>(Read(buffer.Span)) : stream.ReadAsync(buffer, cancellationToken);

    /// <summary>Recognises the format from the header row's fields (RFC 4180 quoting), for tests and the sniffer.</summary>
    internal static int AuditDataColumnIndex(ReadOnlySpan<byte> headerLine)
    {
        var index = 0;
        var i = 0;
        while (true)
        {
            // One field: quoted or not.
            var field = new StringBuilder();
            if (i < headerLine.Length && headerLine[i] == (byte)'"')
            {
                i++;
                while (i < headerLine.Length)
                {
                    if (headerLine[i] == (byte)'"')
                    {
                        if (i + 1 < headerLine.Length && headerLine[i + 1] == (byte)'"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    field.Append((char)headerLine[i++]);
                }
            }

            while (i < headerLine.Length && headerLine[i] != (byte)',')
            {
                field.Append((char)headerLine[i++]);
            }

            if (field.ToString().Trim().Equals(AuditDataColumn, StringComparison.OrdinalIgnoreCase))
            {
                return index;
            }

            if (i >= headerLine.Length)
            {
                return -1;
            }

            i++;
            index++;
        }
    }

    private void EnsureRoom()
    {
        if (_prefixLength == _prefix.Length)
        {
            Array.Resize(ref _prefix, _prefix.Length * 2);
        }
    }

    /// <summary>Decides from what was read so far; <see langword="null"/> when more is needed.</summary>
    private bool? Decide(bool complete)
    {
        var data = _prefix.AsSpan(0, _prefixLength);
        var start = data.StartsWith("\uFEFF"u8) ? 3 : 0;
        if (!complete && _prefixLength < 3 && "\uFEFF"u8.StartsWith(data))
        {
            return null;
        }

        var first = data[start..].IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0)
        {
            // Blank so far.
            return complete || _prefixLength >= MaxHeaderLength ? false : null;
        }

        first += start;
        if (data[first] is (byte)'{' or (byte)'[')
        {
            return false;
        }

        var lineStart = data[..first].LastIndexOf((byte)'\n') + 1;
        var lineEnd = data[first..].IndexOf((byte)'\n');
        if (lineEnd < 0 && !complete && _prefixLength < MaxHeaderLength)
        {
            return null;
        }

        var line = lineEnd < 0 ? data[lineStart..] : data[lineStart..(first + lineEnd)];
        if (lineStart == 0 && start > 0)
        {
            line = line[start..];
        }

        AuditDataIndex = AuditDataColumnIndex(line.TrimEnd("\r"u8));
        return IsCsv;
    }
}
