using System.Diagnostics;
using System.Globalization;
using System.Text;
using AlertEngine.Testing;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// Evaluates unusual-activity detection on labelled synthetic streams (<see cref="AnomalyStreamGenerator"/>):
/// precision, recall and detection delay per sensitivity and anomaly kind, over a fixed seed set.
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-eval [--users N] [--weeks W] [--first-seed S] [--out file]</c>
/// <list type="bullet">
/// <item><c>--first-seed S</c>: users are seeds S..S+N−1 (default 1), e.g. a set disjoint from the committed one.</item>
/// <item><c>--dump-fp [low|medium|high]</c>: prints (to stderr) every detection on an anomaly-free stream at that sensitivity (default medium) with what the model
/// believed (slot level, samples, dispersion, batch and recent factors, threshold) and the slot's earlier counts.</item>
/// <item><c>--headline</c>: only the anomaly-free and 5x-1h rows of each population (fast).</item>
/// <item><c>--z Z</c>: overrides Z of every sensitivity (for exploration).</item>
/// </list>
/// </summary>
public static class AnomalyEvaluation
{
    private static readonly AnomalySensitivity[] Sensitivities = [AnomalySensitivity.Low, AnomalySensitivity.Medium, AnomalySensitivity.High];

    public static int Run(string[] args)
    {
        var users = 1000;
        var weeks = 4;
        var firstSeed = 1;
        AnomalySensitivity? dumpFalsePositives = null;
        var headlineOnly = false;
        string? output = null;
        double? z = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--weeks": weeks = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                case "--profile": ProfileFitLimit = BaselineMath.ProfileFitDefault; break;
                case "--profile-fit": ProfileFitLimit = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--z": z = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--first-seed": firstSeed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--dump-fp":
                    dumpFalsePositives = AnomalySensitivity.Medium;
                    if (i + 1 < args.Length && !args[i + 1].StartsWith('-') && Enum.TryParse<AnomalySensitivity>(args[i + 1], ignoreCase: true, out var dumped))
                    {
                        dumpFalsePositives = dumped;
                        i++;
                    }

                    break;
                case "--headline": headlineOnly = true; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }

        var clock = Stopwatch.StartNew();
        var report = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        report.AppendLine("# Unusual-activity detection: evaluation on labelled synthetic streams");
        report.AppendLine();
        var seedOption = firstSeed == 1 ? "" : string.Create(inv, $" --first-seed {firstSeed}");
        var headlineOption = headlineOnly ? " --headline" : "";
        report.AppendLine(inv, $"Command: `dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-eval --users {users} --weeks {weeks}{seedOption}{headlineOption}{ProfileOption}`.");
        report.AppendLine(inv, $"Each scenario: {users} users (seeds {firstSeed}..{firstSeed + users - 1}) × {weeks} weeks = {users * weeks} user-weeks, hourly buckets, learning period 7 days, scope user.");
        report.AppendLine("Traffic: `AnomalyStreamGenerator` defaults (see docs/anomaly.md): log-normal peak rate (median 12/h, σ 0.6, at least 2), office-hours profile,");
        report.AppendLine("weekends at 8 %, Gamma day multiplier (CV 0.2), Poisson within the day, weekly drift σ 0.1 (log), 3 % holidays; 2 anomalies per week after learning.");
        report.AppendLine("`Nx-1h`: during one hour the expectation becomes N × the seasonal expectation (start hours with seasonal expectation ≥ 4 unless stated);");
        report.AppendLine("`+K at a quiet hour`: K extra activities in an hour whose seasonal expectation is ≤ 1 (e.g. a mass deletion at night).");
        report.AppendLine("A detection is a true positive when its bucket overlaps an injected anomaly. Recall: share of anomalies with at least one detection;");
        report.AppendLine("delay: first detection time − anomaly start. The anomaly-free rows use the same traffic without injections.");
        report.AppendLine();

