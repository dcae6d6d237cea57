using System.Diagnostics;
using System.Globalization;
using System.Text;
using AlertEngine.Testing;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// What an ideal detector could achieve on the populations of <see cref="AnomalyDispersionEvaluation"/> (issue 15), computed
/// exactly rather than simulated: for every user-hour after the 7-day learning period of the generator's streams, the count
/// is negative binomial with the generator's true seasonal expectation m and dispersion φ = CV²; a burst hour adds
/// Poisson((N − 1)·m). False alerts per 1,000 user-days and recall per burst size then follow from each hour's threshold by
/// summing exact tail probabilities. Threshold rules:
/// <list type="bullet">
/// <item><b>uniform Z</b>: the exact negative-binomial upper quantile at 1 − Φ(Z) with the sensitivity's gates (MinCount, MinRatio·m): the ideal version of the model's rule.</item>
/// <item><b>optimal</b>: the best any per-hour count threshold can do (Neyman–Pearson across hours): knowing m, φ, the burst size and which hours can hold a burst,
/// each hour's threshold maximizes the expected number of detected bursts for a given total false-alarm rate (hours that cannot hold a burst never fire). With and without the gates.</item>
/// <item><b>estimated level</b>: the model's own threshold rule (<see cref="BaselineMath.PredictiveThreshold"/>, Cornish–Fisher on the predictive distribution, gates) with the true φ
/// but a level that is the mean of n earlier samples of the slot (n = 5, 10, 15 in the second, third and fourth week for weekday hours; 2, 4, 6 at weekends),
/// averaged over the level's sampling distribution (Gamma with the mean's variance (m + φm²)/n, 32 quantile draws): what a calibrated detector pays for learning
/// the level per slot; and the same with 4n samples (a level learned from four times the data, e.g. a profile shared by more slots).</item>
/// </list>
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-ideal [--users N] [--weeks W] [--first-seed S] [--out file]</c>
/// Holidays are not known to this calculation (3 % of weekdays): their hours count at the normal rate, so the false-alarm rates are slightly high (conservative).
/// </summary>
public static class AnomalyIdealDetector
{
    private static readonly (string Name, double Cv, double Budget)[] Populations =
    [
        ("steady", 0.35, 1.0),
        ("burstier", 0.5, 2.0),
        ("bursty", 0.71, 2.0),
    ];

    private static readonly (double Multiplier, int MinExtra)[] Bursts = [(3, 8), (5, 15), (10, 25)];

    /// <summary>Relative step of the grid of true levels (hours are computed at the nearest grid level).</summary>
    private const double GridStep = 1.02;

    private const double GridMin = 0.005;

    public static int Run(string[] args)
    {
        var users = 500;
        var weeks = 4;
        var firstSeed = 10001;
        string? output = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--users": users = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--weeks": weeks = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--first-seed": firstSeed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": output = args[++i]; break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }

        var clock = Stopwatch.StartNew();
        var inv = CultureInfo.InvariantCulture;
        var report = new StringBuilder();
        report.AppendLine("# Unusual-activity detection: what an ideal detector achieves on the issue-15 populations");
        report.AppendLine();
        report.AppendLine(inv, $"Command: `dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- anomaly-ideal --users {users} --weeks {weeks} --first-seed {firstSeed}`.");
        report.AppendLine(inv, $"Users: seeds {firstSeed}..{firstSeed + users - 1}, the true seasonal expectations of `anomaly-eval-dispersion`'s streams; exact tail sums, no simulation (see `AnomalyIdealDetector`).");
        report.AppendLine("False alerts per 1,000 user-days after learning (hours from day 7 on); recall over the hours that can hold each burst size (weighted as the generator places bursts: the same number per user).");
        report.AppendLine("Medium gates: MinCount 15, MinRatio 3. `Z for budget`: the Z at which the rule's false-alarm rate equals the population's target (1 steady, 2 otherwise).");
        report.AppendLine();
        report.AppendLine("| population | rule | Z | false alerts / 1,000 user-days | recall 3x | recall 5x | recall 10x |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|");

        // The users' hourly true levels (seasonal expectation) after learning; the same for every population.
        var traces = new LabelledActivityTrace[users];
        var options = new ActivityStreamOptions { Weeks = weeks, HourShape = 0 };
        for (var u = 0; u < users; u++)
        {
            traces[u] = AnomalyStreamGenerator.Generate(firstSeed + u, options);
        }

