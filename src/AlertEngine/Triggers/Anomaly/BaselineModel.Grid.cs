using System.Runtime.CompilerServices;

namespace AlertEngine;

// The per-key dispersion grid and the lagged empirical-Bayes mixture prior (issue 15): only with
// AnomalyDetectorOptions.DispersionGrid (on in the population model, the default AnomalyModel, where the population
// profile is kept; internal, on only together with the profile); without it (the per-key model) nothing here runs and
// the model is the one without the grid, byte for byte.
public sealed partial class BaselineModel<T>
{
    /// <summary>A bucket is left out of the grid's evidence while the key's recent-activity factor without its floor is
    /// below this (a holiday or a quiet day: its drop is not the key's hourly spread; the harness's <c>quiet=0.5</c>).</summary>
    internal const double GridQuietFactor = 0.5;

    /// <summary>The count is winsorized at m + this many predictive σ before it informs the grid (<c>gwin=3</c>).</summary>
    internal const double GridWinsorUp = 3;

    /// <summary>The count is winsorized at m − this many predictive σ (<c>gdown=1.5</c>).</summary>
    internal const double GridWinsorDown = 1.5;

    // The lagged mixture prior (null: the grid is off), the totals summed at a day start, a posterior's scratch (these
    // three allocated only with the grid: the model without it allocates as before the grid), the
    // per-key evidence (by handle, sized with the records) and the UTC day whose start was processed last.
    private readonly LaggedGridPrior? _prior;
    private readonly GridPriorTotals? _dayTotals;
    private readonly double[]? _posterior;
    private GridKey[][] _gridChunks = [];
    private int _gridChunkCount;

    /// <summary>Grid states per chunk: 1,024 × 50 bytes stays below the large-object heap's 85,000 bytes, so a policy
    /// with a million keys holds ~1,000 small arrays instead of one 50 MB array copied at every doubling.</summary>
    private const int GridChunkShift = 10;
    private long _gridDay = long.MinValue;

    /// <summary>At most this many UTC day starts are processed one by one when the clock jumps (every policy key idle
    /// meanwhile, so each step is one more EM step on the same evidence; further ones would move the prior little).</summary>
    private const int MaxDayStartsPerJump = 32;

    /// <summary>A key's grid state: its evidence (48 bytes) and whether it has seen an informative bucket.</summary>
    private struct GridKey
    {
        public GridEvidence Evidence;
        public bool Informed;
    }

    /// <summary>Whether the model runs the dispersion grid and its mixture prior (tests, the engine).</summary>
    internal bool HasGrid => _prior is not null;

    /// <summary>The lagged mixture prior (null without the grid; tests).</summary>
    internal LaggedGridPrior? GridPriorState => _prior;

    /// <summary>The UTC day whose start the grid processed last (tests).</summary>
    internal long GridDay => _gridDay;

    /// <summary>A tracked key's grid evidence and whether it is informed; null when the key is not tracked or there is no
    /// grid (tests).</summary>
    internal (GridEvidence Evidence, bool Informed)? GridStateOf(string key)
    {
        var h = FindHandle(key);
        if (h < 0 || _prior is null)
        {
            return null;
        }

        ref var g = ref GridAt(h);
        return (g.Evidence, g.Informed);
    }

    /// <summary>A tracked key's dispersion estimate φ̂ (the threshold's), or null (tests, the evaluation).</summary>
    internal float? DispersionOf(string key)
    {
        var h = FindHandle(key);
        return h < 0 ? null : Record(h).Cold.Dispersion;
    }

    /// <summary>Every tracked key's φ̂, in handle order (the evaluation).</summary>
    internal List<float> Dispersions()
    {
        var list = new List<float>(_keyCount);
        for (var h = 0; h < _highWater; h++)
        {
            if (_keys[h] is not null)
            {
                list.Add(Record(h).Cold.Dispersion);
            }
        }

        return list;
    }

