using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// The robust seasonal baseline: per slot, a Huber-clipped EWMA of the expected count (level) with a running-mean
/// warm-up, predicted with partial pooling toward the adjacent hours; per key, a negative-binomial dispersion φ shared
/// by all slots (variance m + φm²), estimated by a winsorized, consistency-corrected method of moments, and a recent-activity factor
/// discounted per bucket of time. See <c>docs/anomaly.md</c> for the method and references.
/// </summary>
internal static class BaselineMath
{
    /// <summary>Smoothing weight of a new sample once warmed up (effective memory ≈ 19 samples of the slot).</summary>
    public const double Alpha = 0.1;

    /// <summary>Upward residuals are clipped at this many scales before they update the level (Huber's ψ), so a
    /// spike moves the level by at most α·2.5σ.</summary>
    public const double Huber = 2.5;

    /// <summary>Downward residuals are clipped tighter: drops (holidays, outages) are not what is detected, and a
    /// level pulled down by them would cause false alarms when activity returns. For symmetric noise the clip biases
    /// the level up by ≈ 0.03σ (conservative).</summary>
    public const double HuberDown = 1.5;

    /// <summary>The first this many samples of a slot are averaged without clipping: before that the scale is not
    /// known well enough to clip by (a quiet first day would otherwise hold the level down for weeks).</summary>
    public const int WarmUpSamples = 3;

    /// <summary>Effective sample size of the EWMA, (2 − α) / α.</summary>
    public const double MaxEffectiveSamples = (2 - Alpha) / Alpha;

    /// <summary>The dispersion φ a new key is shrunk toward (hourly CV ≈ 0.32 beyond Poisson): the prior of
    /// <see cref="UpdateDispersion"/>, worth <see cref="DispersionPriorBuckets"/> buckets.</summary>
    public const float InitialDispersion = 0.1f;

    /// <summary>Weight of the dispersion prior, in buckets of expected count <see cref="DispersionReferenceLevel"/>.</summary>
    public const double DispersionPriorBuckets = 5;

    /// <summary>Expected count of the prior's pseudo-buckets.</summary>
    public const double DispersionReferenceLevel = 10;

    /// <summary>Discount of the dispersion sums per informative bucket (memory ≈ 1 / (1 − 0.99) = 100 buckets, about
    /// two weeks of office hours).</summary>
    public const double DispersionMemory = 0.99;

    /// <summary>A bucket's squared residual is capped at this many variances (|x − m| ≤ 3σ) before it informs the
    /// dispersion, so one burst moves φ by a bounded amount and the heavy tail of squared gamma-Poisson residuals does
    /// not make φ̂ noisy (Huber-type winsorizing); the expected loss is added back by <see cref="CapLoss"/>, so the
    /// estimate stays consistent.</summary>
    public const double DispersionCap = 9;

    /// <summary>Upper bound of the dispersion (hourly CV ≈ 3).</summary>
    public const double MaxDispersion = 10;

    /// <summary>Buckets that follow a fired bucket within this many buckets are left out of the dispersion: the rest
    /// of a burst that began with a detection is not the key's ordinary spread.</summary>
    public const int FiredMemory = 2;

    /// <summary>Buckets whose expected count is below this do not inform the dispersion (Poisson noise dominates).</summary>
    public const double DispersionMinLevel = 2.0;

    /// <summary>Weight of the newest bucket in the key's recent-activity factor (memory ≈ 5 buckets of time, quiet ones
    /// included, so the factor forgets yesterday overnight).</summary>
    public const double RecentWeight = 0.2;

    /// <summary>Pseudo-count that shrinks the recent-activity factor toward 1 for low volumes.</summary>
    public const double RecentPrior = 5;

    /// <summary>The recent-activity factor never lowers the expectation: a quiet spell (a holiday) must not make the
    /// next busy morning look anomalous.</summary>
    public const double MinRecentFactor = 1;

    /// <summary>Bounds of the recent-activity factor.</summary>
    public const double MaxRecentFactor = 2;

    /// <summary>The key's recent-activity factor: (observed + prior) / (expected + prior) over the last buckets, in
    /// [1, 2]. It scales the slot level, so a busier day or a drift is not mistaken for an anomaly.</summary>
    public static double RecentFactor(float observed, float expected) =>
        Math.Clamp((observed + RecentPrior) / (expected + RecentPrior), MinRecentFactor, MaxRecentFactor);

