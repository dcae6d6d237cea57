namespace AlertEngine;

/// <summary>
/// What one batch changed in the coordinator's state, as bytes the coordinator grain persists instead of its whole
/// checkpoint: the clocks and counters (<see cref="AlertPipeline.WriteCoordinatorCounters"/>) and the open alert of
/// every policy whose aggregator's state differs from the one last persisted (compared byte for byte, so nothing that
/// changed is missed). The base is the coordinator's whole checkpoint (<see cref="AlertPipeline.SaveCheckpoint"/>).
/// Not thread-safe.
/// </summary>
internal sealed class CoordinatorStateDelta
{
    private const byte Version = 1;
    private byte[][] _persisted = [];
    private readonly List<int> _changed = [];
    private CheckpointWriter? _aggregator;

    /// <summary>Notes the aggregators' state as persisted now (after a restore or a base snapshot).</summary>
    public void Reset(AlertPipeline pipeline)
    {
        _persisted = new byte[pipeline.Policies.Count][];
        var writer = _aggregator ??= new CheckpointWriter(256);
        for (var i = 0; i < _persisted.Length; i++)
        {
            writer.Reset();
            pipeline.WriteAggregatorState(i, writer);
            _persisted[i] = writer.Written.ToArray();
        }

        writer.Reset();
    }

    /// <summary>The delta since the state last persisted; from now on it counts as persisted (the caller deactivates
    /// the grain when persisting fails, so the next activation starts again from storage).</summary>
    public byte[] Write(AlertPipeline pipeline)
    {
        var writer = ScratchWriter.Rent(256);
        writer.Write(Version);
        writer.BeginBlock();
        pipeline.WriteCoordinatorCounters(writer);
        writer.EndBlock();
        // One writer for every aggregator's state, kept between batches (a policy's state is compared, and copied
        // only when it changed).
        var aggregator = _aggregator ??= new CheckpointWriter(256);
        var changed = _changed;
        changed.Clear();
        for (var i = 0; i < _persisted.Length; i++)
        {
            aggregator.Reset();
            pipeline.WriteAggregatorState(i, aggregator);
            if (!aggregator.Written.SequenceEqual(_persisted[i]))
            {
                _persisted[i] = aggregator.Written.ToArray();
                changed.Add(i);
            }
        }

        aggregator.Reset();
        writer.Write(changed.Count);
        foreach (var index in changed)
        {
            writer.Write(index);
            writer.WriteBlock(_persisted[index]);
        }

        changed.Clear();
        return ScratchWriter.ToArrayAndReturn(writer);
    }

    /// <summary>Applies a delta to a coordinator pipeline restored from the base.</summary>
    /// <exception cref="InvalidDataException">The delta is malformed.</exception>
    public static void Apply(AlertPipeline pipeline, ReadOnlyMemory<byte> delta)
    {
        var reader = new CheckpointReader(delta);
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidDataException($"Unknown coordinator state delta version {version}.");
        }

        var counters = new CheckpointReader(reader.ReadBlock());
        pipeline.ReadCoordinatorCounters(counters);
        counters.ExpectEnd("the coordinator's counters");
        var count = reader.ReadCount(8);
        for (var i = 0; i < count; i++)
        {
            var index = reader.ReadInt32();
            if (index < 0 || index >= pipeline.Policies.Count)
            {
                throw CheckpointReader.Corrupt($"a delta changes the open alert of policy {index}, which does not exist");
            }

            var aggregator = new CheckpointReader(reader.ReadBlock());
            pipeline.ReadAggregatorState(index, aggregator);
            aggregator.ExpectEnd("an open alert");
        }

        reader.ExpectEnd("a coordinator state delta");
    }
}
