namespace AlertEngine;

/// <summary>
/// Issue 15's empirical-Bayes mixture prior over the dispersion grid: the population's distribution of φ, re-estimated
/// at each UTC day start by one EM step (Laird 1978) from the keys' posteriors under the previous prior, as the
/// harness's <c>ProfileExperiment.EstimateGridPrior</c> with one iteration: prior_k ∝ (mean posterior_k + 0.001)
/// (the floor keeps every φ possible). Immutable. Identified by its <see cref="Number"/> (0 = the uniform prior a
/// model starts with; each estimate gets the next number, so a key can tell whether its cached φ̂ was computed under
/// the prior in force) and the UTC day it applies from. Kept as the integer <see cref="Totals"/> it was computed from,
/// so every copy (partition, silo, restored checkpoint) derives the same <see cref="LogWeights"/> bit for bit
/// (<see cref="ReproducibleMath.Log(double)"/>).
/// Used by <see cref="BaselineModel{T}"/> with <see cref="AnomalyDetectorOptions.DispersionGrid"/> (the population model, the default).
/// </summary>
internal sealed class GridPrior
{
    /// <summary>The floor added to each point's mean posterior before normalizing.</summary>
    public const double Floor = 0.001;

    /// <summary>The largest prior number; the next estimate after it is number 1 again.</summary>
    public const int MaxNumber = ushort.MaxValue;

    private readonly double[] _logWeights = new double[GridLikelihood.Size];
    private readonly GridPriorTotals _totals = new();

    private GridPrior(int number, int day)
    {
        Number = number;
        Day = day;
    }

    /// <summary>The uniform prior (number 0, all log weights 0), in force until the first estimate.</summary>
    public static GridPrior Uniform { get; } = new(0, int.MinValue);

    /// <summary>The prior's number: 0 for <see cref="Uniform"/>, then 1, 2, … (wrapping from
    /// <see cref="MaxNumber"/> to 1).</summary>
    public int Number { get; }

    /// <summary>The UTC day (days since 0001-01-01) it applies from; <see cref="int.MinValue"/> for <see cref="Uniform"/>.</summary>
    public int Day { get; }

    /// <summary>The 24 log weights: natural logarithms of probabilities summing to 1 within rounding, for an estimate;
    /// all 0 for <see cref="Uniform"/> (a posterior is the same under any constant added to every log weight).</summary>
    public ReadOnlySpan<double> LogWeights => _logWeights;

    /// <summary>The summed quantized posteriors it was estimated from, one per grid point (all 0 for
    /// <see cref="Uniform"/>). Read-only: the prior is shared by every key and copy.</summary>
    public ReadOnlySpan<long> Totals => _totals.Totals;

    /// <summary>The number of keys in <see cref="Totals"/> (0 for <see cref="Uniform"/>).</summary>
    public long Keys => _totals.Keys;

    /// <summary>The number after <paramref name="number"/> (1 after <see cref="MaxNumber"/>; 0 is only the uniform prior).</summary>
    public static int Next(int number) => number >= MaxNumber ? 1 : number + 1;

    /// <summary>One EM step: the prior whose weights are the keys' mean quantized posterior + <see cref="Floor"/>,
    /// normalized; null when the totals hold no key (the previous prior stays).</summary>
    /// <param name="totals">The summed quantized posteriors under the previous prior.</param>
    /// <param name="number">The new prior's number (see <see cref="Next"/>).</param>
    /// <param name="day">The UTC day it applies from.</param>
    public static GridPrior? Estimate(GridPriorTotals totals, int number, int day)
    {
        ArgumentNullException.ThrowIfNull(totals);
        if (totals.Keys <= 0)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, MaxNumber);
        var prior = new GridPrior(number, day);
        prior._totals.CopyFrom(totals);
        var w = prior._logWeights;
        var scale = totals.Keys * GridPriorTotals.Scale;
        double norm = 0;
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            w[k] = (totals.Totals[k] / scale) + Floor;
            norm += w[k];
        }

        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            w[k] = ReproducibleMath.Log(w[k] / norm);
        }

        return prior;
    }
}
