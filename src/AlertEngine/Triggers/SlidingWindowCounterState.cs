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
/// One tracked key of a <see cref="SlidingWindowCounter{TItem}"/>, stored in its key table slot: a ring of the most
/// recent items sorted by time (in <see cref="Items"/>, an array of the counter's item type) and a ring of slot counts
/// sorted by slot (in <see cref="Slots"/>) for the counted items that are not kept. <see cref="Total"/> counts both.
/// Arrays are allocated on first use.
/// </summary>
/// <remarks>
/// A counter that keeps items counts each kept item once, by keeping it: the slot ring holds only what the item ring
/// has no room for (beyond <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/>), so below the cap an item
/// costs one write to one array, where counting it in a slot as well cost a second array (another cache miss per
/// activity at many keys). A counter that keeps no items counts everything in the slot ring. Snapshots and checkpoints
/// hold the merged counts per slot, as before.
/// </remarks>
internal struct CounterKeyState
{
    public long NewestSlot;

    public CounterSlot[]? Slots;
    public Array? Items;
    /// <summary>The items counted in the window: the slot ring's counts plus <see cref="ItemCount"/>.</summary>
    public int Total;
    public int SlotHead;
    public int SlotCount;
    public int ItemHead;
    public int ItemCount;

    /// <summary>The length of <see cref="Items"/> (0 without it), kept here so that keeping an item reads nothing from the array.</summary>
    public int ItemCapacity;
}

/// <summary>
/// Arrays of evicted keys kept for new keys, so that keys coming and going (bursts, churn) do not allocate in steady
/// state. A rent takes a kept array at least as long as asked for (the shortest such in its size class), else a new
/// one. Arrays must be returned cleared. Single-threaded.
/// </summary>
/// <remarks>
/// Kept arrays are grouped by size class, the next power of two of their length (a counter's arrays have one length per
/// class: powers of two, and the cap), so a rent or a return costs a few instructions. The pool keeps at most as many
/// elements as the arrays rented out and not returned (those of the tracked keys), and at least
/// <c>minimumBudget</c>: enough for the keys that replace the evicted ones, whatever their number, and never more
/// than the tracked keys hold.
/// </remarks>
internal sealed class SizedArrayPool<T>
{
    private readonly Stack<T[]>?[] _byClass = new Stack<T[]>?[32];
    private readonly long _minimumBudget;
    private long _kept;
    private long _rentedOut;

    public SizedArrayPool(long minimumBudget) => _minimumBudget = minimumBudget;

    /// <summary>An array of at least <paramref name="minimumLength"/> elements.</summary>
    public T[] Rent(int minimumLength)
    {
        if (_kept != 0)
        {
            for (var c = SizeClass(minimumLength); c < _byClass.Length; c++)
            {
                if (_byClass[c] is { Count: > 0 } stack && stack.Peek().Length >= minimumLength)
                {
                    var array = stack.Pop();
                    _kept -= array.Length;
                    _rentedOut += array.Length;
                    return array;
                }
            }
        }

        _rentedOut += minimumLength;
        return new T[minimumLength];
    }

    public void Return(T[] array)
    {
        _rentedOut -= array.Length;
        if (array.Length == 0 || _kept + array.Length > Math.Max(_minimumBudget, _rentedOut))
        {
            return;
        }

        (_byClass[SizeClass(array.Length)] ??= new Stack<T[]>()).Push(array);
        _kept += array.Length;
    }

    /// <summary>The size class of a length: the exponent of the next power of two.</summary>
    private static int SizeClass(int length) => length <= 1 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(length - 1));
}
