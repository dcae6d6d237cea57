namespace AlertEngine;

/// <summary>
/// Told by <see cref="KeyTable{TValue}.FindValue{THint}(string, ref THint)"/> about the value that is probably the key's,
/// before the key is compared: a caller prefetches what the value points to. Implemented by a struct that is not
/// generic, so the call is resolved when the lookup is compiled and inlined, also in a table whose value type is shared
/// between instantiations (a value holding a reference-type parameter, such as a core's item type): a hint generic over
/// such a type would be called through a runtime lookup, never inlined.
/// </summary>
internal interface IKeyTableHint
{
    /// <summary>The value of a slot whose stored hash equals the key's (not yet compared: it may be another key's), by
    /// reference to its first byte: read it as the table's value type (<c>Unsafe.As&lt;byte, TValue&gt;</c>). Must
    /// change nothing.</summary>
    void Candidate(ref byte value);
}
