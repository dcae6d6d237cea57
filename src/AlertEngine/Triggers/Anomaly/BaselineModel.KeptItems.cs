namespace AlertEngine;

// Kept items: the ring of activities shared by all keys, and the detection that carries them.
public sealed partial class BaselineModel<T>
{
    // Kept items of every key in one ring, in arrival order, chained per key (newest first). Appending writes
    // memory in sequence instead of touching a per-key buffer; a detection walks its key's chain.
    private Kept[] _kept = [];
    private long _keptNext = 1;
    private long _keptCleared = 1;
    private long _mayFireFrom = long.MaxValue;
    private long _mayFireUntil = long.MinValue;

    /// <summary>Appends an item to the ring and the key's chain. The ring doubles, up to its cap, rather than
    /// overwrite an item whose bucket may still fire.</summary>
    private void Keep(ref Hot s, long t, T item)
    {
        if (_maxKept == 0)
        {
            return;
        }

        var seq = _keptNext;
        if (_kept.Length == 0)
        {
            GrowKept();
        }
        else if (seq - _kept.Length >= _keptCleared && MayFire(_kept[seq & (_kept.Length - 1)].Ticks))
        {
            // The slot holds an item whose bucket may still fire: grow rather than lose it, up to the cap.
            if (_kept.Length < _maxKept)
            {
                GrowKept();
            }
            else
            {
                DroppedItems++;
            }
        }

        ref var e = ref _kept[seq & (_kept.Length - 1)];
        e.Item = item;
        e.Ticks = t;
        e.Previous = s.Head;
        s.Head = seq;
        _keptNext = seq + 1;
    }

    /// <summary>Whether an item at <paramref name="ticks"/> belongs to a bucket that can still take observations:
    /// its bucket ends after the newest time minus the lateness, i.e. it is not before that time's bucket.</summary>
    private bool MayFire(long ticks)
    {
        var x = _watermark - _lateness;
        if (x >= _mayFireUntil || x < _mayFireFrom)
        {
            _mayFireFrom = x >= 0 ? x / _bucket * _bucket : long.MinValue;
            _mayFireUntil = x >= 0 ? _mayFireFrom + _bucket : 0;
        }

        return ticks >= _mayFireFrom;
    }

    private void GrowKept()
    {
        var length = _kept.Length == 0 ? Math.Min(InitialKept, _maxKept) : _kept.Length * 2;
        var grown = new Kept[length];
        var oldMask = _kept.Length - 1;
        for (var q = Math.Max(_keptCleared, _keptNext - _kept.Length); q < _keptNext; q++)
        {
            grown[q & (length - 1)] = _kept[q & oldMask];
        }

        _kept = grown;
    }

    private BaselineDetection<T> Fire(int h, ref Hot s, long bucket, int count, double expected, double scale)
    {
        var from = bucket * _bucket;
        var to = from + _bucket;

        // Items of the bucket arrive after every item older than the bucket's start minus the lateness.
        var stop = from - _lateness;
        var oldest = Math.Max(_keptCleared, _keptNext - _kept.Length);
        var mask = _kept.Length - 1;
        var picked = 0;
        for (var q = s.Head; q >= oldest;)
        {
            ref var e = ref _kept[q & mask];
            if (e.Ticks < stop)
            {
                break;
            }

            if (e.Ticks >= from && e.Ticks < to)
            {
                picked++;
            }

            q = e.Previous;
        }

        var entries = new Kept[picked];
        var w = picked;
        for (var q = s.Head; w > 0;)
        {
            ref var e = ref _kept[q & mask];
            if (e.Ticks >= from && e.Ticks < to)
            {
                entries[--w] = e;
            }

            q = e.Previous;
        }

        // Stable insertion by time: arrivals are nearly in time order.
        for (var r = 1; r < picked; r++)
        {
            var e = entries[r];
            var j = r;
            while (j > 0 && entries[j - 1].Ticks > e.Ticks)
            {
                entries[j] = entries[j - 1];
                j--;
            }

            entries[j] = e;
        }

        var items = new T[picked];
        for (var r = 0; r < picked; r++)
        {
            items[r] = entries[r].Item;
        }

        return new BaselineDetection<T>(
            _keys[h]!,
            new DateTimeOffset(from, TimeSpan.Zero),
            TimeSpan.FromTicks(_bucket),
            count,
            expected,
            (count - expected) / scale,
            items);
    }

    /// <summary>Releases the references of kept items that no bucket can take any more.</summary>
    private void ReleaseKept()
    {
        // Release the references of kept items that no bucket can take any more (arrival order is nearly time order).
        var mask = _kept.Length - 1;
        var q = Math.Max(_keptCleared, _keptNext - _kept.Length);
        for (; q < _keptNext; q++)
        {
            ref var e = ref _kept[q & mask];
            if (MayFire(e.Ticks))
            {
                break;
            }

            e = default;
        }

        _keptCleared = q;
    }

    private struct Kept
    {
        public T Item;
        public long Ticks;
        public long Previous;
    }
}