    /// <summary>Folds every closed bucket of a slot that has a level (its predicted level <paramref name="level"/>, see
    /// <see cref="PredictedLevel"/>) into the recent-activity sums: a discounted Gamma–Poisson estimate of the key's
    /// current activity multiplier (Harvey and Fernandes), forgetting per bucket of time, quiet buckets included, so the
    /// first busy hours of a day are not diluted by yesterday. The count is clipped at the prediction + 2.5σ so a burst
    /// lifts the factor little.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateRecent(ref float observed, ref float expected, double level, double count, double batch, double dispersion)
    {
        // An empty bucket (most folds of a quiet key: one per skipped hour) is clipped at min(0, predicted + 2.5σ), which
        // is 0 whenever predicted ≥ 0 and σ's square is not NaN (then predicted + 2.5σ is ≥ 0 or +∞, never NaN): the
        // same value without the square root, which sat on the chain of dependent operations from one fold to the next.
        // With every input in its ordinary range (counts and levels non-negative and finite, ψ ≥ 1, φ ≥ 0 and below
        // 1e15) that holds for sure: the recent factor is in [1, 2], so predicted is in [0, 2e15] and σ² ≥ ψ ≥ 1; then
        // neither the factor (a division) nor the variance is computed (RecentFactorProperties).
        var clipped = 0.0;
        if (!(count == 0 && level >= 0 && level <= OrdinaryBound && batch >= 1 && batch <= OrdinaryBound
            && dispersion >= 0 && dispersion <= OrdinaryBound && observed >= 0 && float.IsFinite(observed) && expected >= 0 && float.IsFinite(expected)))
        {
            clipped = RecentClip(observed, expected, level, count, batch, dispersion);
        }

        observed = (float)(((1 - RecentWeight) * observed) + (RecentWeight * clipped));
        expected = (float)(((1 - RecentWeight) * expected) + (RecentWeight * level));
    }

    /// <summary>The count <see cref="UpdateRecent"/> folds into the observed sum: min(count, predicted + 2.5σ).</summary>
    private static double RecentClip(float observed, float expected, double level, double count, double batch, double dispersion)
    {
        var predicted = level * RecentFactor(observed, expected);
        var square = Math.Max(Variance(predicted, batch, dispersion), batch);
        return count == 0 && predicted >= 0 && square >= 0 ? 0.0 : Math.Min(count, predicted + (Huber * Math.Sqrt(square)));
    }

    // Inputs up to this size cannot overflow the recent-activity update's clip (see UpdateRecent).
    private const double OrdinaryBound = 1e15;

    /// <summary>Batches larger than this count as this large in the batch factor, so one mass action cannot blunt
    /// detection for long.</summary>
    public const int MaxBatch = 32;

    /// <summary>Forgetting factor of the batch factor per batch.</summary>
    public const double BatchForgetting = 0.01;

    /// <summary>
    /// The key's batch factor ψ = E[S²] / E[S] ≥ 1 over batch sizes S (activities sharing one timestamp, clipped at
    /// <see cref="MaxBatch"/>): the variance-to-mean ratio of a compound Poisson count. 1 when activities never share
    /// a timestamp; c when every activity comes c times.
    /// </summary>
    public static double BatchFactor(float sum, float squares) => sum > 0 ? Math.Max(1.0, squares / sum) : 1.0;

    /// <summary>Folds a finished batch of <paramref name="size"/> activities into the batch sums.</summary>
    public static void UpdateBatch(ref float sum, ref float squares, int size)
    {
        double s = Math.Min(size, MaxBatch);
        sum = (float)(((1 - BatchForgetting) * sum) + s);
        squares = (float)(((1 - BatchForgetting) * squares) + (s * s));
    }

    /// <summary>The variance of a slot's count: ψm + φm² (compound Poisson with negative-binomial excess).</summary>
    public static double Variance(double level, double batch, double dispersion) => (batch * level) + (dispersion * level * level);

    /// <summary>The scale of a slot: √(ψm + φm²) with the key's batch factor ψ and dispersion φ, at least √ψ (one batch).</summary>
    public static double ClipScale(double level, double batch, double dispersion) =>
        Math.Sqrt(Math.Max(Variance(level, batch, dispersion), batch));

    /// <summary>The scale of the score: <see cref="ClipScale"/> inflated by √(1 + 1/n) for the level's own estimation error.</summary>
    public static double Scale(double level, double batch, double dispersion, int samples) =>
        ClipScale(level, batch, dispersion) * LevelErrorFactor(samples);

    /// <summary>√(1 + 1/n), n the slot's samples (at least 1, at most <see cref="MaxEffectiveSamples"/>), from a table.</summary>
    /// <param name="samples">The slot's sample count.</param>
    /// <returns>The factor.</returns>
    public static double LevelErrorFactor(int samples) => LevelErrorFactors[Math.Clamp(samples, 1, LevelErrorFactors.Length - 1)];

    // Index n: √(1 + 1/min(n, MaxEffectiveSamples)); every n from 20 on gives the last entry's value.
    private static readonly double[] LevelErrorFactors = MakeLevelErrorFactors();

    private static double[] MakeLevelErrorFactors()
    {
        var table = new double[21];
        for (var n = 1; n < table.Length; n++)
        {
            table[n] = Math.Sqrt(1.0 + (1.0 / Math.Min(n, MaxEffectiveSamples)));
        }

        return table;
    }

