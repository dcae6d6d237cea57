namespace AlertEngine;

/// <summary>The hint of the key table's lookups that have none: does nothing, and is compiled away (a struct that is not
/// generic, so the call is inlined in every instantiation of the table; see <see cref="IKeyTableHint"/>).</summary>
internal readonly struct NoKeyTableHint : IKeyTableHint
{
    /// <inheritdoc/>
    public void Candidate(ref byte value)
    {
    }
}
