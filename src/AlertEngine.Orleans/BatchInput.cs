using System.Buffers.Binary;

namespace AlertEngine;

/// <summary>
/// One batch's input to the partitions, as the coordinator grain persists it once per batch (before phase 4) in a
/// record of its own: which activities were admitted and whether each moved the clock, and each partition's duplicate
/// questions (<see cref="StateRecord.Bytes"/>), and the batch as the client encoded it (<see cref="ActivityBatchCodec"/>,
/// the record's <see cref="StateRecord.Payload"/>, stored as received). Version 2 (written): two bytes per activity
/// of the batch (admitted, moved the clock; the partition asked about its id, if any), and the duplicate filter's clock
/// at the first question: a question's digest is the activity id's and its clock the running maximum of the questioned
/// activities' times from there (as <see cref="AlertPipeline.PlanBatch"/> moves it), so both are recomputed on replay
/// instead of stored (version 1: 5 bytes per admitted activity and 24 per question; still read). The record is copied
/// twice or three times per batch (grain storage's serializer, the memory provider's grain), so its size counts. A partition grain persists
/// per batch only the name of this record (<see cref="StateLogManifest.Inputs"/>) and, on activation, replays the
/// inputs since its base snapshot: the questions into its duplicate filter, the admitted activities through
/// <see cref="EnginePartition.Evaluate(ReadOnlySpan{AdmittedActivity}, PartitionOutput)"/> (its state is a function of the state before and these inputs). So a batch
/// costs the partitions no state encoding, and the batch is stored once, not once per partition. Thread-safe (no state).
/// </summary>
internal static class BatchInput
{
    private const byte Version1 = 1;
    private const byte Version = 2;

    // Version 2's admission byte per activity.
    private const byte Admitted = 1;
    private const byte MovesClock = 2;

    /// <summary>Encodes the input of batch <paramref name="batchNumber"/> but the activities (the record's payload):
    /// <paramref name="admitted"/> as phase 3 admitted them, <paramref name="queries"/>[p] the duplicate questions
    /// partition p was asked (<see cref="DuplicateQuery.Index"/>: the activity's index in <paramref name="batch"/>; empty
    /// when it was not asked).</summary>
    /// <exception cref="InvalidOperationException">The admitted activities or the questions are not in batch order, or
    /// (checked in debug builds) the questions' clocks are not the running maximum a replay recomputes.</exception>
    public static byte[] Encode(long batchNumber, ReadOnlySpan<Activity> batch, AdmittedActivities admitted, List<DuplicateQuery>[] queries)
    {
        var partitions = queries.Length;
        var wide = partitions > byte.MaxValue;
        var each = wide ? 5 : 2;
        var bytes = GC.AllocateUninitializedArray<byte>(checked(1 + 8 + 8 + 4 + 4 + (batch.Length * each) + 8));
        var span = bytes.AsSpan();
        span[0] = Version;
        BinaryPrimitives.WriteInt64LittleEndian(span[1..], batchNumber);
        BinaryPrimitives.WriteInt64LittleEndian(span[9..], admitted.FirstSequence);
        BinaryPrimitives.WriteInt32LittleEndian(span[17..], batch.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[21..], partitions);
        var rows = span.Slice(25, batch.Length * each);
        if (wide)
        {
            for (var i = 0; i < batch.Length; i++)
            {
                rows[i * each] = 0;
                BinaryPrimitives.WriteInt32LittleEndian(rows[((i * each) + 1)..], -1);
            }
        }
        else
        {
            // Not admitted, no question: (0, 255) per activity.
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(rows).Fill(BitConverter.IsLittleEndian ? (ushort)0xFF00 : (ushort)0x00FF);
        }

        var previous = -1;
        for (var i = 0; i < admitted.Indexes.Length; i++)
        {
            var index = admitted.Indexes[i];
            if (index <= previous || index >= batch.Length)
            {
                throw new InvalidOperationException("Admitted activities are not in batch order.");
            }

            rows[index * each] = (byte)(Admitted | (admitted.MovesClock[i] ? MovesClock : 0));
            previous = index;
        }

        var first = int.MaxValue;
        for (var p = 0; p < partitions; p++)
        {
            foreach (var q in queries[p])
            {
                if ((uint)q.Index >= (uint)batch.Length || HasOwner(rows, q.Index, each, wide))
                {
                    throw new InvalidOperationException("A duplicate question names no activity of the batch, or one asked twice.");
                }

                if (wide)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(rows[((q.Index * each) + 1)..], p);
                }
                else
                {
                    rows[(q.Index * each) + 1] = (byte)p;
                }

                first = Math.Min(first, q.Index);
            }
        }

        var clock = first == int.MaxValue ? 0 : ClockAt(queries, first);
        BinaryPrimitives.WriteInt64LittleEndian(span[(25 + rows.Length)..], clock);

