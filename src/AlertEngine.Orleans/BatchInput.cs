using System.Buffers.Binary;

namespace AlertEngine;

/// <summary>
/// One batch's input to the partitions, as the coordinator grain persists it once per batch (before phase 4) in a
/// record of its own: which activities were admitted and whether each moved the clock, and each partition's duplicate
/// questions (<see cref="StateRecord.Bytes"/>), and the batch as the client encoded it (<see cref="ActivityBatchCodec"/>,
/// the record's <see cref="StateRecord.Payload"/>, stored as received). A partition grain persists
/// per batch only the name of this record (<see cref="StateLogManifest.Inputs"/>) and, on activation, replays the
/// inputs since its base snapshot: the questions into its duplicate filter, the admitted activities through
/// <see cref="EnginePartition.Evaluate(ReadOnlySpan{AdmittedActivity}, PartitionOutput)"/> (its state is a function of the state before and these inputs). So a batch
/// costs the partitions no state encoding, and the batch is stored once, not once per partition. Thread-safe (no state).
/// </summary>
internal static class BatchInput
{
    private const byte Version = 1;

    /// <summary>Encodes the input of batch <paramref name="batchNumber"/> but the activities (the record's payload);
    /// <paramref name="queries"/>[p] is null when partition p was not asked (its filter sees no question).</summary>
    public static byte[] Encode(long batchNumber, AdmittedActivities admitted, DuplicateQueries?[] queries)
    {
        // Fixed-width fields, so the size is known: written straight into the record's array (no scratch buffer, no copy).
        long size = 1 + 8 + 8 + 4 + (admitted.Indexes.Length * 5L) + 4;
        foreach (var q in queries)
        {
            size += 1 + (q is null ? 0 : 4 + (q.Count * 24L));
        }

        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)size));
        var span = bytes.AsSpan();
        span[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], batchNumber);
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], admitted.FirstSequence);
        BinaryPrimitives.WriteInt32LittleEndian(span[17..], admitted.Indexes.Length);
        var at = 21;
        for (var i = 0; i < admitted.Indexes.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], admitted.Indexes[i]);
            span[at + 4] = admitted.MovesClock[i] ? (byte)1 : (byte)0;
            at += 5;
        }

        BinaryPrimitives.WriteInt32LittleEndian(span[at..], queries.Length);
        at += 4;
        foreach (var q in queries)
        {
            span[at++] = q is null ? (byte)0 : (byte)1;
            if (q is null)
            {
                continue;
            }

            BinaryPrimitives.WriteInt32LittleEndian(span[at..], q.Count);
            at += 4;
            for (var i = 0; i < q.Count; i++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(span[at..], q.DigestHigh[i]);
                BinaryPrimitives.WriteUInt64LittleEndian(span[(at + 8)..], q.DigestLow[i]);
                BinaryPrimitives.WriteInt64LittleEndian(span[(at + 16)..], q.FilterClockTicks[i]);
                at += 24;
            }
        }

        return at == bytes.Length ? bytes : throw new InvalidOperationException("A batch input's size was miscounted.");
    }

    /// <summary>Replays the input in <paramref name="record"/> into <paramref name="partition"/>: its duplicate
    /// questions (if it was asked), then the admitted activities (the events go to <paramref name="scratch"/>, cleared
    /// after).</summary>
    /// <exception cref="InvalidDataException">The record is not a batch input of batch <paramref name="expectedBatch"/>
    /// for this many partitions.</exception>
    public static void Replay(StateRecord record, long expectedBatch, EnginePartition partition, PartitionOutput scratch)
    {
        var reader = new CheckpointReader(record.Bytes);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Unknown batch input version {version}.");
        }

        var batchNumber = reader.ReadInt64();
        if (batchNumber != expectedBatch)
        {
            throw CheckpointReader.Corrupt($"a partition's state lists the input of batch {batchNumber} where batch {expectedBatch} belongs");
        }

        var first = reader.ReadInt64();
        var count = reader.ReadCount(5);
        var indexes = new int[count];
        var movesClock = new bool[count];
        for (var i = 0; i < count; i++)
        {
            indexes[i] = reader.ReadInt32();
            movesClock[i] = reader.ReadBoolean();
        }

        if (reader.ReadInt32() != partition.Partitions)
        {
            throw CheckpointReader.Corrupt($"the input of batch {batchNumber} is for another number of partitions");
        }

        DuplicateQuery[]? queries = null;
        for (var p = 0; p < partition.Partitions; p++)
        {
            if (!reader.ReadBoolean())
            {
                continue;
            }

            var n = reader.ReadCount(24);
            var mine = p == partition.Partition ? new DuplicateQuery[n] : null;
            for (var i = 0; i < n; i++)
            {
                var high = reader.ReadUInt64();
                var low = reader.ReadUInt64();
                var ticks = reader.ReadInt64();
                if (mine is not null)
                {
                    mine[i] = new DuplicateQuery(i, ((UInt128)high << 64) | low, ticks);
                }
            }

            queries ??= mine;
        }

        reader.ExpectEnd("a batch input");
        var batch = ActivityBatchCodec.Decode(record.Payload ?? throw CheckpointReader.Corrupt($"the input of batch {batchNumber} has no activities"));
        var admitted = new AdmittedActivity[count];
        for (var i = 0; i < count; i++)
        {
            if ((uint)indexes[i] >= (uint)batch.Length)
            {
                throw CheckpointReader.Corrupt($"the input of batch {batchNumber} admits an activity it does not hold");
            }

            admitted[i] = new AdmittedActivity(first + indexes[i], batch[indexes[i]], movesClock[i]);
        }

        if (queries is not null)
        {
            partition.CheckDuplicates(queries, new bool[queries.Length]);
        }

        scratch.Clear();
        partition.Evaluate(admitted, scratch);
        scratch.Clear();
    }
}
