namespace AlertEngine;

/// <summary>Options of an <c>AlertPipeline</c>. Validate with <see cref="Validate"/>; the pipeline validates on construction.</summary>
public sealed class AlertEngineOptions
{
    /// <summary>The organization's plan. Default E5 (advanced).</summary>
    public Plan Plan { get; set; } = Plan.E5;

    /// <summary>An activity whose id was seen within this much event time is a duplicate and is not evaluated again. Default 24 hours.</summary>
    public TimeSpan DuplicateHorizon { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How far behind the newest event time seen an activity may be and still be evaluated. Default zero: an activity
    /// older than the newest one seen is late (reported and counted in diagnostics, not evaluated).
    /// Equal times are never late. Only valid activities move the newest event time seen: one dated more than
    /// <see cref="FutureTolerance"/> ahead of the wall clock does not.
    /// </summary>
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// How far ahead of the wall clock (<see cref="AlertPipeline.TimeProvider"/>) an activity may be dated and still be
    /// evaluated. Default one day (room for clock skew between sources). An activity dated more than this ahead is
    /// invalid: counted (<see cref="EngineStatistics.Future"/>), reported on the diagnostics channel
    /// (<see cref="DiagnosticKind.Future"/>) and the logger, and otherwise ignored: it is not evaluated, does not move
    /// the newest event time seen (so one corrupt or hostile timestamp such as <c>9999-12-31T23:59:59Z</c> cannot make
    /// every later activity late), and does not enter the duplicate filter (a corrected copy with the same id is
    /// evaluated). Exactly the tolerance ahead is accepted. Must not be negative; zero accepts nothing dated after the
    /// wall clock (only for sources on the same clock); <see cref="TimeSpan.MaxValue"/> turns the check off (e.g. for
    /// synthetic data dated in the future). Tests with a <c>FakeTimeProvider</c> must set its time near the
    /// activities' times (its default start, 2000-01-01, makes today's activities invalid). The wall clock is read only
    /// for an activity dated after the limit computed at the last reading (it only moves forward), so a live feed costs
    /// about one reading per tolerance period.
    /// </summary>
    public TimeSpan FutureTolerance { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Cap on the activity list of one alert and of one detection; the hit count is never capped. Default 1,000.</summary>
    public int MaxActivitiesPerAlert { get; set; } = 1000;

    /// <summary>Cap on scope keys tracked per policy, for every trigger type that keeps state per key (all but
    /// every-time); overflow is reported. Default 1,000,000.</summary>
    public int MaxTrackedKeysPerPolicy { get; set; } = 1_000_000;

    /// <summary>The default <see cref="MaxValuesPerKey"/>, 1,000.</summary>
    public const int DefaultMaxValuesPerKey = 1000;

    /// <summary>
    /// Cap on the field values one scope key remembers, for distinct-count (<see cref="DistinctTrigger"/>) and
    /// first-seen (<see cref="NewValueTrigger"/>) policies. Default 1,000; must be at least 1. Memory bound: a key holds
    /// at most this many values (a distinct-count key also at most N − 1), about 50 bytes each plus the value's
    /// string, so one such policy holds at most <see cref="MaxTrackedKeysPerPolicy"/> × this many values. When a key
    /// would exceed the cap, the value seen least recently is forgotten (a distinct count then needs N distinct values
    /// among the most recent cap + 1; a forgotten first-seen value fires again as new if it comes back), reported as
    /// <see cref="DiagnosticKind.ValueCapExceeded"/>.
    /// </summary>
    public int MaxValuesPerKey { get; set; } = DefaultMaxValuesPerKey;

    /// <summary>Time resolution of threshold counters. Default 1 second (audit times have one-second resolution).</summary>
    public TimeSpan ThresholdResolution { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The organization's time zone, in which unusual-activity baselines tell office hours from nights and weekdays
    /// from weekends (hour of day × weekday/weekend slots). Default UTC. Users far from it see their weekend split
    /// at the wrong hour, which raises false detections (docs/anomaly.md). Read when the pipeline is built; with
    /// dependency injection set <c>options.Engine.TimeZone</c> in <c>AddAlertEngine</c> (a policy reload does not change it).
    /// </summary>
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Utc;

    /// <summary>
    /// The time zone of an unusual-activity scope key (for user-scoped anomaly policies, a user id: typically from your
    /// directory), so that each user's office hours and weekends are learned in the user's own zone;
    /// <see langword="null"/> from the function, or no function, means <see cref="TimeZone"/>. Asked once per policy and
    /// key, when the key is first seen, under the pipeline's lock: keep it fast and non-blocking. Default none.
    /// </summary>
    public Func<string, TimeZoneInfo?>? AnomalyKeyTimeZone { get; set; }

    /// <summary>
    /// Which model the unusual-activity (anomaly) policies learn their baselines with. Default
    /// <see cref="AlertEngine.AnomalyModel.Population"/>: each key's own rate and dispersion, steadied by the policy's
    /// population day shape and a mixture prior over its keys' dispersions (the model docs/anomaly.md evaluates; the
    /// sensitivities low/medium/high are its operating points there, with the thresholds of
    /// <see cref="AnomalyThresholds.For(AnomalySensitivity, AlertEngine.AnomalyModel)"/>: medium's MinRatio is 3.35, not
    /// the per-key 3). <see cref="AlertEngine.AnomalyModel.PerKey"/>:
    /// strictly each key's own history (the model before issue 15). A policy with a bucket longer than an hour, and every
    /// policy when <see cref="AnomalyKeyTimeZone"/> is set, runs the per-key model whatever this says. Read when the
    /// pipeline is built; an engine checkpoint written under either model restores into the other (the keys' levels and
    /// learning are kept; what the restoring model adds starts empty).
    /// </summary>
    public AnomalyModel AnomalyModel { get; set; } = AnomalyModel.Population;

    private double? _anomalyProfileFitLimit;
    private bool? _anomalyDispersionGrid;

    /// <summary>The anomaly policies' population day profile's fit limit (issue 15), internal: not set follows
    /// <see cref="AnomalyModel"/> (<see cref="BaselineMath.ProfileFitDefault"/> for the population model, 0 for the
    /// per-key one); see <see cref="AnomalyDetectorOptions.ProfileFitLimit"/>. Tests and the evaluation set it; the
    /// getter gives the value in force.</summary>
    internal double AnomalyProfileFitLimit
    {
        get => _anomalyProfileFitLimit ?? BaselineMath.ProfileFitOf(AnomalyModel);
        set => _anomalyProfileFitLimit = value;
    }

    /// <summary>The anomaly policies' per-key dispersion grid with the lagged empirical-Bayes mixture prior (issue 15,
    /// <see cref="AnomalyDetectorOptions.DispersionGrid"/>), internal: not set follows <see cref="AnomalyModel"/> (on for
    /// the population model whenever the profile is on); the getter gives the value in force. The single pipeline and
    /// the in-process <see cref="PartitionedAlertPipeline"/> (through <c>Process</c>: the coordinator sums the partitions'
    /// prior totals after every UTC day start, <c>GridExchange</c>, also in its staged phases) and the Orleans cluster
    /// (the coordinator grain sums the partition grains' totals) run it with the same output. An engine checkpoint's
    /// anomaly state written with the other setting restores by the snapshot's mix rule (the grid starts as in a new
    /// model, or is dropped; every key keeps its levels).</summary>
    internal bool AnomalyDispersionGrid
    {
        get => _anomalyDispersionGrid ?? BaselineMath.GridOf(AnomalyModel, AnomalyProfileFitLimit);
        set => _anomalyDispersionGrid = value;
    }

    /// <summary>Checks every option and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (!Enum.IsDefined(Plan))
        {
            errors.Add(new(nameof(Plan), "must be one of " + string.Join(", ", Enum.GetNames<Plan>())));
        }

        if (DuplicateHorizon < TimeSpan.Zero)
        {
            errors.Add(new(nameof(DuplicateHorizon), "must not be negative"));
        }

        if (AllowedLateness < TimeSpan.Zero)
        {
            errors.Add(new(nameof(AllowedLateness), "must not be negative"));
        }

        if (FutureTolerance < TimeSpan.Zero)
        {
            errors.Add(new(nameof(FutureTolerance), "must not be negative"));
        }

        if (MaxActivitiesPerAlert < 1)
        {
            errors.Add(new(nameof(MaxActivitiesPerAlert), "must be at least 1"));
        }

        if (MaxTrackedKeysPerPolicy < 1)
        {
            errors.Add(new(nameof(MaxTrackedKeysPerPolicy), "must be at least 1"));
        }

        if (MaxValuesPerKey < 1)
        {
            errors.Add(new(nameof(MaxValuesPerKey), "must be at least 1"));
        }

        if (ThresholdResolution <= TimeSpan.Zero)
        {
            errors.Add(new(nameof(ThresholdResolution), "must be greater than zero"));
        }

        if (TimeZone is null)
        {
            errors.Add(new(nameof(TimeZone), "is required"));
        }

        if (!Enum.IsDefined(AnomalyModel))
        {
            errors.Add(new(nameof(AnomalyModel), "must be one of " + string.Join(", ", Enum.GetNames<AnomalyModel>())));
        }

        return errors;
    }

    /// <summary>Whether threshold windows keep their activities as records of an <see cref="ActivityArena"/> (bytes, no
    /// reference per kept activity; detections carry equal copies) instead of the instances: set by the Orleans
    /// partitions, whose silo's GC pays for every kept young activity, and whose detections reach the coordinator
    /// encoded by the same <c>WriteActivity</c> the records are made of, so the output bytes are those of the instances;
    /// the single node keeps the instances (encoding each kept activity cost it ~100–180 ns per matching activity).</summary>
    internal bool KeepActivityRecords { get; init; }

    /// <summary>A copy of every setting (the engine keeps its own, so later changes to these options do not reach it).</summary>
    internal AlertEngineOptions Copy() => Copy(KeepActivityRecords);

    /// <summary>A copy of every setting with <see cref="KeepActivityRecords"/> set.</summary>
    internal AlertEngineOptions WithActivityRecords() => Copy(keepActivityRecords: true);

    // One list of the settings, so no copy can leave one out (AlertEngineOptionsCopyTests checks every property).
    private AlertEngineOptions Copy(bool keepActivityRecords) => new()
    {
        KeepActivityRecords = keepActivityRecords,
        Plan = Plan,
        DuplicateHorizon = DuplicateHorizon,
        AllowedLateness = AllowedLateness,
        FutureTolerance = FutureTolerance,
        MaxActivitiesPerAlert = MaxActivitiesPerAlert,
        MaxTrackedKeysPerPolicy = MaxTrackedKeysPerPolicy,
        MaxValuesPerKey = MaxValuesPerKey,
        ThresholdResolution = ThresholdResolution,
        TimeZone = TimeZone,
        AnomalyKeyTimeZone = AnomalyKeyTimeZone,
        AnomalyModel = AnomalyModel,
        _anomalyProfileFitLimit = _anomalyProfileFitLimit,
        _anomalyDispersionGrid = _anomalyDispersionGrid,
    };
}
