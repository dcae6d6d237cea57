using System.Diagnostics;
using System.Globalization;
using System.Text;
using AlertEngine.Testing;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// The population-profile experiment of issue 15 (fourth session), an option of the evaluation command:
/// <c>anomaly-eval-dispersion --profile-experiment [--users N] [--first-seed S] [--variants V,V,...] [--z-list Z,Z,...] [--sensitivity low|medium|high] [--details] [--mixed] [--check] [--out file]</c>.
/// <c>--sensitivity</c> (ninth session): the gates (MinCount, MinRatio) of that level with the row's Z (default medium);
/// <c>--details</c>: a per-population table with recall 3x/5x/10x, precision and detection delay as well.
/// Runs <see cref="ProfileBaselineModel"/> (a single-key copy of the shipped model with a population day-shape prior
/// learned from the data, <see cref="PopulationProfile"/>) on the populations of <see cref="AnomalyDispersionEvaluation"/>
/// at medium's gates, one Z for all populations per row, and prints the issue's five target metrics per variant and Z.
/// Variants: <c>shipped</c>, <c>score</c> (shipped with φ by the score update), <c>profile:W[:option]…</c> (W the
/// prior's weight in samples). Options (see <see cref="ProfileVariant"/>): <c>prior</c> (the level error counts n + W
/// samples), <c>score</c> (φ by the score update), <c>rate=H</c>, <c>down=K</c>, <c>mem=D</c>, <c>drops</c>,
/// <c>quiet=F</c>, <c>pool=B</c> / <c>pool=eb</c> (φ pooled across keys), and the diagnostics <c>truephi</c> (an
/// oracle) and <c>norecent</c>; fifth session (the per-key φ̂, <see cref="DispersionGrid"/>): <c>grid</c> with
/// <c>gq=Q</c>, <c>geo</c>, <c>gwin=K</c>, <c>gdown=K</c>, <c>blend=B</c>, <c>glevels=S</c>/<c>goffset=O</c>, <c>ebmix</c>
/// (cross-key) with <c>ebiter=N</c>, <c>ucb=C</c> for the moments, and the oracle <c>truelevel</c>. <c>--mixed</c>: one tenant of half steady, half bursty users (the pooling's test).
/// <c>--check</c>: asserts that the copy with <c>shipped</c> fires on exactly the activities the shipped
/// <see cref="BaselineModel{T}"/> fires on (every trace, anomaly-free and with bursts, medium) and stops.
/// </summary>
internal static class ProfileExperiment
{
    private static readonly (string Name, double Cv)[] Populations = [("steady", 0.35), ("burstier", 0.5), ("bursty", 0.71)];

    private static readonly (double Multiplier, int MinExtra)[] Bursts = [(3, 8), (5, 15), (10, 25)];

    /// <summary>The command line's text of each variant (the <c>--details</c> table names variants by it).</summary>
    private static readonly Dictionary<ProfileVariant, string> Specs = [];

    /// <summary><c>--batch B</c> (ninth session, the batch factor ψ): every generated activity becomes B activities with the
    /// same timestamp (so ψ = B exactly, the counts' variance Bm + φm² with the true φ unchanged); a batch that makes the
    /// model fire counts as one detection. 1 (default): the traces as generated.</summary>
    private static int Batch = 1;

    public static int Run(string[] args)
    {
        var users = 500;
        var weeks = 4;
        var firstSeed = 10001;
        string? output = null;
        var check = false;
        var mixed = false;
        var variants = new List<ProfileVariant> { ProfileVariant.Shipped };
        var zs = new List<double> { 4.0 };
        var sensitivity = AnomalySensitivity.Medium;
        var details = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--profile-experiment": break;
                case "--users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--weeks": weeks = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--first-seed": firstSeed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                case "--check": check = true; break;
                case "--mixed": mixed = true; break;
                case "--variants":
                    variants = [];
                    foreach (var spec in args[++i].Split(','))
                    {
                        var parsed = ProfileVariant.Parse(spec);
                        variants.Add(parsed);
                        Specs[parsed] = spec;
                    }

                    break;
                case "--z-list": zs = [.. args[++i].Split(',').Select(z => double.Parse(z, CultureInfo.InvariantCulture))]; break;
                case "--sensitivity": sensitivity = Enum.Parse<AnomalySensitivity>(args[++i], ignoreCase: true); break;
                case "--details": details = true; break;
                case "--batch": Batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }

