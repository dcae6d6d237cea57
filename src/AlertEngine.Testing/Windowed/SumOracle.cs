namespace AlertEngine.Testing;

/// <summary>
/// A naive oracle for sum triggers: for every activity it recomputes the key's sum from the full history, following the
/// documented rules of <see cref="SlidingWindowSum{TItem}"/> and the spec literally. Quadratic; for tests only. It
/// assumes the cap on tracked keys is never reached.
/// </summary>
/// <remarks>
/// Per activity, in arrival order: an activity without a value for the field (missing or empty) is skipped; one whose
/// value is not a finite invariant-culture number is skipped and reported. Its scope key is read (none: key <c>""</c>,
/// reported). It is late (reported) when older than the allowed lateness behind the newest accepted time, or when its
/// truncated time T is at or before its key's newest truncated time minus the window. Otherwise, with E = the key's
/// newest truncated time: the summed activities are the key's accepted activities after its last detection with T in
/// (E − window, E], plus this one. When their sum (in arrival order) reaches the threshold, a detection fires carrying
/// them in time order (the most recent cap of them), and the key starts again. Sums are doubles: use values exact in
/// binary to compare with <see cref="SlidingWindowSum{TItem}"/> exactly.
/// </remarks>
public static class SumOracle
{
    /// <summary>Runs the oracle.</summary>
    /// <param name="activities">The activities, in arrival order.</param>
    /// <param name="field">The field.</param>
    /// <param name="threshold">X.</param>
    /// <param name="window">The window.</param>
    /// <param name="scope">Reads the scope key; <see langword="null"/> means none.</param>
    /// <param name="options">Resolution, lateness, item cap (the key cap is ignored); <see langword="null"/> for the defaults.</param>
    /// <returns>The detections and diagnostics.</returns>
    public static WindowedOracleResult Run(
        IEnumerable<Activity> activities,
        string field,
        double threshold,
        TimeSpan window,
        Func<Activity, string?> scope,
        WindowedTriggerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(scope);
        var oracle = new WindowedOracle(window, 1, options ?? new WindowedTriggerOptions());
        var detections = new List<Detection>();
        foreach (var a in activities)
        {
            var text = WindowedOracle.Read(a, field);
            if (text is null)
            {
                continue;
            }

            if (!WindowedOracle.TryNumber(text, out var number))
            {
                oracle.Diagnostics.Add((a.Id, DiagnosticKind.NonNumericValue));
                continue;
            }

            var key = oracle.Key(a, scope);
            var current = oracle.Accept(a, key, text, number);
            if (current is null)
            {
                continue;
            }

            var history = oracle.KeyHistory(key).ToList();
            var newest = history.Max(h => h.Truncated);
            var lastDetection = history.FindLastIndex(h => h.Detected);
            var summed = history.Skip(lastDetection + 1).Where(h => h.Truncated > newest - oracle.WindowTicks).ToList();
            var total = 0.0;
            foreach (var h in summed)
            {
                total += h.Number;
            }

            if (total >= threshold)
            {
                current.Detected = true;
                var carried = oracle.Carried(summed);
                detections.Add(new Detection(a.Time, a, carried.Select(h => h.Activity).ToArray(), summed.Count, key)
                {
                    Reason = new SumTotal(total),
                });
            }
        }

        return new WindowedOracleResult(detections, oracle.Diagnostics);
    }
}
