namespace AlertEngine;

/// <summary>
/// The population day profile of an anomaly policy (issue 15): integer counts of the policy's admitted activities per
/// seasonal slot of its calendar, summed over every key, frozen when the detector's clock (watermark) first reaches a
/// UTC day start. The frozen rate of a slot is the population's mean count per bucket of that slot over the days
/// before the freeze; a key's slot level is shrunk toward the key's own rate × this profile
/// (<see cref="BaselineMath.ProfileWeight"/>). Everything is an integer and a function of the admitted activity
/// sequence only, so every partition of a partitioned engine (which counts every admitted activity in
/// <see cref="IPolicyDetector.Pass"/>) holds the single engine's profile without an exchange.
/// </summary>
/// <remarks>
/// State: the running day's counts, the frozen sums and the frozen bucket coverage per slot (fixed point, ×2^10), the
/// next freeze time and the first bucket not yet covered: 3 × 8 bytes per slot and 16 bytes (1,168 bytes with 48
/// slots). Old days are forgotten by halving the frozen sums and coverage (integer shifts) when a freeze crosses a
/// Monday 00:00 UTC: an effective memory of about two weeks. The rates are derived at each freeze and not saved.
/// </remarks>
internal sealed class PopulationDayProfile
{
    /// <summary>Fixed-point shift of the frozen sums and coverage (so weekly halving keeps their ratio).</summary>
    public const int Shift = 10;

    /// <summary>A span longer than this many days before a freeze counts as its last week of buckets.</summary>
    private const long MaxSpanDays = 7;

    private readonly SeasonalCalendar _calendar;
    private readonly long _bucket;
    private readonly long[] _running;
    private readonly long[] _sums;
    private readonly long[] _covered;
    private readonly double[] _rates;

    // long.MinValue: nothing counted yet.
    private long _nextFreeze = long.MinValue;
    private long _spanStart;
    private long _countBucket = long.MinValue;
    private int _countSlot;

    // Restored from a state without a profile (an older checkpoint or snapshot): nothing is counted until the clock
    // reaches _nextFreeze (the next UTC day start), which every copy of the detector crosses at the same activity.
    // Persisted implicitly: _spanStart × bucket ≥ _nextFreeze only while waiting.
    private bool _waiting;

    // The first key counted while only one key has been seen; null once a second key was seen (_severalKeys).
    private string? _firstKey;
    private bool _severalKeys;

    public PopulationDayProfile(SeasonalCalendar calendar, long bucketTicks)
    {
        _calendar = calendar;
        _bucket = bucketTicks;
        var slots = calendar.SlotCount;
        _running = new long[slots];
        _sums = new long[slots];
        _covered = new long[slots];
        _rates = new double[slots];
        _rates.AsSpan().Fill(double.NaN);
    }

    public int SlotCount => _running.Length;

    /// <summary>The frozen rates (population mean count per bucket of each slot; NaN: the slot was never covered).</summary>
    public ReadOnlySpan<double> Rates => _rates;

    /// <summary>Whether any slot has a frozen rate.</summary>
    public bool HasRates { get; private set; }

    /// <summary>Whether the counted activities came from at least two keys. A single key's profile is its own counts
    /// (its fit test passes by construction, and its own spikes and holidays would move its expectation), so the
    /// profile predicts only for a population of several keys.</summary>
    public bool SeveralKeys => _severalKeys;

    /// <summary>The only key counted so far (null: none, or several).</summary>
    public string? FirstKey => _firstKey;

    /// <summary>The day of the last freeze (days since 0001-01-01 of the UTC day start it froze at; 0 before the
    /// first): a key's cached rate against the profile is valid for this day (BaselineModel.KeyRate).</summary>
    public int Day { get; private set; }

    /// <summary>Whether the rates are used for prediction: frozen rates of several keys.</summary>
    public bool Usable => HasRates && _severalKeys;

