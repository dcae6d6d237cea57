using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// A partition grain's base snapshot (<see cref="PartitionStateCodec.WriteBase"/>, version 3: the duplicate filter's
/// entries in arrival order, no sort) restores the same state as the canonical form (<see cref="PartitionStateCodec.Write"/>,
/// version 2), which the live partition is compared in; malformed filter entries and unknown versions are refused.
/// </summary>
public class PartitionBaseSnapshotTests
{
    [Property(MaxTest = 40)]
    public Property A_base_in_arrival_order_restores_the_live_state() =>
        Prop.ForAll(PartitionStateDeltaProperties.Cases(), c => Check(c.Scenario.Activities, c.Partitions, c.BatchSize) >= 0);

    [Fact]
    public void A_fixed_stream_restores_a_filter_with_entries()
    {
        var scenario = Scenarios().Generator.Sample(100, 10).MaxBy(s => s.Activities.Count)!;
        Assert.True(Check(scenario.Activities, 2, 5) > 0, "no filter entry was restored: the test proves nothing");
    }

    [Fact]
    public void Filter_entries_out_of_time_order_are_refused()
    {
        var bytes = Base(version: 3, (1, 1, 90), (2, 2, 80));
        var error = Assert.Throws<InvalidDataException>(() => Restore(bytes));
        Assert.Contains("arrival (time) order", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_filter_entry_newer_than_the_filter_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => Restore(Base(version: 3, (1, 1, 90), (2, 2, 101))));
        Assert.Contains("newer than the filter's newest time", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_version_is_refused_naming_it()
    {
        var error = Assert.Throws<InvalidDataException>(() => Restore(Base(version: 4, (1, 1, 90))));
        Assert.Contains("version 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Entries_in_time_order_are_read_in_both_versions()
    {
        // Version 2 lists entries in digest order, version 3 in time order: the same entries, the same state.
        var canonical = Restore(Base(version: 2, (1, 1, 90), (2, 2, 80)));
        var arrival = Restore(Base(version: 3, (2, 2, 80), (1, 1, 90)));
        Assert.Equal(2, arrival.Duplicates.Count);
        Assert.Equal(
            PartitionStateDeltaProperties.Canonical(PartitionStateCodec.Write(canonical, 0)),
            PartitionStateDeltaProperties.Canonical(PartitionStateCodec.Write(arrival, 0)));
    }

    private static EnginePartition Restore(byte[] bytes)
    {
        var partition = new EnginePartition([], Options(), 0, 1);
        PartitionStateCodec.Read(partition, bytes, 0);
        return partition;
    }

    /// <summary>A partition state with no policies and the given filter entries (digest low, high, ticks), newest 100.</summary>
    private static byte[] Base(byte version, params (ulong Lo, ulong Hi, long Ticks)[] entries)
    {
        using var writer = new CheckpointWriter(256);
        writer.Write(version);
        writer.BeginBlock();
        writer.Write(100L);
        writer.Write(entries.Length);
        foreach (var (lo, hi, ticks) in entries)
        {
            writer.Write(lo);
            writer.Write(hi);
            writer.Write(ticks);
        }

        writer.EndBlock();
        writer.Write(0);
        return writer.Written.ToArray();
    }

    /// <summary>Evaluates the stream in batches in every partition, then restores each from its base in arrival order;
    /// returns how many filter entries the restored partitions hold.</summary>
    private static int Check(List<Activity> activities, int partitions, int batchSize)
    {
        var policies = AllPolicies();
        var options = Options();
        var entries = 0;
        for (var p = 0; p < partitions; p++)
        {
            var live = new EnginePartition(policies, options, p, partitions);
            var output = new PartitionOutput();
            var feed = new PartitionFeed(p, partitions);
            foreach (var batch in Oracle.Batches(activities, batchSize))
            {
                var (queries, admitted) = feed.Next(batch);

                live.CheckDuplicates([.. queries], new bool[queries.Count]);
                output.Clear();
                live.Evaluate(admitted, output);
            }

            var restored = new EnginePartition(policies, options, p, partitions);
            PartitionStateCodec.Read(restored, PartitionStateCodec.WriteBase(live, policies.Count), policies.Count);
            Assert.Equal(
                PartitionStateDeltaProperties.Canonical(PartitionStateCodec.Write(live, policies.Count)),
                PartitionStateDeltaProperties.Canonical(PartitionStateCodec.Write(restored, policies.Count)));
            entries += restored.Duplicates.Count;
        }

        return entries;
    }
}
