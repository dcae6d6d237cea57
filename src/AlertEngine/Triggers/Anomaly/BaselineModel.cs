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
/// <para><b>Memory.</b> Per key: a fixed-size record (192 bytes, three cache lines: 56 bytes touched by every
/// observation, the key's length and the key's cached rate against the population profile, 64 by a bucket change, and up to 32 of the key's characters, compared by the
/// lookup), the reference to the model's copy of the key (8 bytes in an array at least half full), 5 bytes per seasonal
/// slot (48 slots for hourly buckets: 240 bytes), 4 bytes per extra open bucket, and its lookup entry (hash and handle:
/// 8 bytes in a table between three eighths and three quarters full); the population model (the default, where it
/// applies) adds the key's dispersion-grid state, ≈ 50 bytes (48 bytes of evidence and a flag) in chunks of 1,024 keys. Records and slots are allocated in chunks of
/// 1,024 keys (for hourly buckets; the first chunk grows from 16), so at most one chunk is unused. Keys are kept (and
/// checkpointed) in handle order, which is the order a <see cref="Dictionary{TKey, TValue}"/> fed the same adds and
/// removes enumerates in: a retired key's handle is the next one reused.
/// Kept items (at most <see cref="AnomalyDetectorOptions.MaxActivitiesPerDetection"/> per bucket, kept only once the
/// key has learned) live in one ring shared by all keys, 24 bytes an item, which grows while the items it holds can
/// still be needed, up to <see cref="AnomalyDetectorOptions.MaxKeptActivities"/>; beyond that the oldest are
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

    // The fired bits kept per key: the open buckets' and, beyond them, whether the last FiredMemory folded buckets
    // fired (a bucket right after a fired one is left out of the dispersion).
    private readonly ulong _firedMask;
    private readonly int _maxKeys;
    private readonly int _maxItems;
    private readonly int _maxKept;
    private readonly int _slots;
    private readonly Func<string, TimeZoneInfo?>? _keyZone;
    private readonly List<SeasonalCalendar> _calendars = [];
    private readonly Dictionary<string, int> _calendarByZone = new(StringComparer.Ordinal);
    private readonly string _timeZoneId;

    // The population day profile (issue 15): with AnomalyDetectorOptions.ProfileFitLimit > 0 (the population model, the
    // default, or the evaluation's profile alone), hourly or shorter buckets and no per-key zones; null otherwise (the
    // per-key model), and then nothing below changes what the model does.
    private readonly PopulationDayProfile? _profile;
    private readonly double _profileFit;
    private readonly double _profileWeight;

    // The quiet-spell rule for the levels (issue 15, level-16): q (0: off) and the downward clip in scales.
    private readonly double _quietFactor;
    private readonly double _quietDown;

    // The quantile where a slot is predicted with the profile: the thresholds' Z + the profile's offset.
    private readonly double _profileZ;

    // The effect-size gate against a second level (AnomalyDetectorOptions.LevelGate; None: off) and its ratio.
    private readonly AnomalyLevelGate _levelGate;
    private readonly double _levelGateRatio;

    private long _watermark = long.MinValue;
    private long _nextSweepTicks = long.MinValue;

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
        _bucket = trigger.Bucket.Ticks;
        _learning = trigger.LearningPeriod.Ticks;
        _lateness = options.AllowedLateness.Ticks;
        _retention = options.Retention.Ticks;
        _gapCap = Math.Max(1, (TimeSpan.TicksPerDay * 7) / _bucket);
        _ring = (int)Math.Min(MaxRing, 1 + (_lateness / _bucket) + (_lateness % _bucket == 0 ? 0 : 1)); // no overflow near TimeSpan.MaxValue
        _ringMask = _ring == MaxRing ? ulong.MaxValue : (1UL << _ring) - 1;
        _firedMask = _ring + BaselineMath.FiredMemory >= MaxRing ? ulong.MaxValue : (1UL << (_ring + BaselineMath.FiredMemory)) - 1;
        _maxKeys = options.MaxTrackedKeys;
        _maxItems = options.MaxActivitiesPerDetection;
        _maxKept = options.MaxKeptActivities == 0 ? 0 : (int)Math.Min(1 << 30, BitOperations.RoundUpToPowerOf2((uint)options.MaxKeptActivities));
        var calendar = new SeasonalCalendar(_bucket, options.TimeZone);
        _calendars.Add(calendar);
        _calendarByZone.Add(options.TimeZone.Id, 0);
        _keyZone = options.KeyTimeZone;
        _timeZoneId = options.TimeZone.Id;
        _slots = calendar.SlotCount;
        _chunkShift = Math.Clamp(BitOperations.Log2((uint)(65536 / _slots)), 0, MaxChunkShift);
        _profileFit = options.ProfileFitLimit;
        _profileWeight = options.ProfileWeight ?? BaselineMath.ProfileWeight;

        // The population profile (and with it the grid, the population model) is kept only with hourly or shorter
        // buckets and without per-key zones; elsewhere the model is the per-key one, thresholds included. The bucket is
        // tested itself: the calendar also gives 48 slots to buckets a little over an hour (up to ≈ 62.6 minutes).
        var keepsProfile = _profileFit > 0 && _bucket <= TimeSpan.TicksPerHour && _slots == 2 * BaselineMath.HoursPerDayType && _keyZone is null;
        var grid = keepsProfile && options.DispersionGrid;
        Thresholds = options.Thresholds ?? BaselineMath.DefaultThresholds(trigger.Sensitivity, grid);
        _profileZ = Thresholds.Z + (options.ProfileZOffset ?? BaselineMath.ProfileZOffsetOf(trigger.Sensitivity, grid));
        _quietFactor = options.QuietLevelFactor ?? (grid ? BaselineMath.PopulationQuietLevelFactor : 0);
        _quietDown = options.QuietLevelDown ?? (grid ? BaselineMath.PopulationQuietLevelDown : 0);
        _levelGate = options.LevelGate;
        _levelGateRatio = options.LevelGateRatio ?? Thresholds.MinRatio;
        if (keepsProfile)
        {
            // Validate refuses every Z that makes this non-positive; kept as the model's own guard.
            if (!(_profileZ > 0))
            {
                throw new ArgumentException($"The quantile with the population profile, Z + ProfileZOffset = {_profileZ}, must be greater than zero.", nameof(options));
            }

            _profile = new PopulationDayProfile(calendar, _bucket);
            if (grid)
            {
                _prior = new LaggedGridPrior();
                _dayTotals = new GridPriorTotals();
                _posterior = new double[GridLikelihood.Size];
            }
        }

        // Records and slots are in chunks; what must fit one array are the older open buckets' counts, ring − 1 per
        // handle, for up to a chunk of handles beyond the cap.
        var perKey = Math.Max(1, _ring - 1);
        if (((long)_maxKeys + (1 << _chunkShift)) * perKey > Array.MaxLength)
        {
            throw new ArgumentException(
                $"MaxTrackedKeys {_maxKeys} is more than this model can hold with {_ring} open buckets per key (at most {(Array.MaxLength / perKey) - (1 << _chunkShift)}).",
                nameof(options));
        }

        if (options.InitialState is { } state)
        {
            Restore(state);
        }
    }

    /// <summary>The thresholds in force: <see cref="AnomalyDetectorOptions.Thresholds"/>, or the sensitivity's for the
    /// model in use (<see cref="ModelInUse"/>). With the population model, where a key's slot is predicted with the
    /// population day profile, the quantile is this Z moved by the sensitivity's offset (medium: the evaluated 3.78 for
    /// the default 4.0; docs/anomaly.md).</summary>
    public AnomalyThresholds Thresholds { get; }

    /// <summary>The model this detector runs: <see cref="AnomalyModel.Population"/> when
    /// <see cref="AnomalyDetectorOptions.Model"/> asks for it and it applies (hourly or shorter buckets, no
    /// <see cref="AnomalyDetectorOptions.KeyTimeZone"/>), otherwise <see cref="AnomalyModel.PerKey"/> (the per-key model
    /// and its thresholds, also when the population model was asked for). Fixed when the model is built.</summary>
    public AnomalyModel ModelInUse => _prior is null ? AnomalyModel.PerKey : AnomalyModel.Population;

    /// <summary>The population day profile; null when it is switched off (the default), with per-key zones or with
    /// buckets longer than an hour (tests, inspection).</summary>
    internal PopulationDayProfile? Profile => _profile;

    /// <summary>The quantile where a slot is predicted with the population profile (tests).</summary>
    internal double ProfileZ => _profileZ;

    /// <summary>A tracked key's cached rate against the population profile (NaN: not computed for the profile's day;
    /// −1: not predicted with the profile), or null when the key is not tracked (tests).</summary>
    internal float? CachedProfileRate(string key)
    {
        var h = FindHandle(key);
        return h < 0 ? null : Record(h).ProfileRate;
    }

    /// <summary>The parts of a key's predicted level for the bucket containing <paramref name="time"/> (evaluation
    /// diagnostics, issue 15 level-16): the slot's own level and samples, the key's rate R against the profile (−1 when
    /// not predicted with it), the profile's rate p of the slot, the predicted level before the recent-activity factor,
    /// and the recent factor with and without its floor. Null when the key is not tracked. Reads only.</summary>
    internal (double Own, int Samples, double Rate, double ProfileRate, double Predicted, double Recent, double Unfloored)? InspectLevel(string key, DateTimeOffset time)
    {
        var h = FindHandle(key);
        if (h < 0)
        {
            return null;
        }

        ref var k = ref Record(h).Cold;
        var j = SlotOf(h, time.UtcTicks / _bucket);
        var slots = SlotsOf(h);
        var predicted = Predict(h, slots, j, out _, keep: false);
        var rate = -1.0;
        var p = double.NaN;
        if (_profile is not null && KeyRate(h, keep: false, out var r))
        {
            rate = r;
            p = _profile.Rates[j];
        }

        var unfloored = (k.RecentObserved + BaselineMath.RecentPrior) / (k.RecentExpected + BaselineMath.RecentPrior);
        return (LevelAt(slots, j), SamplesAt(slots, j), rate, p, predicted, BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected), unfloored);
    }

    /// <summary>The number of keys tracked.</summary>
    public int KeyCount => _keyCount;

    /// <summary>The number of seasonal slots per key (48 for hourly buckets).</summary>
    public int SlotCount => _slots;

    /// <summary>The newest event time seen; <see langword="null"/> before the first observation.</summary>
    public DateTimeOffset? Watermark => _watermark == long.MinValue ? null : new DateTimeOffset(_watermark, TimeSpan.Zero);

    /// <summary>How many kept items were overwritten while their bucket was still open (could still take activities)
    /// because <see cref="AnomalyDetectorOptions.MaxKeptActivities"/> was reached. A detection of such a bucket lists
    /// fewer items than it counts; a bucket that had already fired lost nothing.</summary>
    public long DroppedItems { get; private set; }

    /// <summary>The engine's detector: follows the detector-wide clock to <paramref name="t"/> (with the eviction of idle
    /// keys that goes with it) and, with the population profile, counts an admitted observation (not late behind the
    /// watermark) of <paramref name="key"/> in it, without touching any key. Every partition calls it for every activity
    /// that passed the policy's conditions, and the owner then calls <see cref="Observe"/>, which does not count again
    /// (<see cref="CountedInPass"/>).
    /// <paramref name="key"/> may be null once <see cref="ProfileNeedsKey"/> is false. Earlier times only count.</summary>
    internal void Pass(long t, string? key)
    {
        if (t > _watermark)
        {
            MoveWatermark(t);
        }
        else if (_profile is null || _watermark - t > _lateness)
        {
            return;
        }

        _profile?.Count(t, key);
    }

    /// <summary>Whether <see cref="Pass"/> needs the activity's key: the population profile has not yet seen two keys.</summary>
    internal bool ProfileNeedsKey => _profile is { SeveralKeys: false };

    /// <summary>Whether the model counts a population profile (the engine then calls <see cref="Pass"/> for every admitted
    /// activity before <see cref="Observe"/>).</summary>
    internal bool HasProfile => _profile is not null;

    /// <summary>Set by the engine's detector: every observation was counted in the population profile by <see cref="Pass"/>
    /// (which every partition calls for every admitted activity), so <see cref="Observe"/> does not count it again.</summary>
    internal bool CountedInPass { get; init; }

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

        // The population profile (null in the per-key model) counts the observation here, unless the engine's detector
        // counted it in Pass already.
        if (_profile is not null && !CountedInPass)
        {
            _profile.Count(t, key);
        }

        // The handle index asks for a candidate handle's state (PrefetchState: its record, slots and older counts) before
        // comparing the key with the copy in the record, so a quiet key's misses overlap instead of following one
        // another (benchmarks/results/end-to-end.md, 2026-12-05 anomaly-8 and anomaly-path-16).
        var h = FindHandle(key);
        if (h < 0)
        {
            if (_keyCount >= _maxKeys)
            {
                return AnomalyOutcome.KeyCapExceeded;
            }

            // The zone resolver is user code: when it throws, nothing has been added yet.
            var calendar = CalendarFor(key);

            // The model keeps its own copy of the key (the activity's string is another instance), allocated one after
            // another as keys appear, so the copies sit together: a long key is compared with it on every later
            // observation (shorter ones with the copy of their characters in the key's record). Once per key.
            key = new string(key);
            h = Allocate(key, t, t / _bucket, calendar);
        }

        ref var s = ref Record(h).Hot;
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
        var h = FindHandle(key);
        if (h < 0)
        {
            return null;
        }

        ref var s = ref Record(h).Hot;
        ref var k = ref Record(h).Cold;
        var b = time.UtcTicks / _bucket;
        var j = SlotOf(h, b);
        var slots = SlotsOf(h);
        var recent = BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected);
        var level = Predict(h, slots, j, out var effective, keep: false) * recent;
        int samples = SamplesAt(slots, j);
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        var bucketThreshold = effective > 0
            ? BaselineMath.PredictiveThresholdOfSamples(level, batch, k.Dispersion, effective, _profileZ, Thresholds, out var scale)
            : BaselineMath.PredictiveThreshold(level, batch, k.Dispersion, samples, Thresholds, out scale);
        if (effective > 0 && _levelGate != AnomalyLevelGate.None)
        {
            bucketThreshold = BaselineMath.GateAgainst(bucketThreshold, GateLevel(h, slots, j, keep: false) * recent, _levelGateRatio);
        }

        var learned = (b * _bucket) - k.FirstTicks >= _learning;
        var threshold = learned && samples > 0 ? bucketThreshold : (int?)null;
        return new BaselineEstimate(level, scale, samples, learned, threshold);
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
        ref var k = ref Record(h).Cold;
        k.Fired |= 1;
        detection = Fire(h, ref s, k.NewestBucket, c, k.Expected, k.Scale);
        return AnomalyOutcome.Detected;
    }

    /// <summary>An observation before the key's first one, or outside its newest bucket.</summary>
    private AnomalyOutcome ObserveSlow(int h, ref Hot s, long t, T item, out BaselineDetection<T>? detection)
    {
        ref var k = ref Record(h).Cold;
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
        ref var k = ref Record(h).Cold;
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
}
