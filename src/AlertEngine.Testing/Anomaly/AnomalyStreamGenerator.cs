namespace AlertEngine.Testing;

/// <summary>
/// Makes labelled synthetic activity streams for evaluating unusual-activity detection: per user, hourly Poisson
/// traffic whose rate is peak × office-hours profile × weekend factor × slow drift (the <em>seasonal expectation</em>),
/// times a Gamma day multiplier and hour multiplier (overdispersion) and a holiday factor; plus injected anomalies
/// with ground-truth labels. Deterministic: the same seed and options give the same stream, and the normal traffic
/// of a seed does not depend on the injected anomalies (an anomaly-free stream is the same traffic without them).
/// </summary>
public static class AnomalyStreamGenerator
{
    /// <summary>Makes one stream.</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="options">The stream shape; <see langword="null"/> for the defaults (anomaly-free).</param>
    /// <param name="key">The key (user id); default <c>user{seed}@contoso.com</c>.</param>
    /// <returns>The stream.</returns>
    public static LabelledActivityTrace Generate(int seed, ActivityStreamOptions? options = null, string? key = null)
    {
        options ??= new ActivityStreamOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Weeks, 1);
        key ??= $"user{seed}@contoso.com";
#pragma warning disable CA5394 // Deterministic synthetic data, not security.
        var rng = new Random(seed);
        var burstRng = new Random(unchecked((seed * 1_000_003) + 17));
        var hours = options.Weeks * 7 * 24;
        var peak = Math.Max(options.MinPeakRate, options.MedianPeakRate * Math.Exp(options.PeakRateSpread * Normal(rng)));
        var offset = options.UtcOffsetHours.Count == 0 ? 0 : options.UtcOffsetHours[rng.Next(options.UtcOffsetHours.Count)];

        // Per local day (index shifted by one so that negative offsets stay in range).
        var days = (options.Weeks * 7) + 2;
        var drift = new double[days];
        var dayMultiplier = new double[days];
        var holiday = new bool[days];
        var dailyDrift = options.WeeklyDrift / Math.Sqrt(7);
        var level = 0.0;
        for (var d = 0; d < days; d++)
        {
            level += dailyDrift * Normal(rng);
            drift[d] = level;
            dayMultiplier[d] = options.DayShape > 0 ? Gamma(rng, options.DayShape) / options.DayShape : 1;
            holiday[d] = rng.NextDouble() < options.HolidayProbability;
        }

        var expected = new double[hours];
        var events = new List<LabelledEvent>(hours * 4);
        var hourIsHoliday = new bool[hours];
        for (var h = 0; h < hours; h++)
        {
            var hourStart = options.Start.AddHours(h);
            var local = hourStart.ToOffset(TimeSpan.FromHours(offset));
            var localDay = Math.Clamp((int)Math.Floor(((hourStart - options.Start).TotalHours + offset) / 24.0) + 1, 0, days - 1);
            var weekend = local.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
            var seasonal = peak * ActivityStreamOptions.OfficeHours[local.Hour] * (weekend ? options.WeekendFactor : 1) * Math.Exp(drift[localDay]);
            expected[h] = seasonal;
            hourIsHoliday[h] = !weekend && holiday[localDay];
            var rate = seasonal * dayMultiplier[localDay] * (hourIsHoliday[h] ? options.WeekendFactor : 1);
            if (options.HourShape > 0)
            {
                rate *= Gamma(rng, options.HourShape) / options.HourShape;
            }

            PoissonProcess(rng, hourStart, rate, -1, events);
        }

