using System.Collections.Frozen;

namespace AlertEngine;

/// <summary>
/// A fixed set of strings compared with <see cref="StringComparison.OrdinalIgnoreCase"/>: a single value is compared
/// directly, more go into a frozen set. Lookups do not allocate.
/// </summary>
internal sealed class CaseInsensitiveSet
{
    private readonly string? _single;
    private readonly FrozenSet<string>? _many;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _manyBySpan;

    /// <summary>Builds the set; an empty list gives a set that contains nothing.</summary>
    public CaseInsensitiveSet(IReadOnlyList<string> values)
    {
        if (values.Count == 1)
        {
            _single = values[0];
        }
        else
        {
            _many = values.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
            _manyBySpan = _many.GetAlternateLookup<ReadOnlySpan<char>>();
        }
    }

    /// <summary>Whether <paramref name="value"/> is in the set; <see langword="null"/> never is.</summary>
    public bool Contains(string? value) =>
        value is not null && (_single is not null ? string.Equals(value, _single, StringComparison.OrdinalIgnoreCase) : _many!.Contains(value));

    /// <summary>Whether <paramref name="value"/> is in the set, without allocating.</summary>
    public bool Contains(ReadOnlySpan<char> value) =>
        _single is not null ? value.Equals(_single, StringComparison.OrdinalIgnoreCase) : _manyBySpan.Contains(value);

    /// <summary>Whether any element of <paramref name="values"/> is in the set.</summary>
    public bool ContainsAny(IReadOnlyList<string> values)
    {
        // Indexing, not foreach: enumerating an IReadOnlyList through the interface allocates.
        for (var i = 0; i < values.Count; i++)
        {
            if (Contains(values[i]))
            {
                return true;
            }
        }

        return false;
    }
}
