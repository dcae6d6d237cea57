namespace AlertEngine;

/// <summary>
/// The in-process coordinator's side of the anomaly dispersion grid's lagged prior (issue 15, the internal switch
/// <see cref="AlertEngineOptions.AnomalyDispersionGrid"/>) in a partitioned engine. At each UTC day start D every copy
/// of a policy's model applies the totals pending since D − 1 and sums its own keys' quantized posteriors
/// (<see cref="LaggedGridPrior"/>); a partition holds only its keys, so after the part of a batch in which a policy
/// crossed D the coordinator adds the partitions' vectors (integers: any order gives the same bits) and hands every
/// partition the sum in place of its own, before any of them applies it at D + 1. Every partition sees every activity
/// that passed the policy's conditions (<see cref="IPolicyDetector.Pass"/>), so all cross D at the same activity, and
/// the coordinator, which routed the batch, finds that activity the same way: the policy's clock is the largest time
/// of its entries without a condition error.
/// </summary>
/// <remarks>
/// A batch is evaluated in parts: a part ends before an activity at which a policy crosses a day start when that policy
/// already crossed one in the part (its totals must be summed first), or when the activity jumps the clock over several
/// day starts: then every day start of the jump but the last (of the last <see cref="BaselineModel{T}.GridDayStartsPerJump"/>,
/// as the single engine) runs in every partition ahead of the activity, each followed by the exchange, and the activity
/// runs the last one. After every batch all copies hold the same prior and pending totals, the single engine's, so a
/// checkpoint writes them once (partition 0's detector-wide part). Only the sequential phases are split: the
/// partitions still evaluate each part in parallel. Nothing of this exists without the switch.
/// <para><b>Failures.</b> A day start that throws in every copy (the same detector-wide state fails the same way) is a
/// policy's evaluation error: a day start run ahead is caught in each partition and the jump stops there (no exchange of
/// that day); the activity then runs that day start again in its own evaluation and the partition that owns its key
/// reports the exception as the single engine does (<see cref="EnginePartition"/>'s evaluation error), and a day start
/// whose totals no copy holds is not exchanged. Copies that disagree (a day start failed in some partitions only, or
/// totals of different days) break the invariant: the exchange throws and the pipeline is faulted
/// (<see cref="PartitionedAlertPipeline"/> refuses later batches).</para>
/// <para>Built once from the partitions' models at construction: a future partitioned policy reload that replaces or
/// adds policies must rebuild it (<see cref="Create"/>).</para>
/// </remarks>
internal sealed class GridExchange
{
    private readonly int[] _policies;
    private readonly bool[] _isGrid;
    private readonly long[] _clock;
    private readonly long[] _crossedDay;
    private readonly GridPriorTotals _sum = new();
    private readonly bool[] _failed;

    private GridExchange(int[] policies, int policyCount, int partitions)
    {
        _policies = policies;
        _failed = new bool[partitions];
        _isGrid = new bool[policyCount];
        foreach (var index in policies)
        {
            _isGrid[index] = true;
        }

        _clock = new long[policyCount];
        _crossedDay = new long[policyCount];
    }

    /// <summary>The exchange for the partitions' policies, or null when no policy runs the grid.</summary>
    public static GridExchange? Create(IReadOnlyList<EnginePartition> partitions, int policyCount)
    {
        var policies = new List<int>();
        for (var i = 0; i < policyCount; i++)
        {
            if (partitions[0].GridModelAt(i) is not null)
            {
                policies.Add(i);
            }
        }

        return policies.Count == 0 ? null : new GridExchange([.. policies], policyCount, partitions.Count);
    }

    /// <summary>Evaluates a routed batch in every partition (through <paramref name="run"/>, which runs the work of
    /// every partition and returns when all are done), in parts, exchanging the grid's totals between them.</summary>
    public void Evaluate(IReadOnlyList<EnginePartition> partitions, BatchRoutes routes, PartitionOutput[] outputs, Action<Action<int>> run)
    {
        // The policies' clocks as every copy holds them (the same in every partition between batches).
        foreach (var index in _policies)
        {
            _clock[index] = partitions[0].GridModelAt(index)!.WatermarkTicks;
            _crossedDay[index] = long.MinValue;
        }

        var admitted = routes.Admitted;
        var starts = routes.Starts;
        var policies = routes.Policies;
        var partStart = 0;
        for (var i = 0; i < admitted.Length; i++)
        {
            var t = admitted[i].Activity.Time.UtcTicks;
            var day = t / TimeSpan.TicksPerDay;
            var cut = false;
            var jump = false;
            for (var e = starts[i]; e < starts[i + 1]; e++)
            {
                var index = policies[e];
                if (!MovesClock(routes, e, index, t) || _clock[index] == long.MinValue)
                {
                    continue;
                }

                var last = _clock[index] / TimeSpan.TicksPerDay;
                if (day > last)
                {
                    cut |= _crossedDay[index] != long.MinValue;
                    jump |= day > last + 1;
                }
            }

            if (cut || jump)
            {
                // The part so far, then its totals summed; then a jump's day starts but the last, each exchanged.
                EvaluatePart(partitions, routes, partStart, i, outputs, run);
                partStart = i;
                RunJumps(partitions, starts[i], starts[i + 1], routes, day, t, run);
            }

            // The clocks after activity i (as each copy's model moves them).
            for (var e = starts[i]; e < starts[i + 1]; e++)
            {
                var index = policies[e];
                if (!MovesClock(routes, e, index, t))
                {
                    continue;
                }

                if (_clock[index] != long.MinValue && day > _clock[index] / TimeSpan.TicksPerDay)
                {
                    _crossedDay[index] = day;
                }

                _clock[index] = t;
            }
        }

        EvaluatePart(partitions, routes, partStart, admitted.Length, outputs, run);
    }

