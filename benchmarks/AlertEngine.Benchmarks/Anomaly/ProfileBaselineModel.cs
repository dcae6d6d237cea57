namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// An experiment of issue 15, not the engine: a single-key copy of <see cref="BaselineModel{T}"/>'s learning and
/// thresholds (hourly buckets, the 48-slot UTC calendar, lateness 0) with a population day-shape prior. With
/// <see cref="ProfileVariant.Shipped"/> it reproduces the shipped model's detections exactly (checked by
/// <c>anomaly-eval-dispersion --profile-experiment --check</c>); otherwise a slot's predicted level is shrunk toward the
/// key's own rate × the population profile (<see cref="PopulationProfile"/>, frozen per day) with weight W:
/// <c>m = (n·own + W·R·p_s) / (n + W)</c>, R = Σ n_s·level_s / Σ n_s·p_s over the key's slots with samples, n capped at
/// the EWMA's 19 effective samples (empirical Bayes: the prior is worth W samples), and — with
/// <see cref="ProfileVariant.CountPrior"/> — the dispersion's level-error correction and the predictive distribution's
/// level term use the shrunk level's effective samples n + W. Each slot still learns only its own counts.
/// Not thread-safe.
/// </summary>
internal sealed class ProfileBaselineModel
{
    private const int CannotFire = int.MaxValue;
    private const int NoSampleYet = int.MaxValue - 1;
    private const int Slots = 48;
    private const ulong FiredMask = (1UL << (1 + BaselineMath.FiredMemory)) - 1;

    private static readonly SeasonalCalendar Calendar = new(TimeSpan.TicksPerHour, TimeZoneInfo.Utc);

    private readonly ProfileVariant _variant;
    private readonly PopulationProfile? _profile;
    private readonly AnomalyThresholds _thresholds;
    private readonly long _bucket = TimeSpan.TicksPerHour;
    private readonly long _learning;
    private readonly long _gapCap;
    private readonly float[] _levels = new float[Slots];
    private readonly byte[] _samples = new byte[Slots];

    private bool _allocated;
    private long _firstTicks;
    private long _newestBucket;
    private long _newestStart;
    private long _fastFrom;
    private long _folded;
    private ulong _fired;
    private int _count;
    private int _threshold;
    private float _dispersion = BaselineMath.InitialDispersion;
    private float _dispersionSum;
    private float _dispersionWeight;
    private float _recentObserved;
    private float _recentExpected;
    private float _batchSum;
    private float _batchSquares;
    private long _batchTicks;
    private int _batchSize;

    // Rate option: discounted Σ x_q and Σ p_q over closed buckets.
    private double _rateObserved;
    private double _rateExpected;

    // Grid estimator: discounted log-likelihood per grid point, and the posterior.
    private readonly double[]? _gridSums;
    private readonly double[]? _posterior;
    private bool _gridInformed;
    private GridEvidence _evidence; // with ProfileVariant.GridSourceCores
    private static readonly double[] UniformLogPrior = new double[DispersionGrid.Size];
    private float _momentsDispersion = BaselineMath.InitialDispersion;

    // Score estimator: discounted Fisher information.
    private double _information = ScorePriorInformation;

    /// <summary>Creates the model of one key.</summary>
    public ProfileBaselineModel(ProfileVariant variant, PopulationProfile? profile, AnomalyThresholds thresholds, TimeSpan learning, double trueDispersion = double.NaN)
    {
        if (variant.TrueDispersion)
        {
            _dispersion = (float)(trueDispersion * variant.TrueDispersionScale);
        }

        _variant = variant;
        if (variant.Estimator == DispersionEstimator.Grid)
        {
            _gridSums = new double[DispersionGrid.Size];
            _posterior = new double[DispersionGrid.Size];
        }

        _profile = profile;
        _thresholds = thresholds;
        _learning = learning.Ticks;
        _gapCap = (TimeSpan.TicksPerDay * 7) / _bucket;
    }

    /// <summary>The population's dispersion frozen at the current day's start (NaN: none yet).</summary>
    public double PopulationDispersion { get; set; } = double.NaN;

