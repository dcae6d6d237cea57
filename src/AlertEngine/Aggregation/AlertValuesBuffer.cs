namespace AlertEngine;

/// <summary>
/// An open alert's growing list (its users, operations, tags or activities), append-only, whose snapshots
/// (<see cref="View"/>) share its array: see <see cref="AlertValuesView{T}"/> for why and for the immutability
/// argument. Single-threaded (the aggregator's).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
internal sealed class AlertValuesBuffer<T>
{
    private const int InitialCapacity = 4;
    private T[] _items = [];
    private AlertValuesView<T>? _view;
    private AlertValuesView<T>.Lineage _lineage = new();

    /// <summary>The number of items.</summary>
    public int Count { get; private set; }

    /// <summary>A view of the items so far: the same instance until the next <see cref="Add"/> or <see cref="Reset"/>.</summary>
    public AlertValuesView<T> View => _view ??= new AlertValuesView<T>(_items, Count, _lineage);

    /// <summary>Starts an empty list for a new alert. The old array stays with the views that hold it and is never
    /// written again.</summary>
    public void Reset()
    {
        _items = [];
        Count = 0;
        _view = null;
        _lineage = new();
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
        _view = null;
    }
}
