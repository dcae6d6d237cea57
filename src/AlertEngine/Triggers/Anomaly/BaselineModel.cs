using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// The single-threaded core of unusual-activity detection: per scope key, counts observations per bucket, learns a
/// robust seasonal baseline of the counts (hour of day × weekday/weekend), and reports a detection on the
/// observation that first makes its bucket significantly exceed the baseline. Event time drives everything: there
/// is no timer; empty buckets count as zero when the key's next observation (or a later one) moves past them.
/// </summary>
/// <remarks>
/// <para><b>Learning.</b> A key's clock starts at its first observation ("first seen": the earliest observation
/// time counted for the key). Its history starts with the bucket of that observation. No detection fires for a
/// bucket that starts before first seen + <see cref="AnomalyTrigger.LearningPeriod"/>, nor for a slot that has
/// no sample yet.</para>
/// <para><b>Detection.</b> While a bucket is open its count grows; when an observation brings it to the bucket's
/// threshold (see <see cref="AnomalyThresholds"/>), one detection fires carrying the bucket's kept items; later
/// observations of that bucket never fire again. When the bucket closes its final count updates the baseline
/// (clipped, so a spike does not poison it); skipped empty buckets update it with zeros (at most one week of
/// buckets is replayed for a longer gap).</para>
/// <para><b>Lateness.</b> An observation older than <see cref="AnomalyDetectorOptions.AllowedLateness"/> behind
/// the newest time seen is <see cref="AnomalyOutcome.Late"/>. Within the lateness it is counted in its own
/// bucket: each key keeps its newest bucket and the ⌈lateness / bucket⌉ before it open (at most 64 open buckets in
/// all), and folds a bucket into the baseline only once it leaves that window.</para>
/// <para><b>Memory.</b> Per key: a fixed-size state (about 120 bytes, half of it touched by every observation),
/// 5 bytes per seasonal slot (48 slots for hourly buckets: 240 bytes), 4 bytes per extra open bucket, and its dictionary
/// entry. Kept items (at most <see cref="AnomalyDetectorOptions.MaxActivitiesPerDetection"/> per bucket, kept only
/// once the key has learned) live in one ring shared by all keys, 24 bytes an item, which grows while the items it
/// holds can still be needed, up to <see cref="AnomalyDetectorOptions.MaxKeptActivities"/>; beyond that the oldest are
/// overwritten and counted in <see cref="DroppedItems"/>. Keys idle for <see cref="AnomalyDetectorOptions.Retention"/>
/// are retired.</para>
/// <para>Observing allocates nothing in steady state; a detection allocates its result.</para>
/// </remarks>
/// <typeparam name="T">The item kept with each observation, returned with a detection (an activity in the engine).</typeparam>
public sealed partial class BaselineModel<T>
{
    private const int CannotFire = int.MaxValue;

    // A learned bucket whose slot has no sample yet: it cannot fire now, but its items are kept, because the slot can
    // get its first sample (another bucket of the slot closes) while the bucket is still open.
    private const int NoSampleYet = int.MaxValue - 1;
    private const int MaxRing = 64;
    private const int SlotBytes = 5;
    private const int InitialKept = 1024;

    private readonly long _bucket;
    private readonly long _learning;
    private readonly long _lateness;
    private readonly long _retention;
    private readonly long _gapCap;
    private readonly int _ring;
    private readonly ulong _ringMask;
    private readonly int _maxKeys;
    private readonly int _maxItems;
    private readonly int _maxKept;
    private readonly int _slots;
    private readonly Func<string, TimeZoneInfo?>? _keyZone;
    private readonly List<SeasonalCalendar> _calendars = [];
    private readonly Dictionary<string, int> _calendarByZone = new(StringComparer.Ordinal);
    private readonly string _timeZoneId;
    private readonly Dictionary<string, Hot> _index = new(StringComparer.Ordinal);

    // Per key: the state every observation touches lives in the dictionary entry (one memory access after the
    // hash); by handle, the state a bucket change touches, the seasonal slots (float level + byte sample count,
    // 5 bytes each) and the counts of the older open buckets.
    private Cold[] _cold = [];
    private byte[] _slotData = [];
    private int[] _older = [];
    private int[] _free = [];
    private int _freeCount;
    private int _highWater;