    /// <summary>Makes the grid state as large as the records (after they grew).</summary>
    private void EnsureGridCapacity()
    {
        if (_prior is null)
        {
            return;
        }

        var needed = (int)(((long)_capacity + (1 << GridChunkShift) - 1) >> GridChunkShift);
        if (_gridChunkCount >= needed)
        {
            return;
        }

        // Only the small array of chunk references is copied when it grows (doubling); existing chunks stay in place,
        // and a chunk is allocated only once the records' capacity reaches it.
        if (_gridChunks.Length < needed)
        {
            Array.Resize(ref _gridChunks, Math.Max(needed, 2 * _gridChunks.Length));
        }

        for (; _gridChunkCount < needed; _gridChunkCount++)
        {
            _gridChunks[_gridChunkCount] = new GridKey[1 << GridChunkShift];
        }
    }

    /// <summary>Key <paramref name="h"/>'s grid state (the grid is on and its capacity covers the handle).</summary>
    private ref GridKey GridAt(int h) => ref _gridChunks[h >> GridChunkShift][h & ((1 << GridChunkShift) - 1)];

    /// <summary>A new key's grid state: no evidence.</summary>
    private void ResetGrid(int h)
    {
        if (_prior is not null)
        {
            GridAt(h) = default;
        }
    }

    /// <summary>
    /// Folds an informative bucket (predicted level ≥ <see cref="BaselineMath.DispersionMinLevel"/>, not fired nor just
    /// after a firing) into key <paramref name="h"/>'s grid evidence, as the harness's candidate does
    /// (<c>profile:100:prior:grid:quiet=0.5:gdown=1.5:ebmix:gwin=3:gpsi</c>): left out while the unfloored recent factor is
    /// below <see cref="GridQuietFactor"/>; the count in batches (x/ψ with mean m/ψ when the key's batch factor ψ &gt; 1)
    /// winsorized at m + 3σ and m − 1.5σ at the key's current φ̂ and the level's effective samples n; one discounted update
    /// of the 16-bit sums; φ̂ ← the posterior mean under the prior in force.
    /// </summary>
    /// <param name="h">The key's handle.</param>
    /// <param name="k">The key's cold record.</param>
    /// <param name="m">The bucket's expected count (the prediction × the recent factor with its floor).</param>
    /// <param name="count">The bucket's final count.</param>
    /// <param name="batch">The key's batch factor ψ.</param>
    /// <param name="effective">The level's effective samples with the profile (n + W), or 0 without it.</param>
    /// <param name="samples">The slot's samples: the level's effective samples when <paramref name="effective"/> is 0
    /// (used capped at <see cref="BaselineMath.MaxEffectiveSamples"/>).</param>
    /// <param name="observed">The key's recent-activity observed sum before this bucket (the unfloored recent factor's
    /// numerator).</param>
    /// <param name="expected">The key's recent-activity expected sum before this bucket (its denominator).</param>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FoldGrid(int h, ref Cold k, double m, int count, double batch, double effective, byte samples, float observed, float expected)
    {
        var unfloored = Math.Clamp((observed + BaselineMath.RecentPrior) / (expected + BaselineMath.RecentPrior), 0, BaselineMath.MaxRecentFactor);
        if (unfloored < GridQuietFactor)
        {
            return;
        }

        var n = Math.Max(1, effective > 0 ? effective : Math.Min((double)samples, BaselineMath.MaxEffectiveSamples));
        var psi = 1.0;
        if (batch > 1)
        {
            // The count in batches: x/ψ with mean m/ψ has variance m/ψ + φ(m/ψ)² (and the level error (φ + ψ/m)/n).
            m /= batch;
            count = (int)Math.Round(count / batch);
            psi = batch;
        }

        double phi = k.Dispersion;
        var v = (phi + (1 / m)) / n;
        var sd = Math.Sqrt(m + (phi * m * m * (1 + v)) + (m * m * v));
        var x = Math.Min(count, (int)Math.Floor(m + (GridWinsorUp * sd)));
        x = Math.Max(x, (int)Math.Ceiling(m - (GridWinsorDown * sd)));
        ref var g = ref GridAt(h);
        GridEvidenceMath.Update(ref g.Evidence, BaselineMath.DispersionMemory, m * psi, (int)Math.Round(x * psi), n, psi);
        g.Informed = true;
        k.Dispersion = (float)GridEvidenceMath.PosteriorMean(g.Evidence, _prior!.Current.LogWeights, _posterior!);
    }

