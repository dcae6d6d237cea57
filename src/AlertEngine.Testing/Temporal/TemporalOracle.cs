namespace AlertEngine.Testing;

/// <summary>A detection found by <see cref="TemporalOracle"/>.</summary>
/// <param name="Index">The position (in the input) of the activity that completed it.</param>
/// <param name="Key">The scope key.</param>
/// <param name="Activities">Unordered: the carried activities (each step's most recent activity, each once, in time
/// order, equal times in arrival order). Ordered: <see langword="null"/>, because several chains may qualify; check the
/// carried chain with <see cref="TemporalOracle.IsCarriedChain"/>.</param>
/// <param name="EarliestTicks">Ordered: the latest possible earliest time (ticks) of a qualifying chain; unordered: the
/// earliest time among the carried activities.</param>
public sealed record TemporalOracleDetection(int Index, string Key, IReadOnlyList<Activity>? Activities, long EarliestTicks);

/// <summary>
/// A naive oracle for temporal triggers: for every activity it recomputes, from the key's whole history since its last
/// detection, whether the steps are fulfilled, following the documented rules of <see cref="TemporalTracker{TItem}"/>
/// literally. Quadratic; for tests only. It assumes the cap on tracked keys is never reached and the activity cap is
/// not smaller than the number of steps.
/// </summary>
/// <remarks>
/// Per activity, in arrival order: one that fulfils no step is skipped. One older than the allowed lateness behind the
/// newest accepted time is skipped (late). Otherwise it joins its key's history (key <c>""</c> when the scope has no
/// value). With E = the newest time in the key's history, the candidates are the history's activities with time in
/// (E − window, E]. Unordered: a detection fires when every step has a candidate. Ordered: when some candidates
/// a₁ … a_N, arriving in this order, fulfil steps 1 … N. Then the key's history is cleared.
/// </remarks>
public static class TemporalOracle
{
    /// <summary>Runs the oracle.</summary>
    /// <param name="activities">The activities, in arrival order.</param>
    /// <param name="steps">The step predicates.</param>
    /// <param name="ordered">Whether the steps must arrive in order.</param>
    /// <param name="window">The window.</param>
    /// <param name="scope">Reads the scope key; <see langword="null"/> means none (key <c>""</c>).</param>
    /// <param name="allowedLateness">The allowed lateness.</param>
    /// <returns>The detections, in input order.</returns>
    public static IReadOnlyList<TemporalOracleDetection> Run(
        IEnumerable<Activity> activities,
        IReadOnlyList<Func<Activity, bool>> steps,
        bool ordered,
        TimeSpan window,
        Func<Activity, string?> scope,
        TimeSpan allowedLateness)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(scope);
        var histories = new Dictionary<string, List<(Activity Activity, bool[] Fulfils, int Sequence)>>(StringComparer.OrdinalIgnoreCase);
        var detections = new List<TemporalOracleDetection>();
        long? watermark = null;
        var index = -1;
        var sequence = 0;
        foreach (var activity in activities)
        {
            index++;
            var fulfils = steps.Select(s => s(activity)).ToArray();
            if (!fulfils.Any(f => f))
            {
                continue;
            }

            var ticks = activity.Time.UtcTicks;
            if (watermark is { } w && ticks < w - allowedLateness.Ticks)
            {
                continue;
            }

            watermark = Math.Max(watermark ?? long.MinValue, ticks);
            var key = scope(activity) is { Length: > 0 } k ? k : string.Empty;
            if (!histories.TryGetValue(key, out var history))
            {
                histories[key] = history = [];
            }

            history.Add((activity, fulfils, sequence++));
            var newest = history.Max(h => h.Activity.Time.UtcTicks);
            var candidates = history.Where(h => h.Activity.Time.UtcTicks > newest - window.Ticks).ToList();
            TemporalOracleDetection? detection = null;
            if (!ordered)
            {
                if (Enumerable.Range(0, steps.Count).All(j => candidates.Any(c => c.Fulfils[j])))
                {
                    var carried = Enumerable.Range(0, steps.Count)
                        .Select(j => history.Where(h => h.Fulfils[j]).OrderBy(h => h.Activity.Time.UtcTicks).ThenBy(h => h.Sequence).Last())
                        .DistinctBy(h => h.Sequence)
                        .OrderBy(h => h.Activity.Time.UtcTicks).ThenBy(h => h.Sequence)
                        .ToList();
                    detection = new TemporalOracleDetection(index, key, carried.Select(c => c.Activity).ToArray(), carried.Min(c => c.Activity.Time.UtcTicks));
                }
            }
            else if (LatestEarliest(history, steps.Count) is { } earliest && earliest > newest - window.Ticks)
            {
                detection = new TemporalOracleDetection(index, key, null, earliest);
            }

            if (detection is not null)
            {
                detections.Add(detection);
                history.Clear();
            }
        }

        return detections;
    }

    /// <summary>
    /// Whether <paramref name="carried"/> (a detection's activities, in time order) holds a chain for an ordered
    /// detection: activities of <paramref name="arrivalOrder"/> that, taken in arrival order, fulfil the steps in order,
    /// with earliest time <paramref name="earliestTicks"/>.
    /// </summary>
    /// <param name="carried">The detection's activities.</param>
    /// <param name="arrivalOrder">All activities of the run, in arrival order.</param>
    /// <param name="steps">The step predicates.</param>
    /// <param name="earliestTicks">The oracle's <see cref="TemporalOracleDetection.EarliestTicks"/>.</param>
    /// <returns>Whether the chain qualifies.</returns>
    public static bool IsCarriedChain(IReadOnlyList<Activity> carried, IReadOnlyList<Activity> arrivalOrder, IReadOnlyList<Func<Activity, bool>> steps, long earliestTicks)
    {
        ArgumentNullException.ThrowIfNull(carried);
        ArgumentNullException.ThrowIfNull(arrivalOrder);
        ArgumentNullException.ThrowIfNull(steps);
        if (carried.Count != steps.Count || carried.Min(a => a.Time.UtcTicks) != earliestTicks)
        {
            return false;
        }

        var chain = carried.OrderBy(a => FirstIndex(arrivalOrder, a)).ToList();
        return chain.Select((a, j) => steps[j](a)).All(x => x)
            && chain.Select(a => FirstIndex(arrivalOrder, a)).Distinct().Count() == chain.Count;
    }

    private static int FirstIndex(IReadOnlyList<Activity> list, Activity a)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (ReferenceEquals(list[i], a) || list[i].Id == a.Id)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The latest earliest time over every chain of the history fulfilling the steps in arrival order, or null.</summary>
    private static long? LatestEarliest(List<(Activity Activity, bool[] Fulfils, int Sequence)> history, int steps)
    {
        // best[i, j]: the latest earliest time of a chain for steps 0..j whose last activity is history[i].
        var best = new long?[history.Count, steps];
        long? result = null;
        for (var i = 0; i < history.Count; i++)
        {
            var ticks = history[i].Activity.Time.UtcTicks;
            for (var j = 0; j < steps; j++)
            {
                if (!history[i].Fulfils[j])
                {
                    continue;
                }

                if (j == 0)
                {
                    best[i, j] = ticks;
                }
                else
                {
                    long? before = null;
                    for (var p = 0; p < i; p++)
                    {
                        if (best[p, j - 1] is { } b && (before is null || b > before))
                        {
                            before = b;
                        }
                    }

                    best[i, j] = before is { } e ? Math.Min(e, ticks) : null;
                }
            }

            if (best[i, steps - 1] is { } last && (result is null || last > result))
            {
                result = last;
            }
        }

        return result;
    }
}
