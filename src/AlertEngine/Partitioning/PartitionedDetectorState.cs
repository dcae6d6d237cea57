namespace AlertEngine;

/// <summary>
/// Moves a policy's trigger state between one detector and the detectors of several partitions, in the checkpoint
/// format (<see cref="IPolicyDetector.WriteState"/>: the detector-wide part, then one keyed record per scope key).
/// The detector-wide part is the same in every partition (<see cref="IPolicyDetector.Pass"/> keeps it so); the keyed
/// records are split by <see cref="Partitioner.Of"/> and concatenated back, without being decoded.
/// </summary>
internal static class PartitionedDetectorState
{
    /// <summary>Writes the state of the policy at <paramref name="index"/> as one detector's: partition 0's
    /// detector-wide part, then the keyed records of every partition.</summary>
    public static void WriteMerged(int index, IReadOnlyList<EnginePartition> partitions, CheckpointWriter writer)
    {
        var parts = new (byte[] Bytes, int KeysOffset)[partitions.Count];
        var total = 0;
        for (var p = 0; p < parts.Length; p++)
        {
            using var part = new CheckpointWriter();
            partitions[p].DetectorAt(index).WriteState(part);
            part.CheckComplete();
            if (part.KeysOffset < 0)
            {
                throw new InvalidOperationException($"The detector of policy {index} wrote no keyed records.");
            }

            parts[p] = (part.Written.ToArray(), part.KeysOffset);
            total += part.KeysCount;
        }

        if (partitions[0].GridModelAt(index) is not null)
        {
            // The dispersion grid's prior and pending totals (in the detector-wide part) are the same in every copy
            // between batches (GridExchange): written once, from partition 0, after checking that they are.
            for (var p = 1; p < parts.Length; p++)
            {
                if (!parts[p].Bytes.AsSpan(0, parts[p].KeysOffset).SequenceEqual(parts[0].Bytes.AsSpan(0, parts[0].KeysOffset)))
                {
                    throw new InvalidOperationException($"The partitions' detector-wide states of policy {index} (with the dispersion grid's prior) differ: partition {p} is not partition 0's.");
                }
            }
        }

        writer.Write(parts[0].Bytes.AsSpan(0, parts[0].KeysOffset));
        writer.BeginEncodedKeys(total);
        foreach (var (bytes, keysOffset) in parts)
        {
            writer.Write(bytes.AsSpan(keysOffset + sizeof(int)));
        }
    }

    /// <summary>Splits a detector's state over fresh detectors of the partitions (the policy at
    /// <paramref name="index"/>): each gets the detector-wide part and the keyed records of its keys.</summary>
    /// <exception cref="InvalidDataException">The state does not read back (a bug: it was just written).</exception>
    public static IPolicyDetector[] Split(IPolicyDetector detector, int index, IReadOnlyList<EnginePartition> partitions)
    {
        byte[] bytes;
        int keysOffset, count;
        using (var whole = new CheckpointWriter())
        {
            detector.WriteState(whole);
            whole.CheckComplete();
            bytes = whole.Written.ToArray();
            keysOffset = whole.KeysOffset;
            count = whole.KeysCount;
        }

        var records = new List<(int Start, int End)>[partitions.Count];
        for (var p = 0; p < records.Length; p++)
        {
            records[p] = [];
        }

        var reader = new CheckpointReader(bytes);
        reader.ReadBytes(keysOffset + sizeof(int));
        for (var k = 0; k < count; k++)
        {
            var start = reader.Position;
            var key = reader.SkipKey();
            records[Partitioner.Of(key, partitions.Count)].Add((start, reader.Position));
        }

        reader.ExpectEnd("the keyed records of a trigger's state");
        var result = new IPolicyDetector[partitions.Count];
        for (var p = 0; p < result.Length; p++)
        {
            using var part = new CheckpointWriter(bytes.Length / partitions.Count);
            part.Write(bytes.AsSpan(0, keysOffset));
            part.BeginEncodedKeys(records[p].Count);
            foreach (var (start, end) in records[p])
            {
                part.Write(bytes.AsSpan(start, end - start));
            }

            var fresh = partitions[p].NewDetector(index);
            var partReader = new CheckpointReader(part.Written.ToArray());
            fresh.ReadState(partReader);
            partReader.ExpectEnd("a partition's trigger state");
            result[p] = fresh;
        }

        return result;
    }
}
