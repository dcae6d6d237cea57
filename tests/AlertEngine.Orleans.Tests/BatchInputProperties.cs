using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// Persistence by inputs against the live partition as the oracle: every partition of an engine evaluates a stream in
/// batches (every trigger kind, aggregation on and off, duplicate questions, some activities not admitted), writing a
/// base snapshot every few batches (<see cref="PartitionStateCodec.WriteBase"/>, as the grains do: the duplicate filter in
/// arrival order); a fresh partition restored from the last base that replays the coordinator's
/// batch inputs since (<see cref="BatchInput"/>) holds the live partition's state: the same duplicate filter and, per
/// policy, the same detector-wide part and keyed records (as a set, <see cref="PartitionStateDeltaProperties.Canonical"/>).
/// Inputs are written in version 2 (questions recomputed on replay), every third in version 1 (earlier builds).
/// </summary>
public class BatchInputProperties
{
    [Property(MaxTest = 40)]
    public Property A_partition_restored_from_a_base_and_replayed_inputs_holds_the_live_state() =>
        Prop.ForAll(PartitionStateDeltaProperties.Cases(), c => Check(c.Scenario.Activities, c.Partitions, c.BatchSize, c.BaseEvery) >= 0);

    /// <summary>A case the property found (1 run in 10 failed): a spike key went idle between two sweeps of the live
    /// partition, and the restored partition, whose sweeps restart from the restore, still held it when the states were
    /// compared. Checkpoints now leave out keys the next sweep would evict (<see cref="WindowedDetectors.RemoveIdle"/>).</summary>
    [Property(Replay = "(14370145381493763979,2298894796685252217,14)", MaxTest = 1)]
    public Property An_idle_key_a_sweep_has_not_evicted_yet_is_not_state() =>
        Prop.ForAll(PartitionStateDeltaProperties.Cases(), c => Check(c.Scenario.Activities, c.Partitions, c.BatchSize, c.BaseEvery) >= 0);

    /// <summary>A case CI's random seed found (1 run in many): the same as above for a threshold key (the key "" of
    /// activities without a user): the live partition's counter had swept it, the restored one's, whose sweeps restart
    /// from the restore, still held it. The counter's checkpoint now leaves out keys its next sweep would evict, as the
    /// windowed detectors' do.</summary>
    [Property(Replay = "(5470440443846622364,3253782981929807727,28)", MaxTest = 1)]
    public Property An_idle_threshold_key_a_sweep_has_not_evicted_yet_is_not_state() =>
        Prop.ForAll(PartitionStateDeltaProperties.Cases(), c => Check(c.Scenario.Activities, c.Partitions, c.BatchSize, c.BaseEvery) >= 0);

    [Fact]
    public void A_fixed_stream_replays_inputs_with_detections()
    {
        var scenario = Scenarios().Generator.Sample(100, 10).MaxBy(s => s.Activities.Count)!;
        Assert.True(Check(scenario.Activities, 2, 5, 1000) > 0, "no input replayed an event: the test proves nothing");
    }

    [Fact]
    public void An_input_of_another_batch_or_partition_count_or_without_activities_is_refused()
    {
        var policies = AllPolicies();
        var partition = new EnginePartition(policies, Options(), 0, 2);
        var input = new StateRecord { Bytes = BatchInput.Encode(3, [], new AdmittedActivities(), [[], []]), Payload = ActivityBatchCodec.Encode([]) };
        var error = Assert.Throws<InvalidDataException>(() => BatchInput.Replay(input, 4, partition, new PartitionOutput()));
        Assert.Contains("batch 3", error.Message, StringComparison.Ordinal);
        var other = Assert.Throws<InvalidDataException>(() => BatchInput.Replay(input, 3, new EnginePartition(policies, Options(), 0, 3), new PartitionOutput()));
        Assert.Contains("partitions", other.Message, StringComparison.Ordinal);
        input.Payload = null;
        var empty = Assert.Throws<InvalidDataException>(() => BatchInput.Replay(input, 3, partition, new PartitionOutput()));
        Assert.Contains("no activities", empty.Message, StringComparison.Ordinal);
    }

