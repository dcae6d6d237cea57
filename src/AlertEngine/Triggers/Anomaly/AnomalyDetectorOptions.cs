namespace AlertEngine;

/// <summary>
/// Options of an unusual-activity detector (<see cref="BaselineModel{T}"/> and the <c>DetectAnomalies</c> operator).
/// The trigger itself (<see cref="AnomalyTrigger"/>) gives the bucket, learning period and sensitivity; these options
/// say how the detector copes with late input, idle keys and memory. Validate with <see cref="Validate"/>; the
/// model validates on construction.
/// </summary>
public sealed class AnomalyDetectorOptions
{
    /// <summary>The default retention of idle keys, 30 days.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(30);

    /// <summary>
    /// How far behind the newest event time seen an activity may be and still be counted in its own bucket.
    /// Default zero (equal times are never late). Older activities are late: not counted, reported. Each key keeps at
    /// most 64 buckets open, so activities more than 63 buckets behind its newest bucket are late whatever this value.
    /// </summary>
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// A key with no activity for this long (event time, after the end of its newest bucket) is retired: its
    /// baseline is dropped and, if it comes back, it learns again. Default 30 days.
    /// </summary>
    public TimeSpan Retention { get; set; } = DefaultRetention;

    /// <summary>Cap on tracked scope keys; activities of further keys are not counted and are reported. Default 1,000,000.</summary>
    public int MaxTrackedKeys { get; set; } = 1_000_000;

    /// <summary>
    /// Cap on the activities a detection carries (the first ones of its bucket to arrive); the observed count is
    /// never capped. Zero keeps none. Default 1,000.
    /// </summary>
    public int MaxActivitiesPerDetection { get; set; } = 1000;

    /// <summary>
    /// Cap on the activities kept for detections across all keys (24 bytes each plus the activities they hold). The
    /// model keeps the activities of buckets that can still fire in one ring shared by all keys, which grows while
    /// they are all needed; at the cap the oldest are overwritten, so a detection may list fewer activities than it
    /// counts (<see cref="BaselineModel{T}.DroppedItems"/> counts them). Rounded up to a power of two. Zero keeps none.
    /// Default 1,048,576.
    /// </summary>
    public int MaxKeptActivities { get; set; } = DefaultMaxKeptActivities;

    /// <summary>The default of <see cref="MaxKeptActivities"/>: 1,048,576.</summary>
    public const int DefaultMaxKeptActivities = 1 << 20;

    /// <summary>
    /// The time zone whose hour of day and weekday/weekend split define the seasonal slots. Default UTC. Buckets
    /// themselves are aligned to UTC.
    /// </summary>
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Utc;

    /// <summary>
    /// The time zone of a scope key (typically a user's, from your directory), in which its seasonal slots (hour of day,
    /// weekday/weekend) are learned; <see langword="null"/> from the function, or no function, means <see cref="TimeZone"/>.
    /// Asked once per key when the key is first seen (and again for each key of a restored snapshot; snapshots do not
    /// store it). Zones are told apart by <see cref="TimeZoneInfo.Id"/>: give custom zones distinct ids. Users far from the
    /// organization's zone otherwise see their weekend split at the wrong hour. Called on
    /// the observing thread; exceptions propagate to the caller of <see cref="BaselineModel{T}.Observe"/>. Default none.
    /// </summary>
    public Func<string, TimeZoneInfo?>? KeyTimeZone { get; set; }

    /// <summary>
    /// Which model learns the baselines. Default <see cref="AnomalyModel.Population"/>: each key's own rate and
    /// dispersion, steadied by the population's day shape and a mixture prior over the keys' dispersions (the model
    /// whose false-alarm rates and recall docs/anomaly.md reports); <see cref="AnomalyModel.PerKey"/>: strictly each
    /// key's own history (the model before issue 15). The population model applies only with hourly or shorter buckets
    /// and without <see cref="KeyTimeZone"/>; otherwise the detector runs the per-key model
    /// (<see cref="BaselineModel{T}.ModelInUse"/> tells). The thresholds differ with the model: see
    /// <see cref="Thresholds"/>.
    /// </summary>
    public AnomalyModel Model { get; set; } = AnomalyModel.Population;

    private double? _profileFitLimit;
    private bool? _dispersionGrid;

