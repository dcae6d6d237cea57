using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// One <see cref="EnginePartition"/>'s state as bytes, the unit a partition grain persists: a whole snapshot
/// (<see cref="Write"/>: its duplicate filter, then each policy's trigger state, <see cref="IPolicyDetector.WriteState"/>
/// with the offset of its keyed records, all in the engine checkpoint's encoding), and the deltas of later batches on
/// top of it (<see cref="PartitionStateDelta"/>), which <see cref="Restore"/> applies in order. The policies are
/// those of the engine definition, in order (the grain checks their fingerprint before reading). A partition grain's own
/// base snapshot (<see cref="WriteBase"/>, version 3) lists the duplicate filter's entries in arrival order instead of
/// digest order: no sort to write nor to read (with a day's horizon the filter is most of the snapshot, and sorting it
/// was the largest single cost of a batch that wrote one); <see cref="Write"/> keeps the canonical form (equal states,
/// equal bytes) for whole-engine checkpoints and comparisons. Thread-safe (no state).
/// </summary>
internal static class PartitionStateCodec
{
    /// <summary>Version 1: no keyed-records offsets (read, never written); version 2: with them (the canonical form);
    /// version 3: as version 2 with the duplicate filter's entries in arrival order (a grain's base snapshot).</summary>
    private const byte Version1 = 1;
    private const byte Version = 2;
    private const byte VersionArrivalOrder = 3;

    /// <summary>The partition's whole state in the canonical form: equal states give equal bytes.</summary>
    public static byte[] Write(EnginePartition partition, int policyCount, int capacity = 0) =>
        WriteWhole(partition, policyCount, capacity, arrivalOrder: false);

    /// <summary>The partition's state for its own base snapshot: the duplicate filter's entries in arrival order (no
    /// sort), only those from arrival number <paramref name="filterFrom"/> on (<see cref="DuplicateFilter.ArrivalCount"/>
    /// when <see cref="WriteFilterSegment"/> wrote the others: a grain keeps its filter in segments, written once each);
    /// read back by <see cref="Restore"/>, then the segments by <see cref="ReadFilterSegment"/>, oldest first, into the
    /// same state as <see cref="Write"/>'s bytes.</summary>
    public static byte[] WriteBase(EnginePartition partition, int policyCount, int capacity = 0, long filterFrom = 0) =>
        WriteWhole(partition, policyCount, capacity, arrivalOrder: true, filterFrom);

    /// <summary>The duplicate filter's live entries from arrival number <paramref name="fromArrival"/> on, in arrival
    /// order, with the filter's newest time (version 3's filter block after the version byte).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see WriteWhole
    public static byte[] WriteFilterSegment(EnginePartition partition, long fromArrival)
    {
        var writer = ScratchWriter.Rent(64 + (int)Math.Min(int.MaxValue / 2, 24 * Math.Max(0, partition.Duplicates.ArrivalCount - fromArrival)));
        writer.Write(VersionArrivalOrder);
        partition.Duplicates.WriteStateInArrivalOrder(writer, fromArrival);
        return ScratchWriter.ToArrayAndReturn(writer);
    }

    /// <summary>Adds the entries of a segment (<see cref="WriteFilterSegment"/>) to the partition's duplicate filter,
    /// after those already there (segments are read oldest first, after the base).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a filter segment, or not newer than the entries before.</exception>
    public static void ReadFilterSegment(EnginePartition partition, ReadOnlyMemory<byte> bytes)
    {
        var reader = new CheckpointReader(bytes);
        var version = reader.ReadByte();
        if (version != VersionArrivalOrder)
        {
            throw new InvalidDataException($"Unknown duplicate-filter segment version {version} (this build reads version 3).");
        }

        partition.Duplicates.ReadStateInArrivalOrder(reader);
        reader.ExpectEnd("a duplicate-filter segment");
    }

