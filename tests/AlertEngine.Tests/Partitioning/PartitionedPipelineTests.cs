namespace AlertEngine.Tests.Partitioning;

public class PartitionedPipelineTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static AlertPolicy Threshold() => new()
    {
        Id = "mass-delete",
        Name = "Mass delete",
        Severity = AlertSeverity.High,
        Category = AlertCategory.ThreatManagement,
        Operations = ["FileDeleted"],
        Trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User),
    };

    [Fact]
    public void The_partition_count_must_be_at_least_one()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PartitionedAlertPipeline([Threshold()], 0));
        Assert.Equal("partitions", e.ParamName);
    }

    [Fact]
    public void Invalid_policies_are_refused_with_every_problem_like_the_single_engine()
    {
        var bad = Threshold() with { Id = "" };
        var e = Assert.Throws<ArgumentException>(() => new PartitionedAlertPipeline([bad], 2));
        Assert.Contains("Invalid policies", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_null_activity_in_a_batch_is_refused_before_anything_is_evaluated()
    {
        using var pipeline = new PartitionedAlertPipeline([Threshold()], 2);
        var batch = new Activity[] { new("a1", T0, "FileDeleted") { UserId = "alice" }, null! };
        Assert.Throws<ArgumentException>(() => pipeline.Process(batch));
        Assert.Equal(0, pipeline.Statistics.ActivitiesProcessed);
    }

    [Fact]
    public void Keys_that_differ_only_in_case_are_one_key_in_one_partition()
    {
        // The detectors compare scope keys ignoring case: "ALICE" and "alice" count together whatever the partitions.
        using var pipeline = new PartitionedAlertPipeline([Threshold()], 4);
        var changes = pipeline.Process(
        [
            new Activity("a1", T0, "FileDeleted") { UserId = "alice@contoso.com" },
            new Activity("a2", T0.AddMinutes(1), "FileDeleted") { UserId = "ALICE@contoso.com" },
            new Activity("a3", T0.AddMinutes(2), "FileDeleted") { UserId = "Alice@Contoso.com" },
        ]);
        var change = Assert.Single(changes);
        Assert.Equal(3, change.Alert.HitCount);
        Assert.Equal(Partitioner.Of("alice@contoso.com", 4), Partitioner.Of("ALICE@CONTOSO.COM", 4));
    }

    [Fact]
    public void Partitions_are_stable_across_processes_and_versions()
    {
        // Checkpoints and Orleans grains depend on these values: a change of the hash moves state to other partitions.
        // The rule: XxHash3 (seed 0) of the key's UTF-16 code units upper-cased (invariant), modulo the count.
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes("KEY".AsSpan())), Partitioner.Hash("key"));
        Assert.Equal(Partitioner.Hash("ÉTÉ"), Partitioner.Hash("été"));
        var longKey = new string('x', 300);
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(System.Runtime.InteropServices.MemoryMarshal.AsBytes(longKey.ToUpperInvariant().AsSpan())), Partitioner.Hash(longKey));
        Assert.Equal(0, Partitioner.Of("anything", 1));
    }

    [Fact]
    public void Duplicates_are_recognised_across_batches_whichever_partition_holds_the_id()
    {
        using var pipeline = new PartitionedAlertPipeline([Threshold()], 3);
        for (var i = 0; i < 50; i++)
        {
            pipeline.Process([new Activity("id" + i, T0.AddSeconds(i), "FileDeleted") { UserId = "u" + (i % 7) }]);
        }

        var again = new List<Activity>();
        for (var i = 0; i < 50; i++)
        {
            again.Add(new Activity("id" + i, T0.AddSeconds(i), "FileDeleted") { UserId = "u" + (i % 7) });
        }

        Assert.Empty(pipeline.Process(again));
        Assert.Equal(50, pipeline.Statistics.Duplicates);
    }

    [Fact]
    public void After_dispose_processing_throws()
    {
        var pipeline = new PartitionedAlertPipeline([Threshold()], 2);
        pipeline.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pipeline.Process(new Activity("a1", T0, "FileDeleted")));
    }
}
