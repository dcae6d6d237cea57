using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine.Benchmarks.Anomaly;

#pragma warning disable
/// <summary>
/// The BaselineModel as it was before the hot/cold split and the shared kept-item ring (commit 27b7e45), kept
/// verbatim so benchmarks compare both in the same run.
/// </summary>
internal sealed class PreviousBaselineModel<T>
{
    private const int CannotFire = int.MaxValue;
    private const int MaxRing = 64;

    private readonly long _bucket;
    private readonly long _learning;
    private readonly long _lateness;
    private readonly long _retention;
    private readonly long _gapCap;
    private readonly int _ring;
    private readonly ulong _ringMask;
    private readonly int _maxKeys;
    private readonly int _maxItems;
    private readonly int _slots;
    private readonly SeasonalCalendar _calendar;
    private readonly string _timeZoneId;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    private KeyState[] _keys = [];
    private float[] _levels = [];
    private byte[] _samples = [];
    private int[] _older = [];
    private Entry[]?[] _buffers = [];
    private int[] _free = [];
    private int _freeCount;
    private int _highWater;
    private long _watermark = long.MinValue;
    private long _sweptBucket = long.MinValue;
    private long _nextSweepTicks = long.MinValue;
    private long _slotCacheBucket = long.MinValue;
    private int _slotCacheValue;

    /// <summary>Creates an empty model (or one restored from <see cref="AnomalyDetectorOptions.InitialState"/>).</summary>
    /// <param name="trigger">The trigger: bucket, learning period and sensitivity (its scope is the caller's business).</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The trigger's bucket is not positive, its learning period is negative, or the options are invalid.</exception>
    public PreviousBaselineModel(AnomalyTrigger trigger, AnomalyDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        options ??= new AnomalyDetectorOptions();
        BaselineModel<T>.ThrowIfInvalid(trigger, options);
        Thresholds = options.Thresholds ?? AnomalyThresholds.For(trigger.Sensitivity);
        _bucket = trigger.Bucket.Ticks;
        _learning = trigger.LearningPeriod.Ticks;
        _lateness = options.AllowedLateness.Ticks;
        _retention = options.Retention.Ticks;
        _gapCap = Math.Max(1, (TimeSpan.TicksPerDay * 7) / _bucket);
        _ring = (int)Math.Min(MaxRing, 1 + ((_lateness + _bucket - 1) / _bucket));
        _ringMask = _ring == MaxRing ? ulong.MaxValue : (1UL << _ring) - 1;
        _maxKeys = options.MaxTrackedKeys;
        _maxItems = options.MaxActivitiesPerDetection;
        _calendar = new SeasonalCalendar(_bucket, options.TimeZone);
        _timeZoneId = options.TimeZone.Id;
        _slots = _calendar.SlotCount;
        if (options.InitialState is { } state)
        {
            Restore(state);
        }
    }

    /// <summary>The thresholds in force.</summary>
    public AnomalyThresholds Thresholds { get; }

    /// <summary>The number of keys tracked.</summary>
    public int KeyCount => _index.Count;

    /// <summary>The number of seasonal slots per key (48 for hourly buckets).</summary>
    public int SlotCount => _slots;

    /// <summary>The newest event time seen; <see langword="null"/> before the first observation.</summary>
    public DateTimeOffset? Watermark => _watermark == long.MinValue ? null : new DateTimeOffset(_watermark, TimeSpan.Zero);

    /// <summary>
    /// Counts one observation of <paramref name="key"/> at <paramref name="time"/>. Returns
    /// <see cref="AnomalyOutcome.Detected"/> (with the detection) when it made its bucket anomalous.
    /// </summary>
    /// <param name="key">The scope key (user id, malware family, …).</param>
    /// <param name="time">The event time.</param>
    /// <param name="item">The item to keep for the detection (the activity).</param>
    /// <param name="detection">The detection when the outcome is <see cref="AnomalyOutcome.Detected"/>; otherwise <see langword="null"/>.</param>
    /// <returns>What happened to the observation.</returns>
    public AnomalyOutcome Observe(string key, DateTimeOffset time, T item, out BaselineDetection<T>? detection)
    {
        ArgumentNullException.ThrowIfNull(key);
        detection = null;
        var t = time.UtcTicks;
        if (t > _watermark)
        {
            _watermark = t;
            if (t >= _nextSweepTicks)
            {
                if (_sweptBucket != long.MinValue)
                {
                    Sweep();
                }

                _sweptBucket = t / _bucket;
                _nextSweepTicks = (_sweptBucket + 1) * _bucket;
            }
        }
        else if (_watermark - t > _lateness)
        {
            return AnomalyOutcome.Late;
        }

        ref var handle = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out var exists);
        if (!exists)
        {
            if (_index.Count > _maxKeys)
            {
                _index.Remove(key);
                return AnomalyOutcome.KeyCapExceeded;
            }

            handle = Allocate(key, t, t / _bucket);
        }

