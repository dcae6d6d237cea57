using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// The determinism contract: for the same batches in the same order, a cluster of 1, 2 or 3 silos with any number of
/// partitions makes exactly the alert changes of the single-node <see cref="AlertPipeline"/>, in the same order
/// (every trigger kind, aggregation on and off, duplicates, late activities).
/// </summary>
public class EquivalenceProperties(ClusterFixture clusters) : IClassFixture<ClusterFixture>
{
    [Property(MaxTest = 12)]
    public Property Any_silo_count_partition_count_and_batch_size_gives_the_single_node_alerts() =>
        Prop.ForAll(
            Arb.From(
                from scenario in Scenarios().Generator
                from silos in Gen.Elements(1, 2, 3)
                from partitions in Gen.Elements(1, 2, 3, 5, 8)
                from batchSize in Gen.Choose(1, 80)
                select (scenario, silos, partitions, batchSize)),
            c => Check(c.scenario.Activities, c.silos, c.partitions, c.batchSize).GetAwaiter().GetResult() >= 0);

    [Theory]
    [InlineData(1, 1, 1000)]
    [InlineData(1, 4, 7)]
    [InlineData(2, 3, 50)]
    [InlineData(3, 8, 25)]
    [InlineData(3, 16, 1)]
    public async Task A_fixed_stream_gives_the_single_node_alerts(int silos, int partitions, int batchSize)
    {
        var scenario = Scenarios().Generator.Sample(100, 10).MaxBy(s => s.Activities.Count)!;
        var fired = await Check(scenario.Activities, silos, partitions, batchSize);
        Assert.True(fired > 0, "the stream fired nothing: the comparison proves nothing");
    }

    private async Task<int> Check(IReadOnlyList<Activity> activities, int silos, int partitions, int batchSize)
    {
        var cluster = await clusters.GetAsync(silos);
        var (engine, policies) = cluster.AddEngine(AllPolicies(), Options(), partitions);
        var expected = Oracle.Describe(Oracle.Changes(policies, Options(), activities));
        long number = 0;
        var detections = 0;
        foreach (var batch in Oracle.Batches(activities, batchSize))
        {
            var result = await engine.ProcessAsync(++number, batch);
            Assert.False(result.AlreadyApplied);
            detections += result.Detections;
        }

        Assert.Equal(expected, Oracle.Describe(cluster.UpsertsOf(policies)));
        Assert.Equal(expected.Count, detections);
        return expected.Count;
    }
}