    /// <summary>
    /// Folds one closed bucket into the key's dispersion φ (negative binomial: variance ψm + φm²): a discounted,
    /// inverse-variance weighted method-of-moments estimate (Anscombe 1950; Saha and Paul 2005) over the buckets whose
    /// expected count <paramref name="level"/> is at least <see cref="DispersionMinLevel"/>. Each bucket gives
    /// <c>u = ((x − m)² / (1 + 1/n) − ψm) / m²</c>, an unbiased estimate of φ when m is the mean of n earlier samples,
    /// with the squared residual capped at <see cref="DispersionCap"/> variances (ψm + φm² at the current φ) so a burst
    /// has bounded influence, plus the cap's expected loss (<see cref="CapLoss"/> at the count's skewness) so the
    /// capped moment is still unbiased for a gamma-Poisson count, weighted by
    /// 1 / (φ + ψ/m)² (the inverse of its variance, 2(φ + ψ/m)², under a normal approximation), and discounted by
    /// <see cref="DispersionMemory"/> per bucket. The estimate is shrunk toward <see cref="InitialDispersion"/> with
    /// <see cref="DispersionPriorBuckets"/> pseudo-buckets; see <see cref="Dispersion"/>.
    /// </summary>
    /// <param name="dispersion">The key's current estimate φ̂ (updated).</param>
    /// <param name="sum">The discounted sum of w·u (updated).</param>
    /// <param name="weight">The discounted sum of w (updated).</param>
    /// <param name="level">The bucket's expected count m.</param>
    /// <param name="count">The bucket's final count x.</param>
    /// <param name="batch">The key's batch factor ψ.</param>
    /// <param name="samples">The samples n of the slot that predicted m.</param>
    public static void UpdateDispersion(ref float dispersion, ref float sum, ref float weight, double level, double count, double batch, int samples) =>
        UpdateDispersionWithError(ref dispersion, ref sum, ref weight, level, count, batch, LevelErrorFactor(samples));

    /// <summary><see cref="UpdateDispersion"/> for a level learned from <paramref name="effective"/> samples (a slot
    /// shrunk toward the population profile: its own samples + <see cref="ProfileWeight"/>): the residual is divided
    /// by √(1 + 1/n) with that n.</summary>
    /// <param name="dispersion">The key's current estimate φ̂ (updated).</param>
    /// <param name="sum">The discounted sum of w·u (updated).</param>
    /// <param name="weight">The discounted sum of w (updated).</param>
    /// <param name="level">The bucket's expected count m.</param>
    /// <param name="count">The bucket's final count x.</param>
    /// <param name="batch">The key's batch factor ψ.</param>
    /// <param name="effective">The level's effective samples (at least 1).</param>
    public static void UpdateDispersionOfSamples(ref float dispersion, ref float sum, ref float weight, double level, double count, double batch, double effective) =>
        UpdateDispersionWithError(ref dispersion, ref sum, ref weight, level, count, batch, Math.Sqrt(1 + (1 / Math.Max(1, effective))));

    private static void UpdateDispersionWithError(ref float dispersion, ref float sum, ref float weight, double level, double count, double batch, double error)
    {
        var poisson = batch / level;
        var phi = (double)dispersion;
        var residual = (count - level) / error;
        var variance = Variance(level, batch, phi);
        var m2 = level * level;
        var u = ((Math.Min(residual * residual, DispersionCap * variance) - (batch * level)) / m2)
            + (variance / m2 * CapLoss(Math.Min(MaxSkew, ThirdCumulant(level, batch, phi) / (variance * Math.Sqrt(variance)))));
        var w = 1 / ((phi + poisson) * (phi + poisson));
        sum = (float)((DispersionMemory * sum) + (w * u));
        weight = (float)((DispersionMemory * weight) + w);
        dispersion = Dispersion(sum, weight, phi);
    }

    /// <summary>E[(z² − 9)₊] for a standardized count of skewness <paramref name="skew"/> (a gamma distribution of that
    /// skewness; 0.005 for a normal one): what capping the squared residual at 9 variances takes away, in variances.
    /// A quadratic fit, within 5 % of the numerical integral for skewness 0–2.</summary>
    internal static double CapLoss(double skew) => 0.005 + (skew * (0.016 + (0.028 * skew)));

    /// <summary>The dispersion estimate from the discounted sums: (Σw·u + w₀φ₀) / (Σw + w₀), with the prior's weight
    /// w₀ = <see cref="DispersionPriorBuckets"/> / (φ̂ + 1/<see cref="DispersionReferenceLevel"/>)² at the previous
    /// estimate φ̂ (so the prior is worth the same number of buckets whatever the dispersion), clamped to
    /// [0, <see cref="MaxDispersion"/>].</summary>
    /// <param name="sum">Σw·u.</param>
    /// <param name="weight">Σw.</param>
    /// <param name="previous">The previous estimate.</param>
    /// <returns>The estimate.</returns>
    public static float Dispersion(double sum, double weight, double previous)
    {
        var s = previous + (1 / DispersionReferenceLevel);
        var prior = DispersionPriorBuckets / (s * s);
        return (float)Math.Clamp((sum + (prior * InitialDispersion)) / (weight + prior), 0, MaxDispersion);
    }

    /// <summary>Prior weight W, in samples, of the key's rate × the population profile in a slot's predicted level
    /// (m = (n·own + W·R·p) / (n + W)); the level then counts n + W samples in the predictive distribution and the
    /// dispersion's level-error correction (issue 15, fourth session: W 100).</summary>
    public const double ProfileWeight = 100;