    /// <summary>The between-key variance τ² of φ frozen at the current day's start (empirical-Bayes pooling).</summary>
    public double PopulationDispersionVariance { get; set; } = double.NaN;

    /// <summary>The sampling variance of a key's φ̂ assumed by the empirical-Bayes pooling: 1.5 · 2/Σw.</summary>
    public static double SamplingVariance(double information) => information > 0 ? 3 / information : double.PositiveInfinity;

    /// <summary>The key's dispersion information Σw (0 before any informative bucket).</summary>
    public double DispersionInformation => _dispersionWeight;

    /// <summary>The grid prior (log weights) shared by the keys with <see cref="ProfileVariant.GridEmpiricalBayes"/>; null: log-uniform.</summary>
    public double[]? GridLogPrior { get; set; }

    /// <summary>The key's posterior over the grid (null unless the grid estimator has seen an informative bucket).</summary>
    public double[]? GridPosterior => _gridInformed ? _posterior : null;

    /// <summary>The key's discounted grid log-likelihood sums (null without the grid estimator).</summary>
    public double[]? GridSums => _gridInformed ? _gridSums : null;

    /// <summary>Whether the key has grid evidence (at least one informative bucket).</summary>
    public bool GridInformed => _gridInformed;

    /// <summary>The key's 16-bit grid evidence (with <see cref="ProfileVariant.GridSourceCores"/>).</summary>
    public ref readonly GridEvidence Evidence => ref _evidence;

    /// <summary>The fixed log-normal grid prior of <see cref="ProfileVariant.GridFixedPrior"/>: around 0.2, log-sd 1.</summary>
    private static readonly double[] FixedLogPrior = MakeFixedLogPrior();

    private static double[] MakeFixedLogPrior()
    {
        var p = new double[DispersionGrid.Size];
        for (var k = 0; k < p.Length; k++)
        {
            var z = Math.Log(DispersionGrid.Values[k] / 0.2);
            p[k] = -0.5 * z * z;
        }

        return p;
    }

