namespace AlertEngine.Testing;

/// <summary>One input of the absence oracle: an activity at a time that moves the clock and, if it matches, is its
/// key's newest matching activity.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Key">The scope key (ignored when the input does not match).</param>
/// <param name="Time">The event time.</param>
/// <param name="Item">The item.</param>
/// <param name="Matches">Whether the input is a matching activity (otherwise it only moves the clock).</param>
public readonly record struct AbsenceEvent<TItem>(string Key, DateTimeOffset Time, TItem Item, bool Matches = true);

/// <summary>A silence the oracle fired.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="BeforeInput">The index of the input whose time moved the clock to the due time (it fired before that input was evaluated).</param>
/// <param name="Key">The key.</param>
/// <param name="LastTime">The time of the key's last matching input.</param>
/// <param name="Due">LastTime + window.</param>
/// <param name="Item">The key's last matching input.</param>
public sealed record AbsenceFiring<TItem>(int BeforeInput, string Key, DateTimeOffset LastTime, DateTimeOffset Due, TItem Item);

/// <summary>
/// A naive oracle for absence triggers: at each input it recomputes, from the full history, which silences the clock
/// passes, literally as the spec states it. Quadratic; for tests only. It assumes the cap on keys is never reached.
/// </summary>
/// <remarks>
/// The clock after input i is c(i) = the newest time among inputs 0..i (matching or not). When input i has a time
/// after c(i − 1), then for every key k whose last matching input among inputs 0..i − 1 (latest time, equal times the
/// one that arrived last) is L with due time d = L.time + window: the silence of L fires before input i when
/// c(i − 1) &lt; d ≤ c(i) — the first time the clock reaches d, with no later matching input for k in between. Silences
/// fired before the same input are ordered by due time, then by the arrival of L. At the end of the input nothing
/// more fires.
/// </remarks>
public static class AbsenceOracle
{
    /// <summary>Runs the oracle over inputs.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="events">The inputs, in arrival order.</param>
    /// <param name="window">The silence that fires.</param>
    /// <param name="keyComparer">How keys compare; <see cref="StringComparer.OrdinalIgnoreCase"/> by default.</param>
    /// <returns>The silences fired, in firing order.</returns>
    public static IReadOnlyList<AbsenceFiring<TItem>> Run<TItem>(
        IEnumerable<AbsenceEvent<TItem>> events,
        TimeSpan window,
        IEqualityComparer<string>? keyComparer = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var comparer = keyComparer ?? StringComparer.OrdinalIgnoreCase;
        var list = events.ToList();
        var fired = new List<AbsenceFiring<TItem>>();
        long? clock = null;
        for (var i = 0; i < list.Count; i++)
        {
            var t = list[i].Time.UtcTicks;
            if (clock is { } previous && t > previous)
            {
                var before = list.Take(i).Select((e, index) => (e, index)).Where(x => x.e.Matches).ToList();
                var keys = before.Select(x => x.e.Key).Distinct(comparer);
                var due = new List<(long Due, int Arrival, AbsenceFiring<TItem> Firing)>();
                foreach (var key in keys)
                {
                    var last = before
                        .Where(x => comparer.Equals(x.e.Key, key))
                        .OrderBy(x => x.e.Time.UtcTicks)
                        .ThenBy(x => x.index)
                        .Last();
                    var d = (decimal)last.e.Time.UtcTicks + window.Ticks;
                    if (previous < d && d <= t)
                    {
                        var dueTime = new DateTimeOffset((long)d, TimeSpan.Zero);
                        due.Add(((long)d, last.index, new AbsenceFiring<TItem>(i, last.e.Key, last.e.Time, dueTime, last.e.Item)));
                    }
                }

                fired.AddRange(due.OrderBy(x => x.Due).ThenBy(x => x.Arrival).Select(x => x.Firing));
            }

            clock = clock is { } c ? Math.Max(c, t) : t;
        }

        return fired;
    }

    /// <summary>
    /// The detections an absence trigger gives over activities (as the <c>Absences</c> operator does, and the engine for
    /// valid, non-duplicate, non-late activities): every activity moves the clock; those that match count.
    /// </summary>
    /// <param name="activities">The activities, in arrival order.</param>
    /// <param name="window">The silence that fires.</param>
    /// <param name="scope">Reads the scope key; an activity without one counts under <c>""</c>.</param>
    /// <param name="matches">Which activities count; <see langword="null"/> for all.</param>
    /// <returns>The detections in firing order (<see cref="Detection.PolicyId"/> is <see langword="null"/>), each at its
    /// due time, carrying the last activity, with a <see cref="SilenceObserved"/> reason.</returns>
    public static IReadOnlyList<Detection> Detections(
        IEnumerable<Activity> activities,
        TimeSpan window,
        Func<Activity, string?> scope,
        Func<Activity, bool>? matches = null)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(scope);
        var events = activities.Select(a => matches is null || matches(a)
            ? new AbsenceEvent<Activity>(scope(a) ?? string.Empty, a.Time, a)
            : new AbsenceEvent<Activity>(string.Empty, a.Time, a, Matches: false));
        return Run(events, window)
            .Select(f => new Detection(f.Due, f.Item, [f.Item], 1, f.Key) { Reason = new SilenceObserved(window, f.LastTime) })
            .ToList();
    }
}
