using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AlertEngine.Benchmarks.Storage;

/// <summary>
/// The job of the storage benchmarks: run in the host process (no generated project to build: on the shared 2-core
/// machine those builds hit BenchmarkDotNet's two-minute build timeout), one launch, few iterations. The storage
/// costs measured are micro- to milliseconds of SQLite work, far above what in-process hosting changes.
/// </summary>
internal static class InProcessStorageConfig
{
    public static Job Job(RunStrategy strategy, int warmup, int iterations) =>
        BenchmarkDotNet.Jobs.Job.Default
            .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(30), logOutput: true))
            .WithStrategy(strategy)
            .WithLaunchCount(1)
            .WithWarmupCount(warmup)
            .WithIterationCount(iterations);

    /// <summary>For <see cref="AlertQueryBenchmarks"/>.</summary>
    public sealed class Queries : ManualConfig
    {
        public Queries() => AddJob(Job(RunStrategy.Throughput, warmup: 2, iterations: 6));
    }

    /// <summary>For <see cref="AlertUpsertBenchmarks"/>: a fixed number of upserts per iteration.</summary>
    public sealed class Upserts : ManualConfig
    {
        public Upserts() => AddJob(Job(RunStrategy.Monitoring, warmup: 2, iterations: 8));
    }
}