        var clock = Stopwatch.StartNew();
        var inv = CultureInfo.InvariantCulture;
        var bursts = new BurstSpec[Bursts.Length];
        for (var b = 0; b < Bursts.Length; b++)
        {
            bursts[b] = BurstSpec.Times(Bursts[b].Multiplier, 1, minExpected: Bursts[b].MinExtra / (Bursts[b].Multiplier - 1));
        }

        if (mixed)
        {
            return RunMixed(users, weeks, firstSeed, bursts, variants, zs, sensitivity, details, output, args, clock);
        }

        var data = new List<(string Name, double Cv, LabelledActivityTrace[] Free, PopulationProfile FreeProfile, LabelledActivityTrace[] Injected, PopulationProfile InjectedProfile)>();
        foreach (var (name, cv) in Populations)
        {
            var shape = 1 / (cv * cv);
            var normal = new ActivityStreamOptions { Weeks = weeks, DayShape = 0, HourShape = shape };
            var injected = new ActivityStreamOptions { Weeks = weeks, DayShape = 0, HourShape = shape, Bursts = bursts };
            var free = new LabelledActivityTrace[users];
            var withBursts = new LabelledActivityTrace[users];
            for (var u = 0; u < users; u++)
            {
                free[u] = AnomalyStreamGenerator.Generate(firstSeed + u, normal);
                withBursts[u] = AnomalyStreamGenerator.Generate(firstSeed + u, injected);
            }

            data.Add((name, cv, free, PopulationProfile.Build(free, Batch), withBursts, PopulationProfile.Build(withBursts, Batch)));
        }

        if (check)
        {
            return Check(data.SelectMany(d => d.Free.Concat(d.Injected)).ToArray());
        }

        var report = new StringBuilder();
        var variantOption = string.Join(',', args.SkipWhile(a => a != "--variants").Skip(1).Take(1));
        report.AppendLine("# Unusual-activity detection: a population day-shape profile (issue 15, experiment)");
        report.AppendLine();
        report.AppendLine(inv, $"Command: `dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-eval-dispersion --profile-experiment --users {users} --weeks {weeks} --first-seed {firstSeed} --variants {variantOption} --z-list {string.Join(',', zs.Select(z => z.ToString(inv)))}{(sensitivity != AnomalySensitivity.Medium ? " --sensitivity " + sensitivity.ToString().ToLowerInvariant() : "")}{(details ? " --details" : "")}{(Batch != 1 ? " --batch " + Batch.ToString(inv) : "")}`.");
        report.AppendLine(inv, $"Populations of `anomaly-eval-dispersion` (seeds {firstSeed}..{firstSeed + users - 1}, {weeks} weeks, hourly, learning 7 days), {Gates(sensitivity)}, one Z for all populations per row.");
        report.AppendLine("Model: `ProfileBaselineModel`, a single-key copy of the shipped model (identical detections for `shipped`, `--check`); the profile: integer counts per hour-of-day × weekday/weekend slot over all users, frozen at each UTC day start.");
        report.AppendLine("FA: false alerts per 1,000 user-days after learning on the anomaly-free streams. Targets (medium's; \"all targets\" is evaluated at medium only): steady FA ≤ 1, 5x ≥ 0.85, 10x ≥ 0.95; bursty FA ≤ 2, 10x ≥ 0.9.");
        report.AppendLine();
        var detailLines = new List<string>();
        report.AppendLine("| variant | Z | steady FA | steady 5x | steady 10x | burstier FA | burstier 5x | burstier 10x | bursty FA | bursty 10x | φ̂ median steady / bursty (true 0.123 / 0.504) | φ̂ / true, p10–p90, steady / bursty | all targets |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|");
        foreach (var variant in variants)
        {
            foreach (var z in zs)
            {
                var thresholds = AnomalyThresholds.For(sensitivity) with { Z = z };
                var cells = new List<(double Fa, double R5, double R10, double Phi, string Spread)>();
                foreach (var d in data)
                {
                    var f = Evaluate(d.Free, d.FreeProfile, variant, thresholds, d.Cv * d.Cv);
                    var r = Evaluate(d.Injected, d.InjectedProfile, variant, thresholds, d.Cv * d.Cv);
                    cells.Add((1000.0 * f.FalseAlerts / f.UserDays, r.Recall("5x-1h"), r.Recall("10x-1h"), Median(f.Dispersions), Spread(f.Dispersions, d.Cv * d.Cv)));
                    detailLines.Add(DetailLine(variant, z, d.Name, f, r));
                }

                var (s, m, b) = (cells[0], cells[1], cells[2]);
                var ok = s.Fa <= 1 && s.R5 >= 0.85 && s.R10 >= 0.95 && b.Fa <= 2 && b.R10 >= 0.9;
                var line = string.Create(inv, $"| {variant} | {z:0.00} | {s.Fa:0.00} | {s.R5:0.000} | {s.R10:0.000} | {m.Fa:0.00} | {m.R5:0.000} | {m.R10:0.000} | {b.Fa:0.00} | {b.R10:0.000} | {s.Phi:0.000} / {b.Phi:0.000} | {s.Spread} / {b.Spread} | {TargetCell(sensitivity, ok)} |");
                report.AppendLine(line);
                Console.Error.WriteLine(line);
            }
        }