        var hoursTotal = weeks * 7 * 24;
        var hours = new List<Hour>();
        var userDays = 0.0;
        for (var u = 0; u < users; u++)
        {
            var t = traces[u];
            var eligible = new int[Bursts.Length];
            var first = hours.Count;
            for (var h = 168; h < hoursTotal; h++)
            {
                var time = t.Start.AddHours(h);
                var m = t.SeasonalExpectation(time);
                var weekend = time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday;
                var week = h / 168;
                var n = weekend ? 2 * week : 5 * week;
                hours.Add(new Hour(u, Bin(m), m, n, new double[Bursts.Length]));
                for (var b = 0; b < Bursts.Length; b++)
                {
                    if (m * (Bursts[b].Multiplier - 1) >= Bursts[b].MinExtra)
                    {
                        eligible[b]++;
                    }
                }
            }

            // The generator places the same number of bursts of each kind per user, uniformly over the user's eligible hours.
            for (var i = first; i < hours.Count; i++)
            {
                for (var b = 0; b < Bursts.Length; b++)
                {
                    if (hours[i].Level * (Bursts[b].Multiplier - 1) >= Bursts[b].MinExtra)
                    {
                        hours[i].Weight[b] = 1.0 / eligible[b];
                    }
                }
            }

            userDays += (hoursTotal - 168) / 24.0;
        }

        var maxBin = 0;
        foreach (var h in hours)
        {
            maxBin = Math.Max(maxBin, h.Bin);
        }

        // Hours with the same threshold inputs are summed into one group: (level bin, samples) for the uniform and
        // estimated-level rules, (level bin, user) for the optimal rule (its threshold depends on the user's burst weight).
        var byLevel = Group(hours, h => ((long)h.Bin << 32) | (uint)h.Samples);
        var byUser = Group(hours, h => ((long)h.Bin << 32) | (uint)h.User);
        Console.Error.WriteLine($"{hours.Count} hours, {byLevel.Count} level groups, {byUser.Count} user groups, {clock.Elapsed.TotalSeconds:0} s");

        var medium = AnomalyThresholds.Medium;
        foreach (var (name, cv, budget) in Populations)
        {
            var phi = cv * cv;
            var tails = new Tails[maxBin + 1];
            foreach (var h in hours)
            {
                tails[h.Bin] ??= new Tails(Level(h.Bin), phi);
            }

            Console.Error.WriteLine($"{name}: tails {clock.Elapsed.TotalSeconds:0} s");

            // Uniform Z, exact NB quantile, gates.
            Func<double, Func<Hour, int>> uniform = z =>
            {
                var p = NormalTail(z);
                return h => Math.Max(Math.Max(medium.MinCount, (int)Math.Ceiling(medium.MinRatio * Level(h.Bin))), tails[h.Bin].Quantile(p));
            };
            Row(report, name, "ideal, uniform Z, gates", 4.0, Evaluate(byLevel, tails, uniform(4.0), userDays));
            var zb = SolveZ(z => Evaluate(byLevel, tails, uniform(z), userDays).FalseAlerts, budget);
            Row(report, name, "ideal, uniform Z, gates, Z for budget", zb, Evaluate(byLevel, tails, uniform(zb), userDays));

            // Optimal per-hour thresholds for the target burst size (5x steady, 10x otherwise), with and without gates.
            var target = name == "steady" ? 1 : 2;
            foreach (var gates in new[] { false, true })
            {
                var lambda = SolveLambda(byUser, tails, target, gates, budget, userDays);
                var result = Evaluate(byUser, tails, h => OptimalThreshold(h, tails, target, lambda, gates), userDays);
                Row(report, name, string.Create(inv, $"ideal, optimal per-hour thresholds for {Bursts[target].Multiplier}x{(gates ? ", gates" : ", no gates")} at the budget"), double.NaN, result);
            }

            // The model's threshold rule with the true φ and a level estimated from n (or 4n) samples.
            foreach (var factor in new[] { 1, 4 })
            {
                Func<double, Func<Hour, double[]?>> estimated = z => h => EstimatedLevelThresholds(h, phi, factor, medium with { Z = z });
                Row(report, name, string.Create(inv, $"true φ, level = mean of {(factor == 1 ? "n" : "4n")} samples, model's rule"), 4.0, EvaluateMixed(byLevel, tails, estimated(4.0), userDays));
                var ze = SolveZ(z => EvaluateMixed(byLevel, tails, estimated(z), userDays).FalseAlerts, budget);
                Row(report, name, string.Create(inv, $"true φ, level = mean of {(factor == 1 ? "n" : "4n")} samples, model's rule, Z for budget"), ze, EvaluateMixed(byLevel, tails, estimated(ze), userDays));
            }
        }