    /// <summary>The generator's true expectation of a bucket (the <see cref="ProfileVariant.TrueLevelForDispersion"/> oracle).</summary>
    public Func<long, double>? TrueLevel { get; init; }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int, int), double[]> LevelPriors = new();

    /// <summary>The sparse level prior of <see cref="ProfileVariant.GridLevelStep"/> (log weights; cached).</summary>
    private static double[] LevelPrior(int step, int offset) =>
        LevelPriors.GetOrAdd((step, offset), key =>
        {
            var p = new double[DispersionGrid.Size];
            for (var k = 0; k < p.Length; k++)
            {
                p[k] = k % key.Item1 == key.Item2 % key.Item1 ? 0 : -50;
            }

            return p;
        });

    /// <summary>The key's dispersion φ̂.</summary>
    public double Dispersion => _dispersion;

    /// <summary>Counts one activity; true when it fires the bucket's detection (at most once per bucket).</summary>
    public bool Observe(long t)
    {
        if (!_allocated)
        {
            _allocated = true;
            _firstTicks = t;
            _newestBucket = t / _bucket;
            _newestStart = _newestBucket * _bucket;
            _fastFrom = Math.Max(_newestStart, t);
            _folded = long.MinValue;
            _threshold = CannotFire;
            SetThreshold();
        }

        if (t == _batchTicks)
        {
            _batchSize++;
        }
        else
        {
            if (_batchSize > 0)
            {
                BaselineMath.UpdateBatch(ref _batchSum, ref _batchSquares, _batchSize);
            }

            _batchTicks = t;
            _batchSize = 1;
        }

        if (t < _fastFrom || t - _newestStart >= _bucket)
        {
            if (t < _firstTicks)
            {
                throw new InvalidOperationException("events must be in time order");
            }

            var b = t / _bucket;
            if (b > _newestBucket)
            {
                Advance(b);
            }

            _fastFrom = Math.Max(_newestStart, _firstTicks);
            if (b != _newestBucket)
            {
                throw new InvalidOperationException("events must be in time order");
            }
        }

        var c = ++_count;
        if (_threshold == CannotFire || c < _threshold)
        {
            return false;
        }

        _threshold = CannotFire;
        _fired |= 1;
        return true;
    }

    private void Advance(long b)
    {
        var nb = _newestBucket;
        var d = b - nb;
        var firstBucket = _firstTicks / _bucket;
        for (var q = Math.Max(Math.Max(nb, firstBucket), _folded + 1); q <= nb; q++)
        {
            Fold(q, _count, (_fired & 1) != 0, FiredShortlyBefore(_fired, nb, q));
        }

        var zeroStart = nb + 1;
        var zeroEnd = b - 1;
        if (zeroEnd >= zeroStart)
        {
            if (zeroEnd - zeroStart + 1 > _gapCap)
            {
                zeroStart = zeroEnd - _gapCap + 1;
            }

            for (var q = zeroStart; q <= zeroEnd; q++)
            {
                Fold(q, 0, fired: false, FiredShortlyBefore(_fired, nb, q));
            }
        }

        _folded = Math.Max(_folded, b - 1);
        _fired = d >= 64 ? 0 : (_fired << (int)d) & FiredMask;
        _newestBucket = b;
        _newestStart = b * _bucket;
        _count = 0;
        SetThreshold();
    }

    private static bool FiredShortlyBefore(ulong fired, long newest, long q)
    {
        for (var j = 1; j <= BaselineMath.FiredMemory; j++)
        {
            var i = newest - q + j;
            if (i >= 0 && i < 64 && ((fired >> (int)i) & 1) != 0)
            {
                return true;
            }
        }

        return false;
    }

    private void Fold(long bucket, int count, bool fired, bool afterFired)
    {
        var slot = Calendar.SlotOf(bucket);
        var level = _levels[slot];
        var samples = _samples[slot];
        var batch = BaselineMath.BatchFactor(_batchSum, _batchSquares);
        if (samples != 0)
        {
            var predicted = Predicted(slot, bucket, out var effective);
            if (!_variant.CountPrior)
            {
                effective = Math.Min(samples, BaselineMath.MaxEffectiveSamples);
            }

            if (predicted >= BaselineMath.DispersionMinLevel && !fired && !afterFired && !_variant.TrueDispersion && !(_variant.SkipQuiet > 0 && UnflooredRecent() < _variant.SkipQuiet))
            {
                var m = predicted * (_variant.DropsInFactor ? UnflooredRecent() : Recent());
                if (_variant.TrueLevelForDispersion && TrueLevel is not null)
                {
                    m = Math.Max(TrueLevel(bucket), 0.1);
                    effective = 1e9;
                }
                if (_variant.Estimator == DispersionEstimator.Grid)
                {
                    UpdateDispersionByGrid(m, count, batch, effective);
                }
                else if (_variant.Estimator == DispersionEstimator.Score)
                {
                    UpdateDispersionByScore(m, count, batch, effective);
                }
                else if (_variant.ProfileWeight == 0 || !_variant.CountPrior)
                {
                    BaselineMath.UpdateDispersion(ref _dispersion, ref _dispersionSum, ref _dispersionWeight, m, count, batch, samples);
                }
                else
                {
                    UpdateDispersion(m, count, batch, effective);
                }
            }

            BaselineMath.UpdateRecent(ref _recentObserved, ref _recentExpected, predicted, count, batch, _dispersion);
        }

        if (_variant.RateMemory > 0 && _profile?.At(bucket * _bucket) is { } profile && profile[slot] >= 0)
        {
            var x = (double)count;
            if (samples != 0)
            {
                var m = Predicted(slot, bucket, out _) * Recent();
                x = Math.Min(x, m + (BaselineMath.Huber * BaselineMath.ClipScale(m, batch, _dispersion)));
            }

            var keep = 1 - (1 / _variant.RateMemory);
            _rateObserved = (keep * _rateObserved) + x;
            _rateExpected = (keep * _rateExpected) + profile[slot];
        }

        BaselineMath.Update(ref level, ref samples, count, batch, _dispersion);
        _levels[slot] = level;
        _samples[slot] = samples;
    }

    private double UnflooredRecent() =>
        Math.Clamp((_recentObserved + BaselineMath.RecentPrior) / (_recentExpected + BaselineMath.RecentPrior), 0, BaselineMath.MaxRecentFactor);

    private double Recent() => _variant.NoRecentFactor ? 1 : BaselineMath.RecentFactor(_recentObserved, _recentExpected);

    private void SetThreshold()
    {
        if ((_fired & 1) != 0)
        {
            _threshold = CannotFire;
            return;
        }

        if ((_newestBucket * _bucket) - _firstTicks < _learning)
        {
            _threshold = CannotFire;
            return;
        }

        var slot = Calendar.SlotOf(_newestBucket);
        int samples = _samples[slot];
        if (samples == 0)
        {
            _threshold = NoSampleYet;
            return;
        }

        var expected = Predicted(slot, _newestBucket, out var effective) * Recent();
        var batch = BaselineMath.BatchFactor(_batchSum, _batchSquares);
        var phi = (double)_dispersion;
        if (_posterior is not null && _gridInformed && _variant.GridQuantile > 0)
        {
            phi = DispersionGrid.Quantile(_posterior, _variant.GridQuantile);
        }
        else if (_variant.UpperBound > 0 && !_variant.TrueDispersion)
        {
            var s0 = phi + (1 / BaselineMath.DispersionReferenceLevel);
            phi += _variant.UpperBound * Math.Sqrt(3 / (_dispersionWeight + (BaselineMath.DispersionPriorBuckets / (s0 * s0))));
        }

        if (_variant.PooledDispersion > 0 && PopulationDispersion >= 0)
        {
            var s = PopulationDispersion + (1 / BaselineMath.DispersionReferenceLevel);
            var pool = _variant.PooledDispersion / (s * s);
            phi = ((_dispersionWeight * phi) + (pool * PopulationDispersion)) / (_dispersionWeight + pool);
        }
        else if (_variant.EmpiricalBayesPool && PopulationDispersion >= 0 && PopulationDispersionVariance > 0)
        {
            var own = 1 / SamplingVariance(_dispersionWeight);
            var pool = 1 / PopulationDispersionVariance;
            phi = ((own * phi) + (pool * PopulationDispersion)) / (own + pool);
        }

        if (_variant.ProfileWeight == 0 || !_variant.CountPrior)
        {
            _threshold = BaselineMath.PredictiveThreshold(expected, batch, phi, samples, _thresholds, out _);
            return;
        }

        var quantile = BaselineMath.PredictiveQuantileOfSamples(expected, batch, phi, Math.Max(1, effective), _thresholds.Z, out _);
        var t = Math.Max(Math.Max(Math.Ceiling(_thresholds.MinCount * batch), Math.Ceiling(quantile)), Math.Ceiling(_thresholds.MinRatio * expected));
        _threshold = t >= int.MaxValue - 1 ? int.MaxValue - 1 : (int)t;
    }

    /// <summary>The slot's predicted level (before the recent-activity factor) and its effective samples.</summary>
    private double Predicted(int slot, long bucket, out double effective)
    {
        var own = _samples[slot];
        effective = Math.Min(own, BaselineMath.MaxEffectiveSamples);
        if (_variant.ProfileWeight == 0 || own == 0)
        {
            return BaselineMath.PredictedLevel(_levels, _samples, slot);
        }

        var profile = _profile?.At(bucket * _bucket);
        if (profile is null || !(profile[slot] >= 0))
        {
            return BaselineMath.PredictedLevel(_levels, _samples, slot);
        }

        // The key's rate relative to the population: Σ n_s·level_s / Σ n_s·p_s over its slots with samples.
        double numerator = 0, denominator = 0;
        if (_variant.RateMemory > 0)
        {
            numerator = _rateObserved;
            denominator = _rateExpected;
        }

        for (var s = 0; s < Slots && _variant.RateMemory == 0; s++)
        {
            var n = Math.Min(_samples[s], BaselineMath.MaxEffectiveSamples);
            if (n > 0 && profile[s] >= 0)
            {
                numerator += n * _levels[s];
                denominator += n * profile[s];
            }
        }

        if (!(denominator > 0))
        {
            return BaselineMath.PredictedLevel(_levels, _samples, slot);
        }

        var prior = numerator / denominator * profile[slot];
        var w = _variant.ProfileWeight;
        var level = ((effective * _levels[slot]) + (w * prior)) / (effective + w);
        effective += w;
        return level;
    }

    /// <summary><see cref="BaselineMath.UpdateDispersion"/> with the level error of <paramref name="effective"/> samples.</summary>
    private void UpdateDispersion(double level, double count, double batch, double effective)
    {
        var poisson = batch / level;
        var phi = (double)_dispersion;
        var residual = (count - level) / Math.Sqrt(1 + (1 / Math.Max(1, effective)));
        var variance = BaselineMath.Variance(level, batch, phi);
        var m2 = level * level;
        var cap = residual < 0 && _variant.DownCap > 0 ? _variant.DownCap * _variant.DownCap * variance : BaselineMath.DispersionCap * variance;
        var u = ((Math.Min(residual * residual, cap) - (batch * level)) / m2)
            + (variance / m2 * BaselineMath.CapLoss(Math.Min(BaselineMath.MaxSkew, BaselineMath.ThirdCumulant(level, batch, phi) / (variance * Math.Sqrt(variance)))));
        var w = 1 / ((phi + poisson) * (phi + poisson));
        var keep = _variant.DispersionMemory > 0 ? _variant.DispersionMemory : BaselineMath.DispersionMemory;
        _dispersionSum = (float)((keep * _dispersionSum) + (w * u));
        _dispersionWeight = (float)((keep * _dispersionWeight) + w);
        _dispersion = BaselineMath.Dispersion(_dispersionSum, _dispersionWeight, phi);
    }

    /// <summary>
    /// The grid estimator: the count (winsorized at m + Kσ, σ the predictive scale at the current estimate; ψ taken as 1)
    /// adds its negative-binomial log-likelihood at every grid φ, with the level's relative error (φ + 1/m)/n in the
    /// effective dispersion; the estimate is the posterior mean (or geometric mean) under the grid prior.
    /// </summary>
    private void UpdateDispersionByGrid(double m, int count, double batch, double effective)
    {
        var psi = 1.0;
        if (_variant.GridBatch && batch > 1)
        {
            // The count in batches: x/ψ with mean m/ψ has variance m/ψ + φ(m/ψ)² (and the level error (φ + ψ/m)/n).
            m /= batch;
            count = (int)Math.Round(count / batch);
            psi = batch;
        }

        var n = Math.Max(1, effective);
        var x = Winsorized(m, count, n, _variant.GridWinsor, _variant.GridDown, out _, out _);
        var keep = _variant.DispersionMemory > 0 ? _variant.DispersionMemory : BaselineMath.DispersionMemory;
        if (_variant.GridBlend > 0)
        {
            // The moments estimator on its own φ̂ (its weights and cap), then the blended estimate is restored.
            var blended = _dispersion;
            _dispersion = _momentsDispersion;
            UpdateDispersion(m, count, batch, effective);
            _momentsDispersion = _dispersion;
            _dispersion = blended;
        }

        if (_variant.GridSourceCores)
        {
            // The src core takes the count and its mean in activities with ψ and divides itself (eleventh session):
            // the winsorized count in batches is turned back into activities, x·ψ rounded, so the core sees x/ψ within
            // the last bits of the learned ψ (not exactly 3 at --batch 3: its float sums give 3 ± 5e-6, so the core
            // takes its continuous log Γ path where the reference takes the rounded integer). ψ = 1: m and x exactly.
            GridEvidenceMath.Update(ref _evidence, keep, m * psi, (int)Math.Round(x * psi), n, psi);
        }
        else
        {
            DispersionGrid.Add(_gridSums!, keep, m, x, n);
        }

        _gridInformed = true;
        RefreshGrid();
    }

    /// <summary>The count winsorized at m + up·σ and (when <paramref name="down"/> &gt; 0) at m − down·σ, σ² the predictive
    /// variance m + φm²(1 + v) + m²v at the current φ̂ with the level's relative error v = (φ̂ + 1/m)/n (ψ taken as 1).</summary>
    private int Winsorized(double m, int count, double n, double up, double down, out double v, out double variance)
    {
        var phi = (double)_dispersion;
        v = (phi + (1 / m)) / n;
        variance = m + (phi * m * m * (1 + v)) + (m * m * v);
        var x = Math.Min(count, (int)Math.Floor(m + (up * Math.Sqrt(variance))));
        return down > 0 ? Math.Max(x, (int)Math.Ceiling(m - (down * Math.Sqrt(variance)))) : x;
    }

    /// <summary>Recomputes the grid posterior and the estimate (after new data or a new prior).</summary>
    public void RefreshGrid()
    {
        if (_posterior is null || !_gridInformed)
        {
            return;
        }

        if (_variant.GridSourceCores)
        {
            var mean = GridEvidenceMath.PosteriorMean(_evidence, GridLogPrior ?? UniformLogPrior, _posterior);
            _dispersion = (float)(_variant.GridGeometric ? DispersionGrid.GeometricMean(_posterior) : mean);
            return;
        }

        DispersionGrid.Posterior(_gridSums!, GridLogPrior ?? (_variant.GridLevelStep > 0 ? LevelPrior(_variant.GridLevelStep, _variant.GridLevelOffset) : _variant.GridFixedPrior ? FixedLogPrior : null), _posterior);
        var grid = _variant.GridGeometric ? DispersionGrid.GeometricMean(_posterior) : DispersionGrid.Mean(_posterior);
        _dispersion = (float)(_variant.GridBlend > 0 ? (_variant.GridBlend * grid) + ((1 - _variant.GridBlend) * _momentsDispersion) : grid);
    }

    /// <summary>The prior information of the score estimator: 5 buckets of m = 10 at φ = 0.1, as the moments' prior.</summary>
    private const double ScorePriorInformation = BaselineMath.DispersionPriorBuckets / (2 * 0.2 * 0.2);

    /// <summary>
    /// A recursive maximum-likelihood update of φ (Fisher scoring with discounted information, as in stochastic
    /// approximation): the count is taken as negative binomial with mean m and the predictive variance
    /// ψm + φm²(1 + v) + m²v, v = (φ + ψ/m)/n the level's relative error, i.e. an effective dispersion
    /// φₑ = (variance − m)/m²; the score of φₑ is Σ_{j&lt;x} 1/(r + j) + ln(r/(r + m)) + (m − x)/(r + m) times −r²
    /// (r = 1/φₑ), mapped to φ by dφₑ/dφ = 1 + v + (φ + 1)/n; its information is approximated by 1/(2(φₑ + 1/m)²)
    /// (the moments' weight). The count is winsorized at m + 4σ (bounded influence of a missed burst). ψ is taken as 1.
    /// </summary>
    private void UpdateDispersionByScore(double m, int count, double batch, double effective)
    {
        _ = batch;
        var phi = (double)_dispersion;
        var n = Math.Max(1, effective);
        var x = Winsorized(m, count, n, 4, _variant.DownCap, out var v, out var variance);
        var phiE = Math.Max(1e-4, (variance - m) / (m * m));
        var r = 1 / phiE;

        double harmonic = 0;
        for (var j = 0; j < x; j++)
        {
            harmonic += 1 / (r + j);
        }

        var dr = harmonic + Math.Log(r / (r + m)) + ((m - x) / (r + m));
        var dPhiE = -r * r * dr;
        var chain = 1 + v + ((phi + 1) / n);
        var score = dPhiE * chain;
        var info = chain * chain / (2 * (phiE + (1 / m)) * (phiE + (1 / m)));
        _information = (BaselineMath.DispersionMemory * _information) + info;
        _dispersion = (float)Math.Clamp(phi + (score / _information), 0, BaselineMath.MaxDispersion);
    }
}