    /// <summary>Whether the profile waits for the next UTC day start before counting (restored from an older format).</summary>
    public bool Waiting => _waiting;

    /// <summary>The next freeze time (UTC day start, ticks); <see cref="long.MinValue"/> before the first count.</summary>
    public long NextFreeze => _nextFreeze;

    public long SpanStart => _spanStart;

    public ReadOnlySpan<long> Running => _running;

    public ReadOnlySpan<long> Sums => _sums;

    public ReadOnlySpan<long> Covered => _covered;

    /// <summary>Counts one admitted activity at <paramref name="ticks"/> (after <see cref="MoveTo"/> for its time) of key
    /// <paramref name="key"/> (null: the caller knows that several keys were seen already).</summary>
    public void Count(long ticks, string? key)
    {
        if (_waiting)
        {
            return;
        }

        if (!_severalKeys && key is not null)
        {
            if (_firstKey is null)
            {
                _firstKey = key;
            }
            else if (!string.Equals(_firstKey, key, StringComparison.Ordinal))
            {
                _severalKeys = true;
                _firstKey = null;
            }
        }

        var b = ticks / _bucket;
        if (_nextFreeze == long.MinValue)
        {
            _spanStart = b;
            _nextFreeze = ((ticks / TimeSpan.TicksPerDay) + 1) * TimeSpan.TicksPerDay;
        }

        if (b != _countBucket)
        {
            _countBucket = b;
            _countSlot = _calendar.SlotOf(b);
        }

        _running[_countSlot]++;
    }

    /// <summary>The detector's clock moved to <paramref name="watermark"/>: freezes the running counts when it reached a
    /// day start.</summary>
    public void MoveTo(long watermark)
    {
        if (_nextFreeze != long.MinValue && watermark >= _nextFreeze)
        {
            Freeze(watermark);
        }
    }

    private void Freeze(long watermark)
    {
        var day = watermark / TimeSpan.TicksPerDay * TimeSpan.TicksPerDay;
        var previous = _nextFreeze - TimeSpan.TicksPerDay;

        // Halve the old days when the freeze crosses a Monday 00:00 UTC (day 0, 0001-01-01, is a Monday).
        if ((day / TimeSpan.TicksPerDay / 7) != (previous / TimeSpan.TicksPerDay / 7))
        {
            for (var s = 0; s < _sums.Length; s++)
            {
                _sums[s] >>= 1;
                _covered[s] >>= 1;
            }
        }

        // Coverage: the buckets from the span's start up to the day start (the last week of them for a longer span).
        var end = (day + _bucket - 1) / _bucket;
        var start = Math.Max(_spanStart, end - (MaxSpanDays * TimeSpan.TicksPerDay / _bucket));
        if (end > start)
        {
            var walk = _calendar.Walk(start, end - 1);
            for (var b = start; ; b++)
            {
                _covered[walk.Slot] += 1L << Shift;
                if (b == end - 1)
                {
                    break;
                }

                walk.Next();
            }
        }

        for (var s = 0; s < _sums.Length; s++)
        {
            _sums[s] += _running[s] << Shift;
            _running[s] = 0;
        }

        _spanStart = Math.Max(_spanStart, end);
        _nextFreeze = day + TimeSpan.TicksPerDay;
        _waiting = false;
        ComputeRates();
        Day = (int)(day / TimeSpan.TicksPerDay);
    }

    private void ComputeRates()
    {
        var any = false;
        for (var s = 0; s < _rates.Length; s++)
        {
            _rates[s] = _covered[s] > 0 ? (double)_sums[s] / _covered[s] : double.NaN;
            any |= _covered[s] > 0;
        }

        HasRates = any;
    }