        var anomalies = new List<InjectedAnomaly>();
        var injected = new List<LabelledEvent>();
        if (options.Bursts.Count > 0 && options.BurstsPerWeek > 0)
        {
            var firstHour = (int)Math.Ceiling(options.LearningPeriod.TotalHours);
            var count = (int)Math.Round(options.BurstsPerWeek * Math.Max(0, hours - firstHour) / 168.0);
            var starts = new List<int>();
            var placed = new List<(int Start, BurstSpec Spec)>();
            var spacing = Math.Max(1, (int)Math.Ceiling(options.MinBurstSpacing.TotalHours));
            for (var i = 0; i < count; i++)
            {
                var spec = options.Bursts[burstRng.Next(options.Bursts.Count)];
                for (var attempt = 0; attempt < 2000; attempt++)
                {
                    var start = burstRng.Next(firstHour, Math.Max(firstHour + 1, hours - spec.Hours + 1));
                    if (start + spec.Hours > hours || hourIsHoliday[start] || expected[start] < spec.MinExpected || expected[start] > spec.MaxExpected || TooClose(starts, start, spacing))
                    {
                        continue;
                    }

                    starts.Add(start);
                    placed.Add((start, spec));
                    break;
                }
            }

            placed.Sort(static (x, y) => x.Start.CompareTo(y.Start));
            foreach (var (start, spec) in placed)
            {
                var index = anomalies.Count;
                var before = injected.Count;
                for (var j = 0; j < spec.Hours && start + j < hours; j++)
                {
                    var hourStart = options.Start.AddHours(start + j);
                    PoissonProcess(burstRng, hourStart, (spec.Multiplier - 1) * expected[start + j], index, injected);
                    var added = new List<LabelledEvent>(spec.AddedCount);
                    for (var k = 0; k < spec.AddedCount; k++)
                    {
                        added.Add(new LabelledEvent(hourStart.AddTicks((long)(burstRng.NextDouble() * TimeSpan.TicksPerHour)), index));
                    }

                    added.Sort(static (x, y) => x.Time.CompareTo(y.Time));
                    injected.AddRange(added);
                }

                anomalies.Add(new InjectedAnomaly(index, spec.Name, options.Start.AddHours(start), TimeSpan.FromHours(spec.Hours), spec.Multiplier, expected[start], injected.Count - before));
            }
        }
#pragma warning restore CA5394

        return new LabelledActivityTrace(key, seed, options.Start, Merge(events, injected), anomalies, expected) { UtcOffsetHours = offset, HolidayHours = hourIsHoliday };
    }

    private static bool TooClose(List<int> starts, int start, int spacing)
    {
        foreach (var s in starts)
        {
            if (Math.Abs(s - start) < spacing)
            {
                return true;
            }
        }

        return false;
    }

    private static List<LabelledEvent> Merge(List<LabelledEvent> normal, List<LabelledEvent> injected)
    {
        injected.Sort(static (x, y) => x.Time.CompareTo(y.Time));
        var merged = new List<LabelledEvent>(normal.Count + injected.Count);
        int i = 0, j = 0;
        while (i < normal.Count || j < injected.Count)
        {
            if (j == injected.Count || (i < normal.Count && normal[i].Time <= injected[j].Time))
            {
                merged.Add(normal[i++]);
            }
            else
            {
                merged.Add(injected[j++]);
            }
        }

        return merged;
    }

#pragma warning disable CA5394 // Deterministic synthetic data, not security.
    /// <summary>Arrivals of a Poisson process of <paramref name="rate"/> per hour during the hour at <paramref name="hourStart"/>.</summary>
    private static void PoissonProcess(Random rng, DateTimeOffset hourStart, double rate, int label, List<LabelledEvent> into)
    {
        if (rate <= 0)
        {
            return;
        }

        var t = 0.0;
        while (true)
        {
            t += -Math.Log(1.0 - rng.NextDouble()) / rate;
            if (t >= 1.0)
            {
                return;
            }

            into.Add(new LabelledEvent(hourStart.AddTicks((long)(t * TimeSpan.TicksPerHour)), label));
        }
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    internal static double Normal(Random rng)
    {
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000); also the benchmarks' sampler.</summary>
    internal static double Gamma(Random rng, double shape)
    {
        if (shape < 1)
        {
            return Gamma(rng, shape + 1) * Math.Pow(rng.NextDouble(), 1.0 / shape);
        }

        var d = shape - (1.0 / 3.0);
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(rng);
                v = 1.0 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = rng.NextDouble();
            if (u < 1.0 - (0.0331 * x * x * x * x) || Math.Log(u) < (0.5 * x * x) + (d * (1.0 - v + Math.Log(v))))
            {
                return d * v;
            }
        }
    }
#pragma warning restore CA5394
}
