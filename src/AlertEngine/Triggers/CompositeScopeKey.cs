using System.Buffers;
using System.Collections.Concurrent;

namespace AlertEngine;

/// <summary>
/// Reads a composite scope key (<see cref="TriggerScopeKind.Properties"/>, from a Sigma <c>group-by</c> with several
/// fields): the fields' values joined with U+001F, or <see langword="null"/> when one of them has no (or an empty)
/// value. The key is assembled in a stack (or pooled) buffer and looked up by span in a table of the keys already
/// seen, so a key that was built before comes back as the same string instance without allocating; only a key seen
/// for the first time allocates its string. The table holds at most <see cref="MaxKeys"/> keys and is cleared when it
/// is full (memory stays bounded; the keys of the working set are then built once more). Thread-safe.
/// </summary>
internal sealed class CompositeScopeKey
{
    /// <summary>The most keys the table of known keys holds before it is cleared.</summary>
    public const int MaxKeys = 1 << 16;

    /// <summary>Separates the values in a key.</summary>
    public const char Separator = '\u001f';

    private const int StackLength = 256;

    private readonly ActivityField[] _fields;
    private readonly string[] _names;
    private readonly ConcurrentDictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int _added;

    public CompositeScopeKey(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        _names = [.. names];
        _fields = new ActivityField[_names.Length];
        for (var i = 0; i < _names.Length; i++)
        {
            _fields[i] = ActivityFields.Resolve(_names[i]);
        }

        _lookup = _keys.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The number of keys in the table (for tests).</summary>
    public int KnownKeys => _keys.Count;

    /// <summary>The activity's key, or <see langword="null"/> when a field has no value.</summary>
    public string? Read(Activity activity)
    {
        // Length first (no copy), so the buffer can be sized; the client IP is at most IpAddressText.MaxLength.
        var length = _fields.Length - 1;
        for (var i = 0; i < _fields.Length; i++)
        {
            int fieldLength;
            if (_fields[i] == ActivityField.ClientIp)
            {
                if (activity.ClientIp is null)
                {
                    return null;
                }

                fieldLength = IpAddressText.MaxLength;
            }
            else
            {
                var value = ActivityFields.Read(activity, _fields[i], _names[i]);
                if (string.IsNullOrEmpty(value))
                {
                    return null;
                }

                fieldLength = value.Length;
            }

            length += fieldLength;
        }

        char[]? rented = null;
        var buffer = length <= StackLength ? stackalloc char[StackLength] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var written = 0;
            for (var i = 0; i < _fields.Length; i++)
            {
                if (i > 0)
                {
                    buffer[written++] = Separator;
                }

                ReadOnlySpan<char> value = _fields[i] == ActivityField.ClientIp
                    ? IpAddressText.Format(activity.ClientIp!, buffer[written..])
                    : ActivityFields.Read(activity, _fields[i], _names[i]);
                if (_fields[i] != ActivityField.ClientIp)
                {
                    value.CopyTo(buffer[written..]);
                }

                written += value.Length;
            }

            return Intern(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    private string Intern(ReadOnlySpan<char> key)
    {
        if (_lookup.TryGetValue(key, out var known))
        {
            return known;
        }

        // An approximate count (ConcurrentDictionary.Count takes every lock of the table, on every new key).
        if (Interlocked.Increment(ref _added) > MaxKeys)
        {
            _keys.Clear();
            Volatile.Write(ref _added, 1);
        }

        var text = key.ToString();
        return _keys.GetOrAdd(text, text);
    }
}