    // Kept items of every key in one ring, in arrival order, chained per key (newest first). Appending writes
    // memory in sequence instead of touching a per-key buffer; a detection walks its key's chain.
    private Kept[] _kept = [];
    private long _keptNext = 1;
    private long _keptCleared = 1;
    private long _mayFireFrom = long.MaxValue;
    private long _mayFireUntil = long.MinValue;

    private long _watermark = long.MinValue;
    private long _nextSweepTicks = long.MinValue;
    // The slots of the last two buckets asked for: a bucket change asks for the closed bucket's and the new one's.
    private long _slotCacheBucket = long.MinValue;
    private int _slotCacheCalendar;
    private int _slotCacheValue;
    private long _slotCacheBucket2 = long.MinValue;
    private int _slotCacheCalendar2;
    private int _slotCacheValue2;

    /// <summary>Creates an empty model (or one restored from <see cref="AnomalyDetectorOptions.InitialState"/>).</summary>
    /// <param name="trigger">The trigger: bucket, learning period and sensitivity (its scope is the caller's business).</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">The trigger's bucket is not positive, its learning period is negative, the options are invalid, or
    /// <see cref="AnomalyDetectorOptions.MaxTrackedKeys"/> exceeds what the model can address (8,947,848 keys with 48 slots each).</exception>
    public BaselineModel(AnomalyTrigger trigger, AnomalyDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        options ??= new AnomalyDetectorOptions();
        ThrowIfInvalid(trigger, options);
        Thresholds = options.Thresholds ?? AnomalyThresholds.For(trigger.Sensitivity);
        _bucket = trigger.Bucket.Ticks;
        _learning = trigger.LearningPeriod.Ticks;
        _lateness = options.AllowedLateness.Ticks;
        _retention = options.Retention.Ticks;
        _gapCap = Math.Max(1, (TimeSpan.TicksPerDay * 7) / _bucket);
        _ring = (int)Math.Min(MaxRing, 1 + (_lateness / _bucket) + (_lateness % _bucket == 0 ? 0 : 1)); // no overflow near TimeSpan.MaxValue
        _ringMask = _ring == MaxRing ? ulong.MaxValue : (1UL << _ring) - 1;
        _maxKeys = options.MaxTrackedKeys;
        _maxItems = options.MaxActivitiesPerDetection;
        _maxKept = options.MaxKeptActivities == 0 ? 0 : (int)Math.Min(1 << 30, BitOperations.RoundUpToPowerOf2((uint)options.MaxKeptActivities));
        var calendar = new SeasonalCalendar(_bucket, options.TimeZone);
        _calendars.Add(calendar);
        _calendarByZone.Add(options.TimeZone.Id, 0);
        _keyZone = options.KeyTimeZone;
        _timeZoneId = options.TimeZone.Id;
        _slots = calendar.SlotCount;
        if ((long)_maxKeys * _slots * SlotBytes > Array.MaxLength)
        {
            throw new ArgumentException(
                $"MaxTrackedKeys {_maxKeys} is more than this model can hold with {_slots} seasonal slots per key (at most {Array.MaxLength / (_slots * SlotBytes)}).",
                nameof(options));
        }

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

    /// <summary>How many kept items were overwritten while their bucket was still open (could still take activities)
    /// because <see cref="AnomalyDetectorOptions.MaxKeptActivities"/> was reached. A detection of such a bucket lists
    /// fewer items than it counts; a bucket that had already fired lost nothing.</summary>
    public long DroppedItems { get; private set; }

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
            MoveWatermark(t);
        }
        else if (_watermark - t > _lateness)
        {
            return AnomalyOutcome.Late;
        }

