using System.Diagnostics;
using System.Globalization;
using System.Text;
using AlertEngine.Testing;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// The population-profile experiment of issue 15 (fourth session), an option of the evaluation command:
/// <c>anomaly-eval-dispersion --profile-experiment [--users N] [--first-seed S] [--variants V,V,...] [--z-list Z,Z,...] [--check] [--out file]</c>.
/// Runs <see cref="ProfileBaselineModel"/> (a single-key copy of the shipped model with a population day-shape prior
/// learned from the data, <see cref="PopulationProfile"/>) on the populations of <see cref="AnomalyDispersionEvaluation"/>
/// at medium's gates, one Z for all populations per row, and prints the issue's five target metrics per variant and Z.
/// Variants: <c>shipped</c>, <c>score</c> (shipped with φ by the score update), <c>profile:W[:prior][:score]</c> (W the
/// prior's weight in samples; <c>prior</c>: the level error counts n + W samples; <c>score</c>: φ by the score update).
/// <c>--check</c>: asserts that the copy with <c>shipped</c> fires on exactly the activities the shipped
/// <see cref="BaselineModel{T}"/> fires on (every trace, anomaly-free and with bursts, medium) and stops.
/// </summary>
internal static class ProfileExperiment
{
    private static readonly (string Name, double Cv)[] Populations = [("steady", 0.35), ("burstier", 0.5), ("bursty", 0.71)];

    private static readonly (double Multiplier, int MinExtra)[] Bursts = [(3, 8), (5, 15), (10, 25)];

    public static int Run(string[] args)
    {
        var users = 500;
        var weeks = 4;
        var firstSeed = 10001;
        string? output = null;
        var check = false;
        var variants = new List<ProfileVariant> { ProfileVariant.Shipped };
        var zs = new List<double> { 4.0 };
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
                case "--variants": variants = [.. args[++i].Split(',').Select(ProfileVariant.Parse)]; break;
                case "--z-list": zs = [.. args[++i].Split(',').Select(z => double.Parse(z, CultureInfo.InvariantCulture))]; break;
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

            data.Add((name, cv, free, PopulationProfile.Build(free), withBursts, PopulationProfile.Build(withBursts)));
        }

        if (check)
        {
            return Check(data.SelectMany(d => d.Free.Concat(d.Injected)).ToArray());
        }

        var report = new StringBuilder();
        var variantOption = string.Join(',', args.SkipWhile(a => a != "--variants").Skip(1).Take(1));
        report.AppendLine("# Unusual-activity detection: a population day-shape profile (issue 15, experiment)");
        report.AppendLine();
        report.AppendLine(inv, $"Command: `dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-eval-dispersion --profile-experiment --users {users} --weeks {weeks} --first-seed {firstSeed} --variants {variantOption} --z-list {string.Join(',', zs.Select(z => z.ToString(inv)))}`.");
        report.AppendLine(inv, $"Populations of `anomaly-eval-dispersion` (seeds {firstSeed}..{firstSeed + users - 1}, {weeks} weeks, hourly, learning 7 days), medium's gates (MinCount 15, MinRatio 3), one Z for all populations per row.");
        report.AppendLine("Model: `ProfileBaselineModel`, a single-key copy of the shipped model (identical detections for `shipped`, `--check`); the profile: integer counts per hour-of-day × weekday/weekend slot over all users, frozen at each UTC day start.");
        report.AppendLine("FA: false alerts per 1,000 user-days after learning on the anomaly-free streams. Targets: steady FA ≤ 1, 5x ≥ 0.85, 10x ≥ 0.95; bursty FA ≤ 2, 10x ≥ 0.9.");
        report.AppendLine();
        report.AppendLine("| variant | Z | steady FA | steady 5x | steady 10x | burstier FA | burstier 5x | burstier 10x | bursty FA | bursty 10x | φ̂ median steady / bursty (true 0.123 / 0.504) | all targets |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        foreach (var variant in variants)
        {
            foreach (var z in zs)
            {
                var thresholds = AnomalyThresholds.Medium with { Z = z };
                var cells = new List<(double Fa, double R5, double R10, double Phi)>();
                foreach (var d in data)
                {
                    var f = Evaluate(d.Free, d.FreeProfile, variant, thresholds, d.Cv * d.Cv);
                    var r = Evaluate(d.Injected, d.InjectedProfile, variant, thresholds, d.Cv * d.Cv);
                    cells.Add((1000.0 * f.FalseAlerts / f.UserDays, r.Recall("5x-1h"), r.Recall("10x-1h"), Median(f.Dispersions)));
                }

                var (s, m, b) = (cells[0], cells[1], cells[2]);
                var ok = s.Fa <= 1 && s.R5 >= 0.85 && s.R10 >= 0.95 && b.Fa <= 2 && b.R10 >= 0.9;
                var line = string.Create(inv, $"| {variant} | {z:0.00} | {s.Fa:0.00} | {s.R5:0.000} | {s.R10:0.000} | {m.Fa:0.00} | {m.R5:0.000} | {m.R10:0.000} | {b.Fa:0.00} | {b.R10:0.000} | {s.Phi:0.000} / {b.Phi:0.000} | {(ok ? "**yes**" : "no")} |");
                report.AppendLine(line);
                Console.Error.WriteLine(line);
            }
        }

        report.AppendLine();
        report.AppendLine(inv, $"Elapsed: {clock.Elapsed.TotalSeconds:0} s.");
        return EvaluationReport.Publish(report, output);
    }

    private sealed class Outcome
    {
        public int FalseAlerts;
        public double UserDays;
        public readonly Dictionary<string, (int N, int Hit)> ByKind = new(StringComparer.Ordinal);
        public readonly List<double> Dispersions = [];

        public double Recall(string kind) => ByKind.TryGetValue(kind, out var x) && x.N > 0 ? (double)x.Hit / x.N : double.NaN;
    }

    private static Outcome Evaluate(LabelledActivityTrace[] traces, PopulationProfile profile, ProfileVariant variant, AnomalyThresholds thresholds, double trueDispersion)
    {
        var learning = AnomalyTrigger.DefaultLearningPeriod;
        var outcome = new Outcome();
        foreach (var trace in traces)
        {
            if (trace.Events.Count == 0)
            {
                continue;
            }

            var learned = trace.Events[0].Time + learning;
            outcome.UserDays += Math.Max(0, (trace.End - learned).TotalDays);
            var model = new ProfileBaselineModel(variant, profile, thresholds, learning, trueDispersion);
            var hit = new bool[trace.Anomalies.Count];
            foreach (var e in trace.Events)
            {
                if (!model.Observe(e.Time.UtcTicks))
                {
                    continue;
                }

                var start = new DateTimeOffset(e.Time.UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero);
                var end = start.AddHours(1);
                var any = false;
                foreach (var a in trace.Anomalies)
                {
                    if (a.Start < end && start < a.End)
                    {
                        hit[a.Index] = true;
                        any = true;
                    }
                }

                if (!any)
                {
                    outcome.FalseAlerts++;
                }
            }

            outcome.Dispersions.Add(model.Dispersion);
            foreach (var a in trace.Anomalies)
            {
                if (a.Start < learned)
                {
                    continue;
                }

                var k = outcome.ByKind.GetValueOrDefault(a.Kind);
                outcome.ByKind[a.Kind] = (k.N + 1, k.Hit + (hit[a.Index] ? 1 : 0));
            }
        }

        return outcome;
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
