using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace AlertEngine;

// The watermark and eviction: moving the watermark, sweeping out the keys that went idle, and the key cap.
// Keys come into the table (Track) and leave it (Release, Clear) here.
public sealed partial class SlidingWindowCounter<TItem>
{
    /// <summary>Moves the watermark to <paramref name="ticks"/> (newer than it) and returns its slot.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long AdvanceWatermark(long ticks)
    {
        // Items mostly arrive in time order, so the new watermark is mostly in the same or the next slot: no division.
        var delta = (ulong)(ticks - _watermarkSlotStart);
        long slot;
        if (delta < (ulong)_resolution)
        {
            slot = _watermarkSlot;
        }
        else if (delta < 2 * (ulong)_resolution)
        {
            slot = _watermarkSlot + 1;
            _watermarkSlotStart += _resolution;
        }
        else
        {
            slot = ticks / _resolution;
            _watermarkSlotStart = slot * _resolution;
        }

        _watermark = ticks;
        _watermarkSlot = slot;
        _lateBefore = ticks - _lateness;
        if (_lateBefore >= 0)
        {
            // No item at or after _lateBefore can see a slot at or before this in its key's window.
            _evictThrough = (_lateness == 0 ? slot : _lateBefore / _resolution) - _windowSlots;
            if (_sweptThrough == long.MinValue)
            {
                _sweptThrough = _evictThrough;
            }
            else if (_evictThrough - _sweptThrough >= _sweepInterval)
            {
                Sweep();
            }
        }

        return slot;
    }

    /// <summary>At the key cap: sweeps if that can free room and is affordable; returns whether there is room now.</summary>
    private bool SweepForRoom()
    {
        if (_evictThrough > _sweptThrough && _adds - _addsAtSweep >= _keys.Count / 16)
        {
            Sweep();
        }

        return _keys.Count < MaxTrackedKeys;
    }

    /// <summary>Evicts every key whose newest slot is at or before <see cref="_evictThrough"/>.</summary>
    private void Sweep()
    {
        _sweptThrough = _evictThrough;
        _addsAtSweep = _adds;
        var evicted = false;
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            ref var state = ref table.ValueAt(p);
            if (state.NewestSlot <= _evictThrough)
            {
                // By position, not by key: the key's string is not read (hashed) again. With many quiet keys (every
                // key of issue 16's workload is new and later evicted) that string is a cache miss per evicted key.
                Release(ref state);
                table.RemoveAtPosition(p);
                evicted = true;
            }
        }

        if (evicted && _keys.Count < _keys.Capacity / 4 && _keys.Capacity > 1024)
        {
            // After a crowd of keys has gone idle, give the memory back.
            Table.TrimExcess(Math.Max(_keys.Count * 2, 1024));
        }
    }

    private ref CounterKeyState Track(string key, long slot)
    {
        ref var state = ref Table.GetValueRefOrAddDefault(key, out _);
        state.NewestSlot = slot;
        if (_keys.Count > _peakKeys)
        {
            _peakKeys = _keys.Count;
        }

        return ref state;
    }

    private void Release(ref CounterKeyState state)
    {
        if (_release is not null)
        {
            for (var j = 0; j < state.ItemCount; j++)
            {
                _release.Release(ItemAt(ref state, j).Item);
            }
        }

        ClearCounts(ref state);
        if (state.Slots is { } slots)
        {
            _slotPool.Return(slots);
        }

        if (state.Items is Stamped[] items)
        {
            Debug.Assert(IsCleared(items), "Every kept item outside the live run is default.");
            _itemPool.Return(items);
        }

        state = default;
    }

    private void Clear()
    {
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            Release(ref table.ValueAt(p));
        }

        Table.Clear();
        _lastKey = null;
        _watermark = long.MinValue;
        _watermarkSlotStart = long.MinValue;
        _lateBefore = long.MinValue;
        _evictThrough = long.MinValue;
        _sweptThrough = long.MinValue;
    }
}
