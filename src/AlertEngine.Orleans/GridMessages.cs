using Orleans;

namespace AlertEngine;

/// <summary>
/// A partition grain's reply to one step of a batch under the anomaly dispersion grid (issue 15; <see cref="GridBatchCursor"/>):
/// either the batch is done (evaluated and persisted: <see cref="Output"/>, as <see cref="IEnginePartitionGrain.EvaluateAsync"/>
/// returns it), or the partition paused where the grid's totals must be summed over all partitions and reports its
/// own share of each exchange: after a part in which policies crossed a UTC day start (<see cref="Ahead"/> false, one
/// entry per policy), or after running a jump's day starts ahead (<see cref="Ahead"/> true, one entry per policy whose
/// clock the activity jumps, one day each, which may have <see cref="Failed"/>). Immutable once sent.
/// </summary>
[GenerateSerializer]
[Immutable]
internal sealed class GridStepReply
{
    /// <summary>Whether the batch is done in this partition (<see cref="Output"/> holds its events).</summary>
    [Id(0)]
    public bool Done { get; set; }

    /// <summary>The partition's output for the whole batch (<see cref="PartitionOutputCodec"/>) when <see cref="Done"/>.</summary>
    [Id(1)]
    public byte[] Output { get; set; } = [];

    /// <summary>Whether the pause follows a day start run ahead (<see cref="GridStep.Ahead"/>) rather than a part.</summary>
    [Id(2)]
    public bool Ahead { get; set; }

    /// <summary>The policies (by index) and their UTC days to exchange, entry by entry.</summary>
    [Id(3)]
    public int[] Policies { get; set; } = [];

    [Id(4)]
    public int[] Days { get; set; } = [];

    /// <summary>Whether the day start run ahead threw here (<see cref="Ahead"/> only).</summary>
    [Id(5)]
    public bool[] Failed { get; set; } = [];

    /// <summary>The partition's pending totals, entry by entry (<see cref="LaggedGridPrior"/>): whether any are pending,
    /// of which day, of how many keys, and their <see cref="GridLikelihood.Size"/> integers each (empty when none).</summary>
    [Id(6)]
    public bool[] HasPending { get; set; } = [];

    [Id(7)]
    public int[] PendingDays { get; set; } = [];

    [Id(8)]
    public long[] Keys { get; set; } = [];

    [Id(9)]
    public long[] Totals { get; set; } = [];

    /// <summary>When <see cref="Done"/> from the partition's persisted answers (a retry of a batch it had committed): the
    /// sums of every grid step of the batch as it applied them (<see cref="PartitionGrainState.LastGridSums"/>), which the
    /// coordinator sends to the partitions that evaluate the batch again. Empty otherwise.</summary>
    [Id(10)]
    public GridSums[] Recorded { get; set; } = [];

    public static GridStepReply Finished(byte[] output) => new() { Done = true, Output = output };

    /// <summary>Done from the persisted answers of a committed batch, with the sums it was evaluated with.</summary>
    public static GridStepReply Committed(byte[] output, GridSums[] recorded) => new() { Done = true, Output = output, Recorded = recorded };

    /// <summary>The pause at <paramref name="cursor"/>'s step in <paramref name="partition"/>; <paramref name="failed"/>:
    /// whether each day start run ahead (<see cref="GridBatchCursor.Aheads"/>) threw (null for an exchange after a part).</summary>
    public static GridStepReply Pause(EnginePartition partition, GridBatchCursor cursor, bool ahead, bool[]? failed)
    {
        var entries = ahead ? cursor.Aheads : cursor.Exchanges;
        var n = entries.Count;
        var reply = new GridStepReply
        {
            Ahead = ahead,
            Policies = new int[n],
            Days = new int[n],
            Failed = new bool[n],
            HasPending = new bool[n],
            PendingDays = new int[n],
            Keys = new long[n],
            Totals = new long[n * GridLikelihood.Size],
        };
        for (var j = 0; j < n; j++)
        {
            var (policy, day) = entries[j];
            var prior = partition.GridModelAt(policy)!.GridPriorState!;
            reply.Policies[j] = policy;
            reply.Days[j] = day;
            reply.Failed[j] = failed is not null && failed[j];
            reply.HasPending[j] = prior.HasPending;
            reply.PendingDays[j] = prior.PendingDay;
            reply.Keys[j] = prior.PendingKeys;
            prior.PendingTotals.CopyTo(reply.Totals.AsSpan(j * GridLikelihood.Size));
        }

        return reply;
    }

    /// <summary>Whether <paramref name="other"/> pauses at the same step (the same exchanges).</summary>
    public bool SameStep(GridStepReply other) =>
        !Done && !other.Done && Ahead == other.Ahead && Policies.AsSpan().SequenceEqual(other.Policies) && Days.AsSpan().SequenceEqual(other.Days);
}