        // The reference into the dictionary stays valid: nothing is added to it until this call returns.
        ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out var exists);
        if (!exists)
        {
            if (_index.Count > _maxKeys)
            {
                _index.Remove(key);
                return AnomalyOutcome.KeyCapExceeded;
            }

            // The zone resolver is user code: when it throws, the key must not stay in the index half allocated
            // (with a default state pointing at handle 0, another key's).
            int calendar;
            try
            {
                calendar = CalendarFor(key);
            }
            catch
            {
                _index.Remove(key);
                throw;
            }

            Allocate(ref s, key, t, t / _bucket, calendar);
        }

        var h = s.Handle;
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

        // Most observations fall in the key's newest bucket, after its first observation: two comparisons.
        if (t < s.FastFrom || t - s.NewestStart >= _bucket)
        {
            return ObserveSlow(h, ref s, t, item, out detection);
        }

        return CountNewest(h, ref s, t, item, out detection);
    }

    /// <summary>The baseline of a key for the bucket containing <paramref name="time"/>, as the model would score
    /// it now; <see langword="null"/> when the key is not tracked.</summary>
    /// <param name="key">The scope key.</param>
    /// <param name="time">A time in the bucket of interest.</param>
    /// <returns>The estimate, or <see langword="null"/>.</returns>
    public BaselineEstimate? GetBaseline(string key, DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(key);
        ref var s = ref CollectionsMarshal.GetValueRefOrNullRef(_index, key);
        if (Unsafe.IsNullRef(ref s))
        {
            return null;
        }

        var h = s.Handle;
        ref var k = ref _cold[h];
        var b = time.UtcTicks / _bucket;
        var i = (h * _slots) + SlotOf(h, b);
        var level = PredictedLevel(h, i) * BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected);
        int samples = SamplesAt(i);
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        var scale = BaselineMath.Scale(level, batch, k.Dispersion, samples);
        var learned = (b * _bucket) - k.FirstTicks >= _learning;
        var threshold = learned && samples > 0 ? BaselineMath.Threshold(level, batch, k.Dispersion, scale, Thresholds) : (int?)null;
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
            ref var k = ref _cold[h];
            if (k.Key is null)
            {
                continue;
            }

            ref var s = ref CollectionsMarshal.GetValueRefOrNullRef(_index, k.Key);
            var counts = new int[_ring];
            counts[0] = s.Count;
            for (var i = 1; i < _ring; i++)
            {
                counts[i] = _older[(h * (_ring - 1)) + i - 1];
            }

            var levels = new float[_slots];
            var samples = new byte[_slots];
            for (var i = 0; i < _slots; i++)
            {
                levels[i] = LevelAt((h * _slots) + i);
                samples[i] = SamplesAt((h * _slots) + i);
            }

            records[n++] = new BaselineSnapshot.KeyRecord(
                k.Key,
                k.NewestBucket,
                k.FirstTicks,
                k.Folded,
                k.Fired,
                k.Dispersion,
                k.RecentObserved,
                k.RecentExpected,
                s.BatchSum,
                s.BatchSquares,
                counts,
                levels,
                samples);
        }

        // Handle order depends on retirement history; key order makes snapshots of equal states equal.
        Array.Sort(records, static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        return new BaselineSnapshot(_bucket, _slots, _timeZoneId, _ring, _watermark, records);
    }

    /// <summary>Replaces the whole state with a snapshot. Kept items are not restored. The snapshot's open buckets
    /// are adapted to this model's lateness (older ones are folded into the baseline). Each key's zone is asked of
    /// <see cref="AnomalyDetectorOptions.KeyTimeZone"/> again first: an exception it throws propagates and leaves the
    /// model as it was.</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot was made with another bucket length or time zone, holds more keys than the cap, or holds a key twice.</exception>
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

        if (snapshot.KeyCount > _maxKeys)
        {
            throw new ArgumentException($"The snapshot holds {snapshot.KeyCount} keys; this model tracks at most {_maxKeys}.", nameof(snapshot));
        }

        // A key twice (corrupt data) would leave a handle outside the index: refuse it before touching the state.
        var seen = new HashSet<string>(snapshot.KeyCount, StringComparer.Ordinal);
        foreach (var r in snapshot.Keys)
        {
            if (!seen.Add(r.Key))
            {
                throw new ArgumentException($"The snapshot holds the key '{r.Key}' twice.", nameof(snapshot));
            }
        }

        // Ask every key's zone before touching the state: a resolver that throws leaves the model as it was.
        var calendars = new int[snapshot.KeyCount];
        for (var i = 0; i < calendars.Length; i++)
        {
            calendars[i] = CalendarFor(snapshot.Keys[i].Key);
        }

        _index.Clear();
        _index.EnsureCapacity(calendars.Length);
        EnsureHandles(calendars.Length);
        Array.Clear(_cold);
        Array.Clear(_kept);
        _keptNext = 1;
        _keptCleared = 1;
        _highWater = 0;
        _freeCount = 0;
        _watermark = snapshot.WatermarkTicks;
        _nextSweepTicks = _watermark == long.MinValue ? long.MinValue : ((_watermark / _bucket) + 1) * _bucket;
        for (var n = 0; n < calendars.Length; n++)
        {
            var r = snapshot.Keys[n];
            ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, r.Key, out _);
            var h = Allocate(ref s, r.Key, r.FirstTicks, r.NewestBucket, calendars[n]);
            ref var k = ref _cold[h];
            k.Dispersion = r.Dispersion;
            k.RecentObserved = r.RecentObserved;
            k.RecentExpected = r.RecentExpected;
            s.BatchSum = r.BatchSum;
            s.BatchSquares = r.BatchSquares;
            for (var i = 0; i < _slots; i++)
            {
                SetSlot((h * _slots) + i, r.Levels[i], r.Samples[i]);
            }

            // Open buckets beyond this model's window are folded now, oldest first.
            k.Folded = r.Folded;
            var firstBucket = k.FirstTicks / _bucket;
            for (var i = r.Counts.Length - 1; i >= _ring; i--)
            {
                var q = r.NewestBucket - i;
                if (q >= firstBucket && q > k.Folded)
                {
                    Fold(h, ref s, q, r.Counts[i]);
                    k.Folded = q;
                }
            }

            s.Count = r.Counts[0];
            for (var i = 1; i < _ring; i++)
            {
                _older[(h * (_ring - 1)) + i - 1] = i < r.Counts.Length ? r.Counts[i] : 0;
            }

            k.Fired = r.Fired & _ringMask;
            SetThreshold(h, ref s);
        }
    }

    internal static void ThrowIfInvalid(AnomalyTrigger trigger, AnomalyDetectorOptions options)
    {
        if (trigger.Bucket <= TimeSpan.Zero)
        {
            throw new ArgumentException("The anomaly trigger's bucket must be greater than zero.", nameof(trigger));
        }

        if (trigger.LearningPeriod < TimeSpan.Zero)
        {
            throw new ArgumentException("The anomaly trigger's learning period must not be negative.", nameof(trigger));
        }

        var errors = options.Validate();
        if (errors.Count != 0)
        {
            throw new ArgumentException("Invalid anomaly detector options: " + string.Join("; ", errors), nameof(options));
        }
    }

    /// <summary>Counts an observation of the key's newest bucket.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private AnomalyOutcome CountNewest(int h, ref Hot s, long t, T item, out BaselineDetection<T>? detection)
    {
        detection = null;
        var c = ++s.Count;
        if (s.Threshold == CannotFire)
        {
            return AnomalyOutcome.Counted;
        }

        if (c <= _maxItems)
        {
            Keep(ref s, t, item);
        }

        if (c < s.Threshold)
        {
            return AnomalyOutcome.Counted;
        }

        s.Threshold = CannotFire;
        ref var k = ref _cold[h];
        k.Fired |= 1;
        detection = Fire(h, ref s, k.NewestBucket, c, k.Expected, k.Scale);
        return AnomalyOutcome.Detected;
    }

    /// <summary>An observation before the key's first one, or outside its newest bucket.</summary>
    private AnomalyOutcome ObserveSlow(int h, ref Hot s, long t, T item, out BaselineDetection<T>? detection)
    {
        ref var k = ref _cold[h];
        if (t < k.FirstTicks)
        {
            k.FirstTicks = t;
        }

        var b = t / _bucket;
        if (b > k.NewestBucket)
        {
            Advance(h, ref s, b);
        }

        s.FastFrom = Math.Max(s.NewestStart, k.FirstTicks);
        if (b == k.NewestBucket)
        {
            return CountNewest(h, ref s, t, item, out detection);
        }

        return ObserveOlder(h, ref s, b, t, item, out detection);
    }

    private AnomalyOutcome ObserveOlder(int h, ref Hot s, long b, long t, T item, out BaselineDetection<T>? detection)
    {
        detection = null;
        ref var k = ref _cold[h];
        var i = k.NewestBucket - b;
        if (i >= _ring || b <= k.Folded)
        {
            return AnomalyOutcome.Late;
        }

        var c = ++_older[(h * (_ring - 1)) + (int)i - 1];
        if (((k.Fired >> (int)i) & 1) != 0)
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
            Keep(ref s, t, item);
        }

        if (c < threshold)
        {
            return AnomalyOutcome.Counted;
        }

        k.Fired |= 1UL << (int)i;
        detection = Fire(h, ref s, b, c, expected, scale);
        return AnomalyOutcome.Detected;
    }

    private int Allocate(ref Hot s, string key, long t, long bucket, int calendar)
    {
        int h;
        if (_freeCount > 0)
        {
            h = _free[--_freeCount];
        }
        else
        {
            h = _highWater++;
            if (h == _cold.Length)
            {
                Grow();
            }
        }

        _slotData.AsSpan(h * _slots * SlotBytes, _slots * SlotBytes).Clear();
        if (_ring > 1)
        {
            _older.AsSpan(h * (_ring - 1), _ring - 1).Clear();
        }

        ref var k = ref _cold[h];
        k = default;
        k.Key = key;
        k.Calendar = calendar;
        k.NewestBucket = bucket;
        k.FirstTicks = t;
        k.Folded = long.MinValue;
        k.Dispersion = BaselineMath.InitialDispersion;
        s = default;
        s.Handle = h;
        s.NewestStart = bucket * _bucket;
        s.FastFrom = Math.Max(s.NewestStart, t);
        s.Threshold = CannotFire;
        SetThreshold(h, ref s);
        return h;
    }

    /// <summary>Makes room for <paramref name="count"/> keys at once (a restore), instead of doubling key by key.</summary>
    private void EnsureHandles(int count)
    {
        if (count <= _cold.Length)
        {
            return;
        }

        var capacity = Math.Min(Math.Max(16, count), _maxKeys);
        Array.Resize(ref _cold, capacity);
        Array.Resize(ref _slotData, capacity * _slots * SlotBytes);
        Array.Resize(ref _older, capacity * (_ring - 1));
    }

    private void Grow()
    {
        var capacity = (int)Math.Min(Math.Max(16L, _cold.Length * 2L), _maxKeys);
        Array.Resize(ref _cold, capacity);
        Array.Resize(ref _slotData, capacity * _slots * SlotBytes);
        Array.Resize(ref _older, capacity * (_ring - 1));
    }

    /// <summary>Moves a key's newest bucket forward to <paramref name="b"/>, folding the buckets that leave its open window.</summary>
    private void Advance(int h, ref Hot s, long b)
    {
        ref var k = ref _cold[h];
        var nb = k.NewestBucket;
        var d = b - nb;
        var firstBucket = k.FirstTicks / _bucket;

        // Buckets that were open and now close, oldest first.
        var foldEnd = Math.Min(nb, b - _ring);
        for (var q = Math.Max(Math.Max(nb - _ring + 1, firstBucket), k.Folded + 1); q <= foldEnd; q++)
        {
            Fold(h, ref s, q, q == nb ? s.Count : _older[(h * (_ring - 1)) + (int)(nb - q) - 1]);
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
                Fold(h, ref s, q, 0);
            }
        }

        k.Folded = Math.Max(k.Folded, b - _ring);

        if (_ring > 1)
        {
            var baseIndex = h * (_ring - 1);
            for (var i = _ring - 1; i >= 1; i--)
            {
                var j = i - d;
                _older[baseIndex + i - 1] = j < 0 ? 0 : j == 0 ? s.Count : _older[baseIndex + (int)j - 1];
            }
        }

        k.Fired = d >= MaxRing ? 0 : (k.Fired << (int)d) & _ringMask;
        k.NewestBucket = b;
        s.NewestStart = b * _bucket;
        s.Count = 0;
        SetThreshold(h, ref s);
    }

    private void Fold(int h, ref Hot s, long bucket, int count)
    {
        ref var k = ref _cold[h];
        var i = (h * _slots) + SlotOf(h, bucket);
        var level = LevelAt(i);
        var samples = SamplesAt(i);
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        if (samples != 0)
        {
            var predicted = PredictedLevel(h, i);
            if (predicted >= BaselineMath.DispersionMinLevel)
            {
                BaselineMath.UpdateDispersion(ref k.Dispersion, predicted * BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected), count, batch);
            }

            BaselineMath.UpdateRecent(ref k.RecentObserved, ref k.RecentExpected, predicted, count, batch, k.Dispersion);
        }

        BaselineMath.Update(ref level, ref samples, count, batch, k.Dispersion);
        SetSlot(i, level, samples);
    }

    private void SetThreshold(int h, ref Hot s)
    {
        ref var k = ref _cold[h];
        if ((k.Fired & 1) != 0)
        {
            s.Threshold = CannotFire;
            return;
        }

        s.Threshold = ComputeThreshold(h, ref s, k.NewestBucket, out var expected, out var scale);
        k.Expected = (float)expected;
        k.Scale = (float)scale;
    }

    private int ComputeThreshold(int h, ref Hot s, long bucket, out double expected, out double scale)
    {
        expected = 0;
        scale = 1;
        ref var k = ref _cold[h];
        if ((bucket * _bucket) - k.FirstTicks < _learning)
        {
            return CannotFire;
        }

        var i = (h * _slots) + SlotOf(h, bucket);
        int samples = SamplesAt(i);
        if (samples == 0)
        {
            return NoSampleYet;
        }

        expected = PredictedLevel(h, i) * BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected);
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        var clip = BaselineMath.ClipScale(expected, batch, k.Dispersion);
        scale = clip * BaselineMath.LevelErrorFactor(samples);
        return BaselineMath.Threshold(expected, batch, k.Dispersion, clip, scale, Thresholds);
    }

    /// <summary>The seasonal slot of a bucket in key <paramref name="h"/>'s calendar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOf(int h, long bucket)
    {
        var calendar = _cold[h].Calendar;
        if (bucket == _slotCacheBucket && calendar == _slotCacheCalendar)
        {
            return _slotCacheValue;
        }

        if (bucket != _slotCacheBucket2 || calendar != _slotCacheCalendar2)
        {
            _slotCacheValue2 = _calendars[calendar].SlotOf(bucket);
            _slotCacheBucket2 = bucket;
            _slotCacheCalendar2 = calendar;
        }

        // Swap, so the entry used last is checked first and the older one is replaced next.
        (_slotCacheBucket, _slotCacheBucket2) = (_slotCacheBucket2, _slotCacheBucket);
        (_slotCacheCalendar, _slotCacheCalendar2) = (_slotCacheCalendar2, _slotCacheCalendar);
        (_slotCacheValue, _slotCacheValue2) = (_slotCacheValue2, _slotCacheValue);
        return _slotCacheValue;
    }

    /// <summary>The calendar of a new key: its own time zone's when <see cref="AnomalyDetectorOptions.KeyTimeZone"/>
    /// names one, else the model's.</summary>
    private int CalendarFor(string key)
    {
        if (_keyZone?.Invoke(key) is not { } zone)
        {
            return 0;
        }

        if (!_calendarByZone.TryGetValue(zone.Id, out var index))
        {
            index = _calendars.Count;
            _calendars.Add(new SeasonalCalendar(_bucket, zone));
            _calendarByZone.Add(zone.Id, index);
        }

        return index;
    }

    private float LevelAt(int i) => Unsafe.ReadUnaligned<float>(ref _slotData[i * SlotBytes]);

    /// <summary>The level slot <paramref name="i"/> (an index into all keys' slots) predicts: pooled toward the
    /// adjacent hours of key <paramref name="h"/> (<see cref="BaselineMath.PredictedLevel"/>).</summary>
    private double PredictedLevel(int h, int i)
    {
        var slot = i - (h * _slots);
        if (!BaselineMath.Pools(_slots, slot) || SamplesAt(i) == 0)
        {
            return LevelAt(i);
        }

        return BaselineMath.Pool(LevelAt(i), SamplesAt(i), SamplesAt(i - 1) != 0, LevelAt(i - 1), SamplesAt(i + 1) != 0, LevelAt(i + 1));
    }

    private byte SamplesAt(int i) => _slotData[(i * SlotBytes) + 4];

    private void SetSlot(int i, float level, byte samples)
    {
        ref var at = ref _slotData[i * SlotBytes];
        Unsafe.WriteUnaligned(ref at, level);
        Unsafe.Add(ref at, 4) = samples;
    }

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
            _cold[h].Key!,
            new DateTimeOffset(from, TimeSpan.Zero),
            TimeSpan.FromTicks(_bucket),
            count,
            expected,
            (count - expected) / scale,
            items);
    }

    /// <summary>Retires keys idle beyond the retention and releases kept items of buckets that can no longer
    /// change. Runs when the newest event time enters a new bucket: O(keys) per bucket of event time.</summary>
    /// <summary>Moves the newest time to <paramref name="t"/> without an observation (the partitioned engine's models
    /// follow the observations of keys other partitions own), sweeping idle keys at a bucket boundary. Earlier times are
    /// ignored.</summary>
    internal void AdvanceTo(long t)
    {
        if (t > _watermark)
        {
            MoveWatermark(t);
        }
    }

    private void MoveWatermark(long t)
    {
        _watermark = t;
        if (t >= _nextSweepTicks)
        {
            if (_nextSweepTicks != long.MinValue)
            {
                Sweep();
            }

            _nextSweepTicks = ((t / _bucket) + 1) * _bucket;
        }
    }

    private void Sweep()
    {
        for (var h = 0; h < _highWater; h++)
        {
            ref var k = ref _cold[h];
            if (k.Key is null || _watermark - ((k.NewestBucket + 1) * _bucket) < _retention)
            {
                continue;
            }

            _index.Remove(k.Key);
            k = default;
            if (_freeCount == _free.Length)
            {
                Array.Resize(ref _free, Math.Max(16, _free.Length * 2));
            }

            _free[_freeCount++] = h;
        }

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

    /// <summary>The state every observation touches.</summary>
    private struct Hot
    {
        public long NewestStart;
        public long FastFrom;
        public long BatchTicks;
        public long Head;
        public int Count;
        public int Threshold;
        public int BatchSize;
        public float BatchSum;
        public float BatchSquares;
        public int Handle;
    }

    /// <summary>The state a bucket change or a detection touches.</summary>
    private struct Cold
    {
        public string? Key;
        public long NewestBucket;
        public long FirstTicks;
        public long Folded;
        public ulong Fired;
        public float Expected;
        public float Scale;
        public float Dispersion;
        public float RecentObserved;
        public float RecentExpected;
        public int Calendar;
    }

    private struct Kept
    {
        public T Item;
        public long Ticks;
        public long Previous;
    }
}

/// <summary>A key's baseline for one bucket, for inspection (e.g. to explain a detection or chart the baseline).</summary>
/// <param name="Expected">The expected count of the bucket: its seasonal slot's level, pooled with the adjacent hours
/// and scaled by the key's recent-activity factor.</param>
/// <param name="Scale">The robust scale σ of the score.</param>
/// <param name="Samples">How many buckets the slot has learned from (saturates at 255).</param>
/// <param name="Learned">Whether the bucket starts after the key's learning period.</param>
/// <param name="Threshold">The count at which the bucket would be anomalous; <see langword="null"/> while learning or when the slot has no sample.</param>
public sealed record BaselineEstimate(double Expected, double Scale, int Samples, bool Learned, int? Threshold);
