using System.Diagnostics;
using System.Globalization;
using System.Text;
using AlertEngine.Testing;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// Evaluates unusual-activity detection on populations of different burstiness (issue 15): users whose hourly rate is
/// Gamma distributed around its seasonal expectation (gamma-Poisson counts) with a coefficient of variation of 0.35,
/// 0.5 and 0.71, and one-hour bursts of 3x, 5x and 10x with at least 8, 15 and 25 extra activities expected.
/// Reports per population and sensitivity: false alerts per 1,000 user-days after learning (anomaly-free streams and
/// streams with bursts), recall per burst size, precision and detection delay.
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-eval-dispersion [--users N] [--weeks W] [--first-seed S] [--day-cv C] [--z Z] [--bands] [--dump-missed KIND] [--out file] [--dump-fp [low|medium|high]] [--min-ratio R] [--profile-weight W] [--weekly-drift σ] [--holidays P] [--quiet-level q --quiet-down c] [--level-gate own,pooled,profile] [--level-gate-ratio R] [--dump-tp]</c>
/// <list type="bullet">
/// <item><c>--first-seed S</c>: users are seeds S..S+N−1. Default 20001: the holdout set of these populations (tune on another set, e.g. 10001).</item>
/// <item><c>--z Z</c>: overrides Z of every sensitivity (for exploration).</item>
/// <item><c>--bands</c>: prints (to stderr) recall per burst size by seasonal expectation band.</item>
/// <item><c>--dump-missed KIND</c>: prints (to stderr) the missed bursts of KIND (e.g. <c>10x-1h</c>) with the model's baseline when they began.</item>
/// <item><c>--profile-experiment</c>: runs the population day-shape experiment instead (<see cref="ProfileExperiment"/>; not the shipped model).</item>
/// <item><c>--day-cv C</c>: adds a Gamma day multiplier of CV C (default 0: the hourly Gamma multiplier alone).</item>
/// </list>
/// </summary>
public static class AnomalyDispersionEvaluation
{
    /// <summary>The first seed of the committed holdout set.</summary>
    public const int HoldoutFirstSeed = 20001;

    private static readonly AnomalySensitivity[] Sensitivities = [AnomalySensitivity.Low, AnomalySensitivity.Medium, AnomalySensitivity.High];

    /// <summary>The populations: name and coefficient of variation of the hourly rate.</summary>
    private static readonly (string Name, double Cv)[] Populations =
    [
        ("steady", 0.35),
        ("burstier", 0.5),
        ("bursty", 0.71),
    ];

    /// <summary>Burst sizes: multiplier and the least expected number of extra activities in the hour.</summary>
    private static readonly (double Multiplier, int MinExtra)[] Bursts = [(3, 8), (5, 15), (10, 25)];

    public static int Run(string[] args)
    {
        if (Array.IndexOf(args, "--profile-experiment") >= 0)
        {
            // An experiment of issue 15 (a population day-shape prior), not the shipped model: see ProfileExperiment.
            return ProfileExperiment.Run(args);
        }

        var users = 2000;
        var weeks = 4;
        var firstSeed = HoldoutFirstSeed;
        var dayCv = 0.0;
        AnomalySensitivity? dumpFalsePositives = null;
        string? output = null;
        double? z = null;
        double? profileZ = null;
        double? weeklyDrift = null;
        double? holidays = null;
        AnomalySensitivity? only = null;
        List<double>? sweep = null;
        var sweepSensitivity = AnomalySensitivity.Medium;
        var bands = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--weeks": weeks = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--first-seed": firstSeed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--day-cv": dayCv = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                case "--z": z = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--profile": AnomalyEvaluation.ProfileFitLimit = BaselineMath.ProfileFitDefault; break;
                case "--profile-fit": AnomalyEvaluation.ProfileFitLimit = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--grid": AnomalyEvaluation.DispersionGrid = true; break;
                case "--min-ratio": AnomalyEvaluation.MinRatio = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--level-gate": AnomalyEvaluation.LevelGate = Enum.Parse<AnomalyLevelGate>(args[++i], ignoreCase: true); break;
                case "--level-gate-ratio": AnomalyEvaluation.LevelGateRatio = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dump-tp": AnomalyEvaluation.DumpTruePositives = true; break;
                case "--weekly-drift": weeklyDrift = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--holidays": holidays = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--quiet-level": AnomalyEvaluation.QuietLevel = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--quiet-down": AnomalyEvaluation.QuietDown = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--profile-weight": AnomalyEvaluation.ProfileWeight = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--sensitivity": only = Enum.Parse<AnomalySensitivity>(args[++i], ignoreCase: true); break;
                case "--profile-z": profileZ = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--sweep": sweep = [.. args[++i].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))]; break;
                case "--sweep-sensitivity": sweepSensitivity = Enum.Parse<AnomalySensitivity>(args[++i], ignoreCase: true); break;
                case "--bands": bands = true; break;
                case "--dump-missed": AnomalyEvaluation.DumpMissedKind = args[++i]; break;
                case "--dump-fp":
                    dumpFalsePositives = AnomalySensitivity.Medium;
                    if (i + 1 < args.Length && !args[i + 1].StartsWith('-') && Enum.TryParse<AnomalySensitivity>(args[i + 1], ignoreCase: true, out var dumped))
                    {
                        dumpFalsePositives = dumped;
                        i++;
                    }

                    break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }

