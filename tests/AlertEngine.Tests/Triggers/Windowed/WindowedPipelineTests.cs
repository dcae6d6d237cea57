using static AlertEngine.Tests.Triggers.Windowed.WindowedTestData;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>Distinct, sum and spike policies through the whole engine (policies built in C#), including a checkpoint.</summary>
public class WindowedPipelineTests
{
    private static AlertPolicy Policy(string id, Trigger trigger) => new()
    {
        Id = id,
        Name = id,
        Operations = ["Op"],
        Trigger = trigger,
    };

    private static readonly AlertPolicy[] Policies =
    [
        Policy("ips", new DistinctTrigger("clientIp", 4, TimeSpan.FromHours(1), TriggerScope.User)),
        Policy("bytes", new SumTrigger("Bytes", 1000, TimeSpan.FromHours(1), TriggerScope.User)),
        Policy("spike", new SpikeTrigger(3, TimeSpan.FromMinutes(10), 3, 1, TriggerScope.User)),
    ];

    private static IEnumerable<Activity> Stream()
    {
        // One activity in the reference window, then a burst: four addresses in the hour, 1,000 bytes by "c", three activities in 10 minutes.
        yield return Act("r", 0, ip: "10.0.0.1", properties: ("Bytes", "100"));
        yield return Act("a", 700, ip: "10.0.0.2", properties: ("Bytes", "500"));
        yield return Act("b", 710, ip: "10.0.0.2", properties: ("Bytes", "not a number"));
        yield return Act("c", 720, ip: "10.0.0.3", properties: ("Bytes", "4e2"));
        yield return Act("d", 730, ip: "10.0.0.4", properties: ("Bytes", "300"));
    }

    [Fact]
    public void Each_trigger_type_opens_an_alert_with_its_reason()
    {
        using var pipeline = new AlertPipeline(Policies);
        var diagnostics = new List<EngineDiagnostic>();
        using var _ = pipeline.Diagnostics.Subscribe(diagnostics.Add);

        var changes = Stream().SelectMany(pipeline.Process).ToList();

        var distinct = Assert.Single(changes, c => c.Alert.PolicyId == "ips").Detection;
        Assert.Equal(["r", "b", "c", "d"], Ids(distinct));
        Assert.Equal(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"], Assert.IsType<DistinctValues>(distinct.Reason).Values);

        var sum = Assert.Single(changes, c => c.Alert.PolicyId == "bytes").Detection;
        Assert.Equal(["r", "a", "c"], Ids(sum)); // 100 + 500 + 400 reaches 1,000; "b" is not a number
        Assert.Equal(new SumTotal(1000), sum.Reason);

        var spike = Assert.Single(changes, c => c.Alert.PolicyId == "spike").Detection;
        Assert.Equal(["a", "b", "c"], Ids(spike));
        Assert.Equal(new SpikeCounts(3, 1), spike.Reason);

        var nonNumeric = Assert.Single(diagnostics, d => d.Kind == DiagnosticKind.NonNumericValue);
        Assert.Equal(("b", "bytes"), (nonNumeric.ActivityId, nonNumeric.PolicyId));
    }

    [Fact]
    public void A_pipeline_restored_from_a_checkpoint_continues_like_one_that_never_stopped()
    {
        var all = Stream().ToArray();
        using var whole = new AlertPipeline(Policies);
        var expected = all.SelectMany(whole.Process).Select(c => WindowedCompare.Describe(c.Detection)).ToList();

        for (var cut = 0; cut <= all.Length; cut++)
        {
            using var first = new AlertPipeline(Policies);
            var actual = all.Take(cut).SelectMany(first.Process).Select(c => WindowedCompare.Describe(c.Detection)).ToList();
            var checkpoint = Checkpoint(first);
            using var second = new AlertPipeline(Policies);
            Restore(second, checkpoint);
            actual.AddRange(all.Skip(cut).SelectMany(second.Process).Select(c => WindowedCompare.Describe(c.Detection)));
            Assert.Equal(expected, actual);
        }
    }

    private static byte[] Checkpoint(AlertPipeline pipeline)
    {
        using var stream = new MemoryStream();
        pipeline.SaveCheckpoint(stream);
        return stream.ToArray();
    }

    private static void Restore(AlertPipeline pipeline, byte[] checkpoint)
    {
        using var stream = new MemoryStream(checkpoint);
        var result = pipeline.RestoreCheckpoint(stream);
        Assert.Equal(["bytes", "ips", "spike"], result.Restored.Order(StringComparer.Ordinal));
        Assert.Empty(result.Skipped);
    }
}