        var notes = new List<string>();
        var population = new (string Name, int[] Offsets, double DayShape, double HourShape, bool ZonesKnown)[]
        {
            ("Poisson-like traffic, users in the model's time zone (UTC)", [0], 25, 0, false),
            ("Poisson-like traffic, users spread over UTC−8…UTC+9, model in UTC", [-8, -5, 0, 1, 2, 5, 9], 25, 0, false),
            ("Poisson-like traffic, users spread over UTC−8…UTC+9, each user's zone given (KeyTimeZone)", [-8, -5, 0, 1, 2, 5, 9], 25, 0, true),
            ("overdispersed traffic (day CV 0.32, hour CV 0.22), UTC", [0], 10, 20, false),
        };

        var scenarios = new (string Name, BurstSpec[] Bursts)[]
        {
            ("anomaly-free", []),
            ("5x-1h (headline)", [BurstSpec.Times(5, 1)]),
            ("2x-1h", [BurstSpec.Times(2, 1)]),
            ("3x-1h", [BurstSpec.Times(3, 1)]),
            ("10x-1h", [BurstSpec.Times(10, 1)]),
            ("5x-3h", [BurstSpec.Times(5, 3)]),
            ("5x-1h at any hour with expectation ≥ 1", [BurstSpec.Times(5, 1, minExpected: 1)]),
            ("+20 at a quiet hour (expectation ≤ 1)", [BurstSpec.Quiet(20)]),
            ("+50 at a quiet hour (expectation ≤ 1)", [BurstSpec.Quiet(50)]),
        };

        foreach (var (popName, offsets, dayShape, hourShape, zonesKnown) in population)
        {
            report.AppendLine(inv, $"## Population: {popName}");
            report.AppendLine();
            report.AppendLine("| scenario | sensitivity | anomalies | detected | recall | detections | true pos. | precision | false pos. / 1000 user-weeks | delay median (min) | delay p90 (min) |");
            report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (name, bursts) in scenarios)
            {
                if ((headlineOnly || offsets.Length > 1 || hourShape > 0) && name is not ("anomaly-free" or "5x-1h (headline)"))
                {
                    continue;
                }

                var traces = new LabelledActivityTrace[users];
                var generator = new ActivityStreamOptions { Weeks = weeks, Bursts = bursts, UtcOffsetHours = offsets, DayShape = dayShape, HourShape = hourShape };
                for (var u = 0; u < users; u++)
                {
                    traces[u] = AnomalyStreamGenerator.Generate(firstSeed + u, generator);
                }

                foreach (var sensitivity in Sensitivities)
                {
                    var dump = sensitivity == dumpFalsePositives && bursts.Length == 0 ? popName : null;
                    var r = Evaluate(traces, sensitivity, z, dump, zonesKnown);
                    report.AppendLine(inv, $"| {name} | {sensitivity} | {r.Anomalies} | {r.Detected} | {Ratio(r.Detected, r.Anomalies)} | {r.Detections} | {r.TruePositives} | {Ratio(r.TruePositives, r.Detections)} | {1000.0 * (r.Detections - r.TruePositives) / (users * weeks):0.00} | {Quantile(r.Delays, 0.5)} | {Quantile(r.Delays, 0.9)} |");
                    if (r.InLearning != 0)
                    {
                        notes.Add($"{name}, {sensitivity}: {r.InLearning} anomalies fell inside their key's own learning period (first activity + 7 days) and are not counted.");
                    }

                    if (r.LearningDetections != 0)
                    {
                        report.AppendLine(inv, $"| ⚠ {r.LearningDetections} detections during learning | | | | | | | | | | |");
                    }
                }
            }

