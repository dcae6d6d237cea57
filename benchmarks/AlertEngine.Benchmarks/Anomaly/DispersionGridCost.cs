using System.Diagnostics;
using System.Globalization;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// <c>anomaly-grid-cost</c> (eighth issue-15 session): the CPU cost of the experiment's per-key dispersion grid, the
/// work a bucket close would add in the engine — one <see cref="DispersionGrid.Add"/> (24 negative-binomial
/// log-likelihoods with the harness's log Γ) and one posterior with its mean (24 exponentials). Inputs are drawn
/// beforehand (expected counts 2–40, gamma-Poisson counts, effective samples 5–119), each call on another key's 24 sums
/// so the sums are not all in one cache line. A Stopwatch loop, best of 7 rounds: an order of magnitude for the design,
/// not a measurement to compare branches with (the machine is shared).
/// </summary>
internal static class DispersionGridCost
{
    public static int Run()
    {
        const int keys = 4096, calls = 1 << 20;
        var random = new Random(15);
        var m = new double[calls];
        var x = new int[calls];
        var n = new double[calls];
        for (var i = 0; i < calls; i++)
        {
            m[i] = 2 + (38 * random.NextDouble());
            var rate = m[i] * Gamma(random, 4) / 4;
            x[i] = Poisson(random, rate);
            n[i] = 5 + random.Next(115);
        }

        var sums = new double[keys][];
        for (var k = 0; k < keys; k++)
        {
            sums[k] = new double[DispersionGrid.Size];
        }

        var posterior = new double[DispersionGrid.Size];
        double best = double.MaxValue, bestPosterior = double.MaxValue, sink = 0;
        for (var round = 0; round < 7; round++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++)
            {
                DispersionGrid.Add(sums[i & (keys - 1)], 0.99, m[i], x[i], n[i]);
            }

            best = Math.Min(best, clock.Elapsed.TotalNanoseconds / calls);
            clock.Restart();
            for (var i = 0; i < calls; i++)
            {
                DispersionGrid.Posterior(sums[i & (keys - 1)], null, posterior);
                sink += DispersionGrid.Mean(posterior);
            }

            bestPosterior = Math.Min(bestPosterior, clock.Elapsed.TotalNanoseconds / calls);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"grid Add: {best:0} ns per bucket (best of 7); posterior + mean: {bestPosterior:0} ns; checksum {sink:0.0}"));
        return 0;
    }

    private static double Gamma(Random random, double shape)
    {
        // Marsaglia–Tsang for shape ≥ 1.
        var d = shape - (1.0 / 3);
        var c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z, v;
            do
            {
                z = Normal(random);
                v = 1 + (c * z);
            }
            while (v <= 0);

            v = v * v * v;
            if (Math.Log(random.NextDouble()) < (0.5 * z * z) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

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