    /// <summary>Replaces the state (restore) with the state <see cref="Write"/> wrote.</summary>
    /// <exception cref="ArgumentException">The arrays do not have one value per slot, or a value is out of range.</exception>
    public void Restore(long nextFreeze, long spanStart, ReadOnlySpan<long> running, ReadOnlySpan<long> sums, ReadOnlySpan<long> covered, bool severalKeys, string? firstKey)
    {
        if (running.Length != _running.Length || sums.Length != _sums.Length || covered.Length != _covered.Length)
        {
            throw new ArgumentException("The population profile has another number of slots.");
        }

        // Room for a day's counts and a week of coverage before the next halving, so no sum can overflow.
        const long Max = long.MaxValue >> (Shift + 2);
        for (var s = 0; s < running.Length; s++)
        {
            if (running[s] < 0 || sums[s] < 0 || covered[s] < 0 || running[s] > Max || sums[s] > Max || covered[s] > Max)
            {
                throw new ArgumentException("The population profile holds a negative or overflowing count.");
            }
        }

        if (nextFreeze == long.MinValue)
        {
            if (spanStart != 0 || running.ContainsAnyExcept(0L) || sums.ContainsAnyExcept(0L) || covered.ContainsAnyExcept(0L))
            {
                throw new ArgumentException("The population profile holds counts but no freeze time.");
            }
        }
        else if (nextFreeze <= 0 || nextFreeze % TimeSpan.TicksPerDay != 0 || spanStart < 0 || spanStart > CeilingBucket(nextFreeze))
        {
            throw new ArgumentException("The population profile's freeze time or span start is impossible.");
        }

        if (severalKeys && firstKey is not null)
        {
            throw new ArgumentException("The population profile names a first key but has seen several.");
        }

        running.CopyTo(_running);
        sums.CopyTo(_sums);
        covered.CopyTo(_covered);
        _nextFreeze = nextFreeze;
        _spanStart = spanStart;
        _waiting = nextFreeze != long.MinValue && spanStart == CeilingBucket(nextFreeze) && !running.ContainsAnyExcept(0L) && spanStart * _bucket >= nextFreeze;
        _severalKeys = severalKeys;
        _firstKey = firstKey;
        _countBucket = long.MinValue;
        ComputeRates();
        Day = HasRates ? (int)((nextFreeze / TimeSpan.TicksPerDay) - 1) : 0;
    }

    /// <summary>Restores the empty profile of a state written without one (an older checkpoint or snapshot) at clock
    /// <paramref name="watermark"/>: counting starts at the next UTC day start (at once for a model that saw nothing),
    /// so copies of the detector restored from older states written at different activities (partitions, grains) count
    /// the same activities and hold the same profile.</summary>
    public void RestoreEmpty(long watermark)
    {
        Array.Clear(_running);
        Array.Clear(_sums);
        Array.Clear(_covered);
        _countBucket = long.MinValue;
        _severalKeys = false;
        _firstKey = null;
        if (watermark == long.MinValue)
        {
            _nextFreeze = long.MinValue;
            _spanStart = 0;
            _waiting = false;
        }
        else
        {
            _nextFreeze = ((watermark / TimeSpan.TicksPerDay) + 1) * TimeSpan.TicksPerDay;
            _spanStart = CeilingBucket(_nextFreeze);
            _waiting = true;
        }

        ComputeRates();
        Day = 0;
    }

    private long CeilingBucket(long ticks) => (ticks + _bucket - 1) / _bucket;

    /// <summary>Writes the state (checkpoint header): next freeze, span start, then running, sums and coverage per slot.</summary>
    public void Write(CheckpointWriter writer)
    {
        writer.Write(_nextFreeze);
        writer.Write(_spanStart);
        writer.Write(_running.Length);
        foreach (var v in _running)
        {
            writer.Write(v);
        }

        foreach (var v in _sums)
        {
            writer.Write(v);
        }

        foreach (var v in _covered)
        {
            writer.Write(v);
        }

        writer.Write(_severalKeys);
        writer.Write(_firstKey is not null);
        writer.Write(_firstKey ?? string.Empty);
    }
}