            report.AppendLine();
        }

        foreach (var note in notes.Distinct())
        {
            report.AppendLine("- " + note);
        }

        report.AppendLine();

        // Recall of the headline kind by the seasonal expectation of the anomalous hour.
        if (!headlineOnly)
        {
            report.AppendLine("## 5x-1h recall by seasonal expectation of the anomalous hour (UTC population, expectation ≥ 1)");
            report.AppendLine();
            report.AppendLine("| expectation | sensitivity | anomalies | recall |");
            report.AppendLine("|---|---|---:|---:|");
            var traces = new LabelledActivityTrace[users];
            var generator = new ActivityStreamOptions { Weeks = weeks, Bursts = [BurstSpec.Times(5, 1, minExpected: 1)] };
            for (var u = 0; u < users; u++)
            {
                traces[u] = AnomalyStreamGenerator.Generate(firstSeed + u, generator);
            }

            double[] bands = [1, 2, 4, 8, 16, 32, double.PositiveInfinity];
            foreach (var sensitivity in Sensitivities)
            {
                var r = Evaluate(traces, sensitivity, z, null, zonesKnown: false);
                for (var b = 0; b + 1 < bands.Length; b++)
                {
                    int n = 0, hit = 0;
                    foreach (var (expected, detected) in r.ByExpectation)
                    {
                        if (expected >= bands[b] && expected < bands[b + 1])
                        {
                            n++;
                            hit += detected ? 1 : 0;
                        }
                    }

                    var label = double.IsPositiveInfinity(bands[b + 1]) ? $"≥ {bands[b]}" : $"[{bands[b]}, {bands[b + 1]})";
                    report.AppendLine(inv, $"| {label} | {sensitivity} | {n} | {Ratio(hit, n)} |");
                }
            }

            report.AppendLine();
        }

        report.AppendLine(inv, $"Thresholds: low {Describe(AnomalyThresholds.Low)}; medium {Describe(AnomalyThresholds.Medium)}; high {Describe(AnomalyThresholds.High)}.");
        report.AppendLine(inv, $"Elapsed: {clock.Elapsed.TotalSeconds:0} s.");
        return EvaluationReport.Publish(report, output);
    }

    /// <summary>When set (by <c>anomaly-eval-dispersion --dump-missed KIND</c>), <see cref="Evaluate"/> prints to stderr every missed anomaly of
    /// that kind at an hour with seasonal expectation ≥ 8, with the model's baseline when the anomaly began.</summary>
    internal static string? DumpMissedKind { get; set; }

    internal sealed class Result
    {
        public int Anomalies;
        public int Detected;
        public int Detections;
        public int TruePositives;
        public int LearningDetections;
        public int InLearning;
        public List<double> Delays { get; } = [];
        public List<(double Expected, bool Detected)> ByExpectation { get; } = [];
        public Dictionary<string, (int Anomalies, int Detected)> ByKind { get; } = new(StringComparer.Ordinal);
        public List<(string Kind, double Expected, bool Detected)> ByKindAndExpectation { get; } = [];
        public Dictionary<string, List<double>> DelaysByKind { get; } = new(StringComparer.Ordinal);

        /// <summary>User-days after each user's own learning period (first activity + 7 days) up to the end of the stream.</summary>
        public double UserDaysAfterLearning;

        /// <summary>Per key, the dispersion φ̂ the model had learned at the end of its stream.</summary>
        public List<double> FinalDispersions { get; } = [];
    }

    /// <summary>The population profile's switch and fit limit of every evaluated model
    /// (<see cref="AnomalyDetectorOptions.ProfileFitLimit"/>): 0 (default) without the profile, the per-key model
    /// (<see cref="AnomalyModel.PerKey"/>; the library's default is the population model, <c>--profile --grid</c>);
    /// <c>--profile</c> the evaluated limit <see cref="BaselineMath.ProfileFitDefault"/>; <c>--profile-fit L</c>
    /// another (exploration).</summary>
    internal static double ProfileFitLimit { get; set; }

    /// <summary>The command-line option that gave <see cref="ProfileFitLimit"/>, for a report's command line.</summary>
    internal static string ProfileOption => ProfileFitLimit switch
    {
        0 => "",
        BaselineMath.ProfileFitDefault => " --profile",
        var limit => string.Create(CultureInfo.InvariantCulture, $" --profile-fit {limit}"),
    } + (DispersionGrid ? " --grid" : "");

    /// <summary>The dispersion grid's switch of every evaluated model (<see cref="AnomalyDetectorOptions.DispersionGrid"/>,
    /// issue 15's candidate; <c>--grid</c>, only with the profile).</summary>
    internal static bool DispersionGrid { get; set; }

    /// <summary>Overrides the sensitivity's MinRatio (exploration: <c>anomaly-eval-dispersion --min-ratio R</c>).</summary>
    internal static double? MinRatio { get; set; }

    /// <summary>The effect-size gate against a second level (<see cref="AnomalyDetectorOptions.LevelGate"/>; exploration:
    /// <c>anomaly-eval-dispersion --level-gate own,pooled,profile</c>); None: the model's default (off).</summary>
    internal static AnomalyLevelGate LevelGate { get; set; }

    /// <summary>The ratio of <see cref="LevelGate"/> (<c>--level-gate-ratio R</c>); null: the thresholds' MinRatio.</summary>
    internal static double? LevelGateRatio { get; set; }

    /// <summary>With a dump label on the streams with bursts, also prints each burst's first detection (<c>--dump-tp</c>).</summary>
    internal static bool DumpTruePositives { get; set; }

    /// <summary>The options of the level gate for a report's command line.</summary>
    internal static string LevelGateOption =>
        (LevelGate == AnomalyLevelGate.None ? "" : " --level-gate " + LevelGate.ToString().Replace(", ", ",", StringComparison.Ordinal).ToLowerInvariant())
        + (LevelGateRatio is { } r ? string.Create(CultureInfo.InvariantCulture, $" --level-gate-ratio {r}") : "");

    /// <summary>Overrides the population profile's weight W (<see cref="AnomalyDetectorOptions.ProfileWeight"/>;
    /// exploration: <c>anomaly-eval-dispersion --profile-weight W</c>); null: the model's default.</summary>
    internal static double? ProfileWeight { get; set; }

    /// <summary>The quiet-spell rule for the levels (<see cref="AnomalyDetectorOptions.QuietLevelFactor"/> q, 0 off, and
    /// <see cref="AnomalyDetectorOptions.QuietLevelDown"/>; <c>anomaly-eval-dispersion --quiet-level q --quiet-down c</c>).</summary>
    internal static double? QuietLevel { get; set; }

    /// <inheritdoc cref="QuietLevel"/>
    internal static double? QuietDown { get; set; }

    /// <summary>The quiet-spell options as the command line gives them (empty when off).</summary>
    internal static string QuietOption =>
        (QuietLevel is { } level ? string.Create(CultureInfo.InvariantCulture, $" --quiet-level {level}") : "")
        + (QuietDown is { } down ? string.Create(CultureInfo.InvariantCulture, $" --quiet-down {down}") : "");

    internal static Result Evaluate(LabelledActivityTrace[] traces, AnomalySensitivity sensitivity, double? z, string? dumpFalsePositives, bool zonesKnown, double? profileZ = null)
    {
        // One model for the whole population (one policy of the engine), fed every trace's activities merged in time
        // order: the model's population day profile is learned from all keys, as in the engine. Keys are independent
        // otherwise, so without the profile this gives what a model per key gives.
        var result = new Result();
        var trigger = new AnomalyTrigger(TriggerScope.User, AnomalyTrigger.DefaultLearningPeriod, sensitivity, AnomalyTrigger.DefaultBucket);
        var byKey = new Dictionary<string, int>(traces.Length, StringComparer.Ordinal);
        var zones = new TimeZoneInfo[traces.Length];
        for (var u = 0; u < traces.Length; u++)
        {
            byKey.Add(traces[u].Key, u);
            zones[u] = TimeZoneInfo.CreateCustomTimeZone($"UTC{traces[u].UtcOffsetHours:+0;-0;+0}", TimeSpan.FromHours(traces[u].UtcOffsetHours), null, null);
        }

        // The sensitivity's thresholds for the evaluated model: with --profile --grid the population model's operating
        // point (BaselineMath.PopulationOperatingPoint, the library's default model), otherwise the per-key ones.
        var thresholds = BaselineMath.DefaultThresholds(sensitivity, grid: DispersionGrid && ProfileFitLimit > 0);
        if (z is { } zz)
        {
            thresholds = thresholds with { Z = zz };
        }

        if (MinRatio is { } ratio)
        {
            thresholds = thresholds with { MinRatio = ratio };
        }

        var options = new AnomalyDetectorOptions
        {
            MaxActivitiesPerDetection = 0,
            KeyTimeZone = zonesKnown ? key => zones[byKey[key]] : null,
            ProfileFitLimit = ProfileFitLimit,
            DispersionGrid = DispersionGrid,
            ProfileWeight = ProfileWeight,
            QuietLevelFactor = QuietLevel,
            QuietLevelDown = QuietDown,
            LevelGate = LevelGate,
            LevelGateRatio = LevelGateRatio,
            ProfileZOffset = profileZ is { } pz ? pz - thresholds.Z : null,
            Thresholds = thresholds,
        };

        var model = new BaselineModel<int>(trigger, options);
        var first = new DateTimeOffset?[traces.Length][];
        var atStart = new BaselineEstimate?[traces.Length][];
        var debugMissed = DumpMissedKind;
        var queue = new PriorityQueue<(int Trace, int Event), (long Ticks, int Trace)>();
        for (var u = 0; u < traces.Length; u++)
        {
            var trace = traces[u];
            first[u] = new DateTimeOffset?[trace.Anomalies.Count];
            atStart[u] = new BaselineEstimate?[trace.Anomalies.Count];
            if (trace.Events.Count != 0)
            {
                result.UserDaysAfterLearning += Math.Max(0, (trace.End - (trace.Events[0].Time + trigger.LearningPeriod)).TotalDays);
                queue.Enqueue((u, 0), (trace.Events[0].Time.UtcTicks, u));
            }
        }

        while (queue.TryDequeue(out var next, out _))
        {
            var (u, i) = next;
            var trace = traces[u];
            var e = trace.Events[i];
            if (i + 1 < trace.Events.Count)
            {
                queue.Enqueue((u, i + 1), (trace.Events[i + 1].Time.UtcTicks, u));
            }

            if (debugMissed is not null && e.Anomaly >= 0 && atStart[u][e.Anomaly] is null)
            {
                atStart[u][e.Anomaly] = model.GetBaseline(trace.Key, e.Time);
            }

            if (model.Observe(trace.Key, e.Time, e.Anomaly, out var d) != AnomalyOutcome.Detected)
            {
                continue;
            }

            result.Detections++;
            if (e.Time < trace.Start + trigger.LearningPeriod)
            {
                result.LearningDetections++;
            }

            var hit = Overlapping(trace, d!.BucketStart, d.BucketStart + d.BucketLength);
            if (hit is null)
            {
                if (dumpFalsePositives is not null)
                {
                    DumpFalsePositive(dumpFalsePositives, trace, model, d, e.Time);
                }

                continue;
            }

            result.TruePositives++;
            if (dumpFalsePositives is not null && DumpTruePositives && first[u][hit.Index] is null)
            {
                DumpDetection("TPG", dumpFalsePositives + " " + hit.Kind, trace, model, d);
            }

            first[u][hit.Index] ??= e.Time;
        }

        var records = new Dictionary<string, BaselineSnapshot.KeyRecord>(StringComparer.Ordinal);
        if (model.HasGrid)
        {
            // No snapshot format carries the grid yet (the model refuses one): the φ̂ directly.
            foreach (var phi in model.Dispersions())
            {
                result.FinalDispersions.Add(phi);
            }
        }
        else
        {
            foreach (var record in model.CreateSnapshot().Keys)
            {
                records[record.Key] = record;
                result.FinalDispersions.Add(record.Dispersion);
            }
        }

        for (var u = 0; u < traces.Length; u++)
        {
            var trace = traces[u];
            foreach (var a in trace.Anomalies)
            {
                if (trace.Events.Count == 0 || a.Start < trace.Events[0].Time + trigger.LearningPeriod)
                {
                    // Inside the key's own learning period (a quiet user first seen late): undetectable by design.
                    result.InLearning++;
                    continue;
                }

                result.Anomalies++;
                var detected = first[u][a.Index] is not null;
                if (debugMissed is not null && !detected && a.Kind == debugMissed && a.SeasonalExpectation >= 8)
                {
                    var hour = trace.Events.Count(x => x.Time >= a.Start && x.Time < a.End);
                    var est = atStart[u][a.Index];
                    var snap = records[trace.Key];
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MISSED {trace.Key} {a.Kind} day {(a.Start - trace.Start).TotalDays:0.0} true m {a.SeasonalExpectation:0.0} count {hour} injected {a.InjectedCount}: model expected {est?.Expected:0.0} scale {est?.Scale:0.0} samples {est?.Samples} threshold {est?.Threshold}; final φ̂ {snap.Dispersion:0.000}"));
                }

                result.ByExpectation.Add((a.SeasonalExpectation, detected));
                result.ByKindAndExpectation.Add((a.Kind, a.SeasonalExpectation, detected));
                var kind = result.ByKind.GetValueOrDefault(a.Kind);
                result.ByKind[a.Kind] = (kind.Anomalies + 1, kind.Detected + (detected ? 1 : 0));
                if (detected)
                {
                    result.Detected++;
                    var delay = (first[u][a.Index]!.Value - a.Start).TotalMinutes;
                    result.Delays.Add(delay);
                    if (!result.DelaysByKind.TryGetValue(a.Kind, out var delays))
                    {
                        result.DelaysByKind[a.Kind] = delays = [];
                    }

                    delays.Add(delay);
                }
            }
        }

        return result;
    }

    /// <summary>Prints a false detection with the model's state for its bucket and the earlier counts of its slot.</summary>
    private static void DumpFalsePositive(string population, LabelledActivityTrace trace, BaselineModel<int> model, BaselineDetection<int> d, DateTimeOffset at)
    {
        var inv = CultureInfo.InvariantCulture;
        if (model.HasGrid)
        {
            DumpDetection("FPG", population, trace, model, d);
            DumpLevelParts(population, trace, model, d);
            return;
        }

        var snapshot = model.CreateSnapshot();
        var k = Array.Find(snapshot.Keys, r => r.Key == trace.Key)!;
        var calendar = new SeasonalCalendar(d.BucketLength.Ticks, TimeZoneInfo.Utc);
        var bucket = d.BucketStart.UtcTicks / d.BucketLength.Ticks;
        var slot = calendar.SlotOf(bucket);
        var batch = BaselineMath.BatchFactor(k.BatchSum, k.BatchSquares);
        var recent = BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected);
        var estimate = model.GetBaseline(trace.Key, d.BucketStart)!;

        // Final counts of the earlier buckets of the same slot (the slot's history), oldest first.
        var counts = new SortedDictionary<long, int>();
        var firstBucket = trace.Events[0].Time.UtcTicks / d.BucketLength.Ticks;
        for (var q = firstBucket; q < bucket; q++)
        {
            if (calendar.SlotOf(q) == slot)
            {
                counts[q] = 0;
            }
        }

        foreach (var e in trace.Events)
        {
            var q = e.Time.UtcTicks / d.BucketLength.Ticks;
            if (counts.ContainsKey(q))
            {
                counts[q]++;
            }
        }

        var history = string.Join(", ", counts.Values);
        Console.Error.WriteLine(string.Create(inv, $"FP [{population}] seed {trace.Seed} {trace.Key}: bucket {d.BucketStart:ddd yyyy-MM-dd HH:mm} (day {(d.BucketStart - trace.Start).TotalDays:0.0}), fired at {at:HH:mm:ss} with count {d.Observed}"));
        var predicted = BaselineMath.PredictedLevel(k.Levels, k.Samples, slot);
        Console.Error.WriteLine(string.Create(inv, $"   slot {slot}: level {k.Levels[slot]:0.000} samples {k.Samples[slot]}, predicted (pooled) {predicted:0.000}, recent factor {recent:0.000} (obs {k.RecentObserved:0.00} exp {k.RecentExpected:0.00}), expected {d.Expected:0.000}"));
        Console.Error.WriteLine(string.Create(inv, $"   dispersion {k.Dispersion:0.0000}, batch {batch:0.000}, scale {estimate.Scale:0.000}, score {d.Score:0.00}, threshold {estimate.Threshold}, true seasonal expectation {trace.SeasonalExpectation(d.BucketStart):0.00}"));
        Console.Error.WriteLine(string.Create(inv, $"   slot history (oldest first): {history}"));
    }

    /// <summary>Diagnostics of issue 15 (level-16): a false alert's predicted level against the generator's truth,
    /// decomposed. With r_d the key's true rate of local weekday d (the seasonal expectation at 12:00 over the office
    /// profile's 12:00), r̄ the same EWMA the slots' levels apply (weights max(0.1, 1/n)) over the weekdays before the
    /// bucket's day, c_s = p_s / (true shape of slot s) and c̄ = Σ n·p / Σ n·shape (n 5 per weekday slot, 2 per weekend
    /// slot): m / true = (R·c̄ / r̄) [the rate's estimate against a noiseless learner] × (r̄ / r_today) [drift] ×
    /// (c_s / c̄) [the profile's shape] × (predicted / R·p_s) [the slot's own level] × f [recent factor].</summary>
    private static void DumpLevelParts(string population, LabelledActivityTrace trace, BaselineModel<int> model, BaselineDetection<int> d)
    {
        var inv = CultureInfo.InvariantCulture;
        if (model.InspectLevel(trace.Key, d.BucketStart) is not { } parts || model.Profile is not { } profile)
        {
            return;
        }

        static double Shape(int slot) => ActivityStreamOptions.OfficeHours[slot % 24] * (slot >= 24 ? 0.08 : 1);
        var rates = profile.Rates;
        double np = 0, ns = 0;
        for (var j = 0; j < rates.Length; j++)
        {
            var n = j >= 24 ? 2.0 : 5.0;
            if (rates[j] >= 0)
            {
                np += n * rates[j];
                ns += n * Shape(j);
            }
        }

        var cBar = np / ns;
        var weekend = d.BucketStart.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
        var slot = d.BucketStart.Hour + (weekend ? 24 : 0);
        var cSlot = rates[slot] / Shape(slot);
        var dayIndex = (int)Math.Floor((d.BucketStart - trace.Start).TotalDays);
        var today = trace.SeasonalExpectation(trace.Start.AddDays(dayIndex).AddHours(12)) / ActivityStreamOptions.OfficeHours[12] / (weekend ? 0.08 : 1);
        double hist = 0;
        var n1 = 0;
        var holidays = new List<int>();
        for (var day = 0; day < dayIndex; day++)
        {
            var noon = trace.Start.AddDays(day).AddHours(12);
            if (noon.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                continue;
            }

            if (trace.IsHoliday(noon))
            {
                holidays.Add(day);
            }

            var r = trace.SeasonalExpectation(noon) / ActivityStreamOptions.OfficeHours[12];
            n1++;
            hist += Math.Max(0.1, 1.0 / n1) * (r - hist);
        }

        var truth = trace.SeasonalExpectation(d.BucketStart);
        var est = parts.Rate > 0 ? parts.Rate * cBar / hist : double.NaN;
        var blend = parts.Rate > 0 ? parts.Predicted / (parts.Rate * parts.ProfileRate) : double.NaN;
        var previous = dayIndex - 1;
        while (previous >= 0 && trace.Start.AddDays(previous).AddHours(12).DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            previous--;
        }

        var afterHoliday = previous >= 0 && holidays.Contains(previous);
        Console.Error.WriteLine(string.Create(inv, $"FPX [{population}] seed {trace.Seed} day {dayIndex} hour {d.BucketStart.Hour} {(weekend ? "we" : "wd")} m/true {d.Expected / truth:0.000} est {est:0.000} drift {hist / today:0.000} shape {cSlot / cBar:0.000} blend {blend:0.000} recent {parts.Recent:0.000} unfloored {parts.Unfloored:0.000} own {parts.Own:0.00} n {parts.Samples} R {parts.Rate:0.000} p {parts.ProfileRate:0.0000} cbar {cBar:0.0000} rtoday {today:0.00} rhist {hist:0.00} holidays {holidays.Count} [{string.Join(',', holidays)}] afterHoliday {(afterHoliday ? 1 : 0)} todayHoliday {(trace.IsHoliday(d.BucketStart) ? 1 : 0)}"));
    }

    /// <summary>Prints a detection of the grid's model (no snapshot: what GetBaseline, the key's φ̂ and the level gate's
    /// alternative levels say), with the bucket's final count in the trace.</summary>
    private static void DumpDetection(string tag, string population, LabelledActivityTrace trace, BaselineModel<int> model, BaselineDetection<int> d)
    {
        var inv = CultureInfo.InvariantCulture;
        var e = model.GetBaseline(trace.Key, d.BucketStart)!;
        var g = model.GateLevels(trace.Key, d.BucketStart)!.Value;
        var end = d.BucketStart + d.BucketLength;
        var final = 0;
        foreach (var a in trace.Events)
        {
            if (a.Time >= d.BucketStart && a.Time < end)
            {
                final++;
            }
        }

        Console.Error.WriteLine(string.Create(inv, $"{tag} [{population}] seed {trace.Seed} {trace.Key} day {(d.BucketStart - trace.Start).TotalDays:0.0} hour {d.BucketStart.Hour} dow {(int)d.BucketStart.DayOfWeek} count {d.Observed} final {final} expected {d.Expected:0.000} scale {e.Scale:0.000} score {d.Score:0.00} threshold {e.Threshold} samples {e.Samples} phi {model.DispersionOf(trace.Key):0.0000} true {trace.SeasonalExpectation(d.BucketStart):0.00} own {g.Own:0.000} pooled {g.Pooled:0.000} profile {g.Profile:0.000} predicted {g.Predicted:0.000} shrunk {(g.Shrunk ? 1 : 0)} recent {g.Recent:0.000} unbounded {g.Unbounded:0.000}"));
    }

    private static InjectedAnomaly? Overlapping(LabelledActivityTrace trace, DateTimeOffset start, DateTimeOffset end)
    {
        foreach (var a in trace.Anomalies)
        {
            if (a.Start < end && start < a.End)
            {
                return a;
            }
        }

        return null;
    }

    private static string Describe(AnomalyThresholds t) =>
        string.Create(CultureInfo.InvariantCulture, $"Z {t.Z}, min count {t.MinCount}, min ratio {t.MinRatio}");

    internal static string Ratio(int n, int d) => d == 0 ? "–" : ((double)n / d).ToString("0.000", CultureInfo.InvariantCulture);

    internal static string Quantile(List<double> values, double q, string format = "0")
    {
        if (values.Count == 0)
        {
            return "–";
        }

        values.Sort();
        return values[(int)Math.Min(values.Count - 1, Math.Floor(q * values.Count))].ToString(format, CultureInfo.InvariantCulture);
    }
}