        var h = handle;
        ref var s = ref _keys[h];
        if (t < s.FirstTicks)
        {
            s.FirstTicks = t;
        }

        if (t == s.BatchTicks)
        {
            s.BatchSize++;
        }
        else
        {
            if (s.BatchSize > 0)
            {
                BaselineMath.UpdateBatch(ref s.BatchSum, ref s.BatchSquares, s.BatchSize);
            }

            s.BatchTicks = t;
            s.BatchSize = 1;
        }

        // Most observations fall in the key's newest bucket: check by ticks, divide only otherwise.
        long b;
        var offset = t - s.NewestStart;
        if ((ulong)offset < (ulong)_bucket)
        {
            b = s.NewestBucket;
        }
        else
        {
            b = t / _bucket;
            if (b > s.NewestBucket)
            {
                Advance(h, ref s, b);
            }
        }

        if (b == s.NewestBucket)
        {
            var c = ++s.Count;
            if (s.Threshold == CannotFire)
            {
                return AnomalyOutcome.Counted;
            }

            if (c <= _maxItems)
            {
                Keep(h, ref s, t, item);
            }

            if (c < s.Threshold)
            {
                return AnomalyOutcome.Counted;
            }

            s.Threshold = CannotFire;
            s.Fired |= 1;
            detection = Fire(h, ref s, b, c, s.Expected, s.Scale);
            return AnomalyOutcome.Detected;
        }

