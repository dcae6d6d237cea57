using System.Runtime.InteropServices;

namespace AlertEngine;

// What the engine checkpoint keeps beyond the baseline snapshot: each key's kept items and its batch of equal-time
// observations in progress.
public sealed partial class BaselineModel<T>
{
    /// <summary>
    /// The kept items of <paramref name="key"/> that a later detection can still carry (their bucket can still take
    /// observations), oldest arrival first, with their arrival sequence numbers (which order items across keys).
    /// </summary>
    internal List<(long Sequence, long Ticks, T Item)> KeptItems(string key)
    {
        var list = new List<(long, long, T)>();
        ref var s = ref CollectionsMarshal.GetValueRefOrNullRef(_index, key);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s) || _kept.Length == 0)
        {
            return list;
        }

        var oldest = Math.Max(_keptCleared, _keptNext - _kept.Length);
        var mask = _kept.Length - 1;
        for (var q = s.Head; q >= oldest && q > 0;)
        {
            ref var e = ref _kept[q & mask];
            if (MayFire(e.Ticks))
            {
                list.Add((q, e.Ticks, e.Item));
            }

            q = e.Previous;
        }

        list.Reverse();
        return list;
    }

    /// <summary>
    /// Keeps items again after <see cref="Restore"/>, in arrival order across keys (sorted by sequence number), as if
    /// they had just arrived. Every key must be tracked.
    /// </summary>
    /// <exception cref="ArgumentException">An item's key is not tracked.</exception>
    internal void RestoreKept(List<(long Sequence, string Key, long Ticks, T Item)> items)
    {
        items.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (var (_, key, ticks, item) in items)
        {
            ref var s = ref CollectionsMarshal.GetValueRefOrNullRef(_index, key);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
            {
                throw new ArgumentException($"A kept item belongs to the key '{key}', which the model does not track.", nameof(items));
            }

            Keep(ref s, ticks, item);
        }
    }

    /// <summary>The key's batch of equal-time observations in progress (its time and size so far).</summary>
    internal (long Ticks, int Size) PendingBatch(string key)
    {
        ref var s = ref CollectionsMarshal.GetValueRefOrNullRef(_index, key);
        return System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s) ? (0, 0) : (s.BatchTicks, s.BatchSize);
    }

    /// <summary>Sets a tracked key's batch in progress after <see cref="Restore"/>.</summary>
    /// <exception cref="ArgumentException">The key is not tracked, or the size is negative.</exception>
    internal void RestorePendingBatch(string key, long ticks, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        ref var s = ref CollectionsMarshal.GetValueRefOrNullRef(_index, key);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
        {
            throw new ArgumentException($"The key '{key}' is not tracked.", nameof(key));
        }

        s.BatchTicks = ticks;
        s.BatchSize = size;
    }
}