    /// <summary>The population day profile's fit limit (issue 15), internal: null (not set) follows <see cref="Model"/>
    /// (<see cref="BaselineMath.ProfileFitDefault"/>, the evaluated value, for the population model; 0 for the per-key
    /// model). 0 keeps no profile; a positive value counts the profile (hourly or shorter buckets in the detector's zone)
    /// and shrinks a key's levels toward it while the key's own seasonal shape strays from it by at most this much (the
    /// mean squared standardized difference per slot), +∞ always. The anomaly evaluation and tests set it (e.g. the
    /// profile without the grid, an evaluated configuration that is not a public model).</summary>
    internal double ProfileFitLimit
    {
        get => _profileFitLimit ?? BaselineMath.ProfileFitOf(Model);
        init => _profileFitLimit = value;
    }

    /// <summary>Added to the thresholds' Z where a slot's level is shrunk toward the population day profile (that
    /// prediction is tighter, so the same false-alarm rate needs a slightly lower quantile); null (default): the
    /// trigger's sensitivity's offset, <see cref="BaselineMath.ProfileZOffsetOf"/> (with the grid, the population model's
    /// operating point, <see cref="BaselineMath.PopulationOperatingPoint"/>). An offset rather than a second quantile, so
    /// that <c>Thresholds = Medium with { Z = 6 }</c> is stricter for every key. Internal (the evaluation's
    /// <c>--profile-z</c>); a quantile Z + offset that is not positive is refused by <see cref="Validate"/>.</summary>
    internal double? ProfileZOffset { get; init; }

    /// <summary>The per-key dispersion grid with the lagged empirical-Bayes mixture prior (issue 15), internal: null (not
    /// set) follows <see cref="Model"/> (on for the population model whenever the profile is on). Needs the population
    /// profile (<see cref="ProfileFitLimit"/> &gt; 0; refused otherwise), and runs only where the profile is kept (hourly
    /// or shorter buckets, no per-key zones). The engine's checkpoint carries the grid (anomaly state format 3), and so
    /// does a snapshot (<see cref="BaselineSnapshot"/> version 4); a snapshot or checkpoint of either setting restores
    /// into a model of the other (<see cref="BaselineModel{T}.Restore"/>). Tests and the evaluation set it.</summary>
    internal bool DispersionGrid
    {
        get => _dispersionGrid ?? BaselineMath.GridOf(Model, ProfileFitLimit);
        init => _dispersionGrid = value;
    }

    /// <summary>Overrides <see cref="BaselineMath.ProfileWeight"/>, the weight W in samples of the key's rate × the
    /// population profile in a slot's predicted level (issue 15, exploration of the level estimate; the anomaly
    /// evaluation's <c>--profile-weight</c>); null (default) keeps W = <see cref="BaselineMath.ProfileWeight"/>. Used
    /// only where the population profile is kept.</summary>
    internal double? ProfileWeight { get; init; }

    /// <summary>The quiet-spell rule for the levels (issue 15, level-16), internal: null (default) follows the model —
    /// the population model runs it at <see cref="BaselineMath.PopulationQuietLevelFactor"/> (0.5), the per-key model does
    /// not; 0 off, the levels learn as without it. A positive value q: while the key's recent-activity factor without its
    /// floor, this bucket included, is below q (a holiday, an outage: the key far below its whole expectation for hours,
    /// not one low hour), a closed bucket's downward residual moves the slot's level by at most
    /// <see cref="QuietLevelDown"/> scales, from the slot's second sample on (the warm-up included), instead of 1.5 from
    /// the fourth; upward residuals and every other bucket are learned as without the rule. The evaluation's
    /// <c>--quiet-level q</c>.</summary>
    internal double? QuietLevelFactor { get; init; }

    /// <summary>The downward clip, in scales σ = √(ψm + φm²), of the quiet-spell rule (<see cref="QuietLevelFactor"/>):
    /// null (default) follows the model (the population model: <see cref="BaselineMath.PopulationQuietLevelDown"/>, 0.5);
    /// 0 keeps a quiet bucket from lowering a level at all, so a permanent drop below q of the expectation is never
    /// learned; a positive value learns it at that many σ per sample. The evaluation's <c>--quiet-down c</c>.</summary>
    internal double? QuietLevelDown { get; init; }

