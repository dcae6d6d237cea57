namespace AlertEngine.Testing;

/// <summary>One input of the threshold oracle: an item for a key at a time.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Key">The scope key.</param>
/// <param name="Time">The event time.</param>
/// <param name="Item">The item.</param>
public readonly record struct ThresholdEvent<TItem>(string Key, DateTimeOffset Time, TItem Item);

/// <summary>What a threshold trigger did with one input: its outcome and, for a detection, the hit count and items.</summary>
/// <typeparam name="TItem">The item type.</typeparam>
/// <param name="Outcome">The outcome.</param>
/// <param name="Key">The input's key.</param>
/// <param name="HitCount">For a detection, the exact number of items that made it; otherwise zero.</param>
/// <param name="Items">For a detection, the items it carries (the most recent ones, in time order); otherwise empty.</param>
public sealed record ThresholdResult<TItem>(SlidingWindowOutcome Outcome, string Key, int HitCount, IReadOnlyList<TItem> Items)
{
    /// <summary>Structural equality, items compared in order.</summary>
    /// <param name="other">The other result.</param>
    /// <returns>Whether both are equal.</returns>
    public bool Equals(ThresholdResult<TItem>? other) =>
        other is not null
        && Outcome == other.Outcome
        && Key == other.Key
        && HitCount == other.HitCount
        && Items.SequenceEqual(other.Items);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Outcome, Key, HitCount, Items.Count);

    /// <inheritdoc />
    public override string ToString() => Outcome == SlidingWindowOutcome.Detected
        ? $"{Outcome} {Key} x{HitCount} [{string.Join(", ", Items)}]"
        : $"{Outcome} {Key}";
}

/// <summary>
/// A naive oracle for threshold triggers: for every input it recomputes the window from the full history, following
/// the documented rules of <see cref="SlidingWindowCounter{TItem}"/> literally and in time units rather than slots.
/// Quadratic; for tests only. It assumes the cap on tracked keys is never reached.
/// </summary>
/// <remarks>
/// The rules, per input at time t for key k, in arrival order:
/// <list type="number">
/// <item>Late if t is older than the allowed lateness behind the newest time of the inputs accepted so far.</item>
/// <item>Times are truncated to the resolution: T(t) = floor(t / resolution) · resolution.</item>
/// <item>Out of window if k already has accepted inputs and T(t) ≤ newest(k) − window, where newest(k) is the largest
/// T of k's accepted inputs.</item>
/// <item>Otherwise, with newest(k) now including t: the counted inputs are k's accepted inputs after its last detection
/// with T in (newest(k) − window, newest(k)], plus this one. If there are at least N, this input is a detection
/// carrying them (the most recent cap ones by time, then arrival) and starts k's count again.</item>
/// </list>
/// </remarks>
public static class ThresholdOracle
{
    /// <summary>Runs the oracle over inputs.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="events">The inputs, in arrival order.</param>
    /// <param name="threshold">N.</param>
    /// <param name="window">The window.</param>
    /// <param name="options">Resolution, lateness, item cap and key comparer (the key cap is ignored); <see langword="null"/> for the defaults.</param>
    /// <returns>One result per input.</returns>
    public static IReadOnlyList<ThresholdResult<TItem>> Run<TItem>(
        IEnumerable<ThresholdEvent<TItem>> events,
        int threshold,
        TimeSpan window,
        SlidingWindowCounterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        options ??= new SlidingWindowCounterOptions();
        var resolution = options.Resolution.Ticks;
        var windowTicks = window.Ticks;
        var lateness = options.AllowedLateness.Ticks;
        var comparer = options.KeyComparer;

        var accepted = new List<Accepted<TItem>>();
        var results = new List<ThresholdResult<TItem>>();
        long? watermark = null;
        var arrival = 0;
        foreach (var e in events)
        {
            arrival++;
            var t = e.Time.UtcTicks;
            if (watermark is { } w && t < w - lateness)
            {
                results.Add(new(SlidingWindowOutcome.Late, e.Key, 0, []));
                continue;
            }

            watermark = watermark is { } w2 ? Math.Max(w2, t) : t;
            var truncated = t / resolution * resolution;
            var history = accepted.Where(a => comparer.Equals(a.Key, e.Key)).ToList();
            if (history.Count > 0 && truncated <= history.Max(a => a.Truncated) - windowTicks)
            {
                results.Add(new(SlidingWindowOutcome.OutOfWindow, e.Key, 0, []));
                continue;
            }

            var newest = history.Count == 0 ? truncated : Math.Max(truncated, history.Max(a => a.Truncated));
            var lastDetection = history.FindLastIndex(a => a.Detected);
            var current = new Accepted<TItem>(e.Key, t, truncated, arrival, e.Item, Detected: false);
            var counted = history
                .Skip(lastDetection + 1)
                .Where(a => a.Truncated > newest - windowTicks)
                .Append(current)
                .ToList();
            if (counted.Count >= threshold)
            {
                var items = counted
                    .OrderBy(a => a.Ticks)
                    .ThenBy(a => a.Arrival)
                    .Select(a => a.Item)
                    .TakeLast(options.MaxItemsPerDetection)
                    .ToList();
                results.Add(new(SlidingWindowOutcome.Detected, e.Key, counted.Count, items));
                accepted.Add(current with { Detected = true });
            }
            else
            {
                results.Add(new(SlidingWindowOutcome.Counted, e.Key, 0, []));
                accepted.Add(current);
            }
        }

        return results;
    }

    /// <summary>
    /// Runs the oracle over activities as the <c>SlidingThreshold</c> operator sees them: an activity without a scope
    /// value is counted under the key <c>""</c>.
    /// </summary>
    /// <param name="activities">The activities, in arrival order.</param>
    /// <param name="threshold">N.</param>
    /// <param name="window">The window.</param>
    /// <param name="scope">Reads the scope key.</param>
    /// <param name="options">Resolution, lateness, item cap and key comparer; <see langword="null"/> for the defaults.</param>
    /// <returns>The detections, in the order they fire (<see cref="Detection.PolicyId"/> is <see langword="null"/>).</returns>
    public static IReadOnlyList<Detection> Detections(
        IEnumerable<Activity> activities,
        int threshold,
        TimeSpan window,
        Func<Activity, string?> scope,
        SlidingWindowCounterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(activities);
        ArgumentNullException.ThrowIfNull(scope);
        var list = activities.ToList();
        var results = Run(list.Select(a => new ThresholdEvent<Activity>(scope(a) ?? string.Empty, a.Time, a)), threshold, window, options);
        var detections = new List<Detection>();
        for (var i = 0; i < list.Count; i++)
        {
            var r = results[i];
            if (r.Outcome == SlidingWindowOutcome.Detected)
            {
                detections.Add(new Detection(list[i].Time, list[i], r.Items, r.HitCount, r.Key));
            }
        }

        return detections;
    }

    private sealed record Accepted<TItem>(string Key, long Ticks, long Truncated, int Arrival, TItem Item, bool Detected);
}
