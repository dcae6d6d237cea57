namespace AlertEngine;

/// <summary>Text rules of the SQLite stores: which strings can be keys, and the case-folded form of filter keys.</summary>
internal static class SqliteText
{
    /// <summary>
    /// Refuses an id that is not well-formed UTF-16 (it has a lone surrogate): SQLite stores text as Unicode, where two
    /// such ids could collide. Ids read from JSON or any text file are always well-formed.
    /// </summary>
    public static void CheckKey(string value, string what, string paramName)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                throw new ArgumentException($"The {what} is not well-formed UTF-16 (it has a lone surrogate at {i}) and cannot be stored in SQLite.", paramName);
            }
        }
    }

    /// <summary>The key a case-insensitive filter compares (upper invariant; queries re-check ordinal-ignore-case equality).</summary>
    public static string FoldKey(string? value) => value is null ? string.Empty : value.ToUpperInvariant();
}
