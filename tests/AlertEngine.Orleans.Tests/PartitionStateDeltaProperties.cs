using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// Incremental persistence against the live partition as the oracle: a partition evaluates a stream in batches
/// (every trigger kind, aggregation on and off, duplicate questions), writing a base snapshot every few batches and a
/// delta after every other batch (<see cref="PartitionStateDelta"/>); a fresh partition restored from the last base
/// and the deltas after it (<see cref="PartitionStateCodec.Restore"/>) holds the live partition's state: the same
/// duplicate filter and, per policy, the same detector-wide part and the same keyed records (compared as a set: the
/// order of records follows each key table's history, which decides nothing).
/// </summary>
public class PartitionStateDeltaProperties
{
    [Property(MaxTest = 40)]
    public Property A_partition_restored_from_a_base_and_deltas_holds_the_live_state() =>
        Prop.ForAll(Cases(), c => Check(c.Scenario.Activities, c.Partitions, c.BatchSize, c.BaseEvery) >= 0);

    /// <summary>A stream of every trigger kind, a partition count, a batch size and how often a base is written: the
    /// cases of this class and of <see cref="BatchInputProperties"/>.</summary>
    internal static Arbitrary<(Scenario Scenario, int Partitions, int BatchSize, int BaseEvery)> Cases() =>
        Arb.From(
            from scenario in Scenarios().Generator
            from partitions in Gen.Elements(1, 2, 3)
            from batchSize in Gen.Choose(1, 40)
            from baseEvery in Gen.Choose(1, 8)
            select (scenario, partitions, batchSize, baseEvery));

    [Fact]
    public void A_fixed_stream_restores_through_key_deltas_and_whole_states()
    {
        var scenario = Scenarios().Generator.Sample(100, 10).MaxBy(s => s.Activities.Count)!;
        Assert.True(Check(scenario.Activities, 2, 5, 1000) > 0, "no keyed delta was written: the test proves nothing");
    }

    /// <summary>Returns how many keyed records the deltas carried.</summary>
    private static int Check(List<Activity> activities, int partitions, int batchSize, int baseEvery)
    {
        var policies = AllPolicies();
        var options = Options();
        var keyed = 0;
        for (var p = 0; p < partitions; p++)
        {
            var live = new EnginePartition(policies, options, p, partitions);
            var delta = new PartitionStateDelta(policies.Count);
            var output = new PartitionOutput();
            byte[] snapshot = PartitionStateCodec.Write(live, policies.Count);
            var deltas = new List<byte[]>();
            var feed = new PartitionFeed(p, partitions);
            var batches = 0;
            foreach (var batch in Oracle.Batches(activities, batchSize))
            {
                var (queries, admitted) = feed.Next(batch);

                var wire = DuplicateQueries.From(queries);
                live.CheckDuplicates(wire.ToQueries(), new bool[queries.Count]);
                delta.Begin(live, [.. admitted]);
                output.Clear();
                live.Evaluate(admitted, output);
                var bytes = delta.Write(live, wire, 256);
                keyed += CountKeyedRecords(bytes, policies.Count);
                if (++batches % baseEvery == 0)
                {
                    snapshot = PartitionStateCodec.Write(live, policies.Count);
                    deltas.Clear();
                }
                else
                {
                    deltas.Add(bytes);
                }
            }

            var restored = new EnginePartition(policies, options, p, partitions);
            PartitionStateCodec.Restore(restored, snapshot, deltas, policies.Count);
            Assert.Equal(Canonical(PartitionStateCodec.Write(live, policies.Count)), Canonical(PartitionStateCodec.Write(restored, policies.Count)));
        }

        return keyed;
    }

    /// <summary>A whole partition state (<see cref="PartitionStateCodec.Write"/>) with each policy's keyed records
    /// sorted by key.</summary>
    internal static List<string> Canonical(byte[] state)
    {
        var result = new List<string>();
        var reader = new CheckpointReader(state);
        result.Add(reader.ReadByte().ToString(System.Globalization.CultureInfo.InvariantCulture));
        result.Add(Convert.ToHexString(reader.ReadBlock().Span));
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var block = reader.ReadBlock();
            var keysOffset = reader.ReadInt32();
            result.Add($"policy {i}: " + Convert.ToHexString(block.Span[..keysOffset]));
            var records = new CheckpointReader(block);
            records.ReadBytes(keysOffset);
            var keys = records.BeginKeys();
            var sorted = new List<string>();
            for (var k = 0; k < keys; k++)
            {
                var start = records.Position;
                var key = records.SkipKey();
                sorted.Add(key + "=" + Convert.ToHexString(block.Span[start..records.Position]));
            }

            sorted.Sort(StringComparer.Ordinal);
            result.AddRange(sorted);
        }

        return result;
    }

    /// <summary>How many keyed records the keyed parts of a delta carry.</summary>
    private static int CountKeyedRecords(byte[] delta, int policies)
    {
        var reader = new CheckpointReader(delta);
        reader.ReadByte();
        var queries = reader.ReadInt32();
        reader.ReadBytes(queries * 24);
        Assert.Equal(policies, reader.ReadInt32());
        var records = 0;
        for (var i = 0; i < policies; i++)
        {
            var kind = reader.ReadByte();
            var block = reader.ReadBlock();
            var keysOffset = reader.ReadInt32();
            if (kind is 2 or 3)
            {
                var part = new CheckpointReader(block);
                part.ReadBytes(keysOffset);
                records += part.BeginKeys();
                var lists = kind == 3 ? 2 : 1; // the keys gone, then (after an eviction) every key
                for (var list = 0; list < lists; list++)
                {
                    var n = reader.ReadInt32();
                    for (var k = 0; k < n; k++)
                    {
                        reader.ReadString();
                    }
                }
            }
        }

        return records;
    }
}
