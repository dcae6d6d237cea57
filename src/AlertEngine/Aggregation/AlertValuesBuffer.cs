namespace AlertEngine;

/// <summary>
/// An open alert's growing list (its users, operations, tags or activities), append-only, whose snapshots
/// (<see cref="AlertValuesView{T}"/>) share its array: see <see cref="AlertValuesView{T}"/> for why and for the
/// immutability argument. Single-threaded (the aggregator's).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class AlertValuesBuffer<T>
{
    private const int InitialCapacity = 4;
    private readonly bool _listed;
    private T[] _items = [];

    /// <summary>Creates an empty list.</summary>
    /// <param name="listed">Whether its views are read as immutable lists (<see cref="AlertValuesView{T}.ToImmutableList"/>,
    /// an alert's activities), which share the lineage of lists made so far; an alert's users, operations and tags are
    /// read as arrays and need none (one object less per alert each).</param>
    public AlertValuesBuffer(bool listed = false)
    {
        _listed = listed;
        Lineage = listed ? new() : null;
    }

    /// <summary>The number of items.</summary>
    public int Count { get; private set; }

    /// <summary>The array the items are in now (the first <see cref="Count"/>): items below the count are never written
    /// again, and a full array is never written again at all (the next <see cref="Add"/> moves to a new one).</summary>
    public T[] Items => _items;

    /// <summary>The lineage of the lists made of this list's views since the last <see cref="Reset"/> (listed lists only).</summary>
    public AlertValuesView<T>.Lineage? Lineage { get; private set; }

    /// <summary>Starts an empty list for a new alert. The old array stays with the views that hold it and is never
    /// written again.</summary>
    public void Reset()
    {
        _items = [];
        Count = 0;
        Lineage = _listed ? new() : null;
    }

    /// <summary>Appends an item. A full array is never written again: the items move to a new one twice its size.</summary>
    /// <param name="item">The item.</param>
    public void Add(T item)
    {
        if (Count == _items.Length)
        {
            var grown = new T[Math.Max(InitialCapacity, _items.Length * 2)];
            _items.AsSpan().CopyTo(grown);
            _items = grown;
        }

        _items[Count++] = item;
    }
}