    /// <summary>Returns how many events the live partitions emitted while evaluating inputs that were replayed.</summary>
    private static int Check(List<Activity> activities, int partitions, int batchSize, int baseEvery)
    {
        var policies = AllPolicies();
        var options = Options();
        var live = new EnginePartition[partitions];
        var snapshots = new byte[partitions][];
        for (var p = 0; p < partitions; p++)
        {
            live[p] = new EnginePartition(policies, options, p, partitions);
            snapshots[p] = PartitionStateCodec.WriteBase(live[p], policies.Count);
        }

        var inputs = new List<StateRecord>();
        var output = new PartitionOutput();
        long sequence = 0, clock = long.MinValue, filterClock = long.MinValue;
        long batchNumber = 0, baseBatch = 0;
        var replayedEvents = 0;
        foreach (var batch in Oracle.Batches(activities, batchSize))
        {
            batchNumber++;
            var first = sequence;
            var queries = new List<DuplicateQuery>[partitions];
            var planned = new List<DuplicateQuery>[partitions]; // as the coordinator's phase 1: by index in the batch
            for (var p = 0; p < partitions; p++)
            {
                queries[p] = [];
                planned[p] = [];
            }

            var admitted = new List<AdmittedActivity>();
            foreach (var activity in batch)
            {
                var digest = DuplicateFilter.Digest(activity.Id);
                filterClock = Math.Max(filterClock, activity.Time.UtcTicks);
                var owner = Partitioner.OfDigest(digest, partitions);
                queries[owner].Add(new DuplicateQuery(queries[owner].Count, digest, filterClock));
                planned[owner].Add(new DuplicateQuery((int)(sequence - first), digest, filterClock));
                if (sequence % 7 != 3)
                {
                    // Not every activity is admitted (a duplicate, a late one): the input lists the others by index.
                    var moves = activity.Time.UtcTicks > clock;
                    clock = Math.Max(clock, activity.Time.UtcTicks);
                    admitted.Add(new AdmittedActivity(sequence, activity, moves));
                }

                sequence++;
            }

            var sent = new DuplicateQueries?[partitions];
            var events = 0;
            for (var p = 0; p < partitions; p++)
            {
                if (queries[p].Count > 0)
                {
                    sent[p] = DuplicateQueries.From(queries[p]);
                    live[p].CheckDuplicates(sent[p]!.ToQueries(), new bool[queries[p].Count]);
                }

                output.Clear();
                live[p].Evaluate(admitted.ToArray(), output);
                events += output.Events.Count;
            }

            // Version 2 as written now, and every third input in version 1 (written by earlier builds: a cluster
            // upgraded mid-stream replays both).
            var wire = AdmittedActivities.From(admitted, first);
            var bytes = batchNumber % 3 == 0 ? BatchInput.EncodeVersion1(batchNumber, wire, sent) : BatchInput.Encode(batchNumber, [.. batch], wire, planned);
            inputs.Add(new StateRecord { Bytes = bytes, Payload = ActivityBatchCodec.Encode(batch) });
            if (batchNumber % baseEvery == 0)
            {
                for (var p = 0; p < partitions; p++)
                {
                    snapshots[p] = PartitionStateCodec.WriteBase(live[p], policies.Count);
                }

                inputs.Clear();
                baseBatch = batchNumber;
            }
            else
            {
                replayedEvents += events;
            }
        }

        for (var p = 0; p < partitions; p++)
        {
            var restored = new EnginePartition(policies, options, p, partitions);
            PartitionStateCodec.Read(restored, snapshots[p], policies.Count);
            for (var i = 0; i < inputs.Count; i++)
            {
                BatchInput.Replay(inputs[i], baseBatch + 1 + i, restored, output);
            }

            Assert.Equal(
                PartitionStateDeltaProperties.Canonical(PartitionStateCodec.Write(live[p], policies.Count)),
                PartitionStateDeltaProperties.Canonical(PartitionStateCodec.Write(restored, policies.Count)));
        }

        return replayedEvents;
    }
}
