namespace AlertEngine;

/// <summary>
/// One <see cref="EnginePartition"/>'s state as bytes, the unit a partition grain persists: its duplicate filter, then
/// each policy's trigger state (<see cref="IPolicyDetector.WriteState"/>: the detector-wide part and this partition's
/// keyed records), all in the engine checkpoint's encoding. The policies are those of the engine definition, in order
/// (the grain checks their fingerprint before reading). Thread-safe (no state).
/// </summary>
internal static class PartitionStateCodec
{
    private const byte Version = 1;

    public static byte[] Write(EnginePartition partition, int policyCount, int capacity = 0)
    {
        using var writer = new CheckpointWriter(capacity);
        writer.Write(Version);
        writer.BeginBlock();
        partition.Duplicates.WriteState(writer);
        writer.EndBlock();
        writer.Write(policyCount);
        for (var i = 0; i < policyCount; i++)
        {
            writer.BeginBlock();
            partition.DetectorAt(i).WriteState(writer);
            writer.CheckComplete(openBlocks: 1);
            writer.EndBlock();
        }

        return writer.Written.ToArray();
    }

    /// <summary>Restores a fresh partition from <paramref name="bytes"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a partition state for this many policies.</exception>
    public static void Read(EnginePartition partition, ReadOnlyMemory<byte> bytes, int policyCount)
    {
        var reader = new CheckpointReader(bytes);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Unknown partition state version {version}.");
        }

        var filterReader = new CheckpointReader(reader.ReadBlock());
        var filter = new DuplicateFilter(partition.Options.DuplicateHorizon);
        filter.ReadState(filterReader);
        filterReader.ExpectEnd("a partition's duplicate filter");
        if (reader.ReadInt32() != policyCount)
        {
            throw CheckpointReader.Corrupt("the partition state is for another number of policies");
        }

        partition.ReplaceDuplicates(filter);
        for (var i = 0; i < policyCount; i++)
        {
            var detectorReader = new CheckpointReader(reader.ReadBlock());
            var detector = partition.NewDetector(i);
            detector.ReadState(detectorReader);
            detectorReader.ExpectEnd("a partition's trigger state");
            partition.ReplaceDetector(i, detector);
        }

        reader.ExpectEnd("a partition state");
    }
}
