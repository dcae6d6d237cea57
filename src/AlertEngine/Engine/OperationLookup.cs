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
/// </remarks>
/// <typeparam name="T">The candidate type.</typeparam>
internal sealed class OperationLookup<T>
{
    private const int Slots = 32;
    private readonly FrozenDictionary<string, T[]> _index;
    private readonly bool _empty; // no policy at all: nothing to look up (the string is not even read)
    private readonly Entry[] _recent = new Entry[Slots];

    /// <summary>Wraps an index.</summary>
    /// <param name="index">The index (<see cref="OperationIndex.Build{T}"/>).</param>
    public OperationLookup(FrozenDictionary<string, T[]> index)
    {
        _index = index;
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

        ref var slot = ref _recent[((operation.Length * 31) + operation[0]) & (Slots - 1)];
        if (ReferenceEquals(slot.Operation, operation))
        {
            return slot.Candidates;
        }

        var found = _index.TryGetValue(operation, out var candidates) ? candidates : [];
        slot.Operation = operation;
        slot.Candidates = found;
        return found;
    }

    private struct Entry
    {
        public string? Operation;
        public T[] Candidates;
    }
}
