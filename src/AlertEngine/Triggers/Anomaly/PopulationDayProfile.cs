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

    /// <summary>The next freeze time (UTC day start, ticks); <see cref="long.MinValue"/> before the first count.</summary>
    public long NextFreeze => _nextFreeze;

    public long SpanStart => _spanStart;

    public ReadOnlySpan<long> Running => _running;

    public ReadOnlySpan<long> Sums => _sums;

    public ReadOnlySpan<long> Covered => _covered;

    /// <summary>Counts one admitted activity at <paramref name="ticks"/> (after <see cref="MoveTo"/> for its time).</summary>
    public void Count(long ticks)
    {
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
        ComputeRates();
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

    /// <summary>Replaces the state (restore); <paramref name="nextFreeze"/> <see cref="long.MinValue"/> with all arrays
    /// zero is the empty profile (an older checkpoint or snapshot).</summary>
    /// <exception cref="ArgumentException">The arrays do not have one value per slot, or a value is negative.</exception>
    public void Restore(long nextFreeze, long spanStart, ReadOnlySpan<long> running, ReadOnlySpan<long> sums, ReadOnlySpan<long> covered)
    {
        if (running.Length != _running.Length || sums.Length != _sums.Length || covered.Length != _covered.Length)
        {
            throw new ArgumentException("The population profile has another number of slots.");
        }

        for (var s = 0; s < running.Length; s++)
        {
            if (running[s] < 0 || sums[s] < 0 || covered[s] < 0)
            {
                throw new ArgumentException("The population profile holds a negative count.");
            }
        }

        running.CopyTo(_running);
        sums.CopyTo(_sums);
        covered.CopyTo(_covered);
        _nextFreeze = nextFreeze;
        _spanStart = spanStart;
        _countBucket = long.MinValue;
        ComputeRates();
    }

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
    }
}
