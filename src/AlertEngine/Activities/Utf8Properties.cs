using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace AlertEngine;

/// <summary>
/// The properties of an activity read from a unified-audit-log record, kept as the record's UTF-8 bytes and turned into
/// strings only when read. An audit record carries a dozen fields besides the ones the engine reads, and most are never
/// looked at: decoding each into a string and a dictionary entry was most of the cost of reading a record.
/// Immutable to its readers and thread-safe: a value is decoded on its first read and published with a compare-exchange,
/// so every read of a key, from any thread, returns the very same string instance (what
/// <see cref="Activity.JsonProperty"/>'s cache relies on).
/// </summary>
/// <remarks>
/// Keys compare case-insensitively (ordinal), like the dictionary the reader built before; the keys are distinct
/// case-insensitively (the reader rejects duplicate fields). Enumeration is in the order of the record. Lookups scan the
/// keys: an audit record has tens of them, and a length check rejects almost all without comparing text.
/// </remarks>
internal sealed class Utf8Properties : IReadOnlyDictionary<string, string>
{
    private readonly Slot[] _slots;
    private readonly byte[] _utf8;
    private string?[]? _values;

    /// <summary>Creates the properties. The arrays are taken, not copied.</summary>
    /// <param name="slots">The keys and where each value's text is in <paramref name="utf8"/>.</param>
    /// <param name="utf8">The values' UTF-8 text.</param>
    /// <param name="values">Values already decoded (by index of <paramref name="slots"/>), or <see langword="null"/>.</param>
    public Utf8Properties(Slot[] slots, byte[] utf8, string?[]? values)
    {
        _slots = slots;
        _utf8 = utf8;
        _values = values;
    }

    /// <inheritdoc />
    public int Count => _slots.Length;

    /// <inheritdoc />
    public IEnumerable<string> Keys
    {
        get
        {
            foreach (var slot in _slots)
            {
                yield return slot.Name;
            }
        }
    }

    /// <inheritdoc />
    public IEnumerable<string> Values
    {
        get
        {
            for (var i = 0; i < _slots.Length; i++)
            {
                yield return Value(i);
            }
        }
    }

    /// <inheritdoc />
    public string this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"The property '{key}' is not present.");

    /// <inheritdoc />
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = null;
            return false;
        }

        value = Value(i);
        return true;
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _slots.Length; i++)
        {
            yield return new KeyValuePair<string, string>(_slots[i].Name, Value(i));
        }
    }

    /// <inheritdoc />
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The key at <paramref name="i"/> (in the record's order).</summary>
    internal string KeyAt(int i) => _slots[i].Name;

    /// <summary>The value at <paramref name="i"/> without decoding it: its UTF-8 text when not decoded yet (then
    /// <paramref name="decoded"/> is <see langword="null"/>), else the string.</summary>
    internal ReadOnlySpan<byte> Utf8ValueAt(int i, out string? decoded)
    {
        decoded = Volatile.Read(ref _values) is { } values ? Volatile.Read(ref values[i]) : null;
        ref readonly var slot = ref _slots[i];
        return decoded is null ? new ReadOnlySpan<byte>(_utf8, slot.Offset, slot.Length) : default;
    }

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slots = _slots;
        for (var i = 0; i < slots.Length; i++)
        {
            var name = slots[i].Name;
            if (name.Length == key.Length && string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private string Value(int i)
    {
        var values = Volatile.Read(ref _values);
        if (values is null)
        {
            Interlocked.CompareExchange(ref _values, new string?[_slots.Length], null);
            values = _values;
        }

        var value = Volatile.Read(ref values[i]);
        if (value is not null)
        {
            return value;
        }

        ref readonly var slot = ref _slots[i];
        value = slot.Length == 0 ? string.Empty : Encoding.UTF8.GetString(_utf8, slot.Offset, slot.Length);

        // The first decoded instance wins, so every reader sees one string per value.
        return Interlocked.CompareExchange(ref values[i], value, null) ?? value;
    }

    /// <summary>A key and the range of its value's UTF-8 text (ignored when the value was decoded up front).</summary>
    /// <param name="Name">The key.</param>
    /// <param name="Offset">The first byte of the value's text.</param>
    /// <param name="Length">The length of the value's text in bytes.</param>
    internal readonly record struct Slot(string Name, int Offset, int Length);
}
