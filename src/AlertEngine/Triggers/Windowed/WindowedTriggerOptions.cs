namespace AlertEngine;

/// <summary>
/// Options of the windowed trigger cores <see cref="DistinctCounter{TItem}"/>, <see cref="SlidingWindowSum{TItem}"/> and
/// <see cref="SpikeCounter{TItem}"/>: those of <see cref="SlidingWindowCounterOptions"/> (resolution, allowed lateness,
/// key cap, items per detection, key comparer) plus <see cref="MaxValuesPerKey"/>. A core copies the values when it is
/// created; changing the options afterwards does not affect it.
/// </summary>
public class WindowedTriggerOptions : SlidingWindowCounterOptions
{
    /// <summary>The default <see cref="MaxValuesPerKey"/>, 10,000.</summary>
    public const int DefaultMaxValuesPerKey = 10_000;

    /// <summary>
    /// Distinct count only: the cap on the distinct values one key remembers. A key never holds more than N − 1 values
    /// (it fires at N and starts again), so the cap only matters when N − 1 exceeds it: then a new value beyond the cap
    /// makes the key forget its least recently seen value (reported as <see cref="WindowTriggerOutcome.ValueCapExceeded"/>),
    /// and a detection needs N distinct values among the most recent cap + 1. Default 10,000. Must be at least 1.
    /// </summary>
    public int MaxValuesPerKey { get; set; } = DefaultMaxValuesPerKey;

    /// <inheritdoc />
    public override IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>(base.Validate());
        if (MaxValuesPerKey < 1)
        {
            errors.Add(new(nameof(MaxValuesPerKey), "must be at least 1"));
        }

        return errors;
    }

    internal WindowedTriggerOptions CopyCore() => new()
    {
        Resolution = Resolution,
        AllowedLateness = AllowedLateness,
        MaxTrackedKeys = MaxTrackedKeys,
        MaxItemsPerDetection = MaxItemsPerDetection,
        KeyComparer = KeyComparer,
        MaxValuesPerKey = MaxValuesPerKey,
    };
}