    /// <remarks>Compiled optimized at once (no tiering): a partition writes a base every 33 batches, so these loops
    /// over the whole trigger state ran as unoptimized tier-0 code for most of a silo's first hour (orleans-10's profile:
    /// <c>WriteWhole</c>, <c>WriteDetector</c> and the grain's <c>Compact</c> at tier 0 inside a timed window after a
    /// million-activity warm-up).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static byte[] WriteWhole(EnginePartition partition, int policyCount, int capacity, bool arrivalOrder, long filterFrom = 0)
    {
        // A scratch writer kept per thread between snapshots: a snapshot costs its exact-size array, not a buffer grown
        // from the previous size as well.
        var writer = ScratchWriter.Rent(capacity);
        writer.Write(arrivalOrder ? VersionArrivalOrder : Version);
        writer.BeginBlock();
        if (arrivalOrder)
        {
            partition.Duplicates.WriteStateInArrivalOrder(writer, filterFrom);
        }
        else
        {
            partition.Duplicates.WriteState(writer);
        }

        writer.EndBlock();
        writer.Write(policyCount);
        for (var i = 0; i < policyCount; i++)
        {
            WriteDetector(writer, partition.DetectorAt(i), null);
        }

        return ScratchWriter.ToArrayAndReturn(writer);
    }

    /// <summary>Writes a block with the detector's state (all of it, or only the records of <paramref name="keys"/>),
    /// then where its keyed records start in the block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // see WriteWhole
    internal static void WriteDetector(CheckpointWriter writer, IPolicyDetector detector, IReadOnlyCollection<string>? keys)
    {
        writer.BeginBlock();
        var start = writer.Written.Length;
        if (keys is null)
        {
            detector.WriteState(writer);
        }
        else
        {
            ((IKeyedDetectorState)detector).WriteState(writer, keys);
        }

        writer.CheckComplete(openBlocks: 1);
        var keysOffset = writer.KeysOffset - start;
        if (keysOffset < 0)
        {
            throw new InvalidOperationException($"The detector {detector.GetType().Name} wrote no keyed records.");
        }

        writer.EndBlock();
        writer.Write(keysOffset);
    }

    /// <summary>Restores a fresh partition from <paramref name="bytes"/> (a snapshot without deltas).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a partition state for this many policies.</exception>
    public static void Read(EnginePartition partition, ReadOnlyMemory<byte> bytes, int policyCount) =>
        Restore(partition, bytes, [], policyCount);

    /// <summary>Restores a fresh partition from a snapshot and the deltas written after it, in order.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a partition state for this many policies.</exception>
    public static void Restore(EnginePartition partition, ReadOnlyMemory<byte> snapshot, IReadOnlyList<byte[]> deltas, int policyCount)
    {
        var reader = new CheckpointReader(snapshot);
        var version = reader.ReadByte();
        if (version is not (Version or Version1 or VersionArrivalOrder))
        {
            throw new InvalidDataException($"Unknown partition state version {version} (this build reads versions 1 to 3).");
        }

        if (version == Version1 && deltas.Count > 0)
        {
            throw CheckpointReader.Corrupt("deltas follow a version-1 partition state");
        }

        var filterReader = new CheckpointReader(reader.ReadBlock());
        var filter = new DuplicateFilter(partition.Options.DuplicateHorizon);
        if (version == VersionArrivalOrder)
        {
            filter.ReadStateInArrivalOrder(filterReader);
        }
        else
        {
            filter.ReadState(filterReader);
        }

        filterReader.ExpectEnd("a partition's duplicate filter");
        if (reader.ReadInt32() != policyCount)
        {
            throw CheckpointReader.Corrupt("the partition state is for another number of policies");
        }

        var states = new DetectorState[policyCount];
        for (var i = 0; i < policyCount; i++)
        {
            var block = reader.ReadBlock();
            states[i] = new DetectorState(block, version == Version1 ? -1 : reader.ReadInt32());
        }

        reader.ExpectEnd("a partition state");
        foreach (var delta in deltas)
        {
            PartitionStateDelta.Apply(delta, filter, states, partition);
        }

        partition.ReplaceDuplicates(filter);
        for (var i = 0; i < policyCount; i++)
        {
            var detectorReader = new CheckpointReader(states[i].Encoded());
            var detector = partition.NewDetector(i);
            detector.ReadState(detectorReader);
            detectorReader.ExpectEnd("a partition's trigger state");
            partition.ReplaceDetector(i, detector);
        }
    }

