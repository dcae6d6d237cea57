using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace AlertEngine.Benchmarks.Windowed;

/// <summary>The threshold benchmarks' short job (1 warmup, 3 measured iterations of about 200 ms, unroll 1, memory
/// diagnoser), run in process: on the shared 2-core machine the generated project's build timed out (2 minutes).</summary>
public sealed class WindowedConfig : ManualConfig
{
    public WindowedConfig()
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
