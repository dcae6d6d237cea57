using System.Globalization;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>How the dispersion φ is estimated in <see cref="ProfileBaselineModel"/>.</summary>
internal enum DispersionEstimator
{
    /// <summary>The shipped winsorized, consistency-corrected method of moments (<see cref="BaselineMath.UpdateDispersion"/>).</summary>
    Moments,

    /// <summary>A recursive maximum-likelihood (score) update of the negative binomial's φ (Fisher-scoring step with
    /// discounted information), the count's predictive variance including the level's error.</summary>
    Score,

    /// <summary>The discounted negative-binomial likelihood on a fixed grid of φ values (<see cref="DispersionGrid"/>):
    /// the posterior mean under a fixed mixture prior over the grid (fifth issue-15 session).</summary>
    Grid,
}

/// <summary>
/// One variant of the population-profile experiment (issue 15).
/// </summary>
/// <param name="ProfileWeight">W: the weight, in samples, of the key's rate × the population profile in a slot's
/// predicted level; 0 = the shipped neighbour pooling (the experiment model then reproduces the shipped model).</param>
/// <param name="CountPrior">Whether the dispersion's level-error correction and the predictive distribution's level term
/// count the shrunk level's effective samples (min(n, 19) + W) instead of the slot's own n.</param>
/// <param name="Estimator">The dispersion estimator.</param>
internal sealed record ProfileVariant(double ProfileWeight, bool CountPrior, DispersionEstimator Estimator)
{
    /// <summary>Diagnostic (an oracle, not a candidate): φ is fixed at the population's true CV² instead of learned.</summary>
    public bool TrueDispersion { get; init; }

    /// <summary>With <see cref="TrueDispersion"/>: φ is fixed at this multiple of the true CV² (<c>truephi=1.12</c>: the
    /// learned φ̂'s median bias without its spread). 1 by default.</summary>
    public double TrueDispersionScale { get; init; } = 1;

    /// <summary>When positive, the key's rate R is not Σ n_s·level_s / Σ n_s·p_s over its slot levels but a discounted
    /// ratio Σ x_q / Σ p_q over every closed bucket q (quiet ones included; counts clipped at the prediction + 2.5σ),
    /// with this memory in buckets (hours): two floats per key, so the prior follows the key's drift within days.</summary>
    public double RateMemory { get; init; }

    /// <summary>When positive, a residual below the prediction is capped at this many scales before it informs the
    /// dispersion (drops — holidays, outages — are not what is detected, as in the level's asymmetric clip); 0: the
    /// shipped symmetric cap at 3 scales.</summary>
    public double DownCap { get; init; }

    /// <summary>Whether the dispersion's residual is taken against the prediction × the recent-activity factor
    /// <em>without</em> its floor of 1 (in [0, 2]): a holiday or a quiet day lowers the expectation the hour is compared
    /// with, so the day's drop is not counted as hourly spread. The threshold still uses the factor with its floor.</summary>
    public bool DropsInFactor { get; init; }

    /// <summary>When positive, the threshold's φ is the key's φ̂ shrunk toward the population's (the keys' φ̂ weighted
    /// by their information Σw, frozen at each day start as the profile is), the population's worth this many buckets
    /// of m = 10: (Σw·φ̂ + P·φ_pop) / (Σw + P), P = B / (φ_pop + 0.1)².</summary>
    public double PooledDispersion { get; init; }

    /// <summary>Empirical-Bayes pooling of φ (<c>pool=eb</c>): each key's φ̂ (sampling variance 1.5 · 2/Σw) is shrunk toward
    /// the population's φ with the between-key variance τ² estimated from the keys' spread (method of moments, at least
    /// (0.1·φ_pop)²), so a population of mixed burstiness is pooled little and a homogeneous one much.</summary>
    public bool EmpiricalBayesPool { get; init; }

