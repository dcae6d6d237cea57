using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// What one <see cref="Alert"/> snapshot holds of a list that grows while its alert is open (users, operations, tags,
/// activities): the first <see cref="Count"/> items of an <see cref="AlertValuesBuffer{T}"/>'s array, shared with the
/// alert's other snapshots, turned into the public immutable collection the first time it is read, and kept.
/// </summary>
/// <remarks>
/// <para>Why: every detection that joins an open alert makes a new snapshot. Copying the alert's users (up to
/// <see cref="AlertAggregator.MaxActivities"/>) and inserting into its activity tree for each snapshot made an
/// every-time policy's cost grow with the size of its open alert, and most snapshots are never read (the replay writes
/// only an alert's last one; stores replace a snapshot with the next). Now a snapshot costs this small object and the
/// copy is made only for a snapshot that is read, once.</para>
/// <para>Immutability: the buffer only ever writes past the counts of the views it has handed out, and when its array
/// is full it moves to a new one; so the items a view covers never change after the view exists. An array the buffer
/// has filled is never written again, so a view covering all of it returns it as the immutable array without a copy.</para>
/// <para>Thread safety: safe for concurrent readers; the collection is made at most once per call race and one
/// instance is published (<see cref="Interlocked.CompareExchange{T}(ref T, T, T)"/>), so every reader sees the same one.</para>
/// </remarks>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class AlertValuesView<T>
{
    private readonly T[] _items;

    // Until the collection is made: the list's Lineage (an alert's activities, read as immutable lists) or null (its
    // users, operations and tags, read as arrays; see AlertValuesBuffer's constructor). Then the collection made on first
    // read: a T[] or an ImmutableList<T>. One field for the three: the engine makes one or two views per detection, and
    // each is 40 bytes instead of 48 (a lineage is only needed to make the list, never after).
    private object? _made;

    internal AlertValuesView(T[] items, int count, Lineage? lineage)
    {
        _items = items;
        Count = count;
        _made = lineage;
    }

    /// <summary>The number of items.</summary>
    public int Count { get; }

    /// <summary>The items as an immutable array, made on first use.</summary>
    public ImmutableArray<T> ToImmutableArray()
    {
        var seen = Volatile.Read(ref _made);
        if (seen is T[] made)
        {
            return ImmutableCollectionsMarshal.AsImmutableArray(made);
        }

        var array = Count == _items.Length ? _items : _items.AsSpan(0, Count).ToArray();
        if (Interlocked.CompareExchange(ref _made, array, seen) is var prior && !ReferenceEquals(prior, seen))
        {
            array = prior as T[] ?? array; // another reader made it first
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(array);
    }

    /// <summary>The items as an immutable list, made on first use.</summary>
    public ImmutableList<T> ToImmutableList()
    {
        var seen = Volatile.Read(ref _made);
        if (seen is not ImmutableList<T> list)
        {
            // A consumer that reads every snapshot (a store, a notifier) extends the list it made for an earlier
            // snapshot of the same alert (the same first items), O(new items · log n), as the aggregator's immutable
            // list did before, instead of building the whole list again.
            var lineage = seen as Lineage;
            var made = lineage is null ? null : Volatile.Read(ref lineage.Latest);
            list = made is not null && made.Count <= Count
                ? made.AddRange(_items.AsSpan(made.Count, Count - made.Count).ToArray())
                : ImmutableList.Create<T>(_items.AsSpan(0, Count));
            if (Interlocked.CompareExchange(ref _made, list, seen) is var prior && !ReferenceEquals(prior, seen))
            {
                list = prior as ImmutableList<T> ?? list; // another reader made it first
            }

            if (lineage is not null && (made is null || made.Count < list.Count))
            {
                Volatile.Write(ref lineage.Latest, list); // any published list is a valid start for a longer snapshot
            }
        }

        return list;
    }

    /// <summary>Shared by the views of one alert's list (one buffer between two resets): the longest list made so
    /// far, whose items are the first items of every later view.</summary>
    internal sealed class Lineage
    {
        public ImmutableList<T>? Latest;
    }
}
