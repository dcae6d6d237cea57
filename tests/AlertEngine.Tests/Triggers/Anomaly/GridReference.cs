namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The naive double-precision oracle of issue 15's dispersion grid: the harness's reference
/// (<c>benchmarks/AlertEngine.Benchmarks/Anomaly/DispersionGrid.cs</c>: log Γ by Stirling's series after a shift to 8,
/// the C runtime's <see cref="Math.Log(double)"/> and <see cref="Math.Exp(double)"/>), restated, and random buckets
/// like the ninth session's check (<c>anomaly-grid-cost --check</c>).
/// </summary>
internal static class GridReference
{
    public const int Size = 24;

    /// <summary>φ_k = 0.025·1.2^k.</summary>
    public static double Value(int k) => 0.025 * Math.Pow(1.2, k);

    /// <summary>log Γ(z), z &gt; 0 (absolute error below 1e-10).</summary>
    public static double LogGamma(double z)
    {
        double shift = 0;
        while (z < 8)
        {
            shift -= Math.Log(z);
            z += 1;
        }

        var inv = 1 / z;
        var inv2 = inv * inv;
        var series = inv * ((1.0 / 12) - (inv2 * ((1.0 / 360) - (inv2 * ((1.0 / 1260) - (inv2 / 1680))))));
        return shift + ((z - 0.5) * Math.Log(z)) - z + (0.5 * Math.Log(2 * Math.PI)) + series;
    }

    /// <summary>log NB(y | m/ψ, φₑ(φ_k)) of the count in batches y = x/ψ (not necessarily an integer: log Γ is
    /// continuous), without ln Γ(y + 1); ψ = 1 is log NB(x | m, φₑ(φ_k)) without ln x!.</summary>
    public static double LogLikelihood(int k, double m, int x, double n, double psi = 1)
    {
        var phi = Value(k);
        var mb = m / psi;
        var y = x / psi;
        var v = (phi + (1 / mb)) / n;
        var r = 1 / Math.Max(1e-6, (phi * (1 + v)) + v);
        return LogGamma(y + r) - LogGamma(r) + (r * Math.Log(r / (r + mb))) + (y * Math.Log(mb / (r + mb)));
    }

    /// <summary>The discounted sums, renormalized to maximum 0.</summary>
    public static void Add(double[] sums, double keep, double m, int x, double n, double psi = 1)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < Size; k++)
        {
            sums[k] = (keep * sums[k]) + LogLikelihood(k, m, x, n, psi);
            max = Math.Max(max, sums[k]);
        }

        for (var k = 0; k < Size; k++)
        {
            sums[k] -= max;
        }
    }

    /// <summary>The posterior under log weights, and its mean φ.</summary>
    public static double PosteriorMean(ReadOnlySpan<double> sums, ReadOnlySpan<double> logPrior, double[] posterior)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < Size; k++)
        {
            posterior[k] = sums[k] + logPrior[k];
            max = Math.Max(max, posterior[k]);
        }

        double total = 0;
        for (var k = 0; k < Size; k++)
        {
            posterior[k] = Math.Exp(posterior[k] - max);
            total += posterior[k];
        }

        double mean = 0;
        for (var k = 0; k < Size; k++)
        {
            posterior[k] /= total;
            mean += posterior[k] * Value(k);
        }

        return mean;
    }

    /// <summary>A bucket: m half on 2–40, half log-uniform on 2–5,000; n 1–300; x gamma-Poisson at φ winsorized at
    /// m + 3σ, or (a fifth) uniform on 0–64 around the product/Stirling switch.</summary>
    public static (double M, int X, double N) Bucket(Random random, double phi)
    {
        var m = random.Next(2) == 0 ? 2 + (38 * random.NextDouble()) : Math.Exp(Math.Log(2) + (Math.Log(2500) * random.NextDouble()));
        var n = 1 + (299 * random.NextDouble());
        int x;
        if (random.Next(5) == 0)
        {
            x = random.Next(65);
        }
        else
        {
            var shape = 1 / phi;
            x = Poisson(random, m * Gamma(random, shape) / shape);
            x = Math.Min(x, (int)Math.Floor(m + (3 * Math.Sqrt(m + (phi * m * m)))));
        }

        return (m, x, n);
    }

    /// <summary>A key's stream of buckets at a fixed φ with a steady level (m 2–40 around a key mean), n growing to
    /// 100, occasional bursts (x up to 5× m, winsorized as the model would).</summary>
    public static (double M, int X, double N)[] Stream(Random random, double phi, int length)
    {
        var level = 2 + (38 * random.NextDouble());
        var buckets = new (double, int, double)[length];
        for (var i = 0; i < length; i++)
        {
            var m = level * (0.5 + random.NextDouble());
            var n = Math.Min(100, 1 + i);
            var shape = 1 / phi;
            var rate = m * Gamma(random, shape) / shape;
            if (random.Next(50) == 0)
            {
                rate *= 5;
            }

            var x = Math.Min(Poisson(random, rate), (int)Math.Floor(m + (3 * Math.Sqrt(m + (phi * m * m)))));
            buckets[i] = (m, x, n);
        }

        return buckets;
    }

    /// <summary>A batch factor: a third 1 exactly, a third an integer 2–5 (constant batches: x/ψ an integer when x is
    /// a multiple), a third continuous on 1–6 (varying batch sizes: x/ψ not an integer).</summary>
    public static double BatchFactor(Random random) => random.Next(3) switch
    {
        0 => 1,
        1 => random.Next(2, 6),
        _ => 1 + (5 * random.NextDouble()),
    };

    /// <summary>A bucket with batches: <see cref="Bucket"/>'s count in batches (mean m/ψ) times ψ, rounded, so that
    /// x/ψ is an integer for an integer ψ and is not in general otherwise.</summary>
    public static (double M, int X, double N) BatchedBucket(Random random, double phi, double psi)
    {
        var (mb, y, n) = Bucket(random, phi);
        return (mb * psi, (int)Math.Round(y * psi), n);
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (shape &lt; 1 by the boost U^(1/shape)).</summary>
    public static double Gamma(Random random, double shape)
    {
        if (shape < 1)
        {
            return Gamma(random, shape + 1) * Math.Pow(random.NextDouble(), 1 / shape);
        }

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
            var u = random.NextDouble();
            if (Math.Log(u) < (0.5 * z * z) + d - (d * v) + (d * Math.Log(v)))
            {
                return d * v;
            }
        }
    }

    public static int Poisson(Random random, double rate)
    {
        if (rate > 50)
        {
            return Math.Max(0, (int)Math.Round(rate + (Math.Sqrt(rate) * Normal(random))));
        }

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

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
