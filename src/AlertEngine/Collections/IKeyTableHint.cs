namespace AlertEngine;

/// <summary>
/// Told by <see cref="KeyTable{TValue}.FindValue{THint}(string, ref THint)"/> about the value that is probably the key's,
/// before the key is compared: a caller prefetches what the value points to. Implemented by a struct, so the call is
/// inlined.
/// </summary>
/// <typeparam name="TValue">The table's value.</typeparam>
internal interface IKeyTableHint<TValue>
{
    /// <summary>The value of a slot whose stored hash equals the key's (not yet compared: it may be another key's).
    /// Must change nothing.</summary>
    void Candidate(in TValue value);
}