    /// <summary>The clock reached <paramref name="t"/>: for each UTC day start crossed since the last one, in order, the
    /// lagged prior's step (<see cref="DayStart"/>). The first time seen only sets the day (no key has evidence yet).</summary>
    private void MoveGridDay(long t)
    {
        var day = t / TimeSpan.TicksPerDay;
        if (_gridDay == long.MinValue)
        {
            _gridDay = day;
            return;
        }

        if (day <= _gridDay)
        {
            return;
        }

        var from = Math.Max(_gridDay + 1, day - MaxDayStartsPerJump + 1);
        for (var d = from; d <= day; d++)
        {
            DayStart((int)d);
        }

        _gridDay = day;
    }

    /// <summary>
    /// The start of UTC day <paramref name="day"/> (before the activity that crossed it is evaluated): the totals summed
    /// at the previous day start become the prior in force (<see cref="LaggedGridPrior.ApplyPending"/>); every informed
    /// key's posterior under it is computed, its φ̂ set to the posterior mean when the prior changed, and the posterior
    /// quantized and summed (<see cref="GridPriorTotals"/>); the totals wait for the next day start. One pass over the
    /// keys per policy and UTC day.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DayStart(int day)
    {
        var prior = _prior!;
        var changed = prior.ApplyPending(day);
        var logWeights = prior.Current.LogWeights;
        var totals = _dayTotals!;
        var posterior = _posterior!;
        totals.Clear();
        for (var h = 0; h < _highWater; h++)
        {
            ref var g = ref GridAt(h);
            if (!g.Informed || _keys[h] is null)
            {
                continue;
            }

            var mean = GridEvidenceMath.PosteriorMean(g.Evidence, logWeights, posterior);
            if (changed)
            {
                Record(h).Cold.Dispersion = (float)mean;
            }

            totals.Add(posterior);
        }

        prior.SetPending(totals, day);
    }

    /// <summary>Writes key <paramref name="h"/>'s grid state (checkpoint format 3): whether it is informed, and its
    /// evidence.</summary>
    private void WriteGridKey(CheckpointWriter writer, int h)
    {
        ref var g = ref GridAt(h);
        GridCheckpoint.WriteKey(writer, g.Informed, g.Evidence);
    }

    /// <summary>Reads the grid state of <paramref name="key"/>, just restored by <see cref="ReadCheckpointKey"/> from a
    /// state with the grid (anomaly format 3): its flag and evidence, checked against the saved prior
    /// (<paramref name="saved"/>, <see cref="GridCheckpoint.Read"/>: an informed key's restored φ̂ must be its evidence's
    /// posterior mean under it, bit for bit), then kept or dropped by the mix rule (<see cref="RestoreGridKey"/>, as a
    /// snapshot's restore does).</summary>
    /// <exception cref="InvalidDataException">A value is malformed or inconsistent (the message names the key).</exception>
    internal void ReadGridKey(CheckpointReader reader, string key, LaggedGridPrior saved, double[] posterior)
    {
        var h = FindHandle(key);
        var (informed, evidence) = GridCheckpoint.ReadKey(reader, key, Record(h).Cold.Dispersion, saved.Current, posterior);
        RestoreGridKey(h, informed, evidence);
    }

    /// <summary>After a checkpoint's header: the grid's prior by the mix rule (<see cref="RestoreGridPrior"/>, as a
    /// snapshot's restore): the saved one (<paramref name="saved"/>; null for a state without the grid: the uniform
    /// prior, as a new model's) or none; the grid's day is the watermark's (every watermark move processed its day
    /// starts). The saved prior's pending totals must have been summed at that day start, also when this model drops
    /// them.</summary>
    /// <exception cref="InvalidDataException">The saved prior's days do not fit the clock.</exception>
    internal void RestoreCheckpointGridPrior(LaggedGridPrior? saved)
    {
        if (saved is not null)
        {
            _ = GridCheckpoint.DayOf(saved, _watermark);
        }

        RestoreGridPrior(saved, _watermark);
    }
}
