namespace AlertEngine;

/// <summary>The number of items counted in one time slot of a key.</summary>
internal struct CounterSlot
{
    /// <summary>The slot index: time ticks divided by the resolution.</summary>
    public long Index;

    /// <summary>The number of items, at least 1.</summary>
    public int Count;
}

/// <summary>
/// One tracked key of a <see cref="SlidingWindowCounter{TItem}"/>, stored in its dictionary entry: a ring of slot
/// counts sorted by slot (in <see cref="Slots"/>) and a ring of the most recent items sorted by time (in
/// <see cref="Items"/>, an array of the counter's item type). Arrays are allocated on first use.
/// </summary>
internal struct CounterKeyState
{
    public long NewestSlot;
    public CounterSlot[]? Slots;
    public Array? Items;
    public int Total;
    public int SlotHead;
    public int SlotCount;
    public int ItemHead;
    public int ItemCount;
}

/// <summary>
/// Arrays of evicted keys kept for new keys, up to a budget of elements, so that keys coming and going (bursts, churn)
/// do not allocate in steady state. A rent takes the smallest kept array at least as long as asked for. Arrays must be
/// returned cleared. Single-threaded.
/// </summary>
internal sealed class SizedArrayPool<T>
{
    private readonly Dictionary<int, Stack<T[]>> _bySize = [];
    private readonly long _maxElements;
    private long _elements;

    public SizedArrayPool(long maxElements) => _maxElements = maxElements;

    /// <summary>An array of at least <paramref name="minimumLength"/> elements and at most the longest returned so far.</summary>
    public T[] Rent(int minimumLength)
    {
        if (_elements != 0)
        {
            var best = int.MaxValue;
            foreach (var pair in _bySize)
            {
                if (pair.Key >= minimumLength && pair.Key < best && pair.Value.Count != 0)
                {
                    best = pair.Key;
                }
            }

            if (best != int.MaxValue)
            {
                _elements -= best;
                return _bySize[best].Pop();
            }
        }

        return new T[minimumLength];
    }

    public void Return(T[] array)
    {
        if (array.Length == 0 || _elements + array.Length > _maxElements)
        {
            return;
        }

        if (!_bySize.TryGetValue(array.Length, out var stack))
        {
            stack = new Stack<T[]>();
            _bySize.Add(array.Length, stack);
        }

        stack.Push(array);
        _elements += array.Length;
    }
}
