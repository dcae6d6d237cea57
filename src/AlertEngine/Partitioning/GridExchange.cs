namespace AlertEngine;

/// <summary>
/// The in-process coordinator's side of the anomaly dispersion grid's lagged prior (issue 15, the population model,
/// the default <see cref="AlertEngineOptions.AnomalyModel"/>; <see cref="AlertEngineOptions.AnomalyDispersionGrid"/>) in a partitioned engine. At each UTC day start D every copy
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
/// <para>The walk through the batch (the parts, the exchanges, the day starts run ahead) is <see cref="GridBatchCursor"/>'s
/// and the sum and its checks <see cref="GridTotalsSum"/>'s, which the Orleans coordinator and partition grains use the
/// same way (one call per partition and step there).</para>
/// <para>Built once from the partitions' models at construction: a future partitioned policy reload that replaces or
/// adds policies must rebuild it (<see cref="Create"/>).</para>
/// </remarks>
internal sealed class GridExchange
{
    private readonly GridBatchCursor _cursor;
    private readonly GridTotalsSum _sum = new();
    private readonly bool[] _failed;

    private GridExchange(GridBatchCursor cursor, int partitions)
    {
        _cursor = cursor;
        _failed = new bool[partitions];
    }

    /// <summary>The exchange for the partitions' policies, or null when no policy runs the grid.</summary>
    public static GridExchange? Create(IReadOnlyList<EnginePartition> partitions, int policyCount) =>
        GridBatchCursor.Create(partitions[0], policyCount) is { } cursor ? new GridExchange(cursor, partitions.Count) : null;

    /// <summary>Evaluates a routed batch in every partition (through <paramref name="run"/>, which runs the work of
    /// every partition and returns when all are done), in parts, exchanging the grid's totals between them.</summary>
    public void Evaluate(IReadOnlyList<EnginePartition> partitions, BatchRoutes routes, PartitionOutput[] outputs, Action<Action<int>> run)
    {
        // The policies' clocks as every copy holds them (the same in every partition between batches).
        var cursor = _cursor;
        cursor.Begin(partitions[0], routes);
        try
        {
            GridStep step;
            while ((step = cursor.Next()) != GridStep.Done)
            {
                switch (step)
                {
                    case GridStep.Evaluate:
                        var (from, to) = (cursor.From, cursor.To);
                        run(p => partitions[p].Evaluate(routes, from, to, outputs[p]));
                        break;
                    case GridStep.Exchange:
                        foreach (var (index, day) in cursor.Exchanges)
                        {
                            Exchange(partitions, index, day, ahead: false, run);
                        }

                        break;
                    case GridStep.Ahead:
                        foreach (var (index, day) in cursor.Aheads)
                        {
                            Exchange(partitions, index, day, ahead: true, run);
                        }

                        break;
                }
            }
        }
        finally
        {
            cursor.End();
        }
    }

    /// <summary>Sums the partitions' totals of day <paramref name="day"/> for the policy at <paramref name="index"/> and
    /// gives every partition the sum; with <paramref name="ahead"/>, first runs that day start ahead in every partition
    /// (the day start of a jump: failed in every partition, the jump stops there).</summary>
    private void Exchange(IReadOnlyList<EnginePartition> partitions, int index, int day, bool ahead, Action<Action<int>> run)
    {
        if (ahead)
        {
            Array.Clear(_failed);
            run(p => _failed[p] = !partitions[p].TryRunGridDayStartAhead(index, day));
        }

        _sum.Begin(index, day);
        for (var p = 0; p < partitions.Count; p++)
        {
            if (ahead && _failed[p])
            {
                _sum.AddFailed();
            }
            else
            {
                _sum.Add(partitions[p].GridModelAt(index)!.GridPriorState!);
            }
        }

        switch (_sum.End())
        {
            case GridExchangeOutcome.FailedEverywhere:
                // The activity runs this day start again and its key's owner reports it.
                _cursor.FailedEverywhere(index);
                break;
            case GridExchangeOutcome.Sum:
                for (var p = 0; p < partitions.Count; p++)
                {
                    partitions[p].GridModelAt(index)!.GridPriorState!.ReplacePending(_sum.Sum, day);
                }

                break;
        }
    }
}
