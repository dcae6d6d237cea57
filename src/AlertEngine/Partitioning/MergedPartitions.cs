namespace AlertEngine;

/// <summary>
/// The state of an engine's partitions (all of them, in order) as one engine's, for a coordinator's checkpoint
/// (<see cref="AlertPipeline.PartitionedState"/>): the duplicate filter made of every partition's entries, and per policy
/// the trigger state merged by <see cref="PartitionedDetectorState.WriteMerged"/>. Used by
/// <see cref="PartitionedAlertPipeline"/> and the Orleans package's whole-engine checkpoints.
/// </summary>
internal sealed class MergedPartitions(IReadOnlyList<EnginePartition> partitions) : IPartitionedState
{
    /// <inheritdoc />
    public void WriteDuplicates(CheckpointWriter writer, long filterClockTicks)
    {
        var filters = new DuplicateFilter[partitions.Count];
        for (var p = 0; p < filters.Length; p++)
        {
            filters[p] = partitions[p].Duplicates;
        }

        DuplicateFilter.WriteMergedState(writer, filters, filterClockTicks);
    }

    /// <inheritdoc />
    public void WriteDetector(int policyIndex, CheckpointWriter writer) =>
        PartitionedDetectorState.WriteMerged(policyIndex, partitions, writer);
}
