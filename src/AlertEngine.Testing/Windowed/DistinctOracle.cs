namespace AlertEngine.Testing;

/// <summary>
/// A naive oracle for distinct-count triggers: for every activity it recomputes the key's distinct values from the full
/// history, following the documented rules of <see cref="DistinctCounter{TItem}"/> and the spec literally. Quadratic;
/// for tests only. It assumes the cap on tracked keys is never reached (the cap on values per key is modelled).
/// </summary>
/// <remarks>
/// Per activity, in arrival order: an activity without a value for the field (missing or empty) is skipped. Its scope
/// key is read (none: key <c>""</c>, reported). It is late (reported) when older than the allowed lateness behind the
/// newest accepted time, or when its truncated time T is at or before its key's newest truncated time minus the window.
/// Otherwise, with E = the key's newest truncated time: the counted activities are the key's accepted activities after
/// its last detection with T in (E − window, E], whose value was not forgotten, plus this one; values group
/// case-insensitively and each group's most recent activity (time, then arrival) represents it. With N or more groups a
/// detection fires carrying those activities in time order (the most recent cap of them), and the key starts again. A
/// new value that would make more than <see cref="WindowedTriggerOptions.MaxValuesPerKey"/> groups without firing makes
/// the least recently seen group forgotten (reported).
/// </remarks>
public static class DistinctOracle
{
    /// <summary>Runs the oracle.</summary>
    /// <param name="activities">The activities, in arrival order.</param>
    /// <param name="field">The field.</param>
    /// <param name="count">N.</param>
    /// <param name="window">The window.</param>
    /// <param name="scope">Reads the scope key; <see langword="null"/> means none.</param>
    /// <param name="options">Resolution, lateness, caps (the key cap is ignored); <see langword="null"/> for the defaults.</param>
    /// <returns>The detections and diagnostics.</returns>
    public static WindowedOracleResult Run(
        IEnumerable<Activity> activities,
        string field,
        int count,
        TimeSpan window,
        Func<Activity, string?> scope,
        WindowedTriggerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(scope);
        var oracle = new WindowedOracle(window, 1, options ?? new WindowedTriggerOptions());
        var cap = oracle.Options.MaxValuesPerKey;
        var detections = new List<Detection>();
        foreach (var a in activities)
        {
            var value = WindowedOracle.Read(a, field);
            if (value is null)
            {
                continue;
            }

            var key = oracle.Key(a, scope);
            var current = oracle.Accept(a, key, value, 0);
            if (current is null)
            {
                continue;
            }

            var history = oracle.KeyHistory(key).ToList();
            var newest = history.Max(h => h.Truncated);
            var lastDetection = history.FindLastIndex(h => h.Detected);
            var groups = history
                .Skip(lastDetection + 1)
                .Where(h => h != current && !h.Forgotten && h.Truncated > newest - oracle.WindowTicks)
                .GroupBy(h => h.Value!, StringComparer.OrdinalIgnoreCase)
                .Select(g => g.OrderBy(h => h.Ticks).ThenBy(h => h.Arrival).Last())
                .ToList();
            var isNew = !groups.Any(g => string.Equals(g.Value, value, StringComparison.OrdinalIgnoreCase));
            if (isNew && groups.Count + 1 < count && groups.Count >= cap)
            {
                var oldest = groups.OrderBy(h => h.Ticks).ThenBy(h => h.Arrival).First();
                foreach (var h in history.Where(h => string.Equals(h.Value, oldest.Value, StringComparison.OrdinalIgnoreCase)))
                {
                    h.Forgotten = true;
                }

                groups.Remove(oldest);
                oracle.Diagnostics.Add((a.Id, DiagnosticKind.ValueCapExceeded));
            }

            // This activity joins (or replaces) its value's group.
            var represented = groups
                .Where(g => !string.Equals(g.Value, value, StringComparison.OrdinalIgnoreCase))
                .Append(groups
                    .Where(g => string.Equals(g.Value, value, StringComparison.OrdinalIgnoreCase))
                    .Append(current)
                    .OrderBy(h => h.Ticks).ThenBy(h => h.Arrival).Last())
                .ToList();
            if (represented.Count >= count)
            {
                current.Detected = true;
                var carried = oracle.Carried(represented);
                detections.Add(new Detection(a.Time, a, carried.Select(h => h.Activity).ToArray(), represented.Count, key)
                {
                    Reason = new DistinctValues(represented.Count, carried.Select(h => h.Value!).ToArray()),
                });
            }
        }

        return new WindowedOracleResult(detections, oracle.Diagnostics);
    }
}
