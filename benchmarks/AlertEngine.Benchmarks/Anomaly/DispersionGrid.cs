namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// An experiment of issue 15 (fifth session), not the engine: the key's dispersion φ by its discounted negative-binomial
/// likelihood on a fixed grid of φ values, i.e. the posterior under a fixed discrete (mixture) prior over a few φ levels.
/// Per key the state is one discounted log-likelihood sum per grid point (<see cref="Size"/> numbers); each informative
/// bucket adds log NB(x | m, φₑ(φ_k)) at every grid point, φₑ the effective dispersion of the predictive count
/// (the level's error included). The prior is fixed (log-uniform over the grid, or a fixed mixture): no cross-key state,
/// so the estimate is a function of the key's own buckets under any partitioning. The posterior mean is the estimate;
/// a posterior quantile gives a conservative φ whose excess over the mean shrinks as the key's evidence grows.
/// </summary>
internal static class DispersionGrid
{
    /// <summary>Number of grid points.</summary>
    public const int Size = 24;

    /// <summary>The smallest grid value.</summary>
    public const double First = 0.025;

    /// <summary>The ratio between neighbouring grid values.</summary>
    public const double Ratio = 1.2;

    /// <summary>The grid values φ_k = <see cref="First"/>·<see cref="Ratio"/>^k (0.025 … 1.5).</summary>
    public static readonly double[] Values = MakeValues();

    private static double[] MakeValues()
    {
        var v = new double[Size];
        for (var k = 0; k < Size; k++)
        {
            v[k] = First * Math.Pow(Ratio, k);
        }

        return v;
    }

    /// <summary>Adds one bucket's log-likelihood at every grid point to the discounted sums.</summary>
    /// <param name="sums">The key's discounted log-likelihood sums (updated).</param>
    /// <param name="keep">The discount per informative bucket.</param>
    /// <param name="m">The bucket's expected count.</param>
    /// <param name="x">The bucket's (winsorized) count.</param>
    /// <param name="n">The level's effective samples (its relative error is (φ + 1/m)/n).</param>
    public static void Add(double[] sums, double keep, double m, int x, double n)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < Size; k++)
        {
            var phi = Values[k];
            var v = (phi + (1 / m)) / n;
            var phiE = Math.Max(1e-6, (phi * (1 + v)) + v);
            var r = 1 / phiE;

            // log NB(x | m, r) without the log x! common to every grid point.
            var l = LogGamma(x + r) - LogGamma(r) + (r * Math.Log(r / (r + m))) + (x * Math.Log(m / (r + m)));
            sums[k] = (keep * sums[k]) + l;
            max = Math.Max(max, sums[k]);
        }

        // Only differences matter: keep the maximum at 0 (what a float32 state in the engine would need).
        for (var k = 0; k < Size; k++)
        {
            sums[k] -= max;
        }
    }

    /// <summary>The posterior over the grid under the prior (log weights; null: log-uniform).</summary>
    public static void Posterior(double[] sums, double[]? logPrior, double[] posterior)
    {
        var max = double.NegativeInfinity;
        for (var k = 0; k < Size; k++)
        {
            posterior[k] = sums[k] + (logPrior?[k] ?? 0);
            max = Math.Max(max, posterior[k]);
        }

        double total = 0;
        for (var k = 0; k < Size; k++)
        {
            posterior[k] = Math.Exp(posterior[k] - max);
            total += posterior[k];
        }

        for (var k = 0; k < Size; k++)
        {
            posterior[k] /= total;
        }
    }

    /// <summary>The posterior mean of φ.</summary>
    public static double Mean(double[] posterior)
    {
        double s = 0;
        for (var k = 0; k < Size; k++)
        {
            s += posterior[k] * Values[k];
        }

        return s;
    }

    /// <summary>The posterior mean of log φ, exponentiated (the geometric mean: less pulled by a long upper tail).</summary>
    public static double GeometricMean(double[] posterior)
    {
        double s = 0;
        for (var k = 0; k < Size; k++)
        {
            s += posterior[k] * Math.Log(Values[k]);
        }

        return Math.Exp(s);
    }

    /// <summary>The posterior quantile q of φ, interpolated in log φ between grid points (each point's mass spread over
    /// its cell).</summary>
    public static double Quantile(double[] posterior, double q)
    {
        double c = 0;
        var half = Math.Log(Ratio) / 2;
        for (var k = 0; k < Size; k++)
        {
            if (c + posterior[k] >= q)
            {
                var f = posterior[k] > 0 ? (q - c) / posterior[k] : 0.5;
                return Math.Exp(Math.Log(Values[k]) - half + (f * 2 * half));
            }

            c += posterior[k];
        }

        return Values[Size - 1];
    }

    /// <summary>log Γ(z) for z &gt; 0 (Stirling's series after shifting z to at least 8; absolute error below 1e-10).</summary>
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
}
