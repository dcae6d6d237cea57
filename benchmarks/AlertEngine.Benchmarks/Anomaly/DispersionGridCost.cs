using System.Diagnostics;
using System.Globalization;
using AlertEngine.Testing;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// <c>anomaly-grid-cost [--check]</c> (issue 15, eighth and ninth sessions): the CPU cost of the experiment's per-key
/// dispersion grid, the work a bucket close would add in the engine — one grid update (24 negative-binomial
/// log-likelihoods) and one posterior with its mean (24 exponentials) — for the reference (<see cref="DispersionGrid"/>,
/// the harness's scalar code with its log Γ) and the fast form (<see cref="FastDispersionGrid"/>, vectorized; also on
/// the planned 16-bit state), side by side in the same process. Inputs are drawn beforehand (expected counts 2–40,
/// gamma-Poisson counts at φ 0.25, effective samples 5–119), each call on another key's 24 sums so the sums are not all
/// in one cache line. A Stopwatch loop, the variants alternating within each of 9 rounds; best and range per variant,
/// the load average before and after. <c>--check</c>: the fast form against the reference on 400,000 random single
/// updates and posteriors and on 1,000 keys' streams of 1,000 buckets (also through the 16-bit state); exits 1 on a
/// difference above the tolerance. Tenth session: also the engine's cores in src (<see cref="GridEvidenceMath"/>, the
/// reproducible 16-bit update and posterior mean, vector and scalar forms). Eleventh session: the 256-bit form
/// explicitly (what an AVX2 machine runs; on this machine also natively), and the update with a batch factor ψ = 2.5
/// (m and x scaled by 2.5, so x/ψ is mostly not an integer: the continuous log Γ path).
/// </summary>
internal static class DispersionGridCost
{
    public static int Run(string[] args)
    {
        if (args is ["--check"])
        {
            return Check();
        }

        if (args.Length > 0)
        {
            Console.Error.WriteLine("usage: anomaly-grid-cost [--check]");
            return 2;
        }

        const int keys = 4096, calls = 1 << 20, rounds = 9;
        var random = new Random(15);
        var m = new double[calls];
        var x = new int[calls];
        var n = new double[calls];
        var mBatched = new double[calls];
        var xBatched = new int[calls];
        const double Psi = 2.5;
        var large = 0;
        for (var i = 0; i < calls; i++)
        {
            m[i] = 2 + (38 * random.NextDouble());
            var rate = m[i] * AnomalyStreamGenerator.Gamma(random, 4) / 4;
            x[i] = Poisson(random, rate);
            n[i] = 5 + random.Next(115);
            large += x[i] > FastDispersionGrid.ProductLimit ? 1 : 0;
            mBatched[i] = Psi * m[i];
            xBatched[i] = (int)Math.Round(Psi * x[i]);
        }

        var reference = NewSums(keys);
        var fast = NewSums(keys);
        var quantized = new ushort[keys][];
        for (var k = 0; k < keys; k++)
        {
            quantized[k] = new ushort[DispersionGrid.Size];
        }

        var names = new[] { "reference Add", "fast Add", "fast Add, 16-bit state", "reference Posterior + Mean", "fast PosteriorMean", $"src Update ({GridLikelihood.Form})", $"src PosteriorMean ({GridLikelihood.Form})", "src UpdateVector256", "src PosteriorMeanVector256", $"src Update ψ 2.5 ({GridLikelihood.Form})", "src UpdateScalar", "src PosteriorMeanScalar" };
        var evidence = new GridEvidence[keys];
        var uniform = new double[DispersionGrid.Size];
        var times = new double[names.Length][];
        for (var v = 0; v < names.Length; v++)
        {
            times[v] = new double[v >= 10 ? rounds / 3 : rounds];
        }

        var posterior = new double[DispersionGrid.Size];
        double sink = 0;
        Console.WriteLine($"load before: {Uptime()}");
        for (var round = 0; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++)
            {
                DispersionGrid.Add(reference[i & (keys - 1)], 0.99, m[i], x[i], n[i]);
            }

            times[0][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                FastDispersionGrid.Add(fast[i & (keys - 1)], 0.99, m[i], x[i], n[i]);
            }

            times[1][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                FastDispersionGrid.AddQuantized(quantized[i & (keys - 1)], 0.99, m[i], x[i], n[i]);
            }

            times[2][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                DispersionGrid.Posterior(reference[i & (keys - 1)], null, posterior);
                sink += DispersionGrid.Mean(posterior);
            }

            times[3][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                sink -= FastDispersionGrid.PosteriorMean(fast[i & (keys - 1)], null, posterior);
            }

            times[4][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                GridEvidenceMath.Update(ref evidence[i & (keys - 1)], 0.99, m[i], x[i], n[i], 1);
            }

            times[5][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                sink += GridEvidenceMath.PosteriorMean(evidence[i & (keys - 1)], uniform, posterior);
            }

            times[6][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                GridEvidenceMath.UpdateVector256(ref evidence[i & (keys - 1)], 0.99, m[i], x[i], n[i], 1);
            }

            times[7][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                sink += GridEvidenceMath.PosteriorMeanVector256(evidence[i & (keys - 1)], uniform, posterior);
            }

            times[8][round] = clock.Elapsed.TotalNanoseconds / calls;
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                GridEvidenceMath.Update(ref evidence[i & (keys - 1)], 0.99, mBatched[i], xBatched[i], n[i], Psi);
            }