    /// <summary>The profile's fit test: a key's levels are shrunk toward R × the profile only while the mean over its
    /// slots of (level_s − R·p_s)² / ((ψe + φe²)/n_s), e = R·p_s, is at most this (about 1 when the key's day has the
    /// population's shape; a key whose day is shifted — another time zone — or shaped otherwise scores far higher and
    /// keeps the neighbour pooling and Z).</summary>
    public const double ProfileFitDefault = 2;

    /// <summary>The operating point of the population model (<see cref="AnomalyModel.Population"/>, the default: the
    /// population day profile with the per-key dispersion grid and the lagged empirical-Bayes mixture prior) per
    /// sensitivity, <b>the one place where its numbers live</b> (issue 15; pinned by
    /// <c>PopulationModelTests.The_operating_point_is_the_evaluated_one</c>, quoted in docs/anomaly.md "Which model"):
    /// <list type="bullet">
    /// <item><c>Thresholds</c>: the gates of every key of the model (MinCount, MinRatio) and the quantile Z of a key
    /// whose slot is <i>not</i> predicted with the profile (a key whose day strays from the population's shape, a slot
    /// without a profile rate): the per-key thresholds of <see cref="AnomalyThresholds.For(AnomalySensitivity)"/> unless a row says
    /// otherwise (e.g. <c>AnomalyThresholds.Medium with { MinRatio = 3.5 }</c>).</item>
    /// <item><c>ProfileZ</c>: the quantile where a slot is predicted with the profile, the evaluated one (low 4.5,
    /// medium 3.78 with MinRatio 3.35 since the fifteenth session, high 3.5: docs/anomaly.md, benchmarks/results/anomaly-grid-engine.md and anomaly-s15-*.md). Custom
    /// <see cref="AnomalyDetectorOptions.Thresholds"/> T get T.Z + (ProfileZ − Thresholds.Z), so that
    /// <c>Medium with { Z = 6 }</c> is stricter for every key.</item>
    /// </list>
    /// Change a sensitivity's numbers here, in its one line; the model, the validation, the evaluation's report and the
    /// test that pins them follow.</summary>
    /// <param name="sensitivity">The trigger's sensitivity.</param>
    /// <returns>The gates and fallback Z, and the quantile with the profile.</returns>
    internal static (AnomalyThresholds Thresholds, double ProfileZ) PopulationOperatingPoint(AnomalySensitivity sensitivity) => sensitivity switch
    {
        AnomalySensitivity.Low => (AnomalyThresholds.Low, 4.5),
        AnomalySensitivity.High => (AnomalyThresholds.High, 3.5),
        _ => (AnomalyThresholds.Medium with { MinRatio = 3.35 }, 3.78),
    };

    /// <summary>The profile fit limit a model runs with when the internal option is not set: <see cref="ProfileFitDefault"/>
    /// for the population model, 0 (no profile) for the per-key one. One rule for <see cref="AnomalyDetectorOptions"/> and
    /// <see cref="AlertEngineOptions"/>.</summary>
    /// <param name="model">The model chosen.</param>
    /// <returns>The fit limit.</returns>
    internal static double ProfileFitOf(AnomalyModel model) => model == AnomalyModel.Population ? ProfileFitDefault : 0;

    /// <summary>Whether a model runs the dispersion grid when the internal option is not set: the population model with a
    /// profile (<paramref name="fitLimit"/> &gt; 0).</summary>
    /// <param name="model">The model chosen.</param>
    /// <param name="fitLimit">The profile fit limit in force.</param>
    /// <returns>Whether the grid runs.</returns>
    internal static bool GridOf(AnomalyModel model, double fitLimit) => model == AnomalyModel.Population && fitLimit > 0;

    /// <summary>The population model's quiet-spell rule for the levels (<see cref="AnomalyDetectorOptions.QuietLevelFactor"/>;
    /// issue 15, fifteenth session): q 0.5, a quiet spell is the key below half its whole expectation.</summary>
    public const double PopulationQuietLevelFactor = 0.5;

    /// <summary>The population model's downward clip in a quiet spell (<see cref="AnomalyDetectorOptions.QuietLevelDown"/>):
    /// 0.5σ a sample, so a permanent drop is still learned (0 would never learn it).</summary>
    public const double PopulationQuietLevelDown = 0.5;

    /// <summary>The thresholds a model uses when <see cref="AnomalyDetectorOptions.Thresholds"/> is not set: the population
    /// model's operating point (<see cref="PopulationOperatingPoint"/>) when the model runs the dispersion grid, else the
    /// sensitivity's per-key thresholds (<see cref="AnomalyThresholds.For(AnomalySensitivity)"/>).</summary>
    /// <param name="sensitivity">The trigger's sensitivity.</param>
    /// <param name="grid">Whether the model runs the dispersion grid (the population model).</param>
    /// <returns>The thresholds.</returns>
    internal static AnomalyThresholds DefaultThresholds(AnomalySensitivity sensitivity, bool grid) =>
        grid ? PopulationOperatingPoint(sensitivity).Thresholds : AnomalyThresholds.For(sensitivity);

