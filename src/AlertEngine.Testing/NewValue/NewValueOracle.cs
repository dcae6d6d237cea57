namespace AlertEngine.Testing;

/// <summary>One input of the new-value oracle: a value (or none) for a key at a time.</summary>
/// <param name="Key">The scope key.</param>
/// <param name="Time">The event time.</param>
/// <param name="Value">The field's value; <see langword="null"/> or empty when the input has none.</param>
public readonly record struct NewValueEvent(string Key, DateTimeOffset Time, string? Value);

/// <summary>
/// A naive oracle for new-value triggers: for every input it recomputes the rule from the full history, literally as the
/// spec states it. Quadratic; for tests only. It assumes the caps on keys and values are never reached.
/// </summary>
/// <remarks>
/// For input i with key k, time t and a non-empty value v, in arrival order: <c>seen</c> = some earlier input (j &lt; i)
/// of k had a value equal to v (case-insensitively) at a time in (t − lookback, t]; <c>first</c> = the earliest time of
/// the inputs of k with a value among inputs 0..i. The input is <see cref="NewValueOutcome.Seen"/> when seen, else
/// <see cref="NewValueOutcome.Learning"/> when t &lt; first + learning period, else <see cref="NewValueOutcome.New"/>
/// (a detection). An input without a value has no outcome (<see langword="null"/>) and does not count.
/// </remarks>
public static class NewValueOracle
{
    /// <summary>Runs the oracle over inputs.</summary>
    /// <param name="events">The inputs, in arrival order.</param>
    /// <param name="lookback">The lookback.</param>
    /// <param name="learningPeriod">The learning period.</param>
    /// <param name="keyComparer">How keys compare; <see cref="StringComparer.OrdinalIgnoreCase"/> by default.</param>
    /// <returns>One outcome per input; <see langword="null"/> for an input without a value.</returns>
    public static IReadOnlyList<NewValueOutcome?> Run(
        IEnumerable<NewValueEvent> events,
        TimeSpan lookback,
        TimeSpan learningPeriod,
        IEqualityComparer<string>? keyComparer = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var comparer = keyComparer ?? StringComparer.OrdinalIgnoreCase;
        var history = new List<NewValueEvent>();
        var results = new List<NewValueOutcome?>();
        foreach (var e in events)
        {
            if (string.IsNullOrEmpty(e.Value))
            {
                results.Add(null);
                continue;
            }

            var t = e.Time;
            var ofKey = history.Where(h => comparer.Equals(h.Key, e.Key)).ToList();
            var seen = ofKey.Any(h => string.Equals(h.Value, e.Value, StringComparison.OrdinalIgnoreCase)
                && h.Time.UtcTicks > t.UtcTicks - lookback.Ticks && h.Time <= t);
            var first = ofKey.Select(h => h.Time.UtcTicks).Append(t.UtcTicks).Min();
            var learning = (decimal)t.UtcTicks < (decimal)first + learningPeriod.Ticks;
            results.Add(seen ? NewValueOutcome.Seen : learning ? NewValueOutcome.Learning : NewValueOutcome.New);
            history.Add(e);
        }

        return results;
    }

    /// <summary>
    /// The detections a new-value trigger gives over activities (as the <c>NewValues</c> operator does): an activity
    /// without a scope value counts under the key <c>""</c>; one without a field value is ignored.
    /// </summary>
    /// <param name="activities">The activities, in arrival order.</param>
    /// <param name="value">Reads the field's value (for <c>clientIp</c>, its normalised text).</param>
    /// <param name="scope">Reads the scope key.</param>
    /// <param name="lookback">The lookback.</param>
    /// <param name="learningPeriod">The learning period.</param>
    /// <returns>The detections in order (<see cref="Detection.PolicyId"/> is <see langword="null"/>), each with a
    /// <see cref="NewValueSeen"/> reason.</returns>
    public static IReadOnlyList<Detection> Detections(
        IEnumerable<Activity> activities,
        Func<Activity, string?> value,
        Func<Activity, string?> scope,
        TimeSpan lookback,
        TimeSpan learningPeriod)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(scope);
        var list = activities.ToList();
        var events = list.Select(a => new NewValueEvent(scope(a) ?? string.Empty, a.Time, value(a))).ToList();
        var outcomes = Run(events, lookback, learningPeriod);
        var detections = new List<Detection>();
        for (var i = 0; i < list.Count; i++)
        {
            if (outcomes[i] == NewValueOutcome.New)
            {
                var key = events[i].Key;
                var first = events.Take(i + 1)
                    .Where(e => StringComparer.OrdinalIgnoreCase.Equals(e.Key, key) && !string.IsNullOrEmpty(e.Value))
                    .Min(e => e.Time);
                detections.Add(new Detection(list[i].Time, list[i], [list[i]], 1, key)
                {
                    Reason = new NewValueSeen(events[i].Value!, first),
                });
            }
        }

        return detections;
    }
}