    /// <summary>The effect-size gate against a second level (issue 15, fifteenth session; internal, the anomaly
    /// evaluation's <c>--level-gate</c>): <see cref="AnomalyLevelGate.None"/> (default) leaves the model unchanged; otherwise,
    /// where a slot's level is shrunk toward the population profile, a bucket must also reach
    /// <see cref="LevelGateRatio"/> × the largest of the chosen alternative levels × the key's recent-activity factor
    /// (<see cref="BaselineMath.GateAgainst"/>), so a detection is removed only where another estimate the model holds
    /// for the key and slot says the level is higher than the prediction m. No state is added.</summary>
    internal AnomalyLevelGate LevelGate { get; init; }

    /// <summary>The ratio of <see cref="LevelGate"/>; null (default): the thresholds' <see cref="AnomalyThresholds.MinRatio"/>.</summary>
    internal double? LevelGateRatio { get; init; }

    /// <summary>Overrides the thresholds of the trigger's sensitivity; <see langword="null"/> (default) uses the
    /// model's thresholds of the sensitivity, <see cref="AnomalyThresholds.For(AnomalySensitivity, AnomalyModel)"/>: for
    /// the per-key model <see cref="AnomalyThresholds.For(AnomalySensitivity)"/>, for the population model its operating
    /// point (medium: Z 4.0, MinCount 15, MinRatio 3.35; low and high as the per-key model). The value set here is used
    /// as it is — <c>AnomalyThresholds.Medium</c> under the population model means MinRatio 3, looser than the default —
    /// so start a custom value from <c>AnomalyThresholds.For(sensitivity, Model)</c>. With the population model, where a
    /// key's slot is predicted with the population day profile, the Z set here is moved by the sensitivity's offset (low
    /// −0.1, medium −0.22, high +0.1; docs/anomaly.md): <c>For(Medium, Population) with { Z = 6 }</c> uses 5.78 there,
    /// so it is stricter for every key. <see cref="Validate"/> refuses a Z of 0.22 or less whatever the model (it knows
    /// neither the sensitivity nor the bucket, so it checks against the most negative offset, medium's), unless
    /// <see cref="Model"/> is <see cref="AnomalyModel.PerKey"/>.</summary>
    public AnomalyThresholds? Thresholds { get; set; }

    /// <summary>Receives a diagnostic for every activity the <c>DetectAnomalies</c> operator could not count
    /// (late, key cap, missing scope key). Optional.</summary>
    public Action<EngineDiagnostic>? Diagnostics { get; set; }

    /// <summary>State to start from, e.g. read back with <see cref="BaselineSnapshot.ReadFrom"/> after a restart.
    /// Optional; each subscription of the operator starts from it.</summary>
    public BaselineSnapshot? InitialState { get; set; }

    /// <summary>Checks every option and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (AllowedLateness < TimeSpan.Zero)
        {
            errors.Add(new(nameof(AllowedLateness), "must not be negative"));
        }

        if (Retention <= TimeSpan.Zero)
        {
            errors.Add(new(nameof(Retention), "must be greater than zero"));
        }

        if (MaxTrackedKeys < 1)
        {
            errors.Add(new(nameof(MaxTrackedKeys), "must be at least 1"));
        }

        if (MaxActivitiesPerDetection < 0)
        {
            errors.Add(new(nameof(MaxActivitiesPerDetection), "must not be negative"));
        }

        if (MaxKeptActivities < 0 || MaxKeptActivities > 1 << 30)
        {
            errors.Add(new(nameof(MaxKeptActivities), "must be between 0 and 1,073,741,824"));
        }

        if (TimeZone is null)
        {
            errors.Add(new(nameof(TimeZone), "is required"));
        }

        if (!Enum.IsDefined(Model))
        {
            errors.Add(new(nameof(Model), "must be one of " + string.Join(", ", Enum.GetNames<AnomalyModel>())));
        }

        Thresholds?.Validate(nameof(Thresholds), errors);
        if (!(ProfileFitLimit >= 0))
        {
            errors.Add(new(nameof(ProfileFitLimit), "must be 0 (no population profile) or greater"));
        }
        else if (ProfileFitLimit > 0 && (ProfileZOffset is not { } o || double.IsFinite(o)))
        {
            ValidateProfileQuantile(errors);
        }

        if (DispersionGrid && !(ProfileFitLimit > 0))
        {
            errors.Add(new(nameof(DispersionGrid), "needs the population profile (ProfileFitLimit > 0)"));
        }

