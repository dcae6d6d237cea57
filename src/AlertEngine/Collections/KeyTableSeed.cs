namespace AlertEngine;

/// <summary>
/// The seed of the key tables' own string hash (<see cref="KeyTable{TValue}"/>): one per process, drawn at random, so that
/// hashes (and so probe sequences, never orders) differ between processes and a crafted set of keys does not collide in
/// every process. Kept outside the generic table: a static field of a generic class is reached through a helper call in
/// code shared between instantiations (a table whose value holds a reference-type parameter), on every lookup; here it
/// is a constant once the lookup is compiled at tier 1.
/// </summary>
internal static class KeyTableSeed
{
    /// <summary>The seed (odd).</summary>
    public static readonly ulong Value = (ulong)Random.Shared.NextInt64() | 1;
}
