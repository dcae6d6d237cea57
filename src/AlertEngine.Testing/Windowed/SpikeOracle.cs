namespace AlertEngine.Testing;

/// <summary>
/// A naive oracle for spike triggers: for every activity it recomputes the key's current and reference counts from the
/// full history, following the documented rules of <see cref="SpikeCounter{TItem}"/> and the spec literally. Quadratic;
/// for tests only. It assumes the cap on tracked keys is never reached.
/// </summary>
/// <remarks>
/// Per activity, in arrival order: its scope key is read (none: key <c>""</c>, reported). It is late (reported) when
/// older than the allowed lateness behind the newest accepted time, or when its truncated time T is at or before its
/// key's newest truncated time minus twice the window. Otherwise, with E = the key's newest truncated time: cur = the
/// key's accepted activities with T in (E − window, E], ref = those in (E − 2·window, E − window]. A detection fires,
/// carrying cur in time order (the most recent cap of them), when cur ≥ M, ref ≥ K, cur ≥ R × ref and E is at or after
/// the key's last detection's E + window.
/// </remarks>
public static class SpikeOracle
{
    /// <summary>Runs the oracle.</summary>
    /// <param name="activities">The activities, in arrival order.</param>
    /// <param name="ratio">R.</param>
    /// <param name="window">The window.</param>
    /// <param name="minCount">M.</param>
    /// <param name="minReference">K.</param>
    /// <param name="scope">Reads the scope key; <see langword="null"/> means none.</param>
    /// <param name="options">Resolution, lateness, item cap (the key cap is ignored); <see langword="null"/> for the defaults.</param>
    /// <returns>The detections and diagnostics.</returns>
    public static WindowedOracleResult Run(
        IEnumerable<Activity> activities,
        double ratio,
        TimeSpan window,
        int minCount,
        int minReference,
        Func<Activity, string?> scope,
        WindowedTriggerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(scope);
        var oracle = new WindowedOracle(window, 2, options ?? new WindowedTriggerOptions());
        var w = oracle.WindowTicks;
        var detections = new List<Detection>();
        var firedAt = new Dictionary<string, long>(oracle.Options.KeyComparer);
        foreach (var a in activities)
        {
            var key = oracle.Key(a, scope);
            var current = oracle.Accept(a, key, null, 0);
            if (current is null)
            {
                continue;
            }

            var history = oracle.KeyHistory(key).ToList();
            var e = history.Max(h => h.Truncated);
            var cur = history.Where(h => h.Truncated > e - w && h.Truncated <= e).ToList();
            var reference = history.Count(h => h.Truncated > e - (2 * w) && h.Truncated <= e - w);
            var quiet = firedAt.TryGetValue(key, out var fired) && e < fired + w;
            if (!quiet && cur.Count >= minCount && reference >= minReference && cur.Count >= ratio * reference)
            {
                firedAt[key] = e;
                var carried = oracle.Carried(cur);
                detections.Add(new Detection(a.Time, a, carried.Select(h => h.Activity).ToArray(), cur.Count, key)
                {
                    Reason = new SpikeCounts(cur.Count, reference),
                });
            }
        }

        return new WindowedOracleResult(detections, oracle.Diagnostics);
    }
}