        if (ProfileWeight is { } weight && !(weight > 0 && double.IsFinite(weight)))
        {
            errors.Add(new(nameof(ProfileWeight), "must be a finite number greater than zero"));
        }

        if (QuietLevelFactor is { } quiet && !(quiet >= 0 && quiet <= BaselineMath.MaxRecentFactor))
        {
            errors.Add(new(nameof(QuietLevelFactor), "must be 0 (off) or a recent-activity factor up to 2"));
        }

        if (QuietLevelDown is { } down && !(down >= 0 && down <= BaselineMath.HuberDown))
        {
            errors.Add(new(nameof(QuietLevelDown), "must be between 0 and 1.5 scales"));
        }

        if (LevelGateRatio is { } gateRatio && !(gateRatio >= 1 && double.IsFinite(gateRatio)))
        {
            errors.Add(new(nameof(LevelGateRatio), "must be a finite number of at least 1"));
        }

        if ((LevelGate & ~AnomalyLevelGate.All) != 0)
        {
            errors.Add(new(nameof(LevelGate), "must combine only the defined alternative levels"));
        }

        if (ProfileZOffset is { } offset && !double.IsFinite(offset))
        {
            errors.Add(new(nameof(ProfileZOffset), "must be a finite number"));
        }

        return errors;
    }

    // Where a slot is predicted with the population profile the quantile is Z + the sensitivity's offset (with the grid
    // the population model's operating point: down to −0.22 today). The sensitivity is the trigger's, which these options
    // do not know, so a custom Z is checked against every sensitivity's offset (the most negative one decides), and
    // without custom thresholds each sensitivity's own Z with its own offset (only an internal ProfileZOffset can fail).
    private void ValidateProfileQuantile(List<ValidationError> errors)
    {
        var grid = DispersionGrid;
        if (Thresholds is { } custom)
        {
            if (!(custom.Z > 0) || double.IsInfinity(custom.Z))
            {
                return; // already listed
            }

            var lowest = double.PositiveInfinity;
            var at = AnomalySensitivity.Medium;
            foreach (var sensitivity in Enum.GetValues<AnomalySensitivity>())
            {
                var offset = ProfileZOffset ?? BaselineMath.ProfileZOffsetOf(sensitivity, grid);
                if (offset < lowest)
                {
                    lowest = offset;
                    at = sensitivity;
                }
            }

            if (!(custom.Z + lowest > 0))
            {
                errors.Add(new(
                    nameof(Thresholds) + ".Z",
                    string.Create(
                        System.Globalization.CultureInfo.InvariantCulture,
                        $"must be greater than {Math.Max(0, -lowest):0.###} with the {(grid ? "population model" : "population day profile")}: where a key is predicted with the population day profile the quantile is Z {lowest:+0.###;-0.###} ({at} sensitivity), which must be greater than zero; the options know neither the sensitivity nor the bucket, so this uses the most negative offset of any sensitivity")));
            }

            return;
        }

        if (ProfileZOffset is { } fixedOffset)
        {
            foreach (var sensitivity in Enum.GetValues<AnomalySensitivity>())
            {
                var z = BaselineMath.DefaultThresholds(sensitivity, grid).Z;
                if (!(z + fixedOffset > 0))
                {
                    errors.Add(new(
                        nameof(ProfileZOffset),
                        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"leaves the quantile with the population day profile at {z + fixedOffset} for {sensitivity} sensitivity; it must be greater than zero")));
                    return;
                }
            }
        }
    }
}

/// <summary>The alternative levels the effect-size gate of <see cref="AnomalyDetectorOptions.LevelGate"/> takes the
/// largest of (internal, issue 15).</summary>
[Flags]
internal enum AnomalyLevelGate
{
    /// <summary>No second gate (the model's default).</summary>
    None = 0,

    /// <summary>The slot's own level (its EWMA of the key's counts), not shrunk toward the profile.</summary>
    Own = 1,

    /// <summary>The slot's own level pooled with the adjacent hours (the model's prediction without the profile).</summary>
    Pooled = 2,

    /// <summary>The key's rate R × the profile's rate of the slot (the profile's prediction without the slot's own level).</summary>
    Profile = 4,

    /// <summary>Every defined alternative.</summary>
    All = Own | Pooled | Profile,
}