    /// <summary>One policy's trigger state while deltas are applied: encoded as written, or taken apart into the
    /// detector-wide part and the keyed records by key (in the order first written) once a delta changes some.</summary>
    internal sealed class DetectorState(ReadOnlyMemory<byte> bytes, int keysOffset)
    {
        private ReadOnlyMemory<byte> _bytes = bytes;
        private int _keysOffset = keysOffset;
        private ReadOnlyMemory<byte> _prefix;
        private OrderedDictionary<string, ReadOnlyMemory<byte>>? _records;

        /// <summary>Replaces the whole state.</summary>
        public void Replace(ReadOnlyMemory<byte> bytes, int keysOffset)
        {
            _bytes = bytes;
            _keysOffset = keysOffset;
            _records = null;
        }

        /// <summary>Replaces the detector-wide part and the given keys' records; removes <paramref name="removed"/>.</summary>
        public void Update(ReadOnlyMemory<byte> bytes, int keysOffset, IReadOnlyList<string> removed, IEqualityComparer<string> comparer)
        {
            if (_records is null)
            {
                if (_keysOffset < 0)
                {
                    throw CheckpointReader.Corrupt("a delta changes keyed records of a state without their offset");
                }

                _records = new OrderedDictionary<string, ReadOnlyMemory<byte>>(comparer);
                Split(_bytes, _keysOffset, _records);
            }

            Split(bytes, keysOffset, _records);
            foreach (var key in removed)
            {
                _records.Remove(key);
            }
        }

        /// <summary>Drops the records of keys not in <paramref name="keys"/> (after <see cref="Update"/>).</summary>
        public void Retain(HashSet<string> keys)
        {
            var records = _records ?? throw CheckpointReader.Corrupt("a key list follows no keyed records");
            for (var i = records.Count - 1; i >= 0; i--)
            {
                if (!keys.Contains(records.GetAt(i).Key))
                {
                    records.RemoveAt(i);
                }
            }

            if (records.Count != keys.Count)
            {
                throw CheckpointReader.Corrupt("a delta lists keys that have no record");
            }
        }

        /// <summary>The state as <see cref="IPolicyDetector.WriteState"/> would write it.</summary>
        public ReadOnlyMemory<byte> Encoded()
        {
            if (_records is null)
            {
                return _bytes;
            }

            var length = _prefix.Length + sizeof(int);
            foreach (var record in _records.Values)
            {
                length += record.Length;
            }

            using var writer = new CheckpointWriter(length);
            writer.Write(_prefix.Span);
            writer.BeginEncodedKeys(_records.Count);
            foreach (var record in _records.Values)
            {
                writer.Write(record.Span);
            }

            return writer.Written.ToArray();
        }

        private void Split(ReadOnlyMemory<byte> bytes, int keysOffset, OrderedDictionary<string, ReadOnlyMemory<byte>> records)
        {
            _prefix = bytes[..keysOffset];
            var reader = new CheckpointReader(bytes);
            reader.ReadBytes(keysOffset);
            var count = reader.BeginKeys();
            for (var k = 0; k < count; k++)
            {
                var start = reader.Position;
                var key = reader.SkipKey();
                var record = bytes[start..reader.Position];
                // A key already there keeps its position; the record (which spells the key) is the new one.
                records[key] = record;
            }

            reader.ExpectEnd("the keyed records of a trigger's state");
        }
    }
}