    /// <summary>Whether route entry <paramref name="e"/> (policy <paramref name="index"/>, activity time
    /// <paramref name="t"/>) moves a grid policy's clock as every copy's model moves it: a grid policy, no condition
    /// error, a time after the clock.</summary>
    private bool MovesClock(BatchRoutes routes, int e, int index, long t) =>
        _isGrid[index] && routes.Error(e) is null && t > _clock[index];

    /// <summary>Evaluates activities <paramref name="from"/> to <paramref name="to"/> in every partition, then sums and
    /// hands out the totals of the day starts crossed in them.</summary>
    private void EvaluatePart(IReadOnlyList<EnginePartition> partitions, BatchRoutes routes, int from, int to, PartitionOutput[] outputs, Action<Action<int>> run)
    {
        if (to > from)
        {
            run(p => partitions[p].Evaluate(routes, from, to, outputs[p]));
        }

        foreach (var index in _policies)
        {
            if (_crossedDay[index] != long.MinValue)
            {
                Exchange(partitions, index, (int)_crossedDay[index]);
                _crossedDay[index] = long.MinValue;
            }
        }
    }

    /// <summary>For each grid policy that activity (entries <paramref name="first"/> to <paramref name="end"/>) moves
    /// over more than one day start: runs every such day start but the last (at most the last
    /// <see cref="BaselineModel{T}.GridDayStartsPerJump"/> in all, as the single engine) in every partition, each followed
    /// by the exchange.</summary>
    private void RunJumps(IReadOnlyList<EnginePartition> partitions, int first, int end, BatchRoutes routes, long day, long t, Action<Action<int>> run)
    {
        var policies = routes.Policies;
        for (var e = first; e < end; e++)
        {
            var index = policies[e];
            if (!MovesClock(routes, e, index, t) || _clock[index] == long.MinValue)
            {
                continue;
            }

            var last = _clock[index] / TimeSpan.TicksPerDay;
            if (day <= last + 1)
            {
                continue;
            }

            // From the model's own day too: a day start already run ahead is not run again.
            var from = Math.Max(Math.Max(last, partitions[0].GridModelAt(index)!.GridDay) + 1, day - BaselineModel<Activity>.GridDayStartsPerJump + 1);
            for (var d = from; d < day; d++)
            {
                var dayStart = (int)d;
                Array.Clear(_failed);
                run(p => _failed[p] = !partitions[p].TryRunGridDayStartAhead(index, dayStart));
                var failed = 0;
                foreach (var f in _failed)
                {
                    failed += f ? 1 : 0;
                }

                if (failed == partitions.Count)
                {
                    // Failed in every copy: the activity runs this day start again and its key's owner reports it.
                    break;
                }

                if (failed != 0)
                {
                    throw new InvalidOperationException($"The grid's day start {dayStart} of policy {index} failed in {failed} of {partitions.Count} partitions only: the partitions' detector-wide states differ.");
                }

                Exchange(partitions, index, dayStart);
            }
        }
    }

    /// <summary>Sums the partitions' totals of day <paramref name="day"/> for the policy at <paramref name="index"/> and
    /// gives every partition the sum.</summary>
    private void Exchange(IReadOnlyList<EnginePartition> partitions, int index, int day)
    {
        // No copy holds the day's totals: its day start failed in every partition (each reported by the key's owner,
        // as the single engine reports it); a mix is an invariant failure, thrown by AddPendingTo below.
        var holding = false;
        for (var p = 0; p < partitions.Count && !holding; p++)
        {
            holding = partitions[p].GridModelAt(index)!.GridPriorState!.HasPendingOf(day);
        }

        if (!holding)
        {
            return;
        }

        _sum.Clear();
        for (var p = 0; p < partitions.Count; p++)
        {
            partitions[p].GridModelAt(index)!.GridPriorState!.AddPendingTo(_sum, day);
        }

        for (var p = 0; p < partitions.Count; p++)
        {
            partitions[p].GridModelAt(index)!.GridPriorState!.ReplacePending(_sum, day);
        }
    }
}
