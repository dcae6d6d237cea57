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
    private T[]? _array;
    private ImmutableList<T>? _list;

    internal AlertValuesView(T[] items, int count)
    {
        _items = items;
        Count = count;
    }

    /// <summary>The number of items.</summary>
    public int Count { get; }

    /// <summary>The items as an immutable array, made on first use.</summary>
    public ImmutableArray<T> ToImmutableArray()
    {
        var array = Volatile.Read(ref _array);
        if (array is null)
        {
            array = Count == _items.Length ? _items : _items.AsSpan(0, Count).ToArray();
            array = Interlocked.CompareExchange(ref _array, array, null) ?? array;
        }

        return ImmutableCollectionsMarshal.AsImmutableArray(array);
    }

    /// <summary>The items as an immutable list, made on first use.</summary>
    public ImmutableList<T> ToImmutableList()
    {
        var list = Volatile.Read(ref _list);
        if (list is null)
        {
            list = ImmutableList.Create<T>(_items.AsSpan(0, Count));
            list = Interlocked.CompareExchange(ref _list, list, null) ?? list;
        }

        return list;
    }
}