    /// <summary>The offset added to the thresholds' Z where a slot is predicted with the population profile: with the
    /// dispersion grid (the population model) ProfileZ − Thresholds.Z of <see cref="PopulationOperatingPoint"/> (low
    /// −0.1, medium −0.22, high +0.1 today); with the profile alone (an internal configuration of the evaluation)
    /// <see cref="ProfileZOffset"/>.</summary>
    /// <param name="sensitivity">The trigger's sensitivity.</param>
    /// <param name="grid">Whether the model runs the dispersion grid.</param>
    /// <returns>The offset.</returns>
    internal static double ProfileZOffsetOf(AnomalySensitivity sensitivity, bool grid)
    {
        if (!grid)
        {
            return ProfileZOffset(sensitivity);
        }

        var (thresholds, profileZ) = PopulationOperatingPoint(sensitivity);
        return profileZ - thresholds.Z;
    }

    /// <summary>The quantile offset a sensitivity uses where a slot's level is shrunk toward the population profile
    /// <b>without</b> the dispersion grid (issue 15, sixth session; an internal configuration, not a public model):
    /// Low −0.3 (Z 4.3), Medium −0.25 (Z 3.75), High −0.1 (Z 3.3); see <see cref="AnomalyDetectorOptions.ProfileZOffset"/>.
    /// The population model (with the grid) uses <see cref="PopulationOperatingPoint"/> instead.</summary>
    /// <param name="sensitivity">The trigger's sensitivity.</param>
    /// <returns>The offset added to Z.</returns>
    public static double ProfileZOffset(AnomalySensitivity sensitivity) => sensitivity switch
    {
        AnomalySensitivity.Low => -0.3,
        AnomalySensitivity.High => -0.1,
        _ => -0.25,
    };

    /// <summary>The level a slot predicts with the population profile: its own level (n samples, at most
    /// <see cref="MaxEffectiveSamples"/>) shrunk toward the key's rate R × the profile's rate of the slot with weight
    /// <see cref="ProfileWeight"/>, R = <paramref name="numerator"/> / <paramref name="denominator"/> (Σ n_s·level_s /
    /// Σ n_s·p_s over the key's slots with samples and a profile rate). NaN when the profile cannot be used (the slot
    /// has no sample or no profile rate, or R is undefined).</summary>
    /// <param name="own">The slot's level.</param>
    /// <param name="samples">The slot's samples.</param>
    /// <param name="rate">The profile's rate of the slot.</param>
    /// <param name="numerator">Σ n_s·level_s.</param>
    /// <param name="denominator">Σ n_s·p_s.</param>
    /// <param name="effective">min(n, 19) + W.</param>
    /// <returns>The predicted level, or NaN.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ShrinkToProfile(double own, int samples, double rate, double numerator, double denominator, out double effective) =>
        ShrinkToProfile(own, samples, rate, numerator, denominator, ProfileWeight, out effective);

    /// <summary><see cref="ShrinkToProfile(double, int, double, double, double, out double)"/> with the profile's weight
    /// <paramref name="weight"/> instead of <see cref="ProfileWeight"/>.</summary>
    /// <param name="own">The slot's level.</param>
    /// <param name="samples">The slot's samples.</param>
    /// <param name="rate">The profile's rate of the slot.</param>
    /// <param name="numerator">Σ n_s·level_s.</param>
    /// <param name="denominator">Σ n_s·p_s.</param>
    /// <param name="weight">W, in samples (greater than zero).</param>
    /// <param name="effective">min(n, 19) + W.</param>
    /// <returns>The predicted level, or NaN.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double ShrinkToProfile(double own, int samples, double rate, double numerator, double denominator, double weight, out double effective)
    {
        effective = 0;
        if (samples == 0 || !(rate >= 0) || !(denominator > 0))
        {
            return double.NaN;
        }

        var n = Math.Min(samples, MaxEffectiveSamples);
        var prior = numerator / denominator * rate;
        effective = n + weight;
        return ((n * own) + (weight * prior)) / effective;
    }

    /// <summary>The smallest anomalous count of a level learned from <paramref name="effective"/> samples at the
    /// standard-normal quantile <paramref name="z"/> (<see cref="PredictiveThreshold"/> with n not capped).</summary>
    /// <param name="level">The expected count m.</param>
    /// <param name="batch">The batch factor ψ.</param>
    /// <param name="dispersion">The dispersion φ.</param>
    /// <param name="effective">The level's effective samples.</param>
    /// <param name="z">The quantile.</param>
    /// <param name="thresholds">The gates.</param>
    /// <param name="scale">The predictive standard deviation.</param>
    /// <returns>The smallest anomalous count, never <see cref="int.MaxValue"/>.</returns>
    public static int PredictiveThresholdOfSamples(double level, double batch, double dispersion, double effective, double z, AnomalyThresholds thresholds, out double scale) =>
        Gate(level, batch, PredictiveQuantileOfSamples(level, batch, dispersion, Math.Max(1, effective), z, out scale), thresholds);

    /// <summary>Prior weight, in samples, of the mean of the two adjacent hours in a slot's predicted level.</summary>
    public const double NeighbourPrior = 10;

    /// <summary>Seasonal slots per day type when <see cref="PredictedLevel"/> pools adjacent hours (hourly or shorter buckets).</summary>
    public const int HoursPerDayType = 24;

