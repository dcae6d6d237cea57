using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace AlertEngine.Benchmarks.SeenTriggers;

/// <summary>
/// The threshold benchmarks' short job (one launch, 1 warmup and 3 measured iterations of about 200 ms, unroll 1,
/// memory diagnoser), run in process: on the shared, loaded build machine BenchmarkDotNet's per-run rebuild of the
/// project timed out, and in process it measures the binaries just built.
/// </summary>
public sealed class SeenTriggersConfig : ManualConfig
{
    public SeenTriggersConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3)
            .WithIterationTime(TimeInterval.FromMilliseconds(200))
            .WithUnrollFactor(1)
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId("ShortInProcess"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        WithOption(ConfigOptions.JoinSummary, false);
    }
}
