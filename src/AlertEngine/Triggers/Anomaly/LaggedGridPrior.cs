namespace AlertEngine;

/// <summary>
/// The detector-wide mixture-prior state of issue 15 in the lagged form (the harness's <c>eblag</c>, measured equal to
/// the direct form): the prior computed at day start D applies from day start D + 1, so a partitioned engine can sum
/// its partitions' vectors after the batch that crossed D and deliver the totals with the next batch, with no extra
/// barrier. At each UTC day start D, in this order: <see cref="ApplyPending"/> (the totals waiting since D − 1 become
/// the prior in force from D), then every key's posterior under the prior now in force is quantized and summed
/// (<see cref="GridPriorTotals.Add(ReadOnlySpan{double})"/>, then the partitions' vectors added), then
/// <see cref="SetPending"/>. Between batches every copy holds the same <see cref="Current"/> and
/// <see cref="PendingTotals"/>, so a checkpoint writes both. One per model (policy): Used by <see cref="BaselineModel{T}"/> with <see cref="AnomalyDetectorOptions.DispersionGrid"/> (the population model, the default).
/// </summary>
internal sealed class LaggedGridPrior
{
    private readonly GridPriorTotals _pending = new();

    /// <summary>The prior in force.</summary>
    public GridPrior Current { get; private set; } = GridPrior.Uniform;

    /// <summary>The summed quantized posteriors waiting for the next day start (empty without
    /// <see cref="HasPending"/>). Read-only: they change only through <see cref="SetPending"/>.</summary>
    public ReadOnlySpan<long> PendingTotals => HasPending ? _pending.Totals : [];

    /// <summary>The number of keys in <see cref="PendingTotals"/> (0 without <see cref="HasPending"/>).</summary>
    public long PendingKeys => HasPending ? _pending.Keys : 0;

    /// <summary>Whether totals are waiting.</summary>
    public bool HasPending { get; private set; }

    /// <summary>The UTC day the pending totals were summed at (meaningful only with <see cref="HasPending"/>).</summary>
    public int PendingDay { get; private set; }

    /// <summary>At the start of UTC day <paramref name="day"/>: the pending totals (if any, and if they hold a key)
    /// become the prior in force, with the next number; returns whether the prior changed.</summary>
    public bool ApplyPending(int day)
    {
        if (!HasPending)
        {
            return false;
        }

        if (day <= PendingDay)
        {
            throw new ArgumentOutOfRangeException(nameof(day), "A prior applies from a day after the one its totals were summed at.");
        }

        HasPending = false;
        if (GridPrior.Estimate(_pending, GridPrior.Next(Current.Number), day) is not { } next)
        {
            return false;
        }

        Current = next;
        return true;
    }

    /// <summary>Keeps the totals summed at the start of UTC day <paramref name="day"/> (under <see cref="Current"/>)
    /// for the next day start.</summary>
    /// <exception cref="InvalidOperationException">Totals are already waiting (<see cref="ApplyPending"/> first: a
    /// second day start's totals would otherwise silently replace the first's).</exception>
    public void SetPending(GridPriorTotals totals, int day)
    {
        ArgumentNullException.ThrowIfNull(totals);
        if (HasPending)
        {
            throw new InvalidOperationException($"The totals of day {PendingDay} are still waiting; apply them before setting day {day}'s.");
        }
        if (day < Current.Day)
        {
            throw new ArgumentOutOfRangeException(nameof(day), "Totals are summed at or after the day the prior in force applies from.");
        }

        _pending.CopyFrom(totals);
        PendingDay = day;
        HasPending = true;
    }

    /// <summary>Replaces the pending totals of day <paramref name="day"/> (a partition's own keys') by the sum over
    /// every partition (the partitioned engine's exchange, before any copy applies them at the next day start).</summary>
    /// <exception cref="InvalidOperationException">No totals of day <paramref name="day"/> are pending.</exception>
    internal void ReplacePending(GridPriorTotals totals, int day)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ThrowIfNotPending(day);
        _pending.CopyFrom(totals);
    }

    /// <summary>Whether the totals of day <paramref name="day"/> are pending.</summary>
    internal bool HasPendingOf(int day) => HasPending && PendingDay == day;

    private void ThrowIfNotPending(int day)
    {
        if (!HasPending || PendingDay != day)
        {
            throw new InvalidOperationException(HasPending
                ? $"The pending grid totals are of day {PendingDay}, not of day {day}: the partitions did not cross the same day starts."
                : $"No grid totals are pending (day {day} expected): the partitions did not cross the same day starts.");
        }
    }

    /// <summary>Restores a checked state (checkpoint reading).</summary>
    internal void Restore(GridPrior current, GridPriorTotals? pending, int pendingDay)
    {
        Current = current;
        HasPending = pending is not null;
        if (pending is not null)
        {
            _pending.CopyFrom(pending);
            PendingDay = pendingDay;
        }
    }
}