    /// <summary>
    /// The level a slot predicts: its own level shrunk toward the mean of the adjacent hours of the same day type,
    /// (n·own + 5·neighbours) / (n + 5) with n its sample count (at most the EWMA's effective 19) — partial pooling
    /// (empirical Bayes): a slot sees only 5 weekday or 2 weekend samples a week, and one unlucky hour would otherwise
    /// hold its expectation far below its neighbours'. Only for the 48-slot calendar (hour of day × weekday/weekend);
    /// hours 0 and 23 and neighbours without samples are not pooled; other calendars use the own level.
    /// </summary>
    /// <param name="levels">The key's levels, one per slot.</param>
    /// <param name="samples">The key's sample counts, one per slot.</param>
    /// <param name="slot">The slot.</param>
    /// <returns>The predicted level (before the recent-activity factor).</returns>
    public static double PredictedLevel(ReadOnlySpan<float> levels, ReadOnlySpan<byte> samples, int slot)
    {
        if (!Pools(levels.Length, slot) || samples[slot] == 0)
        {
            return levels[slot];
        }

        return Pool(levels[slot], samples[slot], samples[slot - 1] != 0, levels[slot - 1], samples[slot + 1] != 0, levels[slot + 1]);
    }

    /// <summary>Whether <see cref="PredictedLevel"/> pools a slot of a calendar with <paramref name="slotCount"/> slots
    /// (the 48-slot calendar, hours 1 to 22).</summary>
    /// <param name="slotCount">The calendar's slot count.</param>
    /// <param name="slot">The slot.</param>
    /// <returns>Whether the slot's adjacent hours take part.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Pools(int slotCount, int slot)
    {
        var hour = slot % HoursPerDayType;
        return slotCount == 2 * HoursPerDayType && hour != 0 && hour != HoursPerDayType - 1;
    }

    /// <summary>The pooled level of <see cref="PredictedLevel"/> for a slot with at least one sample, given its
    /// adjacent hours (a neighbour without samples does not take part).</summary>
    /// <param name="own">The slot's own level.</param>
    /// <param name="samples">The slot's sample count (at least 1).</param>
    /// <param name="hasBefore">Whether the hour before has samples.</param>
    /// <param name="before">The hour before's level.</param>
    /// <param name="hasAfter">Whether the hour after has samples.</param>
    /// <param name="after">The hour after's level.</param>
    /// <returns>The predicted level.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Pool(double own, int samples, bool hasBefore, double before, bool hasAfter, double after)
    {
        if (!hasBefore && !hasAfter)
        {
            return own;
        }

        var neighbours = hasBefore && hasAfter ? 0.5 * (before + after) : hasBefore ? before : after;
        var n = Math.Min(samples, MaxEffectiveSamples);
        return ((n * own) + (NeighbourPrior * neighbours)) / (n + NeighbourPrior);
    }

    /// <summary>Folds a final bucket count into a slot's level.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Update(ref float level, ref byte samples, double count, double batch, double dispersion)
    {
        if (samples == 0)
        {
            level = (float)count;
            samples = 1;
            return;
        }

        double m = level;
        var residual = count - m;

        // The clip σ = √max(ψm + φm², ψ) is at least 1 when ψ ≥ 1 (or NaN or +∞, and Math.Clamp then returns the
        // residual too), so a residual in [−1.5, 2.5] is never clipped: no square root (every empty bucket of a slot
        // whose level is at most 1.5, i.e. most folds of a quiet key; LevelUpdateProperties).
        var clipped = residual;
        if (samples >= WarmUpSamples && !(residual >= -HuberDown && residual <= Huber && batch >= 1))
        {
            var scale = ClipScale(m, batch, dispersion);
            clipped = Math.Clamp(residual, -HuberDown * scale, Huber * scale);
        }

        level = (float)Math.Max(0.0, m + (Weights[samples] * clipped));
        if (samples < byte.MaxValue)
        {
            samples++;
        }
    }

    /// <summary>Whether a closed bucket falls in a quiet spell of the key (<see cref="AnomalyDetectorOptions.QuietLevelFactor"/>):
    /// the recent-activity factor without its floor, (observed + prior) / (expected + prior) after the bucket's own update,
    /// below <paramref name="factor"/>. Never with <paramref name="factor"/> 0 (the rule off).</summary>
    /// <param name="observed">The recent-activity observed sum, this bucket included.</param>
    /// <param name="expected">The recent-activity expected sum, this bucket included.</param>
    /// <param name="factor">The rule's q (0: off).</param>
    /// <returns>Whether the bucket is quiet.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsQuiet(float observed, float expected, double factor) =>
        factor > 0 && observed + RecentPrior < factor * (expected + RecentPrior);

