namespace AlertEngine.Testing;

/// <summary>One synthetic activity: its time, and the index of the injected anomaly it belongs to (−1 for normal traffic).</summary>
/// <param name="Time">Event time (UTC).</param>
/// <param name="Anomaly">Index into <see cref="LabelledActivityTrace.Anomalies"/>, or −1.</param>
public readonly record struct LabelledEvent(DateTimeOffset Time, int Anomaly);

/// <summary>An anomaly injected into a stream: the ground truth.</summary>
/// <param name="Index">Index in the stream's list.</param>
/// <param name="Kind">The <see cref="BurstSpec.Name"/>.</param>
/// <param name="Start">Start of the first anomalous hour.</param>
/// <param name="Duration">How long it lasts (whole hours).</param>
/// <param name="Multiplier">The spec's multiplier.</param>
/// <param name="SeasonalExpectation">Seasonal expected count of the first anomalous hour, without the anomaly.</param>
/// <param name="InjectedCount">How many activities were injected.</param>
public sealed record InjectedAnomaly(int Index, string Kind, DateTimeOffset Start, TimeSpan Duration, double Multiplier, double SeasonalExpectation, int InjectedCount)
{
    /// <summary>End of the anomaly (exclusive).</summary>
    public DateTimeOffset End => Start + Duration;
}

/// <summary>A labelled synthetic activity stream (trace) of one key (user), made by <see cref="AnomalyStreamGenerator"/>.</summary>
public sealed class LabelledActivityTrace
{
    private readonly double[] _expected;

    internal LabelledActivityTrace(string key, int seed, DateTimeOffset start, IReadOnlyList<LabelledEvent> events, IReadOnlyList<InjectedAnomaly> anomalies, double[] expected)
    {
        Key = key;
        Seed = seed;
        Start = start;
        Events = events;
        Anomalies = anomalies;
        _expected = expected;
    }

    /// <summary>The key (user id).</summary>
    public string Key { get; }

    /// <summary>The seed the stream was made from.</summary>
    public int Seed { get; }

    /// <summary>The user's UTC offset in hours (one of <see cref="ActivityStreamOptions.UtcOffsetHours"/>): its office hours
    /// and weekends are in this local time.</summary>
    public int UtcOffsetHours { get; internal init; }

    /// <summary>The first instant of the stream.</summary>
    public DateTimeOffset Start { get; }

    /// <summary>The end of the stream (exclusive).</summary>
    public DateTimeOffset End => Start + TimeSpan.FromHours(_expected.Length);

    /// <summary>The activities in time order (normal and injected).</summary>
    public IReadOnlyList<LabelledEvent> Events { get; }

    /// <summary>The injected anomalies, in time order.</summary>
    public IReadOnlyList<InjectedAnomaly> Anomalies { get; }

    /// <summary>The seasonal expected count (with drift, without day noise, holidays or anomalies) of the hour containing <paramref name="time"/>.</summary>
    /// <param name="time">A time in the stream.</param>
    /// <returns>The expected count of that hour.</returns>
    public double SeasonalExpectation(DateTimeOffset time)
    {
        var hour = (long)Math.Floor((time - Start).TotalHours);
        return hour >= 0 && hour < _expected.Length ? _expected[hour] : 0;
    }

    /// <summary>Per hour of the stream, whether it belongs to a holiday (a weekday at the weekend rate); diagnostics of
    /// the evaluation (issue 15, level-16).</summary>
    internal bool[]? HolidayHours { get; init; }

    /// <summary>Whether the hour containing <paramref name="time"/> is a holiday's (diagnostics).</summary>
    internal bool IsHoliday(DateTimeOffset time)
    {
        var hour = (long)Math.Floor((time - Start).TotalHours);
        return HolidayHours is { } hours && hour >= 0 && hour < hours.Length && hours[hour];
    }

    /// <summary>The anomaly whose interval contains <paramref name="time"/>, if any.</summary>
    /// <param name="time">A time.</param>
    /// <returns>The anomaly, or <see langword="null"/>.</returns>
    public InjectedAnomaly? AnomalyAt(DateTimeOffset time)
    {
        foreach (var a in Anomalies)
        {
            if (time >= a.Start && time < a.End)
            {
                return a;
            }
        }

        return null;
    }

    /// <summary>The stream as activities (ids <c>{key}-{n}</c>, user id = key), each repeated <paramref name="copies"/> times (a scaled stream).</summary>
    /// <param name="operation">The operation of every activity.</param>
    /// <param name="copies">Copies of each activity, at least 1 (multiplies every count by this factor).</param>
    /// <returns>The activities in time order.</returns>
    public IEnumerable<Activity> ToActivities(string operation = "FileDeleted", int copies = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(copies, 1);
        var n = 0;
        foreach (var e in Events)
        {
            for (var c = 0; c < copies; c++)
            {
                yield return new Activity($"{Key}-{n++}", e.Time, operation) { UserId = Key };
            }
        }
    }
}
