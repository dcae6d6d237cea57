namespace AlertEngine;

/// <summary>
/// What the coordinator grain's own persisted checkpoint writes for the partitions' share of the state: nothing but each
/// policy's empty trigger state (encoded once) and an empty filter with the filter clock, since the partition grains
/// persist theirs. A whole-engine checkpoint uses <see cref="MergedPartitions"/> instead.
/// </summary>
internal sealed class EmptyPartitionState : IPartitionedState
{
    private readonly byte[][] _empty;

    private EmptyPartitionState(byte[][] empty) => _empty = empty;

    /// <summary>No partition state: the coordinator's own share only (each policy's trigger state as a fresh detector
    /// writes it, encoded once).</summary>
    public static EmptyPartitionState None(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options)
    {
        var empty = new byte[policies.Count][];
        for (var i = 0; i < empty.Length; i++)
        {
            using var writer = new CheckpointWriter();
            AlertPipeline.CreateDetector(policies[i], options, static _ => { }).WriteState(writer);
            writer.CheckComplete();
            empty[i] = writer.Written.ToArray();
        }

        return new(empty);
    }

    public void WriteDuplicates(CheckpointWriter writer, long filterClockTicks) =>
        DuplicateFilter.WriteMergedState(writer, [], filterClockTicks);

    public void WriteDetector(int policyIndex, CheckpointWriter writer) => writer.Write(_empty[policyIndex]);
}
