using System.Globalization;

namespace AlertEngine.Testing;

/// <summary>One generated input step: a key index and a time step from the previous input.</summary>
/// <param name="Key">The key index (0, 1, …).</param>
/// <param name="Delta">Time since the previous input, in <see cref="ThresholdScenario.Unit"/>s; zero for equal times,
/// negative for an input that arrives out of order.</param>
public readonly record struct ThresholdStep(int Key, int Delta);

/// <summary>
/// A generated threshold case: the trigger's parameters and a sequence of inputs. Times are built from
/// <see cref="Start"/> by adding each step's <see cref="ThresholdStep.Delta"/> in <see cref="Unit"/>s, so shrinking a
/// delta to zero gives equal times. See <see cref="ThresholdGenerators"/>.
/// </summary>
public sealed record ThresholdScenario
{
    /// <summary>The time of an input whose accumulated delta is zero.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>N, at least 1.</summary>
    public required int Threshold { get; init; }

    /// <summary>The time unit of the deltas, window, resolution and lateness (one tick, or one second like audit times).</summary>
    public required TimeSpan Unit { get; init; }

    /// <summary>The window, in <see cref="Unit"/>s; at least 1.</summary>
    public required int WindowUnits { get; init; }

    /// <summary>The resolution, in <see cref="Unit"/>s; at least 1.</summary>
    public required int ResolutionUnits { get; init; }

    /// <summary>The allowed lateness, in <see cref="Unit"/>s; at least 0.</summary>
    public required int LatenessUnits { get; init; }

    /// <summary>The cap on items per detection; at least 0.</summary>
    public required int MaxItems { get; init; }

    /// <summary>The inputs.</summary>
    public required IReadOnlyList<ThresholdStep> Steps { get; init; }

    /// <summary>The window.</summary>
    public TimeSpan Window => Unit * WindowUnits;

    /// <summary>The counter options of this case (default key comparer).</summary>
    /// <returns>New options.</returns>
    public SlidingWindowCounterOptions CounterOptions() => new()
    {
        Resolution = Unit * ResolutionUnits,
        AllowedLateness = Unit * LatenessUnits,
        MaxItemsPerDetection = MaxItems,
    };

    /// <summary>The time of each input, in order.</summary>
    /// <returns>The times.</returns>
    public IReadOnlyList<DateTimeOffset> Times()
    {
        var times = new DateTimeOffset[Steps.Count];
        var t = Start;
        for (var i = 0; i < Steps.Count; i++)
        {
            t += Unit * Steps[i].Delta;
            times[i] = t;
        }

        return times;
    }

    /// <summary>The inputs as counter events: key <c>k{Key}</c>, item the input's index.</summary>
    /// <returns>The events.</returns>
    public IReadOnlyList<ThresholdEvent<int>> Events()
    {
        var times = Times();
        var events = new ThresholdEvent<int>[Steps.Count];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = new ThresholdEvent<int>(KeyName(Steps[i].Key), times[i], i);
        }

        return events;
    }

    /// <summary>
    /// The inputs as activities with id <c>a{index}</c>: key index 0 has no user id (a missing scope value), key index
    /// k &gt; 0 is user <c>user{k}@contoso.com</c>.
    /// </summary>
    /// <param name="operation">The operation of every activity.</param>
    /// <returns>The activities.</returns>
    public IReadOnlyList<Activity> Activities(string operation = "FileDeleted")
    {
        var times = Times();
        var activities = new Activity[Steps.Count];
        for (var i = 0; i < activities.Length; i++)
        {
            var key = Steps[i].Key;
            activities[i] = new Activity("a" + i.ToString(CultureInfo.InvariantCulture), times[i], operation)
            {
                UserId = key == 0 ? null : "user" + key.ToString(CultureInfo.InvariantCulture) + "@contoso.com",
            };
        }

        return activities;
    }

    /// <summary>The key name of a key index: <c>k{index}</c>.</summary>
    /// <param name="index">The key index.</param>
    /// <returns>The key.</returns>
    public static string KeyName(int index) => "k" + index.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"N={Threshold} unit={Unit} window={WindowUnits} resolution={ResolutionUnits} lateness={LatenessUnits} maxItems={MaxItems} steps=[")
        + string.Join(" ", Steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Key}{(s.Delta >= 0 ? "+" : string.Empty)}{s.Delta}")))
        + "]";
}
