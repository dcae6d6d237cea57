namespace AlertEngine;

/// <summary>
/// What one batch changed in a partition's state, as bytes a partition grain persists instead of a whole snapshot:
/// the batch's duplicate questions (digest and filter clock, replayed on restore: the filter is a function of its
/// state and the questions), and per policy either its whole trigger state or, for detectors whose records change
/// only for the keys they observe (<see cref="IKeyedDetectorState"/>), the detector-wide part, the records of the
/// keys the batch handed to it and the keys among those that are gone. A keyed detector that lost a key the batch did
/// not hand it (eviction) also lists all its keys now, and the restore drops the others. Call <see cref="Begin"/> before the partition evaluates the
/// batch and <see cref="Write"/> after. Not thread-safe.
/// </summary>
/// <remarks>Partition grains no longer write these (they persist their batch inputs, <see cref="BatchInput"/>); they
/// still read the deltas persisted before (<see cref="Apply"/>), and <see cref="Write"/> is kept to test that reading
/// and to compare costs in the benchmarks.</remarks>
internal sealed class PartitionStateDelta(int policyCount)
{
    private const byte Version = 1;
    private const byte Whole = 1;
    private const byte Keys = 2;
    private const byte KeysAndList = 3;

    private readonly HashSet<string>?[] _touched = new HashSet<string>?[policyCount];
    private readonly int[] _untouchedBefore = new int[policyCount];
    private readonly List<string> _removed = [];
    private readonly List<string> _all = [];

    /// <summary>Before the partition evaluates <paramref name="batch"/>: notes the keys it will hand each detector
    /// and how many other keys each keyed detector holds.</summary>
    public void Begin(EnginePartition partition, ReadOnlySpan<AdmittedActivity> batch)
    {
        foreach (var set in _touched)
        {
            set?.Clear();
        }

        partition.CollectKeys(batch, _touched, i => partition.DetectorAt(i) is IKeyedDetectorState keyed ? keyed.KeyComparer : StringComparer.Ordinal);
        for (var i = 0; i < _untouchedBefore.Length; i++)
        {
            _untouchedBefore[i] = partition.DetectorAt(i) is IKeyedDetectorState keyed ? keyed.KeyCount - Present(keyed, _touched[i]) : 0;
        }
    }

    /// <summary>After the batch: the delta (<paramref name="queries"/>: the batch's duplicate questions to this
    /// partition, in the order asked).</summary>
    public byte[] Write(EnginePartition partition, DuplicateQueries? queries, int capacity)
    {
        using var writer = new CheckpointWriter(capacity);
        writer.Write(Version);
        var count = queries?.Count ?? 0;
        writer.Write(count);
        for (var i = 0; i < count; i++)
        {
            writer.Write(queries!.DigestLow[i]);
            writer.Write(queries.DigestHigh[i]);
            writer.Write(queries.FilterClockTicks[i]);
        }

        writer.Write(_touched.Length);
        for (var i = 0; i < _touched.Length; i++)
        {
            var detector = partition.DetectorAt(i);
            var touched = _touched[i];
            if (detector is IKeyedDetectorState keyed)
            {
                // Keys are added only by observing them: fewer other keys than before means some were evicted.
                var evicted = keyed.KeyCount - Present(keyed, touched) != _untouchedBefore[i];
                writer.Write(evicted ? KeysAndList : Keys);
                PartitionStateCodec.WriteDetector(writer, detector, (IReadOnlyCollection<string>?)touched ?? []);
                _removed.Clear();
                if (touched is not null)
                {
                    foreach (var key in touched)
                    {
                        if (!keyed.ContainsKey(key))
                        {
                            _removed.Add(key);
                        }
                    }
                }

                writer.Write(_removed.Count);
                foreach (var key in _removed)
                {
                    writer.Write(key);
                }

                if (evicted)
                {
                    _all.Clear();
                    keyed.CopyKeysTo(_all);
                    writer.Write(_all.Count);
                    foreach (var key in _all)
                    {
                        writer.Write(key);
                    }
                }
            }
            else
            {
                writer.Write(Whole);
                PartitionStateCodec.WriteDetector(writer, detector, null);
            }
        }

        return writer.Written.ToArray();
    }

    /// <summary>Applies a delta to a partition state being restored (<see cref="PartitionStateCodec.Restore"/>).</summary>
    /// <exception cref="InvalidDataException">The delta is malformed or for another number of policies.</exception>
    internal static void Apply(ReadOnlyMemory<byte> delta, DuplicateFilter filter, PartitionStateCodec.DetectorState[] states, EnginePartition partition)
    {
        var reader = new CheckpointReader(delta);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Unknown partition state delta version {version}.");
        }

        var queries = reader.ReadCount(24);
        for (var i = 0; i < queries; i++)
        {
            var lo = reader.ReadUInt64();
            var hi = reader.ReadUInt64();
            _ = filter.IsDuplicate(((UInt128)hi << 64) | lo, reader.ReadInt64());
        }

        if (reader.ReadInt32() != states.Length)
        {
            throw CheckpointReader.Corrupt("the partition state delta is for another number of policies");
        }

        var removed = new List<string>();
        for (var i = 0; i < states.Length; i++)
        {
            var kind = reader.ReadByte();
            var block = reader.ReadBlock();
            var keysOffset = reader.ReadInt32();
            if (keysOffset < 0 || keysOffset > block.Length)
            {
                throw CheckpointReader.Corrupt("a keyed-records offset is out of its state");
            }

            switch (kind)
            {
                case Whole:
                    states[i].Replace(block, keysOffset);
                    break;
                case Keys or KeysAndList when partition.DetectorAt(i) is IKeyedDetectorState keyed:
                    removed.Clear();
                    var count = reader.ReadCount(4);
                    for (var k = 0; k < count; k++)
                    {
                        removed.Add(reader.ReadString());
                    }

                    states[i].Update(block, keysOffset, removed, keyed.KeyComparer);
                    if (kind == KeysAndList)
                    {
                        var all = new HashSet<string>(keyed.KeyComparer);
                        var n = reader.ReadCount(4);
                        for (var k = 0; k < n; k++)
                        {
                            all.Add(reader.ReadString());
                        }

                        states[i].Retain(all);
                    }

                    break;
                default:
                    throw CheckpointReader.Corrupt($"unknown trigger-state delta kind {kind} for policy {i}");
            }
        }

        reader.ExpectEnd("a partition state delta");
    }

    private static int Present(IKeyedDetectorState keyed, HashSet<string>? keys)
    {
        var present = 0;
        if (keys is not null)
        {
            foreach (var key in keys)
            {
                if (keyed.ContainsKey(key))
                {
                    present++;
                }
            }
        }

        return present;
    }
}
