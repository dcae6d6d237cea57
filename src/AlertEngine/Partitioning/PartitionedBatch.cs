namespace AlertEngine;

/// <summary>
/// One batch in flight through <see cref="PartitionedAlertPipeline"/>'s staged members: the activities and everything
/// its phases hand to the next (admission decisions, duplicate questions and answers, the routed batch, the
/// partitions' events, the clock after its admission). Several batches can be in flight at once, each in a different
/// phase (a staged caller overlaps the sequential phases of one batch with the parallel phases of the next), so this
/// state is per batch instead of the pipeline's. Reused from batch to batch: the arrays grow, never shrink.
/// </summary>
internal sealed class PartitionedBatch
{
    internal PartitionedBatch(int partitions)
    {
        Queries = new List<DuplicateQuery>[partitions];
        Outputs = new PartitionOutput[partitions];
        for (var p = 0; p < partitions; p++)
        {
            Queries[p] = [];
            Outputs[p] = new PartitionOutput();
        }
    }

    /// <summary>The activities, in order; filled by the caller before the plan phase, read until the apply phase.</summary>
    public List<Activity> Activities { get; } = [];

    /// <summary>The event-time clock (UTC ticks) right after this batch's admission: what <see cref="PartitionedAlertPipeline.IsFinal(Alert, long)"/>
    /// must be asked with once the batch is applied (later batches may have moved the pipeline's clock meanwhile);
    /// <see cref="long.MinValue"/> before the first activity.</summary>
    public long WatermarkTicks { get; internal set; } = long.MinValue;

    internal AlertPipeline.Admission[] Admission { get; private set; } = [];

    internal DateTimeOffset[] FutureNow { get; private set; } = [];

    internal long[] LateAgainst { get; private set; } = [];

    internal bool[] IsDuplicate { get; private set; } = [];

    internal List<DuplicateQuery>[] Queries { get; }

    internal List<AdmittedActivity> Admitted { get; } = [];

    internal BatchRoutes Routes { get; } = new();

    internal PartitionOutput[] Outputs { get; }

    /// <summary>The arrival number of the batch's first activity.</summary>
    internal long FirstSequence { get; set; }

    /// <summary>Makes the per-activity arrays large enough for <see cref="Activities"/> and forgets the last batch's
    /// questions and answers.</summary>
    internal void Prepare()
    {
        var count = Activities.Count;
        if (Admission.Length < count)
        {
            var size = Math.Max(count, Admission.Length * 2);
            Admission = new AlertPipeline.Admission[size];
            FutureNow = new DateTimeOffset[size];
            LateAgainst = new long[size];
            IsDuplicate = new bool[size];
        }

        Array.Clear(IsDuplicate, 0, count);
        foreach (var queries in Queries)
        {
            queries.Clear();
        }
    }

    /// <summary>Drops the references to the batch's activities, routes and events (after the apply phase).</summary>
    internal void Clear()
    {
        Activities.Clear();
        Admitted.Clear();
        Routes.Clear();
        foreach (var output in Outputs)
        {
            output.Clear();
        }
    }
}