    /// <summary>When positive (<c>local=R</c>), the population's φ a key is shrunk toward (with the weight of
    /// <see cref="PooledDispersion"/>) is the Σw-weighted mean φ̂ of the keys whose φ̂ lies within a factor R of the key's
    /// own (a local, kernel prior: keys of another burstiness do not take part), frozen per day.</summary>
    public double LocalPoolRatio { get; init; }

    /// <summary>When positive, the dispersion sums' discount per informative bucket (shipped 0.99; only with
    /// <see cref="CountPrior"/>).</summary>
    public double DispersionMemory { get; init; }

    /// <summary>When positive, a bucket is left out of the dispersion while the recent-activity factor without its
    /// floor is below this (a holiday or a quiet day: its drop is not the key's hourly spread).</summary>
    public double SkipQuiet { get; init; }

    /// <summary>Diagnostic (an oracle, not a candidate; <c>truelevel</c>): the dispersion's residual is taken against the
    /// generator's true seasonal expectation of the bucket (drift included) with no level error, so φ̂'s spread is its
    /// sampling spread alone; the threshold still uses the learned level.</summary>
    public bool TrueLevelForDispersion { get; init; }

    /// <summary>Diagnostic (not a candidate): no recent-activity factor (it is 1).</summary>
    public bool NoRecentFactor { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>gq=Q</c>): the threshold uses the posterior quantile Q of φ
    /// instead of the posterior mean (a conservative φ whose margin shrinks as the key's evidence grows); 0: the mean.</summary>
    public double GridQuantile { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>gwin=K</c>): the count is winsorized at m + Kσ before it
    /// informs the likelihood (σ at the current estimate); 4 by default.</summary>
    public double GridWinsor { get; init; } = 4;

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>gpsi</c>, ninth session): the likelihood is that of the count
    /// in batches, x/ψ (rounded) with mean m/ψ, so a key whose activities come in batches (ψ &gt; 1) does not read its batch
    /// variance (ψ − 1)m as dispersion; without it ψ is taken as 1.</summary>
    public bool GridBatch { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>gdown=K</c>): the count is also winsorized from below at
    /// m − Kσ (a holiday's or an outage's near-zero count is not evidence of a large φ: the Poisson-like lower tail of a
    /// small φ makes the likelihood very sensitive to drops); 0: not.</summary>
    public double GridDown { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>blend=B</c>): the key also runs the moments estimator, and
    /// its φ is B × the grid's posterior mean + (1 − B) × the moments' φ̂ (two estimators of partly independent error;
    /// the moments' sums are updated with their own φ̂); 0: the grid alone.</summary>
    public double GridBlend { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>glevels=S</c>, <c>goffset=O</c>): a fixed sparse mixture
    /// prior, equal weights on the grid points O, O + S, O + 2S, … only (S = 4: a factor 2.07 apart) — the posterior mean
    /// then sits on a level once the key's evidence is clear and between two levels while it is not; 0: every point.</summary>
    public int GridLevelStep { get; init; }

    /// <summary>The first grid point of <see cref="GridLevelStep"/>'s levels.</summary>
    public int GridLevelOffset { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>geo</c>): the estimate is the posterior geometric mean
    /// (exp of the mean of log φ) instead of the mean.</summary>
    public bool GridGeometric { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>gprior=B</c>): a fixed prior, log-normal around
    /// φ = 0.2 with a log-sd of 1 (a weak prior covering 0.03–1.5), instead of the log-uniform one; B is unused (1).</summary>
    public bool GridFixedPrior { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>ebmix</c>, cross-key: needs the coordinator plumbing): the
    /// grid prior is the population's mixture, estimated by EM over the keys' posteriors at each day start.</summary>
    public bool GridEmpiricalBayes { get; init; }

    /// <summary>With <see cref="GridEmpiricalBayes"/> (<c>ebiter=N</c>): EM steps per day start (5 by default; 1 is what a
    /// day barrier exchanging one summed posterior vector per partition computes).</summary>
    public int GridEmpiricalBayesIterations { get; init; } = 5;

    /// <summary>With <see cref="GridEmpiricalBayes"/> (<c>eblag</c>, eighth session): the prior estimated at a day start is
    /// applied only from the next day start (keys use the prior of the day before meanwhile): what an engine computes
    /// when partitions send their posterior sums with a batch's output instead of splitting the batch at the day start.</summary>
    public bool GridEmpiricalBayesLag { get; init; }

    /// <summary>With <see cref="DispersionEstimator.Grid"/> (<c>gsrc</c>, tenth session): the grid evidence, its posterior
    /// mean and the mixture prior's EM step by the engine's cores in <c>src/AlertEngine/Triggers/Anomaly/</c>
    /// (<c>GridEvidence</c>: 16-bit sums; <c>GridPriorTotals</c>/<c>GridPrior</c>/<c>LaggedGridPrior</c>: integer
    /// totals, one EM step) instead of the harness's double sums. Posterior mean only, one EM step per day.</summary>
    public bool GridSourceCores { get; init; }

    /// <summary>With the moments (<c>ucb=C</c>): the threshold's φ is φ̂ + C·√(3 / (Σw + w₀)), an upper confidence bound
    /// whose margin shrinks as the key's information grows.</summary>
    public double UpperBound { get; init; }

    /// <summary>The shipped model.</summary>
    public static ProfileVariant Shipped { get; } = new(0, false, DispersionEstimator.Moments);

    /// <summary>Parses <c>shipped</c>, <c>score</c>, or <c>profile:W[:prior][:score]</c>.</summary>
    public static ProfileVariant Parse(string text)
    {
        var parts = text.Split(':');
        var estimator = Array.IndexOf(parts, "score") >= 0 ? DispersionEstimator.Score : Array.IndexOf(parts, "grid") >= 0 ? DispersionEstimator.Grid : DispersionEstimator.Moments;
        var variant = parts[0] switch
        {
            "shipped" or "score" => Shipped with { Estimator = estimator },
            "profile" => new ProfileVariant(double.Parse(parts[1], CultureInfo.InvariantCulture), Array.IndexOf(parts, "prior") >= 0, estimator),
            _ => throw new ArgumentException($"unknown variant {text}"),
        };
        return variant with { TrueDispersion = Array.IndexOf(parts, "truephi") >= 0 || Option(parts, "truephi=") > 0, TrueDispersionScale = Option(parts, "truephi=") > 0 ? Option(parts, "truephi=") : 1, NoRecentFactor = Array.IndexOf(parts, "norecent") >= 0, RateMemory = Option(parts, "rate="), DownCap = Option(parts, "down="), DropsInFactor = Array.IndexOf(parts, "drops") >= 0, PooledDispersion = Array.IndexOf(parts, "pool=eb") >= 0 ? 0 : Option(parts, "pool="), EmpiricalBayesPool = Array.IndexOf(parts, "pool=eb") >= 0, DispersionMemory = Option(parts, "mem="), SkipQuiet = Option(parts, "quiet="), LocalPoolRatio = Option(parts, "local="), GridQuantile = Option(parts, "gq="), GridWinsor = Option(parts, "gwin=") > 0 ? Option(parts, "gwin=") : 4, GridGeometric = Array.IndexOf(parts, "geo") >= 0, GridDown = Option(parts, "gdown="), GridBlend = Option(parts, "blend="), GridLevelStep = (int)Option(parts, "glevels="), GridLevelOffset = (int)Option(parts, "goffset="), TrueLevelForDispersion = Array.IndexOf(parts, "truelevel") >= 0, GridFixedPrior = Option(parts, "gprior=") > 0, GridEmpiricalBayes = Array.IndexOf(parts, "ebmix") >= 0, GridEmpiricalBayesIterations = Option(parts, "ebiter=") > 0 ? (int)Option(parts, "ebiter=") : 5, GridEmpiricalBayesLag = Array.IndexOf(parts, "eblag") >= 0, GridSourceCores = Array.IndexOf(parts, "gsrc") >= 0, UpperBound = Option(parts, "ucb="), GridBatch = Array.IndexOf(parts, "gpsi") >= 0 };
    }

    private static double Option(string[] parts, string name)
    {
        foreach (var p in parts)
        {
            if (p.StartsWith(name, StringComparison.Ordinal))
            {
                return double.Parse(p[name.Length..], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>A short description for the tables.</summary>
    public override string ToString()
    {
        var estimator = (Estimator == DispersionEstimator.Score ? ", φ by score (ML)" : "")
            + (Estimator == DispersionEstimator.Grid ? string.Create(CultureInfo.InvariantCulture, $", φ by grid likelihood ({(GridEmpiricalBayes ? (GridEmpiricalBayesIterations == 5 ? "EB mixture prior across keys" : $"EB mixture prior across keys, {GridEmpiricalBayesIterations} EM step per day") : GridLevelStep > 0 ? "fixed sparse mixture prior" : GridFixedPrior ? "fixed log-normal prior" : "log-uniform prior")}, posterior {(GridGeometric ? "geometric mean" : "mean")}{(GridQuantile > 0 ? $", threshold at its {GridQuantile} quantile" : "")}{(GridBatch ? ", likelihood of x/ψ" : "")}{(GridWinsor != 4 ? $", counts winsorized at {GridWinsor}σ" : "")}{(GridDown > 0 ? $", drops winsorized at {GridDown}σ" : "")}{(GridBlend > 0 ? $", blended {GridBlend}:{1 - GridBlend} with the moments' φ̂" : "")}{(GridLevelStep > 0 ? $", prior on the levels {string.Join("/", Enumerable.Range(0, DispersionGrid.Size).Where(k => k % GridLevelStep == GridLevelOffset % GridLevelStep).Select(k => DispersionGrid.Values[k].ToString("0.000", CultureInfo.InvariantCulture)))} only" : "")})") : "")
            + (GridEmpiricalBayesLag ? ", EB prior applied a day later" : "")
            + (UpperBound > 0 ? string.Create(CultureInfo.InvariantCulture, $", threshold φ̂ + {UpperBound}·√(3/(Σw + w₀))") : "")
            + (RateMemory > 0 ? string.Create(CultureInfo.InvariantCulture, $", key rate from all buckets, memory {RateMemory} h") : "")
            + (DownCap > 0 ? string.Create(CultureInfo.InvariantCulture, $", drops capped at {DownCap}σ in φ") : "")
            + (DropsInFactor ? ", φ's residual against the unfloored recent factor" : "")
            + (PooledDispersion > 0 ? string.Create(CultureInfo.InvariantCulture, $", φ shrunk toward the {(LocalPoolRatio > 0 ? $"φ̂ of keys within a factor {LocalPoolRatio} of the key's" : "population's")}, worth {PooledDispersion} buckets") : "")
            + (EmpiricalBayesPool ? ", φ shrunk toward the population's (empirical Bayes, τ² estimated)" : "")
            + (DispersionMemory > 0 ? string.Create(CultureInfo.InvariantCulture, $", φ memory {DispersionMemory} per bucket") : "")
            + (SkipQuiet > 0 ? string.Create(CultureInfo.InvariantCulture, $", buckets left out of φ while the unfloored recent factor < {SkipQuiet}") : "")
            + (TrueDispersion ? (TrueDispersionScale == 1 ? ", oracle: true φ" : string.Create(CultureInfo.InvariantCulture, $", oracle: {TrueDispersionScale} × true φ")) : "") + (NoRecentFactor ? ", no recent factor" : "") + (TrueLevelForDispersion ? ", oracle: φ's residual against the true expectation" : "");
        if (ProfileWeight == 0)
        {
            return "shipped (neighbour pooling 10)" + estimator;
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"population profile, W {ProfileWeight}, level error of {(CountPrior ? "n + W" : "n")} samples{estimator}");
    }
}
