namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// An experiment of issue 15 (not in the engine): the population's day shape learned from the data in a form the
/// engine could compute deterministically under partitioning. Integer activity counts per seasonal slot of the model's
/// calendar (hour of day × weekday/weekend, UTC here), summed over every key of the policy, per UTC day of the engine
/// clock; the profile used on day D is the sum over the days before D only (frozen at D's start), so partitions can
/// exchange their integer partial sums at a day barrier and every partition count gives the same profile. The rate of
/// a slot is its count divided by the number of days of its day type (weekday/weekend) since the first day with
/// activity, i.e. the population's mean count per bucket of that slot.
/// </summary>
internal sealed class PopulationProfile
{
    private const int Slots = 48;

    // Per day since the first day: integer counts per slot, and the cumulative rates frozen at each day's start.
    private readonly long _firstDay;
    private readonly double[][] _rates;

    private PopulationProfile(long firstDay, double[][] rates)
    {
        _firstDay = firstDay;
        _rates = rates;
    }

    /// <summary>Builds the frozen daily profiles of a population from its traces (every activity counts, anomalies included,
    /// as the engine would see them).</summary>
    public static PopulationProfile Build(IReadOnlyList<AlertEngine.Testing.LabelledActivityTrace> traces, int batch = 1)
    {
        var calendar = new SeasonalCalendar(TimeSpan.TicksPerHour, TimeZoneInfo.Utc);
        long firstDay = long.MaxValue, lastDay = long.MinValue;
        foreach (var t in traces)
        {
            if (t.Events.Count != 0)
            {
                firstDay = Math.Min(firstDay, t.Events[0].Time.UtcTicks / TimeSpan.TicksPerDay);
                lastDay = Math.Max(lastDay, t.Events[^1].Time.UtcTicks / TimeSpan.TicksPerDay);
            }
        }

        if (firstDay == long.MaxValue)
        {
            return new PopulationProfile(0, []);
        }

        var days = (int)(lastDay - firstDay + 2);
        var counts = new long[days, Slots];
        foreach (var t in traces)
        {
            foreach (var e in t.Events)
            {
                var ticks = e.Time.UtcTicks;
                counts[(int)((ticks / TimeSpan.TicksPerDay) - firstDay), calendar.SlotOf(ticks / TimeSpan.TicksPerHour)] += batch;
            }
        }

        // The profile of day D: integer sums over days < D (what partitions would exchange at D's barrier).
        var rates = new double[days][];
        var sums = new long[Slots];
        int weekdays = 0, weekends = 0;
        for (var d = 0; d < days; d++)
        {
            var r = new double[Slots];
            for (var s = 0; s < Slots; s++)
            {
                var n = s < 24 ? weekdays : weekends;
                r[s] = n == 0 ? double.NaN : (double)sums[s] / n;
            }

            rates[d] = r;
            for (var s = 0; s < Slots; s++)
            {
                sums[s] += counts[d, s];
            }

            // Day 0 (0001-01-01) is a Monday.
            if ((firstDay + d) % 7 >= 5)
            {
                weekends++;
            }
            else
            {
                weekdays++;
            }
        }

        return new PopulationProfile(firstDay, rates);
    }

    /// <summary>The population's mean count per bucket of each slot as frozen at the start of the day of
    /// <paramref name="bucketTicks"/> (NaN for a day type not seen yet); null before the first day.</summary>
    public double[]? At(long bucketTicks)
    {
        var d = (bucketTicks / TimeSpan.TicksPerDay) - _firstDay;
        if (d < 0 || _rates.Length == 0)
        {
            return null;
        }

        return _rates[Math.Min(d, _rates.Length - 1)];
    }
}
