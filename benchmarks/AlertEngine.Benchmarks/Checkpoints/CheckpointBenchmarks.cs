using BenchmarkDotNet.Attributes;

namespace AlertEngine.Benchmarks.Checkpoints;

/// <summary>
/// Saving and restoring the engine checkpoint of 100,000 threshold keys (two kept activities each) and 100,000 anomaly
/// keys, beside the anomaly-only state it supersedes (baseline: <see cref="AlertPipeline.SaveAnomalyState"/>, which
/// keeps neither kept activities, threshold windows, open alerts nor the duplicate filter). Target: save + restore
/// under 250 ms. The checkpoint size per key is printed by the setup.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
public class CheckpointBenchmarks
{
    private const int Keys = 100_000;
    private AlertPipeline _pipeline = null!;
    private byte[] _checkpoint = [];
    private byte[] _anomalyState = [];
    private MemoryStream _buffer = null!;

    internal static AlertPolicy[] Policies() =>
    [
        new()
        {
            Id = "threshold",
            Name = "Mass deletion",
            Operations = ["FileDeleted"],
            Trigger = new ThresholdTrigger(10, TimeSpan.FromHours(1), TriggerScope.User),
        },
        new()
        {
            Id = "anomaly",
            Name = "Unusual downloads",
            Operations = ["FileDownloaded"],
            Trigger = new AnomalyTrigger(TriggerScope.User, AnomalyTrigger.DefaultLearningPeriod, AnomalySensitivity.Medium, AnomalyTrigger.DefaultBucket),
        },
    ];

    /// <summary>A pipeline holding 100,000 threshold keys and 100,000 anomaly keys (and 500,000 ids in the duplicate filter).</summary>
    internal static AlertPipeline Build()
    {
        var pipeline = new AlertPipeline(Policies(), new AlertEngineOptions { AllowedLateness = TimeSpan.FromHours(1) });
        var start = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
        var n = 0;
        for (var round = 0; round < 5; round++)
        {
            for (var k = 0; k < Keys; k++)
            {
                var time = start.AddSeconds((round * 600) + (k % 600));
                var user = "user" + k + "@contoso.com";
                pipeline.Process(new Activity("a" + n++, time, round < 2 ? "FileDeleted" : "FileDownloaded") { UserId = user, ClientIp = System.Net.IPAddress.Loopback, ObjectId = "https://contoso.sharepoint.com/sites/s/doc" + k + ".docx" });
            }
        }

        return pipeline;
    }

    [GlobalSetup]
    public void Setup()
    {
        _pipeline = Build();
        using var checkpoint = new MemoryStream();
        _pipeline.SaveCheckpoint(checkpoint);
        _checkpoint = checkpoint.ToArray();
        using var anomaly = new MemoryStream();
        _pipeline.SaveAnomalyState(anomaly);
        _anomalyState = anomaly.ToArray();
        _buffer = new MemoryStream(_checkpoint.Length * 2);
        Console.WriteLine($"// checkpoint: {_checkpoint.Length:N0} bytes for {2 * Keys:N0} keys and 500,000 ids ({(double)_checkpoint.Length / (2 * Keys):F0} bytes per key, ids included); anomaly-only state: {_anomalyState.Length:N0} bytes");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pipeline.Dispose();
        _buffer.Dispose();
    }

    [Benchmark(Baseline = true, Description = "SaveAnomalyState (anomaly keys only, no kept activities)")]
    public long SaveAnomalyStateOnly()
    {
        _buffer.SetLength(0);
        _pipeline.SaveAnomalyState(_buffer);
        return _buffer.Length;
    }

    [Benchmark(Description = "SaveCheckpoint (everything)")]
    public long SaveCheckpoint()
    {
        _buffer.SetLength(0);
        _pipeline.SaveCheckpoint(_buffer);
        return _buffer.Length;
    }

    [Benchmark(Description = "RestoreAnomalyState (anomaly keys only)")]
    public int RestoreAnomalyStateOnly()
    {
        using var pipeline = new AlertPipeline(Policies(), new AlertEngineOptions { AllowedLateness = TimeSpan.FromHours(1) });
        using var stream = new MemoryStream(_anomalyState, writable: false);
        return pipeline.RestoreAnomalyState(stream).Restored.Count;
    }

    [Benchmark(Description = "RestoreCheckpoint (everything)")]
    public int RestoreCheckpoint()
    {
        using var pipeline = new AlertPipeline(Policies(), new AlertEngineOptions { AllowedLateness = TimeSpan.FromHours(1) });
        using var stream = new MemoryStream(_checkpoint, writable: false);
        return pipeline.RestoreCheckpoint(stream).Restored.Count;
    }
}