    /// <summary>Folds a final bucket count of a quiet spell into a slot's level (<see cref="AnomalyDetectorOptions.QuietLevelFactor"/>):
    /// as <see cref="Update"/>, except that a downward residual is clipped at <paramref name="down"/> scales from the
    /// slot's second sample on (its first sets the level, as always; the warm-up's unclipped mean would learn a holiday in
    /// full). Upward residuals are clipped as by <see cref="Update"/>.</summary>
    /// <param name="level">The slot's level (updated).</param>
    /// <param name="samples">The slot's samples (updated).</param>
    /// <param name="count">The bucket's final count.</param>
    /// <param name="batch">The key's batch factor ψ.</param>
    /// <param name="dispersion">The key's dispersion φ.</param>
    /// <param name="down">The downward clip in scales (at most <see cref="HuberDown"/>).</param>
    public static void UpdateQuiet(ref float level, ref byte samples, double count, double batch, double dispersion, double down)
    {
        if (samples == 0)
        {
            Update(ref level, ref samples, count, batch, dispersion);
            return;
        }

        double m = level;
        var residual = count - m;
        var clipped = residual;
        if (residual < 0)
        {
            var limit = down * ClipScale(m, batch, dispersion);
            if (residual < -limit)
            {
                clipped = -limit;
            }
        }
        else if (samples >= WarmUpSamples)
        {
            var limit = Huber * ClipScale(m, batch, dispersion);
            if (residual > limit)
            {
                clipped = limit;
            }
        }

        level = (float)Math.Max(0.0, m + (Weights[samples] * clipped));
        if (samples < byte.MaxValue)
        {
            samples++;
        }
    }

    // Index n: the weight of a slot's (n + 1)th sample, max(α, 1 / (n + 1)), the same doubles Update would compute.
    private static readonly double[] Weights = MakeWeights();

    private static double[] MakeWeights()
    {
        var table = new double[byte.MaxValue + 1];
        for (var n = 0; n < table.Length; n++)
        {
            table[n] = Math.Max(Alpha, 1.0 / (n + 1));
        }

        return table;
    }

    /// <summary>
    /// The smallest anomalous count of a slot with <paramref name="samples"/> samples, from the predictive distribution
    /// of its count: the count's distribution given the level (variance ψm + φm², third cumulant
    /// <see cref="ThirdCumulant"/>) mixed over the level's own estimation error, a relative error L with mean 1 and
    /// variance v = (φ + ψ/m) / n (n the slot's samples, at most <see cref="MaxEffectiveSamples"/>), Gamma distributed
    /// (the conjugate prior of a gamma-Poisson mean). The mixture's variance and third cumulant feed the same
    /// Cornish–Fisher quantile and gates as <see cref="Threshold(double, double, double, double, double, AnomalyThresholds)"/>:
    /// a slot learned from few samples of a bursty key gets the heavier upper tail it really has.
    /// </summary>
    /// <param name="level">The expected count m.</param>
    /// <param name="batch">The batch factor ψ.</param>
    /// <param name="dispersion">The dispersion φ.</param>
    /// <param name="samples">The slot's samples n (at least 1).</param>
    /// <param name="thresholds">The thresholds.</param>
    /// <param name="scale">The predictive standard deviation (the score's scale).</param>
    /// <returns>The smallest anomalous count, never <see cref="int.MaxValue"/>.</returns>
    public static int PredictiveThreshold(double level, double batch, double dispersion, int samples, AnomalyThresholds thresholds, out double scale) =>
        Gate(level, batch, PredictiveQuantile(level, batch, dispersion, samples, thresholds.Z, out scale), thresholds);

    /// <summary>The upper quantile of a slot's predictive count distribution at the standard-normal quantile
    /// <paramref name="z"/> (see <see cref="PredictiveThreshold"/>), without the gates.</summary>
    /// <param name="level">The expected count m.</param>
    /// <param name="batch">The batch factor ψ.</param>
    /// <param name="dispersion">The dispersion φ.</param>
    /// <param name="samples">The slot's samples n (at least 1).</param>
    /// <param name="z">The standard-normal quantile.</param>
    /// <param name="scale">The predictive standard deviation.</param>
    /// <returns>The quantile.</returns>
    public static double PredictiveQuantile(double level, double batch, double dispersion, int samples, double z, out double scale) =>
        PredictiveQuantileOfSamples(level, batch, dispersion, Math.Clamp(samples, 1, MaxEffectiveSamples), z, out scale);

    /// <summary><see cref="PredictiveQuantile"/> for a level learned from <paramref name="n"/> effective samples, taken
    /// as given (not capped at <see cref="MaxEffectiveSamples"/>; the anomaly evaluation's experiments pass shrunk
    /// levels worth fractional or many samples).</summary>
    /// <param name="level">The expected count m.</param>
    /// <param name="batch">The batch factor ψ.</param>
    /// <param name="dispersion">The dispersion φ.</param>
    /// <param name="n">The level's effective samples (positive).</param>
    /// <param name="z">The standard-normal quantile.</param>
    /// <param name="scale">The predictive standard deviation.</param>
    /// <returns>The quantile.</returns>
    internal static double PredictiveQuantileOfSamples(double level, double batch, double dispersion, double n, double z, out double scale)
    {
        var m = level;
        var v = m > 0 ? (dispersion + (batch / m)) / n : 0;
        var m2 = m * m;
        var variance = Math.Max((batch * m) + (dispersion * m2 * (1 + v)) + (m2 * v), batch);
        var third = (batch * batch * m)
            + (3 * batch * dispersion * m2 * (1 + v))
            + (2 * dispersion * dispersion * m2 * m * (1 + v) * (1 + (2 * v)))
            + (3 * ((batch * m2 * v) + (2 * dispersion * m2 * m * v * (1 + v))))
            + (2 * m2 * m * v * v);
        scale = Math.Sqrt(variance);
        var skew = Math.Min(MaxSkew, third / (variance * scale));
        return level + (scale * CornishFisher(z, skew));
    }

