namespace AlertEngine;

/// <summary>
/// Options of a <see cref="SlidingWindowCounter{TItem}"/>. The counter copies the values when it is created; changing
/// the options afterwards does not affect it.
/// </summary>
public class SlidingWindowCounterOptions
{
    /// <summary>The default <see cref="Resolution"/>, one second (audit times have one-second resolution).</summary>
    public static readonly TimeSpan DefaultResolution = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="MaxTrackedKeys"/>, 1,000,000.</summary>
    public const int DefaultMaxTrackedKeys = 1_000_000;

    /// <summary>The default <see cref="MaxItemsPerDetection"/>, 1,000.</summary>
    public const int DefaultMaxItemsPerDetection = 1000;

    /// <summary>
    /// The time resolution. Times are truncated to a multiple of it (counted at
    /// <c>floor(ticks / resolution) · resolution</c>) and the window is applied exactly to the truncated times.
    /// With times that are multiples of the resolution (whole seconds for the default) or a resolution of one tick,
    /// counting is exactly the spec's (t − window, t]. Default 1 second. Must be greater than zero.
    /// </summary>
    public TimeSpan Resolution { get; set; } = DefaultResolution;

    /// <summary>
    /// How far behind the newest time seen an item may be and still be counted. Default zero: an item older than the
    /// newest one seen is late (equal times are never late). Must not be negative.
    /// </summary>
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.Zero;

    /// <summary>Cap on the number of keys tracked at once; an item for a new key beyond it is not counted and is
    /// reported as <see cref="SlidingWindowOutcome.KeyCapExceeded"/>. Default 1,000,000. Must be at least 1.</summary>
    public int MaxTrackedKeys { get; set; } = DefaultMaxTrackedKeys;

    /// <summary>
    /// Cap on the items a detection carries: the most recent ones (by time, then arrival) are kept. The hit count is
    /// never capped. Zero keeps no items (counting only). Default 1,000. Must not be negative.
    /// </summary>
    public int MaxItemsPerDetection { get; set; } = DefaultMaxItemsPerDetection;

    /// <summary>
    /// How keys are compared. Default <see cref="StringComparer.Ordinal"/> (exact, and the fastest); the
    /// <c>SlidingThreshold</c> operator and the engine use <see cref="StringComparer.OrdinalIgnoreCase"/>, because user
    /// ids (UPNs), recipients and malware family names are case-insensitive.
    /// </summary>
    public IEqualityComparer<string> KeyComparer { get; set; } = StringComparer.Ordinal;

    /// <summary>Checks every option and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public virtual IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (Resolution <= TimeSpan.Zero)
        {
            errors.Add(new(nameof(Resolution), "must be greater than zero"));
        }

        if (AllowedLateness < TimeSpan.Zero)
        {
            errors.Add(new(nameof(AllowedLateness), "must not be negative"));
        }

        if (MaxTrackedKeys < 1)
        {
            errors.Add(new(nameof(MaxTrackedKeys), "must be at least 1"));
        }

        if (MaxItemsPerDetection < 0)
        {
            errors.Add(new(nameof(MaxItemsPerDetection), "must not be negative"));
        }

        if (KeyComparer is null)
        {
            errors.Add(new(nameof(KeyComparer), "must not be null"));
        }

        return errors;
    }

    internal void ThrowIfInvalid(string paramName)
    {
        var errors = Validate();
        if (errors.Count != 0)
        {
            throw new ArgumentException(
                "Invalid options:" + Environment.NewLine + string.Join(Environment.NewLine, errors), paramName);
        }
    }
}