        report.AppendLine();
        report.AppendLine(inv, $"Elapsed: {clock.Elapsed.TotalSeconds:0} s.");
        return EvaluationReport.Publish(report, output);
    }

    /// <summary>One hour after learning, or (<see cref="Count"/> > 1) a group of hours with the same inputs: <see cref="Weight"/> is then the group's summed burst weight per kind.</summary>
    private sealed record Hour(int User, int Bin, double Level, int Samples, double[] Weight)
    {
        public int Count { get; init; } = 1;
    }

    private static List<Hour> Group(List<Hour> hours, Func<Hour, long> key)
    {
        var groups = new Dictionary<long, Hour>();
        foreach (var h in hours)
        {
            var k = key(h);
            if (groups.TryGetValue(k, out var g))
            {
                for (var b = 0; b < Bursts.Length; b++)
                {
                    g.Weight[b] += h.Weight[b];
                }

                groups[k] = g with { Count = g.Count + 1 };
            }
            else
            {
                groups[k] = h with { Weight = (double[])h.Weight.Clone() };
            }
        }

        return [.. groups.Values];
    }

    private readonly record struct Result(double FalseAlerts, double[] Recall);

    private static void Row(StringBuilder report, string population, string rule, double z, Result r)
    {
        var inv = CultureInfo.InvariantCulture;
        var zs = double.IsNaN(z) ? "–" : z.ToString("0.00", inv);
        Console.Error.WriteLine(string.Create(inv, $"| {population} | {rule} | {zs} | {r.FalseAlerts:0.00} | {r.Recall[0]:0.000} | {r.Recall[1]:0.000} | {r.Recall[2]:0.000} |"));
        report.AppendLine(inv, $"| {population} | {rule} | {zs} | {r.FalseAlerts:0.00} | {r.Recall[0]:0.000} | {r.Recall[1]:0.000} | {r.Recall[2]:0.000} |");
    }

    private static int Bin(double m) => m <= GridMin ? 0 : (int)Math.Round(Math.Log(m / GridMin) / Math.Log(GridStep));

    private static double Level(int bin) => GridMin * Math.Pow(GridStep, bin);

    private static Result Evaluate(List<Hour> hours, Tails[] tails, Func<Hour, int> threshold, double userDays)
    {
        var fa = 0.0;
        var hit = new double[Bursts.Length];
        var weight = new double[Bursts.Length];
        foreach (var h in hours)
        {
            var t = threshold(h);
            var tail = tails[h.Bin];
            fa += h.Count * tail.Normal(t);
            for (var b = 0; b < Bursts.Length; b++)
            {
                if (h.Weight[b] > 0)
                {
                    weight[b] += h.Weight[b];
                    hit[b] += h.Weight[b] * tail.Burst(b, t);
                }
            }
        }

        for (var b = 0; b < Bursts.Length; b++)
        {
            hit[b] /= weight[b];
        }

        return new Result(1000 * fa / userDays, hit);
    }

    /// <summary><see cref="Evaluate"/> for a rule whose threshold depends on a random level estimate: the thresholds at the estimate's quantile draws, averaged.</summary>
    private static Result EvaluateMixed(List<Hour> hours, Tails[] tails, Func<Hour, double[]?> thresholds, double userDays)
    {
        var fa = 0.0;
        var hit = new double[Bursts.Length];
        var weight = new double[Bursts.Length];
        foreach (var h in hours)
        {
            var ts = thresholds(h);
            var tail = tails[h.Bin];
            if (ts is null)
            {
                continue;
            }

            foreach (var t in ts)
            {
                fa += h.Count * tail.Normal((int)t) / ts.Length;
            }

            for (var b = 0; b < Bursts.Length; b++)
            {
                if (h.Weight[b] > 0)
                {
                    weight[b] += h.Weight[b];
                    var p = 0.0;
                    foreach (var t in ts)
                    {
                        p += tail.Burst(b, (int)t);
                    }

                    hit[b] += h.Weight[b] * p / ts.Length;
                }
            }
        }

        for (var b = 0; b < Bursts.Length; b++)
        {
            hit[b] = weight[b] > 0 ? hit[b] / weight[b] : 0;
        }

        return new Result(1000 * fa / userDays, hit);
    }

    private const int Draws = 32;

    /// <summary>Standard-normal quantiles at (i + 0.5) / 32, for the level estimate's draws.</summary>
    private static readonly double[] Quantiles = MakeQuantiles();

    private static double[] MakeQuantiles()
    {
        var q = new double[Draws];
        for (var i = 0; i < Draws; i++)
        {
            q[i] = NormalQuantile((i + 0.5) / Draws);
        }

        return q;
    }

    private static double[]? EstimatedLevelThresholds(Hour h, double phi, int factor, AnomalyThresholds thresholds)
    {
        var n = h.Samples * factor;
        if (n == 0)
        {
            return null;
        }

        var m = Level(h.Bin);
        var ts = new double[Draws];

        // The mean of n gamma-Poisson samples: Gamma with mean m and variance (m + φm²)/n, drawn at fixed quantiles by
        // Wilson–Hilferty (the cube root of a Gamma variable is nearly normal).
        var shape = n / ((1 / m) + phi);
        for (var i = 0; i < Draws; i++)
        {
            var c = 1 - (1 / (9 * shape)) + (Quantiles[i] * Math.Sqrt(1 / (9 * shape)));
            var estimate = m * Math.Max(0, c * c * c);
            ts[i] = estimate <= 0 ? thresholds.MinCount : BaselineMath.PredictiveThreshold(estimate, 1, phi, Math.Min(n, 19), thresholds, out _);
        }

        return ts;
    }

    /// <summary>The optimal threshold of an hour for burst kind <paramref name="target"/> at Lagrange multiplier λ: the
    /// smallest count whose likelihood ratio (burst vs normal) times the hour's burst weight is at least λ.</summary>
    private static int OptimalThreshold(Hour h, Tails[] tails, int target, double lambda, bool gates)
    {
        var w = h.Weight[target] / h.Count;
        if (w <= 0)
        {
            return int.MaxValue;
        }

        var t = tails[h.Bin].RatioThreshold(target, lambda / w);
        return gates ? Math.Max(t, Math.Max(AnomalyThresholds.Medium.MinCount, (int)Math.Ceiling(AnomalyThresholds.Medium.MinRatio * Level(h.Bin)))) : t;
    }

    private static double SolveLambda(List<Hour> hours, Tails[] tails, int target, bool gates, double budget, double userDays)
    {
        double lo = 1e-12, hi = 1e12;
        for (var i = 0; i < 80; i++)
        {
            var mid = Math.Sqrt(lo * hi);
            var fa = Evaluate(hours, tails, h => OptimalThreshold(h, tails, target, mid, gates), userDays).FalseAlerts;
            if (fa > budget)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }

    private static double SolveZ(Func<double, double> falseAlerts, double budget)
    {
        double lo = 2.0, hi = 6.0;
        for (var i = 0; i < 16; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (falseAlerts(mid) > budget)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }

    /// <summary>Upper tail of the standard normal, 1 − Φ(z).</summary>
    private static double NormalTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        // Numerical Recipes' erfc (Chebyshev), relative error < 1.2e-7.
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.5 * z));
        double[] c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var poly = 0.0;
        for (var k = c.Length - 1; k >= 0; k--)
        {
            poly = c[k] + (t * poly);
        }

        var r = t * Math.Exp((-z * z) + poly);
        return x >= 0 ? r : 2 - r;
    }

    private static double NormalQuantile(double p)
    {
        double lo = -10, hi = 10;
        for (var i = 0; i < 100; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (1 - NormalTail(mid) < p)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return 0.5 * (lo + hi);
    }

    /// <summary>Exact tails at one true level m: the negative binomial count (mean m, dispersion φ) and, per burst kind,
    /// that count plus Poisson((N − 1)·m).</summary>
    private sealed class Tails
    {
        private readonly double[] _normal; // P(X ≥ t)
        private readonly double[][] _burst; // P(X + Y ≥ t)
        private readonly double[] _normalPmf;
        private readonly double[][] _burstPmf;
        private readonly double[][] _ratioMin; // min over y ≥ x of P_burst(y) / P_normal(y)

        public Tails(double m, double phi)
        {
            _normalPmf = NegativeBinomial(m, phi);
            _normal = Survival(_normalPmf);
            _burst = new double[Bursts.Length][];
            _burstPmf = new double[Bursts.Length][];
            _ratioMin = new double[Bursts.Length][];
            for (var b = 0; b < Bursts.Length; b++)
            {
                if (m * (Bursts[b].Multiplier - 1) < Bursts[b].MinExtra)
                {
                    continue;
                }

                _burstPmf[b] = Convolve(_normalPmf, Poisson((Bursts[b].Multiplier - 1) * m));
                _burst[b] = Survival(_burstPmf[b]);
                var pmf = _burstPmf[b];
                var min = new double[pmf.Length];
                var running = double.PositiveInfinity;
                for (var x = pmf.Length - 1; x >= 0; x--)
                {
                    var normal = x < _normalPmf.Length ? _normalPmf[x] : 0;
                    var ratio = normal > 0 ? pmf[x] / normal : double.PositiveInfinity;
                    running = Math.Min(running, ratio);
                    min[x] = running;
                }

                _ratioMin[b] = min;
            }
        }

        public double Normal(int t) => t <= 0 ? 1 : t < _normal.Length ? _normal[t] : 0;

        public double Burst(int b, int t)
        {
            var s = _burst[b];
            return s is null ? 0 : t <= 0 ? 1 : t < s.Length ? s[t] : 0;
        }

        /// <summary>The smallest count t from which every count's likelihood ratio burst/normal is at least <paramref name="ratio"/>
        /// (the ratio grows with the count), i.e. the Neyman–Pearson threshold.</summary>
        public int RatioThreshold(int b, double ratio)
        {
            var burst = _burstPmf[b];
            if (burst is null)
            {
                return int.MaxValue;
            }

            // The region {LR ≥ ratio} scanned down from the top is an upper set of counts: the smallest x whose running
            // minimum of the ratio from the top is at least ratio (the running minimum grows with x).
            var min = _ratioMin[b];
            int lo = 0, hi = min.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (min[mid] >= ratio)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            return lo;
        }

        public int Quantile(double p)
        {
            for (var t = 0; t < _normal.Length; t++)
            {
                if (_normal[t] <= p)
                {
                    return t;
                }
            }

            return _normal.Length;
        }

        private static double[] NegativeBinomial(double m, double phi)
        {
            var r = 1 / phi;
            var q = m / (r + m);
            var values = new List<double>();
            var log = r * Math.Log(r / (r + m));
            var total = 0.0;
            for (var k = 0; ; k++)
            {
                if (k > 0)
                {
                    log += Math.Log((k - 1 + r) / k * q);
                }

                var p = Math.Exp(log);
                values.Add(p);
                total += p;
                if (k > m && (1 - total < 1e-14 || p < 1e-17))
                {
                    break;
                }
            }

            return [.. values];
        }

        private static double[] Poisson(double lambda)
        {
            var values = new List<double>();
            var log = -lambda;
            var total = 0.0;
            for (var k = 0; ; k++)
            {
                if (k > 0)
                {
                    log += Math.Log(lambda / k);
                }

                var p = Math.Exp(log);
                values.Add(p);
                total += p;
                if (k > lambda && (1 - total < 1e-14 || p < 1e-17))
                {
                    break;
                }
            }

            return [.. values];
        }

        private static double[] Convolve(double[] a, double[] b)
        {
            var c = new double[a.Length + b.Length - 1];
            var bFirst = 0;
            while (bFirst < b.Length && b[bFirst] < 1e-18)
            {
                bFirst++;
            }

            for (var i = 0; i < a.Length; i++)
            {
                if (a[i] < 1e-18)
                {
                    continue;
                }

                for (var j = bFirst; j < b.Length; j++)
                {
                    c[i + j] += a[i] * b[j];
                }
            }

            return c;
        }

        private static double[] Survival(double[] pmf)
        {
            var s = new double[pmf.Length + 1];
            for (var t = pmf.Length - 1; t >= 0; t--)
            {
                s[t] = s[t + 1] + pmf[t];
            }

            return s;
        }
    }
}
