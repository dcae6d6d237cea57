namespace AlertEngine;

/// <summary>
/// When a bucket's count "significantly exceeds" its baseline: it must be both statistically significant and
/// materially large. A bucket with count <c>x</c> whose expected count is <c>m</c> (scale σ, dispersion φ) is
/// anomalous when all three hold: <c>x ≥ MinCount·ψ</c> (ψ the key's batch factor, 1 unless activities share
/// timestamps); <c>x ≥ MinRatio·m</c>; and <c>x</c> reaches the upper quantile of the bucket's count distribution
/// (variance ψm + φm² with the key's learned dispersion φ, mixed over the level's estimation error) at the
/// standard-normal quantile <c>Z</c> (Cornish–Fisher: <c>m + σ·(Z + (Z² − 1)·γ/6)</c>, γ the skewness), i.e. a nominal
/// false-alarm probability per bucket of about 1 − Φ(Z); the rates measured per key-day are in <c>docs/anomaly.md</c>.
/// The static <see cref="Low"/>, <see cref="Medium"/>, <see cref="High"/> and <see cref="For(AnomalySensitivity)"/> are
/// the per-key model's thresholds (<see cref="AnomalyModel.PerKey"/>). The population model (the default,
/// <see cref="AnomalyModel.Population"/>) has its own operating point, <see cref="For(AnomalySensitivity, AnomalyModel)"/>:
/// low and high the same gates, medium MinCount 15 and Z 4.0 but MinRatio 3.35 (not 3); Z applies where a key's slot is
/// not predicted with the population day shape, and where it is the quantile is moved by the sensitivity's offset (low
/// 4.5, medium 3.78, high 3.5; a custom Z is moved by the same offset): <c>docs/anomaly.md</c>, "Which model". To
/// customise the default model's thresholds, start from <c>For(sensitivity, AnomalyModel.Population)</c>, not from
/// <see cref="Medium"/>, which would lower medium's MinRatio to 3.
/// </summary>
/// <param name="Z">Standard-normal quantile of the per-bucket false-alarm probability. Greater than zero.</param>
/// <param name="MinCount">Minimum number of independent actions in an anomalous bucket (the count must reach
/// MinCount × the key's batch factor ψ), so that 0 → 2 never alerts. At least 1.</param>
/// <param name="MinRatio">Minimum ratio of the count to the expected count (effect size). At least 1.</param>
public sealed record AnomalyThresholds(double Z, int MinCount, double MinRatio)
{
    /// <summary>Low sensitivity of the per-key model (and the population model's gates and Z for low): nominal false-alarm probability ≈ 2e-6 per bucket (Z 4.6), count ≥ 20, at least 4× the expected count.</summary>
    public static AnomalyThresholds Low { get; } = new(4.6, 20, 4.0);

    /// <summary>Medium sensitivity (the default sensitivity) of the per-key model: ≈ 3e-5 per bucket (Z 4.0), count ≥ 15, at least 3× the expected count.</summary>
    public static AnomalyThresholds Medium { get; } = new(4.0, 15, 3.0);

    /// <summary>High sensitivity of the per-key model (and the population model's gates and Z for high): ≈ 3e-4 per bucket (Z 3.4), count ≥ 8, at least 2× the expected count.</summary>
    public static AnomalyThresholds High { get; } = new(3.4, 8, 2.0);

    /// <summary>The per-key model's thresholds of a sensitivity (<see cref="AnomalyModel.PerKey"/>); for the model a
    /// detector runs, use <see cref="For(AnomalySensitivity, AnomalyModel)"/>.</summary>
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

    /// <summary>The thresholds a model uses for a sensitivity when <see cref="AnomalyDetectorOptions.Thresholds"/> is not
    /// set: for <see cref="AnomalyModel.PerKey"/> those of <see cref="For(AnomalySensitivity)"/>; for
    /// <see cref="AnomalyModel.Population"/> its operating point (medium: Z 4.0, MinCount 15, MinRatio 3.35; low and high
    /// as the per-key model). Setting <see cref="AnomalyDetectorOptions.Thresholds"/> to this value changes nothing, so
    /// <c>AnomalyThresholds.For(AnomalySensitivity.Medium, AnomalyModel.Population) with { MinCount = 5 }</c> changes
    /// only MinCount.</summary>
    /// <param name="sensitivity">The sensitivity.</param>
    /// <param name="model">The model.</param>
    /// <returns>The model's thresholds of the sensitivity.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The sensitivity or the model is not a defined value.</exception>
    public static AnomalyThresholds For(AnomalySensitivity sensitivity, AnomalyModel model)
    {
        var perKey = For(sensitivity); // refuses an undefined sensitivity
        return model switch
        {
            AnomalyModel.PerKey => perKey,
            AnomalyModel.Population => BaselineMath.PopulationOperatingPoint(sensitivity).Thresholds,
            _ => throw new ArgumentOutOfRangeException(nameof(model), model, "Unknown model."),
        };
    }

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
