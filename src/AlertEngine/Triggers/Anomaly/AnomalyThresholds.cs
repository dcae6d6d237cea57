namespace AlertEngine;

/// <summary>
/// When a bucket's count "significantly exceeds" its baseline. A bucket with count <c>x</c> whose seasonal slot has
/// expected count <c>m</c> and scale <c>σ</c> is anomalous when all three hold:
/// <c>x ≥ MinCount</c>, <c>x ≥ m + Z·σ</c> and <c>x ≥ MinRatio·m</c>. See <c>docs/anomaly.md</c>.
/// </summary>
/// <param name="Z">Robust z-score the count must reach (the score is <c>(x − m) / σ</c>). Greater than zero.</param>
/// <param name="MinCount">Minimum absolute count of an anomalous bucket, so that 0 → 2 never alerts. At least 1.</param>
/// <param name="MinRatio">Minimum ratio of the count to the expected count. At least 1.</param>
public sealed record AnomalyThresholds(double Z, int MinCount, double MinRatio)
{
    /// <summary>Low sensitivity: z ≥ 8, count ≥ 20, at least 3× the expected count.</summary>
    public static AnomalyThresholds Low { get; } = new(8.0, 20, 3.0);

    /// <summary>Medium sensitivity (default): z ≥ 6, count ≥ 10, at least 2× the expected count.</summary>
    public static AnomalyThresholds Medium { get; } = new(6.0, 10, 2.0);

    /// <summary>High sensitivity: z ≥ 4, count ≥ 5, at least 1.5× the expected count.</summary>
    public static AnomalyThresholds High { get; } = new(4.0, 5, 1.5);

    /// <summary>The documented thresholds of a sensitivity.</summary>
    /// <param name="sensitivity">The sensitivity.</param>
    /// <returns><see cref="Low"/>, <see cref="Medium"/> or <see cref="High"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined sensitivity.</exception>
    public static AnomalyThresholds For(AnomalySensitivity sensitivity) => sensitivity switch
    {
        AnomalySensitivity.Low => Low,
        AnomalySensitivity.Medium => Medium,
        AnomalySensitivity.High => High,
        _ => throw new ArgumentOutOfRangeException(nameof(sensitivity), sensitivity, "Unknown sensitivity."),
    };

    internal void Validate(string path, List<ValidationError> errors)
    {
        if (!(Z > 0) || double.IsInfinity(Z))
        {
            errors.Add(new(path + ".Z", "must be a finite number greater than zero"));
        }

        if (MinCount < 1)
        {
            errors.Add(new(path + ".MinCount", "must be at least 1"));
        }

        if (!(MinRatio >= 1) || double.IsInfinity(MinRatio))
        {
            errors.Add(new(path + ".MinRatio", "must be a finite number of at least 1"));
        }
    }
}