/// <summary>
/// The coordinator's answer to a grid pause (<see cref="GridStepReply"/>), entry by entry: what the partitions' shares
/// added up to (<see cref="GridTotalsSum"/>) and, for <see cref="GridExchangeOutcome.Sum"/>, the sum that replaces each
/// partition's own totals. A partition persists the sums of every step of a batch with the batch
/// (<see cref="PartitionGrainState.LastGridSums"/>), so a partition that evaluates the batch again after a failure gets
/// the same sums from the coordinator even when others already persisted it (they answer the retry with them); before
/// any partition persisted it, the sums are computed again from the same shares. Immutable once sent.
/// </summary>
[GenerateSerializer]
[Immutable]
internal sealed class GridSums
{
    [Id(0)]
    public int[] Policies { get; set; } = [];

    [Id(1)]
    public int[] Days { get; set; } = [];

    /// <summary>The <see cref="GridExchangeOutcome"/> of each entry.</summary>
    [Id(2)]
    public int[] Outcomes { get; set; } = [];

    [Id(3)]
    public long[] Keys { get; set; } = [];

    [Id(4)]
    public long[] Totals { get; set; } = [];

    /// <summary>Sums the partitions' shares of one pause (every partition paused at the same step).</summary>
    /// <exception cref="InvalidOperationException">The partitions disagree (<see cref="GridTotalsSum.End"/>).</exception>
    public static GridSums Combine(GridStepReply[] pauses, GridTotalsSum sum)
    {
        var first = pauses[0];
        var n = first.Policies.Length;
        var sums = new GridSums
        {
            Policies = first.Policies,
            Days = first.Days,
            Outcomes = new int[n],
            Keys = new long[n],
            Totals = new long[n * GridLikelihood.Size],
        };
        for (var j = 0; j < n; j++)
        {
            sum.Begin(first.Policies[j], first.Days[j]);
            foreach (var pause in pauses)
            {
                if (pause.Failed[j])
                {
                    sum.AddFailed();
                }
                else
                {
                    sum.Add(pause.HasPending[j], pause.PendingDays[j], pause.Totals.AsSpan(j * GridLikelihood.Size, pause.HasPending[j] ? GridLikelihood.Size : 0), pause.Keys[j]);
                }
            }

            var outcome = sum.End();
            sums.Outcomes[j] = (int)outcome;
            if (outcome == GridExchangeOutcome.Sum)
            {
                sums.Keys[j] = sum.Sum.Keys;
                sum.Sum.Totals.CopyTo(sums.Totals.AsSpan(j * GridLikelihood.Size));
            }
        }

        return sums;
    }

    /// <summary>Whether these sums are <paramref name="other"/>'s (the same exchanges, outcomes and totals).</summary>
    public bool SameAs(GridSums other) =>
        Policies.AsSpan().SequenceEqual(other.Policies) && Days.AsSpan().SequenceEqual(other.Days) && Outcomes.AsSpan().SequenceEqual(other.Outcomes)
        && Keys.AsSpan().SequenceEqual(other.Keys) && Totals.AsSpan().SequenceEqual(other.Totals);

    /// <summary>Whether these sums answer <paramref name="pause"/> (the same exchanges).</summary>
    public bool Answers(GridStepReply pause) =>
        Policies.AsSpan().SequenceEqual(pause.Policies) && Days.AsSpan().SequenceEqual(pause.Days);

    /// <summary>Applies the sums to <paramref name="partition"/> at its pause (<paramref name="cursor"/>'s step).</summary>
    public void ApplyTo(EnginePartition partition, GridBatchCursor cursor, GridPriorTotals scratch)
    {
        for (var j = 0; j < Policies.Length; j++)
        {
            switch ((GridExchangeOutcome)Outcomes[j])
            {
                case GridExchangeOutcome.Sum:
                    scratch.Set(Totals.AsSpan(j * GridLikelihood.Size, GridLikelihood.Size), Keys[j]);
                    partition.GridModelAt(Policies[j])!.GridPriorState!.ReplacePending(scratch, Days[j]);
                    break;
                case GridExchangeOutcome.FailedEverywhere:
                    cursor.FailedEverywhere(Policies[j]);
                    break;
            }
        }
    }
}

/// <summary>A partition's answer to <see cref="IEnginePartitionGrain.PrepareGridAsync"/>.</summary>
[GenerateSerializer]
internal enum GridUpgradeStatus
{
    /// <summary>The partition runs the engine's options (converted, or never written without the grid).</summary>
    Grid,

    /// <summary>Holds the state a version without the grid wrote, as of an earlier batch.</summary>
    WithoutGrid,

    /// <summary>Holds the state a version without the grid wrote, and committed the batch asked about with it: the other
    /// partitions must finish that batch without the grid too.</summary>
    CommittedWithoutGrid,
}