        return ObserveOlder(h, ref s, b, t, item, out detection);
    }

    /// <summary>The baseline of a key for the bucket containing <paramref name="time"/>, as the model would score
    /// it now; <see langword="null"/> when the key is not tracked.</summary>
    /// <param name="key">The scope key.</param>
    /// <param name="time">A time in the bucket of interest.</param>
    /// <returns>The estimate, or <see langword="null"/>.</returns>
    public BaselineEstimate? GetBaseline(string key, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_index.TryGetValue(key, out var h))
        {
            return null;
        }

        ref var s = ref _keys[h];
        var b = time.UtcTicks / _bucket;
        var i = (h * _slots) + SlotOf(b);
        var level = _levels[i] * BaselineMath.RecentFactor(s.RecentObserved, s.RecentExpected);
        int samples = _samples[i];
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        var scale = BaselineMath.Scale(level, batch, s.Dispersion, samples);
        var learned = (b * _bucket) - s.FirstTicks >= _learning;
        var threshold = learned && samples > 0 ? BaselineMath.Threshold(level, batch, s.Dispersion, scale, Thresholds) : (int?)null;
        return new BaselineEstimate(level, scale, samples, learned, threshold);
    }

    /// <summary>Saves the state of every key (not the kept items).</summary>
    /// <returns>The snapshot.</returns>
    public BaselineSnapshot CreateSnapshot()
    {
        var records = new BaselineSnapshot.KeyRecord[_index.Count];
        var n = 0;
        for (var h = 0; h < _highWater; h++)
        {
            ref var s = ref _keys[h];
            if (s.Key is null)
            {
                continue;
            }

            var counts = new int[_ring];
            counts[0] = s.Count;
            for (var i = 1; i < _ring; i++)
            {
                counts[i] = _older[(h * (_ring - 1)) + i - 1];
            }

            records[n++] = new BaselineSnapshot.KeyRecord(
                s.Key,
                s.NewestBucket,
                s.FirstTicks,
                s.Folded,
                s.Fired,
                s.Dispersion,
                0,
                0,
                s.RecentObserved,
                s.RecentExpected,
                s.BatchSum,
                s.BatchSquares,
                counts,
                _levels.AsSpan(h * _slots, _slots).ToArray(),
                _samples.AsSpan(h * _slots, _slots).ToArray());
        }

        // Handle order depends on retirement history; key order makes snapshots of equal states equal.
        Array.Sort(records, static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        return new BaselineSnapshot(_bucket, _slots, _timeZoneId, _ring, _watermark, records);
    }

    /// <summary>Replaces the whole state with a snapshot. Kept items are not restored. The snapshot's open buckets
    /// are adapted to this model's lateness (older ones are folded into the baseline).</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot was made with another bucket length or time zone, or holds more keys than the cap.</exception>
    public void Restore(BaselineSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.BucketTicks != _bucket || snapshot.SlotCount != _slots)
        {
            throw new ArgumentException($"The snapshot was made with bucket {snapshot.Bucket}; this model uses {TimeSpan.FromTicks(_bucket)}.", nameof(snapshot));
        }

        if (!string.Equals(snapshot.TimeZoneId, _timeZoneId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The snapshot was made in time zone '{snapshot.TimeZoneId}'; this model uses '{_timeZoneId}'.", nameof(snapshot));
        }

        _index.Clear();
        Array.Clear(_keys);
        Array.Clear(_buffers);
        _highWater = 0;
        _freeCount = 0;
        _watermark = snapshot.WatermarkTicks;
        _sweptBucket = _watermark == long.MinValue ? long.MinValue : _watermark / _bucket;
        _nextSweepTicks = _watermark == long.MinValue ? long.MinValue : (_sweptBucket + 1) * _bucket;
        foreach (var r in snapshot.Keys)
        {
            if (_index.Count >= _maxKeys)
            {
                throw new ArgumentException($"The snapshot holds {snapshot.KeyCount} keys; this model tracks at most {_maxKeys}.", nameof(snapshot));
            }

            var h = Allocate(r.Key, r.FirstTicks, r.NewestBucket);
            _index[r.Key] = h;
            ref var s = ref _keys[h];
            s.Dispersion = r.Dispersion;
            s.RecentObserved = r.RecentObserved;
            s.RecentExpected = r.RecentExpected;
            s.BatchSum = r.BatchSum;
            s.BatchSquares = r.BatchSquares;
            r.Levels.AsSpan().CopyTo(_levels.AsSpan(h * _slots, _slots));
            r.Samples.AsSpan().CopyTo(_samples.AsSpan(h * _slots, _slots));

            // Open buckets beyond this model's window are folded now, oldest first.
            s.Folded = r.Folded;
            var firstBucket = s.FirstTicks / _bucket;
            for (var i = r.Counts.Length - 1; i >= _ring; i--)
            {
                var q = r.NewestBucket - i;
                if (q >= firstBucket && q > s.Folded)
                {
                    Fold(h, q, r.Counts[i]);
                    s.Folded = q;
                }
            }

            s.Count = r.Counts[0];
            for (var i = 1; i < _ring; i++)
            {
                _older[(h * (_ring - 1)) + i - 1] = i < r.Counts.Length ? r.Counts[i] : 0;
            }

            s.Fired = r.Fired & _ringMask;
            SetThreshold(h, ref s);
        }
    }

    private AnomalyOutcome ObserveOlder(int h, ref KeyState s, long b, long t, T item, out BaselineDetection<T>? detection)
    {
        detection = null;
        var i = s.NewestBucket - b;
        if (i >= _ring || b <= s.Folded)
        {
            return AnomalyOutcome.Late;
        }

        var c = ++_older[(h * (_ring - 1)) + (int)i - 1];
        if (((s.Fired >> (int)i) & 1) != 0)
        {
            return AnomalyOutcome.Counted;
        }

        var threshold = ComputeThreshold(h, ref s, b, out var expected, out var scale);
        if (threshold == CannotFire)
        {
            return AnomalyOutcome.Counted;
        }

        if (c <= _maxItems)
        {
            Keep(h, ref s, t, item);
        }

        if (c < threshold)
        {
            return AnomalyOutcome.Counted;
        }

        s.Fired |= 1UL << (int)i;
        detection = Fire(h, ref s, b, c, expected, scale);
        return AnomalyOutcome.Detected;
    }

    private int Allocate(string key, long t, long bucket)
    {
        int h;
        if (_freeCount > 0)
        {
            h = _free[--_freeCount];
        }
        else
        {
            h = _highWater++;
            if (h == _keys.Length)
            {
                Grow();
            }
        }

        _levels.AsSpan(h * _slots, _slots).Clear();
        _samples.AsSpan(h * _slots, _slots).Clear();
        if (_ring > 1)
        {
            _older.AsSpan(h * (_ring - 1), _ring - 1).Clear();
        }

        ref var s = ref _keys[h];
        s = default;
        s.Key = key;
        s.NewestBucket = bucket;
        s.NewestStart = bucket * _bucket;
        s.FirstTicks = t;
        s.Folded = long.MinValue;
        s.Threshold = CannotFire;
        s.Dispersion = 0.04f;
        SetThreshold(h, ref s);
        return h;
    }

    private void Grow()
    {
        var capacity = Math.Max(16, _keys.Length * 2);
        Array.Resize(ref _keys, capacity);
        Array.Resize(ref _levels, capacity * _slots);
        Array.Resize(ref _samples, capacity * _slots);
        Array.Resize(ref _older, capacity * (_ring - 1));
        Array.Resize(ref _buffers, capacity);
    }

    /// <summary>Moves a key's newest bucket forward to <paramref name="b"/>, folding the buckets that leave its open window.</summary>
    private void Advance(int h, ref KeyState s, long b)
    {
        var nb = s.NewestBucket;
        var d = b - nb;
        var firstBucket = s.FirstTicks / _bucket;

        // Buckets that were open and now close, oldest first.
        var foldEnd = Math.Min(nb, b - _ring);
        for (var q = Math.Max(Math.Max(nb - _ring + 1, firstBucket), s.Folded + 1); q <= foldEnd; q++)
        {
            Fold(h, q, q == nb ? s.Count : _older[(h * (_ring - 1)) + (int)(nb - q) - 1]);
        }

        // Buckets never opened (no activity) that close: zeros, at most one week of them.
        var zeroStart = nb + 1;
        var zeroEnd = b - _ring;
        if (zeroEnd >= zeroStart)
        {
            if (zeroEnd - zeroStart + 1 > _gapCap)
            {
                zeroStart = zeroEnd - _gapCap + 1;
            }

            for (var q = zeroStart; q <= zeroEnd; q++)
            {
                Fold(h, q, 0);
            }
        }

        s.Folded = Math.Max(s.Folded, b - _ring);

        if (_ring > 1)
        {
            var baseIndex = h * (_ring - 1);
            for (var i = _ring - 1; i >= 1; i--)
            {
                var j = i - d;
                _older[baseIndex + i - 1] = j < 0 ? 0 : j == 0 ? s.Count : _older[baseIndex + (int)j - 1];
            }
        }

        s.Fired = d >= MaxRing ? 0 : (s.Fired << (int)d) & _ringMask;
        s.NewestBucket = b;
        s.NewestStart = b * _bucket;
        s.Count = 0;
        if (s.BufferCount > 0)
        {
            Evict(h, ref s, b - _ring);
        }

        SetThreshold(h, ref s);
    }

    private void Fold(int h, long bucket, int count)
    {
        ref var s = ref _keys[h];
        var i = (h * _slots) + SlotOf(bucket);
        ref var level = ref _levels[i];
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        if (_samples[i] != 0 && level >= BaselineMath.DispersionMinLevel)
        {
            QuantileDispersion(ref s.Dispersion, level * BaselineMath.RecentFactor(s.RecentObserved, s.RecentExpected), count, batch);
            BaselineMath.UpdateRecent(ref s.RecentObserved, ref s.RecentExpected, level, count, batch, s.Dispersion);
        }

        BaselineMath.Update(ref level, ref _samples[i], count, batch, s.Dispersion);
    }

    // The dispersion rule of that version (a Robbins–Monro quantile rule), kept here since BaselineMath has moved on.
    private static void QuantileDispersion(ref float dispersion, double level, double count, double batch)
    {
        var excess = count - level;
        var up = excess > 0 && excess * excess > BaselineMath.Variance(level, batch, dispersion);
        const double target = 0.15865525393145707;
        var next = ((dispersion + 0.01) * (up ? Math.Exp(0.1 * (1 - target)) : Math.Exp(-0.1 * target))) - 0.01;
        dispersion = (float)Math.Clamp(next, 0, BaselineMath.MaxDispersion);
    }

    private void SetThreshold(int h, ref KeyState s)
    {
        if ((s.Fired & 1) != 0)
        {
            s.Threshold = CannotFire;
            return;
        }

        s.Threshold = ComputeThreshold(h, ref s, s.NewestBucket, out var expected, out var scale);
        s.Expected = (float)expected;
        s.Scale = (float)scale;
    }

    private int ComputeThreshold(int h, ref KeyState s, long bucket, out double expected, out double scale)
    {
        expected = 0;
        scale = 1;
        if ((bucket * _bucket) - s.FirstTicks < _learning)
        {
            return CannotFire;
        }

        var i = (h * _slots) + SlotOf(bucket);
        int samples = _samples[i];
        if (samples == 0)
        {
            return CannotFire;
        }

        expected = _levels[i] * BaselineMath.RecentFactor(s.RecentObserved, s.RecentExpected);
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        scale = BaselineMath.Scale(expected, batch, s.Dispersion, samples);
        return BaselineMath.Threshold(expected, batch, s.Dispersion, scale, Thresholds);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOf(long bucket)
    {
        if (bucket != _slotCacheBucket)
        {
            _slotCacheValue = _calendar.SlotOf(bucket);
            _slotCacheBucket = bucket;
        }

        return _slotCacheValue;
    }

    private void Keep(int h, ref KeyState s, long t, T item)
    {
        ref var buffer = ref _buffers[h];
        var n = s.BufferCount;
        if (buffer is null || n == buffer.Length)
        {
            var grown = new Entry[Math.Max(8, n * 2)];
            buffer?.AsSpan(0, n).CopyTo(grown);
            buffer = grown;
        }

        buffer[n] = new Entry(t, item);
        s.BufferCount = n + 1;
    }

    /// <summary>Drops kept items of buckets up to <paramref name="lastClosed"/>.</summary>
    private void Evict(int h, ref KeyState s, long lastClosed)
    {
        var buffer = _buffers[h]!;
        var n = s.BufferCount;
        var w = 0;
        if (_ring > 1)
        {
            for (var r = 0; r < n; r++)
            {
                if (buffer[r].Ticks / _bucket > lastClosed)
                {
                    buffer[w++] = buffer[r];
                }
            }
        }

        if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            buffer.AsSpan(w, n - w).Clear();
        }

        s.BufferCount = w;
    }

    private BaselineDetection<T> Fire(int h, ref KeyState s, long bucket, int count, double expected, double scale)
    {
        var buffer = _buffers[h];
        var n = s.BufferCount;
        var picked = 0;
        for (var r = 0; r < n; r++)
        {
            if (buffer![r].Ticks / _bucket == bucket)
            {
                picked++;
            }
        }

        var entries = new Entry[picked];
        var w = 0;
        var keep = 0;
        for (var r = 0; r < n; r++)
        {
            var e = buffer![r];
            if (e.Ticks / _bucket == bucket)
            {
                // Stable insertion by time: arrivals are nearly in time order.
                var j = w++;
                while (j > 0 && entries[j - 1].Ticks > e.Ticks)
                {
                    entries[j] = entries[j - 1];
                    j--;
                }

                entries[j] = e;
            }
            else
            {
                buffer[keep++] = e;
            }
        }

        if (buffer is not null && RuntimeHelpers.IsReferenceOrContainsReferences<T>())
        {
            buffer.AsSpan(keep, n - keep).Clear();
        }

        s.BufferCount = keep;
        var items = new T[picked];
        for (var r = 0; r < picked; r++)
        {
            items[r] = entries[r].Item;
        }

        return new BaselineDetection<T>(
            s.Key!,
            new DateTimeOffset(bucket * _bucket, TimeSpan.Zero),
            TimeSpan.FromTicks(_bucket),
            count,
            expected,
            (count - expected) / scale,
            items);
    }

    /// <summary>Retires keys idle beyond the retention and drops kept items of buckets that can no longer change.
    /// Runs when the newest event time enters a new bucket: O(keys) per bucket of event time.</summary>
    private void Sweep()
    {
        for (var h = 0; h < _highWater; h++)
        {
            ref var s = ref _keys[h];
            if (s.Key is null)
            {
                continue;
            }

            var end = (s.NewestBucket + 1) * _bucket;
            if (_watermark - end >= _retention)
            {
                _index.Remove(s.Key);
                _buffers[h] = null;
                s = default;
                if (_freeCount == _free.Length)
                {
                    Array.Resize(ref _free, Math.Max(16, _free.Length * 2));
                }

                _free[_freeCount++] = h;
            }
            else if (s.BufferCount > 0 && _watermark - end >= _lateness)
            {
                Evict(h, ref s, s.NewestBucket);
            }
        }
    }

    private struct KeyState
    {
        public string? Key;
        public long NewestBucket;
        public long NewestStart;
        public long FirstTicks;
        public long Folded;
        public ulong Fired;
        public int Count;
        public int Threshold;
        public float Expected;
        public float Scale;
        public int BufferCount;
        public float Dispersion;
        public float BatchSum;
        public float BatchSquares;
        public long BatchTicks;
        public int BatchSize;
        public float RecentObserved;
        public float RecentExpected;
    }

    private readonly record struct Entry(long Ticks, T Item);
}

