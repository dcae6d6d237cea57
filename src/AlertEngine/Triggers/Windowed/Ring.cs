using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// A growable ring buffer kept in order by its owner (a field of a per-key state class; mutate it through the field,
/// never through a copy). Grows by doubling up to the capacity the owner asks for, and reuses its array afterwards.
/// Single-threaded.
/// </summary>
internal struct Ring<T>
{
    private T[]? _items;
    private int _head;
    private int _count;

    /// <summary>The number of elements.</summary>
    public readonly int Count => _count;

    /// <summary>The allocated capacity.</summary>
    public readonly int Capacity => _items?.Length ?? 0;

    /// <summary>The element at logical position <paramref name="index"/> (0 = first).</summary>
    public readonly ref T this[int index]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var items = _items!;
            var i = _head + index;
            return ref items[i >= items.Length ? i - items.Length : i];
        }
    }

    /// <summary>The backing array (null before the first add), for owners that scan it in index order: the positions
    /// not in use hold default values (cleared on removal).</summary>
    public readonly T[]? Items => _items;

    /// <summary>The index in <see cref="Items"/> of the first element.</summary>
    public readonly int Head => _head;

    /// <summary>The first element.</summary>
    public readonly ref T First => ref _items![_head];

    /// <summary>The last element.</summary>
    public readonly ref T Last => ref this[_count - 1];

    /// <summary>Appends an element; the owner guarantees <see cref="Count"/> &lt; <paramref name="maxCapacity"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T value, int maxCapacity)
    {
        if (_count == Capacity)
        {
            Grow(maxCapacity);
        }

        this[_count] = value;
        _count++;
    }

    /// <summary>Appends an element to a ring with room whose capacity the owner keeps (<see cref="Count"/> &lt;
    /// <paramref name="capacity"/> == <see cref="Capacity"/>): the array's length is not read, only the element written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddWithin(T value, int capacity)
    {
        Debug.Assert(_count < capacity && capacity == Capacity, "The owner's capacity is the ring's, with room.");
        var items = _items;
        if (items is null)
        {
            // Not reached (a capacity above the count means an array); the test spares the JIT's null check, which
            // would read the array's header.
            throw new InvalidOperationException("A ring without an array has no room.");
        }

        var i = _head + _count;
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(items), i >= capacity ? i - capacity : i) = value;
        _count++;
    }

    /// <summary>Inserts an element at logical position <paramref name="at"/>, shifting the later ones.</summary>
    public void Insert(int at, T value, int maxCapacity)
    {
        if (_count == Capacity)
        {
            Grow(maxCapacity);
        }

        for (var j = _count; j > at; j--)
        {
            this[j] = this[j - 1];
        }

        this[at] = value;
        _count++;
    }

    /// <summary>Removes the first element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RemoveFirst()
    {
        var items = _items!;

        // Only references need clearing (for the GC); a plain value left behind is overwritten when its place is
        // reused, and skipping the store spares a write to the ring's first cache line.
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            items[_head] = default!;
        }

        _head = _head + 1 == items.Length ? 0 : _head + 1;
        _count--;
    }

    /// <summary>Removes the first <paramref name="n"/> elements (0 ≤ n ≤ <see cref="Count"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RemoveFirst(int n)
    {
        if (n == 0)
        {
            return;
        }

        var items = _items!;
        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            for (var i = 0; i < n; i++)
            {
                this[i] = default!;
            }
        }

        var head = _head + n;
        _head = head >= items.Length ? head - items.Length : head;
        _count -= n;
    }

    /// <summary>Moves the element at logical position <paramref name="at"/> to the end, shifting the later ones back by
    /// one (the count is unchanged), and returns it by reference: a removal and an append without clearing or a capacity
    /// test.</summary>
    public readonly ref T MoveToLast(int at)
    {
        var moved = this[at];
        for (var j = at; j < _count - 1; j++)
        {
            this[j] = this[j + 1];
        }

        this[_count - 1] = moved;
        return ref this[_count - 1];
    }

    /// <summary>Removes the element at logical position <paramref name="at"/>, shifting the later ones.</summary>
    public void RemoveAt(int at)
    {
        for (var j = at; j < _count - 1; j++)
        {
            this[j] = this[j + 1];
        }

        this[_count - 1] = default!;
        _count--;
    }

    /// <summary>Removes every element, keeping the array.</summary>
    public void Clear()
    {
        if (_count != 0 && RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            // Only the elements in use: the other positions hold default values already (every removal clears), and
            // clearing the whole array would write lines of it that nothing read.
            var items = _items!;
            var first = Math.Min(_count, items.Length - _head);
            Array.Clear(items, _head, first);
            Array.Clear(items, 0, _count - first);
        }

        _head = 0;
        _count = 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int maxCapacity)
    {
        var old = _items;
        var size = Math.Min(Math.Max((old?.Length ?? 0) * 2, 4), maxCapacity);
        if (size <= _count)
        {
            throw new InvalidOperationException("A ring grew beyond its bound.");
        }

        var grown = new T[size];
        for (var i = 0; i < _count; i++)
        {
            grown[i] = this[i];
        }

        _items = grown;
        _head = 0;
    }
}
