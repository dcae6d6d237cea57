using System.Collections.Frozen;

namespace AlertEngine;

/// <summary>
/// The dispatch index (<see cref="OperationIndex"/>: operation, ordinal ignore-case → candidates) with a small cache in
/// front of it keyed by the operation string's <em>reference</em>. Single-threaded (the pipeline's lock).
/// </summary>
/// <remarks>
/// <para>Why: the activity reader interns operations, so a stream repeats a handful of string instances. The frozen
/// dictionary hashes the operation case-insensitively and compares the found key character by character for every
/// activity; the cache answers a repeated instance with one reference comparison. On the issue-16 workload (seven
/// operations, one policy) that lookup was about a fifth of a matching activity's cost outside the policy itself
/// (benchmarks/results/end-to-end.md, branch everytime-8).</para>
/// <para>Correctness: strings are immutable, so an instance once looked up always has the same candidates while the
/// index is the same; a new index means a new lookup (the pipeline replaces this object with its index). A slot is
/// chosen by the operation's length and first character (both on the string's first cache line, so no hashing) and a
/// miss overwrites the slot; operations that are not interned simply miss every time (one reference comparison and
/// the slot's two stores more than the dictionary alone), and the cache keeps at most <see cref="Slots"/> strings alive.</para>
/// <para>Each operation also says whether a candidate keys its state by the user id (<see cref="ReadsUserId"/>, computed
/// once per index): the pipeline prefetches an activity's user id only then (end-to-end.md, 2026-12-06, dedup-16).</para>
/// </remarks>
/// <typeparam name="T">The candidate type.</typeparam>
internal sealed class OperationLookup<T>
{
    private const int Slots = 32;
    private readonly FrozenDictionary<string, Bucket> _index;
    private readonly bool _empty; // no policy at all: nothing to look up (the string is not even read)
    private readonly Entry[] _recent = new Entry[Slots];

    /// <summary>Wraps an index.</summary>
    /// <param name="index">The index (<see cref="OperationIndex.Build{T}"/>).</param>
    /// <param name="readsUserId">Whether a candidate hashes the activity's user id (a user-keyed trigger): an
    /// operation with at least one such candidate answers <see langword="true"/> to <see cref="ReadsUserId"/>.
    /// Evaluated once per candidate here, never per activity.</param>
    public OperationLookup(FrozenDictionary<string, T[]> index, Func<T, bool>? readsUserId = null)
    {
        _index = index.ToFrozenDictionary(
            static p => p.Key,
            p => new Bucket(p.Value, readsUserId is not null && Array.Exists(p.Value, c => readsUserId(c))),
            StringComparer.OrdinalIgnoreCase);
        _empty = index.Count == 0;
    }

    /// <summary>The candidates for <paramref name="operation"/> (not empty), or an empty array.</summary>
    /// <param name="operation">The activity's operation; not empty.</param>
    /// <returns>The candidates, in policy order; the caller must not change the array.</returns>
    public T[] Candidates(string operation)
    {
        if (_empty)
        {
            return [];
        }

        ref var slot = ref _recent[SlotOf(operation)];
        if (ReferenceEquals(slot.Operation, operation))
        {
            return slot.Candidates;
        }

        var found = _index.TryGetValue(operation, out var bucket) ? bucket : Bucket.None;
        slot.Operation = operation;
        slot.Candidates = found.Candidates;
        slot.ReadsUserId = found.ReadsUserId;
        return found.Candidates;
    }

    /// <summary>
    /// Whether a candidate of <paramref name="operation"/> hashes the user id, from the cache only (an operation
    /// instance not in it answers <see langword="false"/>; <see cref="Candidates"/> puts it there). A hint for a
    /// prefetch, read <em>outside</em> the pipeline's lock: a slot being overwritten by <see cref="Candidates"/> at the
    /// same time can pair an operation with another's answer, which only makes a prefetch useless or missing (each
    /// field is read whole; nothing else is read).
    /// </summary>
    public bool ReadsUserId(string operation)
    {
        if (_empty)
        {
            return false;
        }

        ref readonly var slot = ref _recent[SlotOf(operation)];
        return slot.ReadsUserId && ReferenceEquals(slot.Operation, operation);
    }

    /// <summary>Whether a candidate of <paramref name="operation"/> hashes the user id, exactly (looked up as
    /// <see cref="Candidates"/> does, which puts it in the cache). Single-threaded, as <see cref="Candidates"/>.</summary>
    public bool TracksUserId(string operation)
    {
        _ = Candidates(operation);
        return ReadsUserId(operation);
    }

    private static int SlotOf(string operation) => ((operation.Length * 31) + operation[0]) & (Slots - 1);

    private struct Entry
    {
        public string? Operation;
        public T[] Candidates;
        public bool ReadsUserId;
    }

    private sealed class Bucket(T[] candidates, bool readsUserId)
    {
        public static readonly Bucket None = new([], false);

        public T[] Candidates { get; } = candidates;

        public bool ReadsUserId { get; } = readsUserId;
    }
}