            times[9][round] = clock.Elapsed.TotalNanoseconds / calls;
            if (round % 3 == 0)
            {
                // The scalar forms (what a machine without 256-bit vectors runs) every third round, a quarter of the calls.
                clock.Restart();
                for (var i = 0; i < calls / 4; i++)
                {
                    GridEvidenceMath.UpdateScalar(ref evidence[i & (keys - 1)], 0.99, m[i], x[i], n[i], 1);
                }

                times[10][round / 3] = clock.Elapsed.TotalNanoseconds / (calls / 4);
                clock.Restart();
                for (var i = 0; i < calls / 4; i++)
                {
                    sink -= GridEvidenceMath.PosteriorMeanScalar(evidence[i & (keys - 1)], uniform, posterior);
                }

                times[11][round / 3] = clock.Elapsed.TotalNanoseconds / (calls / 4);
            }
        }

        Console.WriteLine($"load after: {Uptime()}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{calls} calls per variant and round over {keys} keys, {rounds} rounds alternating; counts above {FastDispersionGrid.ProductLimit} (Stirling path): {100.0 * large / calls:0.0} %; Vector512 accelerated: {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256: {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}; ψ 2.5 buckets with x/ψ not an integer: {100.0 * xBatched.Count(v => v / Psi != Math.Floor(v / Psi)) / calls:0.0} %"));
        for (var v = 0; v < names.Length; v++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[v],-34} best {times[v].Min(),6:0} ns per call, range {times[v].Min():0}–{times[v].Max():0}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best-to-best: Add {times[0].Min() / times[1].Min():0.0}x ({times[0].Min() / times[2].Min():0.0}x on the 16-bit state), posterior + mean {times[3].Min() / times[4].Min():0.0}x; src core against the reference: update {times[0].Min() / times[5].Min():0.0}x, posterior + mean {times[3].Min() / times[6].Min():0.0}x; checksum {sink:0.000000}"));
        return 0;
    }

    private static double[][] NewSums(int keys)
    {
        var sums = new double[keys][];
        for (var k = 0; k < keys; k++)
        {
            sums[k] = new double[DispersionGrid.Size];
        }

        return sums;
    }

    private static string Uptime()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("uptime") { RedirectStandardOutput = true })!;
            var text = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "unknown";
        }
    }

    /// <summary>The tolerance of one update's sums: the planned state's step is 1/1024 nats and the 0.99 discount sums
    /// about 100 updates' errors, so 1e-6 per update keeps even a systematic error below a tenth of a step.</summary>
    private const double UpdateTolerance = 1e-6;

    private static int Check()
    {
        var random = new Random(1515);
        const int cases = 400_000;
        var size = DispersionGrid.Size;
        var start = new double[size];
        var a = new double[size];
        var b = new double[size];
        var prior = new double[size];
        var pa = new double[size];
        var pb = new double[size];
        double worstUpdate = 0, worstPosterior = 0, worstMean = 0;
        string worstCase = "";
        var large = 0;
        for (var c = 0; c < cases; c++)
        {
            // m log-uniform on 2–5,000 (half the cases on 2–40), n 1–300, x gamma-Poisson at a grid φ winsorized at
            // m + 3σ, or (a fifth of the cases) uniform on 0–2·ProductLimit around the path switch.
            var m = c % 2 == 0 ? 2 + (38 * random.NextDouble()) : Math.Exp(Math.Log(2) + (Math.Log(2500) * random.NextDouble()));
            var n = 1 + (299 * random.NextDouble());
            int x;
            if (c % 5 == 0)
            {
                x = random.Next(2 * FastDispersionGrid.ProductLimit + 1);
            }
            else
            {
                var phi = DispersionGrid.Values[random.Next(size)];
                var shape = 1 / phi;
                x = Poisson(random, m * AnomalyStreamGenerator.Gamma(random, Math.Max(1, shape)) / Math.Max(1, shape));
                x = Math.Min(x, (int)Math.Floor(m + (3 * Math.Sqrt(m + (phi * m * m)))));
            }

            large += x > FastDispersionGrid.ProductLimit ? 1 : 0;
            var top = random.Next(size);
            for (var k = 0; k < size; k++)
            {
                start[k] = k == top ? 0 : -64 * random.NextDouble();
            }

            start.CopyTo(a, 0);
            start.CopyTo(b, 0);
            DispersionGrid.Add(a, 0.99, m, x, n);
            FastDispersionGrid.Add(b, 0.99, m, x, n);
            for (var k = 0; k < size; k++)
            {
                var d = Math.Abs(a[k] - b[k]);
                // A NaN, once stored, stays (a finite difference later in the case must not hide it from the check).
                if (!(d <= worstUpdate) && !double.IsNaN(worstUpdate))
                {
                    worstUpdate = d;
                    worstCase = string.Create(CultureInfo.InvariantCulture, $"m {m:0.###}, x {x}, n {n:0.###}, φ {DispersionGrid.Values[k]:0.###}: reference {a[k]:R}, fast {b[k]:R}");
                }
            }

            // The posterior under no prior or a random one.
            var withPrior = c % 2 == 1;
            if (withPrior)
            {
                double total = 0;
                for (var k = 0; k < size; k++)
                {
                    prior[k] = 0.001 + random.NextDouble();
                    total += prior[k];
                }

                for (var k = 0; k < size; k++)
                {
                    prior[k] = Math.Log(prior[k] / total);
                }
            }

            DispersionGrid.Posterior(a, withPrior ? prior : null, pa);
            var meanA = DispersionGrid.Mean(pa);
            var meanB = FastDispersionGrid.PosteriorMean(a, withPrior ? prior : null, pb);
            for (var k = 0; k < size; k++)
            {
                worstPosterior = Math.Max(worstPosterior, Math.Abs(pa[k] - pb[k]));
            }

            worstMean = Math.Max(worstMean, Math.Abs(meanA - meanB) / meanA);
            if (double.IsNaN(meanB) || double.IsNaN(worstUpdate))
            {
                worstMean = double.NaN;
                break;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"single updates: {cases} random cases ({100.0 * large / cases:0.0} % with x > {FastDispersionGrid.ProductLimit}), largest |fast − reference| of a sum {worstUpdate:E2} nats (tolerance {UpdateTolerance:E0}; the 16-bit state's step {1.0 / 1024:E2})"));
        Console.WriteLine($"  at {worstCase}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"posteriors: largest |fast − reference| of a probability {worstPosterior:E2} (tolerance 1E-12), of the mean φ relative {worstMean:E2} (tolerance 1E-12)"));

        // Streams: 1,000 keys of 1,000 informative buckets each, the key's true φ from the grid, m drifting on 2–400.
        const int streamKeys = 1000, buckets = 1000;
        double worstStream = 0, worstQuantized = 0, worstQuantizedMean = 0, worstClamped = 0;
        long clampedPoints = 0, clampedRelevant = 0;
        var state = new ushort[size];
        var clamped = new bool[size];
        var decoded = new double[size];
        for (var key = 0; key < streamKeys; key++)
        {
            var phi = DispersionGrid.Values[random.Next(size)];
            var level = Math.Exp(Math.Log(2) + (Math.Log(200) * random.NextDouble()));
            Array.Clear(a);
            Array.Clear(b);
            Array.Clear(state);
            Array.Clear(clamped);
            for (var t = 0; t < buckets; t++)
            {
                var m = Math.Max(2, level * (0.7 + (0.6 * random.NextDouble())));
                var n = 20 + (180 * random.NextDouble());
                var shape = 1 / phi;
                var x = Poisson(random, m * AnomalyStreamGenerator.Gamma(random, Math.Max(1, shape)) / Math.Max(1, shape));
                x = Math.Min(x, (int)Math.Floor(m + (3 * Math.Sqrt(m + (phi * m * m)))));
                DispersionGrid.Add(a, 0.99, m, x, n);
                FastDispersionGrid.Add(b, 0.99, m, x, n);
                FastDispersionGrid.AddQuantized(state, 0.99, m, x, n);
                FastDispersionGrid.Decode(state, decoded);
                for (var k = 0; k < size; k++)
                {
                    worstStream = Math.Max(worstStream, Math.Abs(a[k] - b[k]));
                    clamped[k] |= a[k] < -64;
                    if (clamped[k])
                    {
                        clampedPoints++;
                        if (a[k] > -20)
                        {
                            clampedRelevant++;
                            worstClamped = Math.Max(worstClamped, Math.Abs(a[k] - decoded[k]));
                        }
                    }
                    else
                    {
                        worstQuantized = Math.Max(worstQuantized, Math.Abs(a[k] - decoded[k]));
                    }
                }
            }

            DispersionGrid.Posterior(a, null, pa);
            var meanA = DispersionGrid.Mean(pa);
            var meanQ = FastDispersionGrid.PosteriorMean(decoded, null, pb);
            worstQuantizedMean = Math.Max(worstQuantizedMean, Math.Abs(meanA - meanQ) / meanA);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"streams: {streamKeys} keys × {buckets} buckets, largest |fast − reference| of a sum at any bucket {worstStream:E2} nats (tolerance 1E-4); through the 16-bit state {worstQuantized:E2} nats at the grid points never below −64 (information: the 16-bit design, not the fast form), posterior mean φ relative {worstQuantizedMean:E2} at the end"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  grid points once clamped at −64: {clampedPoints} point-buckets, of which {clampedRelevant} with the reference sum back above −20 nats, there off by up to {worstClamped:0.000} nats (the clamp's, not the fast form's, effect)"));
        var failed = !(worstUpdate <= UpdateTolerance) || !(worstPosterior <= 1e-12) || !(worstMean <= 1e-12) || !(worstStream <= 1e-4);
        Console.WriteLine(failed ? "FAIL: the fast grid differs from the reference beyond the tolerance" : "OK: the fast grid equals the reference within the tolerances");
        return failed ? 1 : 0;
    }

    private static int Poisson(Random random, double rate)
    {
        var limit = Math.Exp(-rate);
        var k = 0;
        var p = random.NextDouble();
        while (p > limit)
        {
            k++;
            p *= random.NextDouble();
        }

        return k;
    }
}
