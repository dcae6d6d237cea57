namespace AlertEngine;

/// <summary>
/// A table of value strings shared by all keys of one trigger core (<see cref="DistinctCounter{TItem}"/>,
/// <see cref="NewValueTracker"/>): the same text (ordinally) gives the same string, so a value that recurs across
/// activities and keys is stored once, allocates nothing after its first time, and the strings a key compares against
/// stay few and hot in the cache. Holds at most <see cref="MaxStrings"/> strings and starts over when full (strings
/// already handed out stay valid; only sharing is lost). Single-threaded.
/// </summary>
internal sealed class ValueStringTable
{
    /// <summary>The most strings the table holds before it starts over.</summary>
    public const int MaxStrings = 1 << 16;

    private readonly HashSet<string> _strings = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public ValueStringTable() => _lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The table's string for <paramref name="value"/>; adds <paramref name="text"/> (when given, it must hold the
    /// same characters) or a copy of the value when the text is new.</summary>
    public string Get(ReadOnlySpan<char> value, string? text = null)
    {
        if (_lookup.TryGetValue(value, out var found))
        {
            return found;
        }

        if (_strings.Count >= MaxStrings)
        {
            _strings.Clear();
        }

        found = text ?? value.ToString();
        _strings.Add(found);
        return found;
    }
}