    /// <summary>The Cornish–Fisher standardized quantile z + (z² − 1)·γ/6 (first-order skewness correction).</summary>
    private static double CornishFisher(double z, double skew) => z + (((z * z) - 1) * skew / 6);

    /// <summary>The effect-size gate against a second level (issue 15; <see cref="AnomalyDetectorOptions.LevelGate"/>): the
    /// smallest anomalous count <paramref name="threshold"/> raised to at least ⌈<paramref name="ratio"/> ×
    /// <paramref name="alternative"/>⌉, so the count must be that many times the larger of the two levels. An alternative
    /// that is not a positive finite number (none known) leaves the threshold as it is; the result is never above
    /// <see cref="int.MaxValue"/> − 1 (<see cref="int.MaxValue"/> is reserved for "cannot fire").</summary>
    /// <param name="threshold">The smallest anomalous count against the prediction m (its gates included).</param>
    /// <param name="alternative">The second level (the same units as m: the recent-activity factor applied).</param>
    /// <param name="ratio">The ratio (at least 1).</param>
    /// <returns>The smallest anomalous count.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GateAgainst(int threshold, double alternative, double ratio)
    {
        if (!(alternative > 0) || !double.IsFinite(alternative))
        {
            return threshold;
        }

        var t = Math.Ceiling(ratio * alternative);
        return t <= threshold ? threshold : t >= int.MaxValue - 1 ? int.MaxValue - 1 : (int)t;
    }

    /// <summary>The smallest anomalous count given a quantile: at least MinCount·ψ, MinRatio·m and the quantile.</summary>
    private static int Gate(double level, double batch, double quantile, AnomalyThresholds thresholds)
    {
        var t = Math.Max(Math.Max(Math.Ceiling(thresholds.MinCount * batch), Math.Ceiling(quantile)), Math.Ceiling(thresholds.MinRatio * level));
        return t >= int.MaxValue - 1 ? int.MaxValue - 1 : (int)t;
    }

    /// <summary>The skewness used in <see cref="Threshold(double, double, double, double, double, AnomalyThresholds)"/> is capped
    /// here (the skewness of a negative binomial with φ = 1 at large m; beyond it the expansion is no longer reliable).</summary>
    public const double MaxSkew = 2;

    /// <summary>The third cumulant of a slot's count: κ₃ = ψ²m + 3ψφm² + 2φ²m³, that of a negative binomial
    /// (m(1 + φm)(1 + 2φm)) with its Poisson part scaled by the batch factor ψ. Its skewness κ₃/σ³ tends to 2√φ
    /// (the Gamma rate's) at large m, and to 1/√m (Poisson's) at small m.</summary>
    /// <param name="level">The expected count m.</param>
    /// <param name="batch">The batch factor ψ.</param>
    /// <param name="dispersion">The dispersion φ.</param>
    /// <returns>κ₃.</returns>
    public static double ThirdCumulant(double level, double batch, double dispersion)
    {
        var excess = dispersion * level;
        return level * ((batch * batch) + (3 * batch * excess) + (2 * excess * excess));
    }

    /// <summary>
    /// The smallest count that is anomalous for a slot: at least <c>MinCount·ψ</c> (MinCount independent actions,
    /// so duplicated records do not pass the gate), at least <c>MinRatio·m</c>, and at
    /// least the upper quantile of the slot's count distribution at the normal quantile <c>Z</c>, by the
    /// Cornish–Fisher expansion <c>m + σ·(Z + (Z² − 1)·γ/6)</c> with the skewness γ = κ₃/σ³ of a
    /// scaled negative binomial (capped at 2). Never <see cref="int.MaxValue"/> (reserved for "cannot fire").
    /// </summary>
    public static int Threshold(double level, double batch, double dispersion, double scale, AnomalyThresholds thresholds) =>
        Threshold(level, batch, dispersion, ClipScale(level, batch, dispersion), scale, thresholds);

    /// <summary><see cref="Threshold(double, double, double, double, AnomalyThresholds)"/> with the slot's
    /// <see cref="ClipScale"/> already computed.</summary>
    /// <param name="level">The expected count.</param>
    /// <param name="batch">The batch factor ψ.</param>
    /// <param name="dispersion">The dispersion φ.</param>
    /// <param name="clipScale">√max(ψm + φm², ψ), as <see cref="ClipScale"/> returns it.</param>
    /// <param name="scale">The score's scale.</param>
    /// <param name="thresholds">The thresholds.</param>
    /// <returns>The smallest anomalous count.</returns>
    public static int Threshold(double level, double batch, double dispersion, double clipScale, double scale, AnomalyThresholds thresholds)
    {
        var variance = Math.Max(Variance(level, batch, dispersion), batch);
        var skew = variance > 0 ? Math.Min(MaxSkew, ThirdCumulant(level, batch, dispersion) / (variance * clipScale)) : 0;
        return Gate(level, batch, level + (scale * CornishFisher(thresholds.Z, skew)), thresholds);
    }
}
