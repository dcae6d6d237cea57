namespace AlertEngine;

/// <summary>
/// What a coordinator's checkpoint writes for the partitions' share of the state: either nothing (the coordinator
/// grain's own persisted state: an empty filter with the filter clock, and empty detectors, since the partition
/// grains persist theirs) or the state of given partitions merged into one engine's (a whole-engine checkpoint).
/// </summary>
internal sealed class MergedPartitionState : IPartitionedState
{
    private readonly IReadOnlyList<EnginePartition> _partitions;
    private readonly byte[][]? _empty;

    private MergedPartitionState(IReadOnlyList<EnginePartition> partitions, byte[][]? empty)
    {
        _partitions = partitions;
        _empty = empty;
    }

    /// <summary>No partition state: the coordinator's own share only (each policy's trigger state as a fresh detector
    /// writes it, encoded once).</summary>
    public static MergedPartitionState None(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options)
    {
        var empty = new byte[policies.Count][];
        for (var i = 0; i < empty.Length; i++)
        {
            using var writer = new CheckpointWriter();
            AlertPipeline.CreateDetector(policies[i], options, static _ => { }).WriteState(writer);
            writer.CheckComplete();
            empty[i] = writer.Written.ToArray();
        }

        return new([], empty);
    }

    /// <summary>The state of <paramref name="partitions"/> (all of an engine's, in order), merged.</summary>
    public static MergedPartitionState Of(IReadOnlyList<EnginePartition> partitions) => new(partitions, null);

    public void WriteDuplicates(CheckpointWriter writer, long filterClockTicks)
    {
        var filters = new DuplicateFilter[_partitions.Count];
        for (var p = 0; p < filters.Length; p++)
        {
            filters[p] = _partitions[p].Duplicates;
        }

        DuplicateFilter.WriteMergedState(writer, filters, filterClockTicks);
    }

    public void WriteDetector(int policyIndex, CheckpointWriter writer)
    {
        if (_empty is not null)
        {
            writer.Write(_empty[policyIndex]);
            return;
        }

        PartitionedDetectorState.WriteMerged(policyIndex, _partitions, writer);
    }
}