        CheckClocks(batch, queries, rows, each, wide, clock);
        return bytes;
    }

    /// <summary>The replay recomputes each question's clock as the running maximum of the questioned activities' times
    /// (and its digest from the id, as phase 1 does): checks, in debug builds (the tests), that the clocks are what was
    /// asked. Each partition's questions are in batch order: one cursor each. (Reading every activity's time again
    /// costs the coordinator more than the rest of the encoding, so release builds trust phase 1.)</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    private static void CheckClocks(ReadOnlySpan<Activity> batch, List<DuplicateQuery>[] queries, ReadOnlySpan<byte> rows, int each, bool wide, long clock)
    {
        var partitions = queries.Length;
        var cursors = new int[partitions];
        var running = long.MinValue;
        var checkedFirst = false;
        for (var i = 0; i < batch.Length; i++)
        {
            if (!HasOwner(rows, i, each, wide))
            {
                continue;
            }

            running = checkedFirst ? Math.Max(running, batch[i].Time.UtcTicks) : clock;
            checkedFirst = true;
            var owner = wide ? BinaryPrimitives.ReadInt32LittleEndian(rows[((i * each) + 1)..]) : rows[(i * each) + 1];
            var q = queries[owner][cursors[owner]++];
            if (q.Index != i || q.FilterClockTicks != running)
            {
                throw new InvalidOperationException("A partition's duplicate questions are not in batch order, or a clock is not the running maximum of the questioned activities' times.");
            }
        }
    }

    private static bool HasOwner(ReadOnlySpan<byte> rows, int index, int each, bool wide) =>
        wide ? BinaryPrimitives.ReadInt32LittleEndian(rows[((index * each) + 1)..]) >= 0 : rows[(index * each) + 1] != byte.MaxValue;

    private static long ClockAt(List<DuplicateQuery>[] queries, int index)
    {
        foreach (var list in queries)
        {
            // In batch order: the batch's first question is some partition's first.
            if (list.Count > 0 && list[0].Index == index)
            {
                return list[0].FilterClockTicks;
            }
        }

        throw new InvalidOperationException("No duplicate question names the activity.");
    }

    /// <summary>Version 1 (written by earlier builds): the admitted activities by index, each partition's questions
    /// with their digests and clocks. For tests of reading it.</summary>
    internal static byte[] EncodeVersion1(long batchNumber, AdmittedActivities admitted, DuplicateQueries?[] queries)
    {
        long size = 1 + 8 + 8 + 4 + (admitted.Indexes.Length * 5L) + 4;
        foreach (var q in queries)
        {
            size += 1 + (q is null ? 0 : 4 + (q.Count * 24L));
        }

        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)size));
        var span = bytes.AsSpan();
        span[0] = Version1;
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
        if (version is not (Version or Version1))
        {
            throw new InvalidDataException($"Unknown batch input version {version}.");
        }

        var batchNumber = reader.ReadInt64();
        if (batchNumber != expectedBatch)
        {
            throw CheckpointReader.Corrupt($"a partition's state lists the input of batch {batchNumber} where batch {expectedBatch} belongs");
        }

        var (admitted, queries) = version == Version
            ? ReadVersion2(reader, record, batchNumber, partition)
            : ReadVersion1(reader, record, batchNumber, partition);
        if (queries is not null)
        {
            partition.CheckDuplicates(queries, new bool[queries.Length]);
        }

        scratch.Clear();
        partition.Evaluate(admitted, scratch);
        scratch.Clear();
    }

    private static (AdmittedActivity[] Admitted, DuplicateQuery[]? Queries) ReadVersion2(CheckpointReader reader, StateRecord record, long batchNumber, EnginePartition partition)
    {
        var first = reader.ReadInt64();
        var count = reader.ReadCount(2);
        if (reader.ReadInt32() != partition.Partitions)
        {
            throw CheckpointReader.Corrupt($"the input of batch {batchNumber} is for another number of partitions");
        }

        var wide = partition.Partitions > byte.MaxValue;
        var each = wide ? 5 : 2;
        var rows = reader.ReadBytes(checked(count * each));
        var clock = reader.ReadInt64();
        reader.ExpectEnd("a batch input");
        var batch = ActivityBatchCodec.Decode(record.Payload ?? throw CheckpointReader.Corrupt($"the input of batch {batchNumber} has no activities"));
        if (batch.Length != count)
        {
            throw CheckpointReader.Corrupt($"the input of batch {batchNumber} describes {count} activities and holds {batch.Length}");
        }

        var admitted = new List<AdmittedActivity>(count);
        List<DuplicateQuery>? mine = null;
        var questioned = false;
        for (var i = 0; i < count; i++)
        {
            var admission = rows[i * each];
            if ((admission & ~(Admitted | MovesClock)) != 0 || admission == MovesClock)
            {
                throw CheckpointReader.Corrupt($"the input of batch {batchNumber} has an unknown admission");
            }

            if ((admission & Admitted) != 0)
            {
                admitted.Add(new AdmittedActivity(first + i, batch[i], (admission & MovesClock) != 0));
            }

            var owner = wide ? BinaryPrimitives.ReadInt32LittleEndian(rows[((i * each) + 1)..]) : rows[(i * each) + 1] == byte.MaxValue ? -1 : rows[(i * each) + 1];
            if (owner < 0)
            {
                if (owner != -1)
                {
                    throw CheckpointReader.Corrupt($"the input of batch {batchNumber} asks an unknown partition");
                }

                continue;
            }

            if (owner >= partition.Partitions)
            {
                throw CheckpointReader.Corrupt($"the input of batch {batchNumber} asks an unknown partition");
            }

            // The filter's clock: as phase 1 moved it, the running maximum of the questioned activities' times.
            clock = questioned ? Math.Max(clock, batch[i].Time.UtcTicks) : clock;
            questioned = true;
            if (owner == partition.Partition)
            {
                mine ??= [];
                mine.Add(new DuplicateQuery(mine.Count, DuplicateFilter.Digest(batch[i].Id), clock));
            }
        }

        return ([.. admitted], mine?.ToArray());
    }

    private static (AdmittedActivity[] Admitted, DuplicateQuery[]? Queries) ReadVersion1(CheckpointReader reader, StateRecord record, long batchNumber, EnginePartition partition)
    {
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

        return (admitted, queries);
    }
}
