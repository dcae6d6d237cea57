namespace AlertEngine;

// The coordinator's share of the state in pieces (for incremental persistence: the Orleans coordinator grain persists
// the counters and the open alerts that changed in a batch, and the whole checkpoint only now and then).
public sealed partial class AlertPipeline
{
    private const int CoordinatorCounters = 12;

    /// <summary>Writes the clocks and counters of the checkpoint (watermark, statistics) and the duplicate filter's
    /// clock: the coordinator's state other than the policies' open alerts.</summary>
    internal void WriteCoordinatorCounters(CheckpointWriter writer)
    {
        lock (_gate)
        {
            writer.Write(CoordinatorCounters);
            WriteClockAndStatistics(writer);
            writer.Write(_filterClockTicks);
        }
    }

    /// <summary>Reads what <see cref="WriteCoordinatorCounters"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    internal void ReadCoordinatorCounters(CheckpointReader reader)
    {
        if (reader.ReadInt32() != CoordinatorCounters)
        {
            throw CheckpointReader.Corrupt("the coordinator's counters are of another version");
        }

        var values = new long[CoordinatorCounters];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = reader.ReadInt64();
        }

        lock (_gate)
        {
            _watermarkTicks = values[0];
            _processed = values[1];
            _duplicateCount = values[2];
            _lateCount = values[3];
            _detections = values[4];
            _created = values[5];
            _updated = values[6];
            _errors = values[7];
            _diagnosticCount = values[8];
            _futureCount = values[9];
            _observerErrors = values[10];
            _filterClockTicks = values[11];
        }
    }

    /// <summary>Writes the open alert of the policy at <paramref name="index"/> (its aggregator's checkpoint part).</summary>
    internal void WriteAggregatorState(int index, CheckpointWriter writer)
    {
        lock (_gate)
        {
            _byId[Policies[index].Id].Aggregator.WriteState(writer);
        }
    }

    /// <summary>Replaces the open alert of the policy at <paramref name="index"/> with what
    /// <see cref="WriteAggregatorState"/> wrote (the aggregator resets all its state when reading).</summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    internal void ReadAggregatorState(int index, CheckpointReader reader)
    {
        lock (_gate)
        {
            _byId[Policies[index].Id].Aggregator.ReadState(reader);
        }
    }
}