        var clock = Stopwatch.StartNew();
        var inv = CultureInfo.InvariantCulture;
        var report = new StringBuilder();
        var bursts = new BurstSpec[Bursts.Length];
        for (var b = 0; b < Bursts.Length; b++)
        {
            var (multiplier, minExtra) = Bursts[b];
            bursts[b] = BurstSpec.Times(multiplier, 1, minExpected: minExtra / (multiplier - 1));
        }

        report.AppendLine("# Unusual-activity detection: false alarms and recall across bursty populations (issue 15)");
        report.AppendLine();
        var dayOption = dayCv > 0 ? string.Create(inv, $" --day-cv {dayCv}") : "";
        report.AppendLine(inv, $"Command: `dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-eval-dispersion --users {users} --weeks {weeks} --first-seed {firstSeed}{dayOption}{AnomalyEvaluation.ProfileOption}{(profileZ is { } pzo ? string.Create(inv, $" --profile-z {pzo}") : "")}{(only is { } so ? " --sensitivity " + so.ToString().ToLowerInvariant() : "")}{(AnomalyEvaluation.MinRatio is { } mr ? string.Create(inv, $" --min-ratio {mr}") : "")}{(AnomalyEvaluation.ProfileWeight is { } pw ? string.Create(inv, $" --profile-weight {pw}") : "")}{(weeklyDrift is { } wd ? string.Create(inv, $" --weekly-drift {wd}") : "")}{(holidays is { } hp ? string.Create(inv, $" --holidays {hp}") : "")}{AnomalyEvaluation.QuietOption}{AnomalyEvaluation.LevelGateOption}`.");
        report.AppendLine(inv, $"Per population: {users} users (seeds {firstSeed}..{firstSeed + users - 1}{(firstSeed == HoldoutFirstSeed ? ", the holdout set of these populations" : "")}) × {weeks} weeks, hourly buckets, learning period 7 days, scope user.");
        report.AppendLine(inv, $"Traffic: `AnomalyStreamGenerator` (office-hours profile with a lunch dip, weekends at 8 %, {(holidays ?? 0.03) * 100:0.#} % holidays, weekly drift σ {weeklyDrift ?? 0.1} (log), log-normal peak rate, median 12/h, σ 0.6, at least 2)");
        report.AppendLine(inv, $"with the hourly rate multiplied by an independent Gamma(1/CV², CV²) factor per hour (gamma-Poisson counts: variance m + CV²·m²){(dayCv > 0 ? string.Create(inv, $" and a Gamma day multiplier of CV {dayCv}") : ", no separate day multiplier")}.");
        report.AppendLine("Bursts: 2 per user-week after learning, one hour each, the kind drawn uniformly among 3x, 5x and 10x; an `Nx` burst adds Poisson activity of (N − 1) × the seasonal");
        report.AppendLine("expectation, at hours whose seasonal expectation makes that at least 8 (3x), 15 (5x) and 25 (10x) extra activities.");
        report.AppendLine("False alerts: detections outside any burst, per 1,000 user-days after each user's own learning period (first activity + 7 days), on anomaly-free streams (the same traffic without bursts)");
        report.AppendLine("and on the streams with bursts. Precision: true detections / detections on the streams with bursts. Delay: first detection − burst start, all burst sizes.");
        report.AppendLine();
        report.AppendLine("| population (hourly CV) | sensitivity | user-days | false alerts / 1,000 user-days (no bursts) | recall 3x | recall 5x | recall 10x | precision | false alerts / 1,000 user-days (with bursts) | delay median (min) | delay p90 (min) | φ̂ at end: median (p10–p90), true CV² |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (name, cv) in Populations)
        {
            var free = new LabelledActivityTrace[users];
            var withBursts = new LabelledActivityTrace[users];
            // The hourly factor's CV makes the product of the day and hour factors have CV cv: (1 + cv²) = (1 + day²)(1 + hour²).
            var hourVariance = ((1 + (cv * cv)) / (1 + (dayCv * dayCv))) - 1;
            var shape = 1 / hourVariance;
            var normal = new ActivityStreamOptions { Weeks = weeks, DayShape = dayCv > 0 ? 1 / (dayCv * dayCv) : 0, HourShape = shape };
            var injected = new ActivityStreamOptions { Weeks = weeks, DayShape = normal.DayShape, HourShape = shape, Bursts = bursts };
            if (weeklyDrift is { } drift)
            {
                // Diagnostic (issue 15, fa2-15): the users' slow drift of the rate changed, to see how much of the false
                // alerts the level's lag behind it causes. The default traffic is unchanged.
                normal.WeeklyDrift = drift;
                injected.WeeklyDrift = drift;
            }
            if (holidays is { } holidayProbability)
            {
                // Diagnostic (issue 15, level-16): the share of weekdays run at the weekend rate changed. The users' peak
                // rates and drifts are the same draws; the counts differ from the first holiday on. The default traffic
                // is unchanged.
                normal.HolidayProbability = holidayProbability;
                injected.HolidayProbability = holidayProbability;
            }

            for (var u = 0; u < users; u++)
            {
                free[u] = AnomalyStreamGenerator.Generate(firstSeed + u, normal);
                withBursts[u] = AnomalyStreamGenerator.Generate(firstSeed + u, injected);
            }

            if (sweep is not null)
            {
                // Exploration: one sensitivity's gates with each ProfileZ in the list (the Z of the fallback unchanged).
                foreach (var pz in sweep)
                {
                    var f = AnomalyEvaluation.Evaluate(free, sweepSensitivity, z, null, zonesKnown: false, pz);
                    var r = AnomalyEvaluation.Evaluate(withBursts, sweepSensitivity, z, null, zonesKnown: false, pz);
                    report.Append(inv, $"| {name} ({cv}) | {sweepSensitivity}, profile Z {pz} | {f.UserDaysAfterLearning:0} | {PerThousand(f.Detections, f.UserDaysAfterLearning)} |");
                    foreach (var spec in bursts)
                    {
                        var (n, hit) = r.ByKind.GetValueOrDefault(spec.Name);
                        report.Append(inv, $" {AnomalyEvaluation.Ratio(hit, n)} |");
                    }

                    report.AppendLine(inv, $" {AnomalyEvaluation.Ratio(r.TruePositives, r.Detections)} | {PerThousand(r.Detections - r.TruePositives, r.UserDaysAfterLearning)} | {AnomalyEvaluation.Quantile(r.Delays, 0.5)} | {AnomalyEvaluation.Quantile(r.Delays, 0.9)} | {AnomalyEvaluation.Quantile(f.FinalDispersions, 0.5, "0.000")} |");
                    Console.Error.WriteLine(string.Create(inv, $"{name} pz {pz} done at {clock.Elapsed.TotalSeconds:0} s"));
                }

                continue;
            }

            foreach (var sensitivity in only is { } one ? [one] : Sensitivities)
            {
                var label = string.Create(inv, $"{name} ({cv})");
                var f = AnomalyEvaluation.Evaluate(free, sensitivity, z, sensitivity == dumpFalsePositives ? label : null, zonesKnown: false, profileZ);
                var r = AnomalyEvaluation.Evaluate(withBursts, sensitivity, z, sensitivity == dumpFalsePositives && AnomalyEvaluation.DumpTruePositives ? label + " bursts" : null, zonesKnown: false, profileZ);
                report.Append(inv, $"| {label} | {sensitivity} | {f.UserDaysAfterLearning:0} | {PerThousand(f.Detections, f.UserDaysAfterLearning)} |");
                foreach (var spec in bursts)
                {
                    var (n, hit) = r.ByKind.GetValueOrDefault(spec.Name);
                    report.Append(inv, $" {AnomalyEvaluation.Ratio(hit, n)} |");
                }

                report.AppendLine(inv, $" {AnomalyEvaluation.Ratio(r.TruePositives, r.Detections)} | {PerThousand(r.Detections - r.TruePositives, r.UserDaysAfterLearning)} | {AnomalyEvaluation.Quantile(r.Delays, 0.5)} | {AnomalyEvaluation.Quantile(r.Delays, 0.9)} | {AnomalyEvaluation.Quantile(f.FinalDispersions, 0.5, "0.000")} ({AnomalyEvaluation.Quantile(f.FinalDispersions, 0.1, "0.000")}–{AnomalyEvaluation.Quantile(f.FinalDispersions, 0.9, "0.000")}), {cv * cv:0.000} |");
                if (bands)
                {
                    double[] limits = [0, 4, 8, 16, 32, double.PositiveInfinity];
                    foreach (var spec in bursts)
                    {
                        var line = new StringBuilder(string.Create(inv, $"  {label} {sensitivity} {spec.Name}:"));
                        for (var b = 0; b + 1 < limits.Length; b++)
                        {
                            int n = 0, hit = 0;
                            foreach (var (kind, expected, detected) in r.ByKindAndExpectation)
                            {
                                if (kind == spec.Name && expected >= limits[b] && expected < limits[b + 1])
                                {
                                    n++;
                                    hit += detected ? 1 : 0;
                                }
                            }

                            line.Append(inv, $" [{limits[b]},{limits[b + 1]}) {AnomalyEvaluation.Ratio(hit, n)} (n {n});");
                        }

                        Console.Error.WriteLine(line);
                    }
                }

                if (f.LearningDetections + r.LearningDetections != 0)
                {
                    report.AppendLine(inv, $"| ⚠ {f.LearningDetections + r.LearningDetections} detections during learning | | | | | | | | | | |");
                }
            }
        }

        report.AppendLine();
        report.AppendLine(inv, $"Thresholds: low {Describe(AnomalySensitivity.Low)}; medium {Describe(AnomalySensitivity.Medium)}; high {Describe(AnomalySensitivity.High)}.");
        report.AppendLine(inv, $"Elapsed: {clock.Elapsed.TotalSeconds:0} s.");
        return EvaluationReport.Publish(report, output);
    }

    private static string PerThousand(int n, double userDays) =>
        userDays > 0 ? (1000.0 * n / userDays).ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string Describe(AnomalySensitivity sensitivity)
    {
        var grid = AnomalyEvaluation.DispersionGrid && AnomalyEvaluation.ProfileFitLimit > 0;
        var t = BaselineMath.DefaultThresholds(sensitivity, grid);
        return AnomalyEvaluation.ProfileFitLimit > 0
            ? string.Create(CultureInfo.InvariantCulture, $"Z {t.Z} (with the population profile {t.Z + BaselineMath.ProfileZOffsetOf(sensitivity, grid):0.###}), min count {t.MinCount}, min ratio {t.MinRatio}")
            : string.Create(CultureInfo.InvariantCulture, $"Z {t.Z}, min count {t.MinCount}, min ratio {t.MinRatio}");
    }
}