        AppendDetails(report, details, detailLines);
        report.AppendLine();
        report.AppendLine(inv, $"Elapsed: {clock.Elapsed.TotalSeconds:0} s.");
        return EvaluationReport.Publish(report, output);
    }

    /// <summary><c>--mixed</c>: one tenant whose first half of users is steady (CV 0.35) and second half bursty (CV 0.71),
    /// so the profile and any pooling see both; the metrics per half.</summary>
    private static int RunMixed(int users, int weeks, int firstSeed, BurstSpec[] bursts, List<ProfileVariant> variants, List<double> zs, AnomalySensitivity sensitivity, bool details, string? output, string[] args, Stopwatch clock)
    {
        var inv = CultureInfo.InvariantCulture;
        var free = new LabelledActivityTrace[users];
        var injected = new LabelledActivityTrace[users];
        var groups = new int[users];
        var phis = new double[users];
        for (var u = 0; u < users; u++)
        {
            var cv = u < users / 2 ? 0.35 : 0.71;
            groups[u] = u < users / 2 ? 0 : 1;
            phis[u] = cv * cv;
            free[u] = AnomalyStreamGenerator.Generate(firstSeed + u, new ActivityStreamOptions { Weeks = weeks, DayShape = 0, HourShape = 1 / (cv * cv) });
            injected[u] = AnomalyStreamGenerator.Generate(firstSeed + u, new ActivityStreamOptions { Weeks = weeks, DayShape = 0, HourShape = 1 / (cv * cv), Bursts = bursts });
        }

        var freeProfile = PopulationProfile.Build(free, Batch);
        var injectedProfile = PopulationProfile.Build(injected, Batch);
        var report = new StringBuilder();
        report.AppendLine("# Unusual-activity detection: a population day-shape profile in a tenant of mixed burstiness (issue 15, experiment)");
        report.AppendLine();
        report.AppendLine(inv, $"Command: `dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-eval-dispersion --profile-experiment --mixed {string.Join(' ', args.Where(a => a is not ("--profile-experiment" or "--mixed")))}`.");
        report.AppendLine(inv, $"One tenant: seeds {firstSeed}..{firstSeed + (users / 2) - 1} steady (hourly CV 0.35), {firstSeed + (users / 2)}..{firstSeed + users - 1} bursty (CV 0.71); the profile and the pooled dispersion are learned over all of them; metrics per half. {Gates(sensitivity)}, one Z per row.");
        report.AppendLine();
        var detailLines = new List<string>();
        report.AppendLine("| variant | Z | steady FA | steady 5x | steady 10x | bursty FA | bursty 10x | φ̂ median steady / bursty | φ̂ / true, p10–p90, steady / bursty | steady keys with final φ̂ > 1.5 φ: anomaly-free / with bursts | all targets |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|---|---|---|");
        foreach (var variant in variants)
        {
            foreach (var z in zs)
            {
                var thresholds = AnomalyThresholds.For(sensitivity) with { Z = z };
                var f = Evaluate(free, freeProfile, variant, thresholds, phis, groups, 2);
                var r = Evaluate(injected, injectedProfile, variant, thresholds, phis, groups, 2);
                detailLines.Add(DetailLine(variant, z, "steady half", f[0], r[0]));
                detailLines.Add(DetailLine(variant, z, "bursty half", f[1], r[1]));
                var (sFa, s5, s10) = (1000.0 * f[0].FalseAlerts / f[0].UserDays, r[0].Recall("5x-1h"), r[0].Recall("10x-1h"));
                var (bFa, b10) = (1000.0 * f[1].FalseAlerts / f[1].UserDays, r[1].Recall("10x-1h"));
                var ok = sFa <= 1 && s5 >= 0.85 && s10 >= 0.95 && bFa <= 2 && b10 >= 0.9;
                var line = string.Create(inv, $"| {variant} | {z:0.00} | {sFa:0.00} | {s5:0.000} | {s10:0.000} | {bFa:0.00} | {b10:0.000} | {Median(f[0].Dispersions):0.000} / {Median(f[1].Dispersions):0.000} | {Spread(f[0].Dispersions, 0.35 * 0.35)} / {Spread(f[1].Dispersions, 0.71 * 0.71)} | {Above(f[0].Dispersions, 1.5 * 0.35 * 0.35):0.000} / {Above(r[0].Dispersions, 1.5 * 0.35 * 0.35):0.000} | {TargetCell(sensitivity, ok)} |");
                report.AppendLine(line);
                Console.Error.WriteLine(line);
            }
        }

        AppendDetails(report, details, detailLines);
        report.AppendLine();
        report.AppendLine(inv, $"Elapsed: {clock.Elapsed.TotalSeconds:0} s.");
        return EvaluationReport.Publish(report, output);
    }

    /// <summary>The gates of the sensitivity whose thresholds a run uses (Z is the row's).</summary>
    private static string Gates(AnomalySensitivity sensitivity)
    {
        var t = AnomalyThresholds.For(sensitivity);
        return string.Create(CultureInfo.InvariantCulture, $"{sensitivity.ToString().ToLowerInvariant()}'s gates (MinCount {t.MinCount}, MinRatio {t.MinRatio})");
    }

    private static string TargetCell(AnomalySensitivity sensitivity, bool ok) =>
        sensitivity != AnomalySensitivity.Medium ? "n/a (not medium)" : ok ? "**yes**" : "no";

    /// <summary>One row of the <c>--details</c> table (ninth session): the evaluation command's per-population metrics.</summary>
    private static string DetailLine(ProfileVariant variant, double z, string population, Outcome free, Outcome withBursts)
    {
        var inv = CultureInfo.InvariantCulture;
        var name = "`" + Specs.GetValueOrDefault(variant, "shipped") + "`";
        return string.Create(inv, $"| {name} | {z:0.00} | {population} | {free.UserDays:0} | {1000.0 * free.FalseAlerts / free.UserDays:0.00} | {withBursts.Recall("3x-1h"):0.000} | {withBursts.Recall("5x-1h"):0.000} | {withBursts.Recall("10x-1h"):0.000} | {AnomalyEvaluation.Ratio(withBursts.TruePositives, withBursts.Detections)} | {1000.0 * withBursts.FalseAlerts / withBursts.UserDays:0.00} | {AnomalyEvaluation.Quantile(withBursts.Delays, 0.5)} | {AnomalyEvaluation.Quantile(withBursts.Delays, 0.9)} |");
    }

    private static void AppendDetails(StringBuilder report, bool details, List<string> lines)
    {
        if (!details)
        {
            return;
        }

        report.AppendLine();
        report.AppendLine("Per population (`--details`): FA on the anomaly-free streams and on the streams with bursts (detections outside any burst), per 1,000 user-days after learning; recall per burst size; precision = detections inside a burst / detections on the streams with bursts; delay = first detection − burst start (minutes), all burst sizes.");
        report.AppendLine();
        report.AppendLine("| variant | Z | population | user-days | FA (no bursts) | recall 3x | recall 5x | recall 10x | precision | FA (with bursts) | delay median (min) | delay p90 (min) |");
        report.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var line in lines)
        {
            report.AppendLine(line);
        }
    }

    private sealed class Outcome
    {
        public int FalseAlerts;
        public int Detections;
        public int TruePositives;
        public double UserDays;
        public readonly List<double> Delays = [];
        public readonly Dictionary<string, (int N, int Hit)> ByKind = new(StringComparer.Ordinal);
        public readonly List<double> Dispersions = [];

        public double Recall(string kind) => ByKind.TryGetValue(kind, out var x) && x.N > 0 ? (double)x.Hit / x.N : double.NaN;
    }

    private static Outcome Evaluate(LabelledActivityTrace[] traces, PopulationProfile profile, ProfileVariant variant, AnomalyThresholds thresholds, double trueDispersion) =>
        Evaluate(traces, profile, variant, thresholds, [.. traces.Select(_ => trueDispersion)], new int[traces.Length], 1)[0];

    /// <summary>Runs every trace (one key each) day by day; outcomes per group of traces.</summary>
    private static Outcome[] Evaluate(LabelledActivityTrace[] traces, PopulationProfile profile, ProfileVariant variant, AnomalyThresholds thresholds, double[] trueDispersions, int[] groups, int groupCount)
    {
        var learning = AnomalyTrigger.DefaultLearningPeriod;
        var outcomes = new Outcome[groupCount];
        for (var g = 0; g < groupCount; g++)
        {
            outcomes[g] = new Outcome();
        }

        // Every key advances one UTC day at a time (a day barrier), so what is frozen at a day's start (the profile, the
        // population's dispersion) comes only from activities before it, as the engine would compute it.
        var models = new ProfileBaselineModel[traces.Length];
        var next = new int[traces.Length];
        var hits = new long?[traces.Length][];
        long firstDay = long.MaxValue, lastDay = long.MinValue;
        for (var u = 0; u < traces.Length; u++)
        {
            var trace = traces[u];
            models[u] = new ProfileBaselineModel(variant, profile, thresholds, learning, trueDispersions[u])
            {
                TrueLevel = variant.TrueLevelForDispersion ? b => trace.SeasonalExpectation(new DateTimeOffset(b * TimeSpan.TicksPerHour, TimeSpan.Zero)) : null,
            };
            hits[u] = new long?[traces[u].Anomalies.Count];
            if (traces[u].Events.Count != 0)
            {
                firstDay = Math.Min(firstDay, traces[u].Events[0].Time.UtcTicks / TimeSpan.TicksPerDay);
                lastDay = Math.Max(lastDay, traces[u].Events[^1].Time.UtcTicks / TimeSpan.TicksPerDay);
            }
        }

        double[]? pendingPrior = null;
        var laggedPrior = new LaggedGridPrior();
        for (var day = firstDay; day <= lastDay; day++)
        {
            if (variant.PooledDispersion > 0 || variant.EmpiricalBayesPool)
            {
                double sum = 0, weight = 0;
                foreach (var m in models)
                {
                    sum += m.DispersionInformation * m.Dispersion;
                    weight += m.DispersionInformation;
                }

                var mean = weight > 0 ? sum / weight : double.NaN;

                // τ²: the keys' spread around the mean beyond their sampling variance (keys with some information only).
                double squares = 0, sampling = 0;
                var n = 0;
                foreach (var m in models)
                {
                    if (m.DispersionInformation >= 100)
                    {
                        squares += (m.Dispersion - mean) * (m.Dispersion - mean);
                        sampling += ProfileBaselineModel.SamplingVariance(m.DispersionInformation);
                        n++;
                    }
                }

                var tau2 = n < 10 ? double.NaN : Math.Max((squares - sampling) / n, 0.01 * mean * mean);
                foreach (var m in models)
                {
                    m.PopulationDispersion = mean;
                    m.PopulationDispersionVariance = tau2;
                }

                if (variant.LocalPoolRatio > 0)
                {
                    // Each key's prior: the Σw-weighted mean φ̂ of the keys within a factor R of its own φ̂ (itself included).
                    var own = new double[models.Length];
                    for (var i = 0; i < models.Length; i++)
                    {
                        own[i] = models[i].Dispersion;
                    }

                    for (var i = 0; i < models.Length; i++)
                    {
                        double ls = 0, lw = 0;
                        for (var j = 0; j < models.Length; j++)
                        {
                            var w = models[j].DispersionInformation;
                            if (w > 0 && own[j] <= own[i] * variant.LocalPoolRatio && own[j] * variant.LocalPoolRatio >= own[i])
                            {
                                ls += w * own[j];
                                lw += w;
                            }
                        }

                        models[i].PopulationDispersion = lw > 0 ? ls / lw : double.NaN;
                    }
                }
            }

            if (variant.GridEmpiricalBayes)
            {
                if (variant.GridSourceCores)
                {
                    EstimateGridPriorBySourceCores(models, variant, (int)day, laggedPrior);
                }
                else
                {
                    EstimateGridPrior(models, variant.GridEmpiricalBayesIterations, variant.GridEmpiricalBayesLag, ref pendingPrior);
                }
            }

            var end = (day + 1) * TimeSpan.TicksPerDay;
            for (var u = 0; u < traces.Length; u++)
            {
                var trace = traces[u];
                var model = models[u];
                for (; next[u] < trace.Events.Count && trace.Events[next[u]].Time.UtcTicks < end; next[u]++)
                {
                    var e = trace.Events[next[u]];
                    var fired = false;
                    for (var copy = 0; copy < Batch; copy++)
                    {
                        fired |= model.Observe(e.Time.UtcTicks);
                    }

                    if (!fired)
                    {
                        continue;
                    }

                    var start = new DateTimeOffset(e.Time.UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);
                    var stop = start.AddHours(1);
                    var any = false;
                    foreach (var a in trace.Anomalies)
                    {
                        if (a.Start < stop && start < a.End)
                        {
                            hits[u][a.Index] ??= e.Time.UtcTicks;
                            any = true;
                        }
                    }

                    outcomes[groups[u]].Detections++;
                    if (!any)
                    {
                        outcomes[groups[u]].FalseAlerts++;
                    }
                    else
                    {
                        outcomes[groups[u]].TruePositives++;
                    }
                }
            }
        }

        for (var u = 0; u < traces.Length; u++)
        {
            var trace = traces[u];
            if (trace.Events.Count == 0)
            {
                continue;
            }

            var outcome = outcomes[groups[u]];
            var learned = trace.Events[0].Time + learning;
            outcome.UserDays += Math.Max(0, (trace.End - learned).TotalDays);
            outcome.Dispersions.Add(models[u].Dispersion);
            foreach (var a in trace.Anomalies)
            {
                if (a.Start < learned)
                {
                    continue;
                }

                var k = outcome.ByKind.GetValueOrDefault(a.Kind);
                var first = hits[u][a.Index];
                outcome.ByKind[a.Kind] = (k.N + 1, k.Hit + (first is not null ? 1 : 0));
                if (first is { } ticks)
                {
                    outcome.Delays.Add(TimeSpan.FromTicks(ticks - a.Start.UtcTicks).TotalMinutes);
                }
            }
        }

        return outcomes;
    }

    /// <summary>The empirical-Bayes mixture prior over the dispersion grid (cross-key, a diagnostic of what the coordinator
    /// plumbing would buy): the mixing weights maximizing the marginal likelihood of the keys' discounted grid
    /// likelihoods (a few EM steps from the previous day's weights), floored at 0.1 % per point; every key's posterior is
    /// then recomputed under it.</summary>
    /// <summary>
    /// <see cref="EstimateGridPrior"/> with one EM step by the engine's cores (<c>gsrc</c>): each informed key's posterior
    /// under the prior in force, quantized and summed as integers (<see cref="GridPriorTotals"/>), one step
    /// (<see cref="GridPrior.Estimate"/>); lagged (<c>eblag</c>) through <see cref="LaggedGridPrior"/>.
    /// </summary>
    private static void EstimateGridPriorBySourceCores(ProfileBaselineModel[] models, ProfileVariant variant, int day, LaggedGridPrior state)
    {
        if (variant.GridEmpiricalBayesIterations != 1)
        {
            throw new ArgumentException("gsrc computes one EM step per day start: use ebiter=1.");
        }

        if (variant.GridEmpiricalBayesLag && state.ApplyPending(day))
        {
            Apply(models, state.Current.LogWeights.ToArray());
        }

        var totals = new GridPriorTotals();
        var posterior = new double[DispersionGrid.Size];
        foreach (var m in models)
        {
            if (m.GridInformed)
            {
                GridEvidenceMath.PosteriorMean(m.Evidence, state.Current.LogWeights, posterior);
                totals.Add(posterior);
            }
        }

        if (variant.GridEmpiricalBayesLag)
        {
            state.SetPending(totals, day);
            return;
        }

        if (GridPrior.Estimate(totals, GridPrior.Next(state.Current.Number), day) is { } next)
        {
            state.Restore(next, null, 0);
            Apply(models, next.LogWeights.ToArray());
        }

        static void Apply(ProfileBaselineModel[] models, double[] logWeights)
        {
            foreach (var m in models)
            {
                m.GridLogPrior = logWeights;
                m.RefreshGrid();
            }
        }
    }

    private static void EstimateGridPrior(ProfileBaselineModel[] models, int iterations, bool lag, ref double[]? pending)
    {
        if (lag && pending is not null)
        {
            // The prior estimated at the previous day start takes effect now (every key refreshed under it), and the
            // EM step below starts from it and is kept for the next day start.
            foreach (var m in models)
            {
                m.GridLogPrior = pending;
                m.RefreshGrid();
            }
        }

        var size = DispersionGrid.Size;
        var prior = models[0].GridLogPrior is { } previous ? [.. previous.Select(p => Math.Exp(p))] : Enumerable.Repeat(1.0 / size, size).ToArray();
        var post = new double[size];
        var logPrior = new double[size];
        var any = false;
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var total = new double[size];
            var keys = 0;
            for (var k = 0; k < size; k++)
            {
                logPrior[k] = Math.Log(prior[k]);
            }

            foreach (var m in models)
            {
                if (m.GridSums is not { } sums)
                {
                    continue;
                }

                DispersionGrid.Posterior(sums, logPrior, post);
                for (var k = 0; k < size; k++)
                {
                    total[k] += post[k];
                }

                keys++;
            }

            if (keys == 0)
            {
                break;
            }

            any = true;
            double norm = 0;
            for (var k = 0; k < size; k++)
            {
                prior[k] = (total[k] / keys) + 0.001;
                norm += prior[k];
            }

            for (var k = 0; k < size; k++)
            {
                prior[k] /= norm;
            }
        }

        if (!any)
        {
            return;
        }

        var log = prior.Select(p => Math.Log(p)).ToArray();
        if (lag)
        {
            pending = log;
            return;
        }

        foreach (var m in models)
        {
            m.GridLogPrior = log;
            m.RefreshGrid();
        }
    }

    /// <summary>The copy with the shipped variant must fire on exactly the activities the shipped model fires on.</summary>
    private static int Check(LabelledActivityTrace[] traces)
    {
        var trigger = new AnomalyTrigger(TriggerScope.User, AnomalyTrigger.DefaultLearningPeriod, AnomalySensitivity.Medium, AnomalyTrigger.DefaultBucket);
        var options = new AnomalyDetectorOptions { MaxActivitiesPerDetection = 0 };
        int mismatches = 0, detections = 0;
        foreach (var trace in traces)
        {
            var shipped = new BaselineModel<int>(trigger, options);
            var copy = new ProfileBaselineModel(ProfileVariant.Shipped, null, AnomalyThresholds.Medium, trigger.LearningPeriod);
            foreach (var e in trace.Events)
            {
                var a = shipped.Observe(trace.Key, e.Time, 0, out _) == AnomalyOutcome.Detected;
                var b = copy.Observe(e.Time.UtcTicks);
                detections += a ? 1 : 0;
                if (a != b)
                {
                    mismatches++;
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"check: {traces.Length} traces, {detections} detections of the shipped model, {mismatches} activities where the copy differs"));
        return mismatches == 0 ? 0 : 1;
    }

    private static string Spread(List<double> values, double truth)
    {
        if (values.Count == 0)
        {
            return "";
        }

        values.Sort();
        return string.Create(CultureInfo.InvariantCulture, $"{values[values.Count / 10] / truth:0.00}–{values[values.Count * 9 / 10] / truth:0.00}");
    }

    /// <summary>The share of <paramref name="values"/> above <paramref name="limit"/> (eighth session: the mixed tenant's
    /// steady keys that lean toward the bursty cluster).</summary>
    private static double Above(List<double> values, double limit)
    {
        var n = 0;
        foreach (var v in values)
        {
            n += v > limit ? 1 : 0;
        }

        return values.Count == 0 ? double.NaN : (double)n / values.Count;
    }

    private static double Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[values.Count / 2];
    }
}
