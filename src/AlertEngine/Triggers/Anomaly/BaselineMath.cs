namespace AlertEngine;

/// <summary>
/// The robust seasonal baseline of one slot: a Huber-clipped EWMA of the level (expected count) and of the absolute
/// deviation, with a running-mean warm-up. See <c>docs/anomaly.md</c> for the method and references.
/// </summary>
internal static class BaselineMath
{
    /// <summary>Smoothing weight of a new sample once warmed up (effective memory ≈ 19 samples of the slot).</summary>
    public const double Alpha = 0.1;

    /// <summary>Residuals are clipped at this many scales before they update level and spread (Huber's ψ).</summary>
    public const double Huber = 2.5;

    /// <summary>σ / E|r| for a normal residual: √(π/2).</summary>
    public const double SpreadToSigma = 1.2533141373155003;

    /// <summary>Effective sample size of the EWMA, (2 − α) / α.</summary>
    public const double MaxEffectiveSamples = (2 - Alpha) / Alpha;

    /// <summary>The scale used to clip residuals: the robust σ, never below the Poisson σ √m nor below 1.</summary>
    public static double ClipScale(double level, double spread) =>
        Math.Max(Math.Max(SpreadToSigma * spread, Math.Sqrt(level)), 1.0);

    /// <summary>The scale of the score: <see cref="ClipScale"/> inflated by √(1 + 1/n) for the level's own estimation error.</summary>
    public static double Scale(double level, double spread, int samples) =>
        ClipScale(level, spread) * Math.Sqrt(1.0 + (1.0 / Math.Min(Math.Max(samples, 1), MaxEffectiveSamples)));

    /// <summary>Folds a final bucket count into a slot.</summary>
    public static void Update(ref float level, ref float spread, ref byte samples, double count)
    {
        if (samples == 0)
        {
            level = (float)count;
            spread = 0f;
            samples = 1;
            return;
        }

        double m = level;
        double s = spread;
        var limit = Huber * ClipScale(m, s);
        var clipped = Math.Clamp(count - m, -limit, limit);
        m = Math.Max(0.0, m + (Math.Max(Alpha, 1.0 / (samples + 1)) * clipped));
        s += Math.Max(Alpha, 1.0 / samples) * (Math.Abs(clipped) - s);
        level = (float)m;
        spread = (float)s;
        if (samples < byte.MaxValue)
        {
            samples++;
        }
    }

    /// <summary>
    /// The smallest count that is anomalous for a slot: at least <c>MinCount</c>, at least <c>m + Z·σ</c> and at least
    /// <c>MinRatio·m</c>. Never <see cref="int.MaxValue"/> (reserved for "cannot fire").
    /// </summary>
    public static int Threshold(double level, double scale, AnomalyThresholds thresholds)
    {
        var t = Math.Max(
            Math.Max(thresholds.MinCount, Math.Ceiling(level + (thresholds.Z * scale))),
            Math.Ceiling(thresholds.MinRatio * level));
        return t >= int.MaxValue - 1 ? int.MaxValue - 1 : (int)t;
    }
}
