namespace AlertEngine;

/// <summary>
/// The upper tail of a negative binomial and its upper quantile, for the dispersion grid's detection decision (issue 15):
/// the smallest count y with P(Y ≥ y) ≤ α, Y ~ NB(mean μ, size r) (variance μ + μ²/r), by summing the probability mass
/// function directly, in place of the Cornish–Fisher normal approximation. Only IEEE operations and
/// <see cref="ReproducibleMath"/>'s logarithm and exponential, so the quantile is the same on every machine.
/// </summary>
/// <remarks>
/// pmf(y) = Γ(y + r)/(Γ(r)·y!)·qʳ·pʸ with p = μ/(μ + r), q = r/(μ + r); pmf(y + 1) = pmf(y)·p·(y + r)/(y + 1).
/// The tail at a start y₀ near the answer is Σ_{k ≥ y₀} pmf(k), summed upward until the remaining terms (bounded by a
/// geometric series once the ratio is below 1) are below 1e−17 of the sum; the quantile is then found by stepping from
/// y₀ (down: add pmf(y − 1); up: subtract pmf(y)). ln pmf(y₀) uses ln Γ by Stirling's series at x + 8 (absolute error
/// below 1e−10, as the grid's likelihood). When more than <see cref="MaxTerms"/> terms would be needed (a count whose
/// Gamma scale μ/r is in the hundreds) there is no answer and the caller keeps its approximation.
/// </remarks>
internal static class NegativeBinomialTail
{
    /// <summary>The most pmf terms one quantile sums (the tail and the walk together).</summary>
    public const int MaxTerms = 4096;

    private const double HalfLogTwoPi = 0.91893853320467274178;

    /// <summary>The smallest y ≥ 0 with P(Y ≥ y) ≤ <paramref name="alpha"/>, Y ~ NB(<paramref name="mean"/>,
    /// <paramref name="size"/>); −1 when it would take more than <see cref="MaxTerms"/> terms.</summary>
    /// <param name="mean">μ &gt; 0, finite.</param>
    /// <param name="size">r &gt; 0, finite (1/φ).</param>
    /// <param name="alpha">The tail probability, in (0, 1).</param>
    /// <param name="start">A guess of the answer (clamped to ≥ 0); the cost grows with its distance from the answer.</param>
    /// <returns>The quantile, or −1.</returns>
    public static int UpperQuantile(double mean, double size, double alpha, int start)
    {
        var p = mean / (mean + size);
        var logQ = ReproducibleMath.Log(size / (mean + size));
        var logP = ReproducibleMath.Log(p);
        var y = Math.Max(0, start);
        var first = Pmf(y, size, logP, logQ);
        var tail = TailFrom(y, first, size, p, out var terms);
        if (terms < 0)
        {
            return -1;
        }

        if (tail <= alpha)
        {
            // Down while the count below still has a tail within α.
            var pmf = first;
            while (y > 0 && terms < MaxTerms)
            {
                pmf = pmf * y / (p * (y - 1 + size));
                var wider = tail + pmf;
                if (wider > alpha)
                {
                    return y;
                }

                tail = wider;
                y--;
                terms++;
            }

            return y == 0 ? 0 : -1;
        }

        // Up until the tail is within α.
        var mass = first;
        while (terms < MaxTerms)
        {
            tail -= mass;
            mass = mass * p * (y + size) / (y + 1);
            y++;
            terms++;
            if (tail <= alpha)
            {
                return y;
            }
        }

        return -1;
    }

    /// <summary>P(Y ≥ y) by the same sum (tests; −1 when it would take more than <see cref="MaxTerms"/> terms).</summary>
    /// <param name="y">The count.</param>
    /// <param name="mean">μ.</param>
    /// <param name="size">r.</param>
    /// <returns>The tail probability.</returns>
    public static double Tail(int y, double mean, double size)
    {
        var p = mean / (mean + size);
        var first = Pmf(y, size, ReproducibleMath.Log(p), ReproducibleMath.Log(size / (mean + size)));
        var tail = TailFrom(y, first, size, p, out var terms);
        return terms < 0 ? -1 : tail;
    }

    /// <summary>pmf(y) = exp(ln Γ(y + r) − ln Γ(r) − ln Γ(y + 1) + r·ln q + y·ln p).</summary>
    private static double Pmf(int y, double size, double logP, double logQ)
    {
        var log = LogGamma(y + size) - LogGamma(size) - LogGamma(y + 1.0) + (size * logQ) + (y * logP);
        return log >= 0 ? 1 : ReproducibleMath.Exp(log);
    }

    /// <summary>Σ_{k ≥ y} pmf(k) given pmf(y): upward until the geometric bound of the rest is below 1e−17 of the sum;
    /// <paramref name="terms"/> the terms taken, −1 past <see cref="MaxTerms"/>.</summary>
    private static double TailFrom(int y, double first, double size, double p, out int terms)
    {
        var sum = first;
        var mass = first;
        var k = y;
        for (terms = 1; terms < MaxTerms; terms++)
        {
            var ratio = p * (k + size) / (k + 1);
            mass *= ratio;
            sum += mass;
            k++;

            // Beyond the mode the ratio falls with k, so the rest is at most mass·ρ/(1 − ρ) with ρ the next ratio.
            var next = p * (k + size) / (k + 1);
            if (next < 1 && mass * next <= 1e-17 * sum * (1 - next))
            {
                return sum;
            }
        }

        terms = -1;
        return sum;
    }

    /// <summary>ln Γ(x) for x &gt; 0: Stirling's series at x + 8 and the 8-term shift below it.</summary>
    internal static double LogGamma(double x)
    {
        var shift = 1.0;
        while (x < 8)
        {
            shift *= x;
            x += 1;
        }

        var inv = 1 / x;
        var inv2 = inv * inv;
        var series = inv * ((1.0 / 12) - (inv2 * ((1.0 / 360) - (inv2 * ((1.0 / 1260) - (inv2 * (1.0 / 1680)))))));
        return ((x - 0.5) * ReproducibleMath.Log(x)) - x + HalfLogTwoPi + series - ReproducibleMath.Log(shift);
    }

    /// <summary>1 − Φ(z), the standard normal's upper tail, for z &gt; 0 (Numerical Recipes' Chebyshev erfc, relative
    /// error below 1.2e−7, with <see cref="ReproducibleMath.Exp(double)"/>).</summary>
    /// <param name="z">The quantile (&gt; 0).</param>
    /// <returns>The tail probability.</returns>
    public static double NormalUpperTail(double z)
    {
        var x = z / Math.Sqrt(2);
        var t = 1 / (1 + (0.5 * x));
        var e = (-x * x) - 1.26551223 + (t * (1.00002368 + (t * (0.37409196 + (t * (0.09678418 + (t * (-0.18628806 + (t * (0.27886807 + (t * (-1.13520398 + (t * (1.48851587 + (t * (-0.82215223 + (t * 0.17087277)))))))))))))))));
        return 0.5 * t * ReproducibleMath.Exp(Math.Min(0, e));
    }
}
