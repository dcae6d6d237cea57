namespace AlertEngine;

/// <summary>
/// The sufficient statistics of one EM step for issue 15's mixture prior over the dispersion grid: per grid point the
/// sum over keys of the key's posterior probability quantized to an integer, q_k = round(2^20·p_k), and the number of
/// keys. Integers, so that the totals of a partitioned engine (each partition sums its own keys, a coordinator adds the
/// partitions' vectors) are exactly the single engine's for any partitioning and any order of keys, and every copy
/// turns them into the same prior (<see cref="GridPrior.Estimate"/>). Quantizing costs at most 2^−21 per point and
/// key, far below the prior's floor of 0.001 per point. Used by the model with <c>DispersionGrid</c> (the population model, the default) (<c>BaselineModel.Grid.cs</c>).
/// </summary>
internal sealed class GridPriorTotals
{
    /// <summary>The scale of a quantized posterior probability (2^20).</summary>
    public const double Scale = 1 << 20;

    /// <summary>A quantized posterior sums to 2^20 within this (24 roundings by at most ½ each).</summary>
    public const long RoundingSlack = GridLikelihood.Size / 2;

    private readonly long[] _totals = new long[GridLikelihood.Size];

    /// <summary>The summed quantized posteriors, one per grid point.</summary>
    public ReadOnlySpan<long> Totals => _totals;

    /// <summary>The number of keys summed.</summary>
    public long Keys { get; private set; }

    /// <summary>Adds one key's posterior (24 probabilities in [0, 1]).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside [0, 1] or NaN (nothing is added).</exception>
    public void Add(ReadOnlySpan<double> posterior)
    {
        var p = posterior[..GridLikelihood.Size];
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            if (!(p[k] >= 0 && p[k] <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(posterior), p[k], $"Posterior probability {k} must be in [0, 1].");
            }
        }

        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            _totals[k] += (long)Math.Round(p[k] * Scale, MidpointRounding.ToEven);
        }

        Keys++;
    }

    /// <summary>Adds another vector (a partition's) to this one.</summary>
    public void Add(GridPriorTotals other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            _totals[k] += other._totals[k];
        }

        Keys += other.Keys;
    }

    /// <summary>Adds a vector of <paramref name="keys"/> keys given as its integers (a partition's, as a grain sent it).</summary>
    internal void AddRaw(ReadOnlySpan<long> totals, long keys)
    {
        var t = totals[..GridLikelihood.Size];
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            _totals[k] += t[k];
        }

        Keys += keys;
    }

    /// <summary>Makes this vector a copy of <paramref name="other"/>.</summary>
    public void CopyFrom(GridPriorTotals other)
    {
        ArgumentNullException.ThrowIfNull(other);
        other._totals.CopyTo(_totals, 0);
        Keys = other.Keys;
    }

    /// <summary>Empties the vector.</summary>
    public void Clear()
    {
        Array.Clear(_totals);
        Keys = 0;
    }

    /// <summary>Whether both vectors hold the same integers.</summary>
    public bool SameAs(GridPriorTotals other) => other is not null && Keys == other.Keys && _totals.AsSpan().SequenceEqual(other._totals);

    /// <summary>Sets the vector from checked values (checkpoint reading).</summary>
    internal void Set(ReadOnlySpan<long> totals, long keys)
    {
        totals[..GridLikelihood.Size].CopyTo(_totals);
        Keys = keys;
    }
}
