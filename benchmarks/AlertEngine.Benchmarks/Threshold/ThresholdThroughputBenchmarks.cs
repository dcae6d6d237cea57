using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>A short job: one launch, 1 warmup and 3 measured iterations of about 200 ms, unroll 1, memory diagnoser.</summary>
public sealed class ThresholdConfig : ManualConfig
{
    public ThresholdConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(3)
            .WithIterationTime(TimeInterval.FromMilliseconds(200))
            .WithUnrollFactor(1)
            .WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        WithOption(ConfigOptions.JoinSummary, false);
    }
}

/// <summary>The short job plus a thread-CPU-time column for the 10,000-key cases (see <see cref="ThresholdCpuTime"/>).</summary>
public sealed class ThresholdThroughputConfig : ManualConfig
{
    public ThresholdThroughputConfig()
    {
        Add(new ThresholdConfig());
        AddColumn(new ThresholdMemoryColumn(
            "CPU ns/op",
            "Thread CPU time per activity, minimum of 12 interleaved rounds in the host process (10,000-key cases only)",
            c => (int)c.Parameters["Keys"]! == 10_000
                ? ThresholdCpuTime.NanosecondsPerActivity(c.Descriptor.WorkloadMethod.Name, 10_000, (RatePattern)c.Parameters["Rate"]!, (int)c.Parameters["N"]!)
                : "-"));
    }
}

/// <summary>
/// Threshold triggers over the same generated streams (window 60 s): <see cref="SlidingWindowCounter{TItem}"/>
/// counting only (ordinal keys, and case-insensitive keys), and keeping items for detections, vs the Rx way (GroupBy + Scan over a list of timestamps) and a
/// per-key queue of timestamps. Results are per activity (500,000 per invocation). Each invocation continues the stream
/// in time, so the state stays in steady state across invocations.
/// </summary>
[Config(typeof(ThresholdThroughputConfig))]
public class ThresholdThroughputBenchmarks
{
    public const int Length = 500_000;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private ThresholdStream _stream = null!;
    private SlidingWindowCounter<string?> _counter = null!;
    private RxGroupByScanThreshold? _rx;
    private QueueThreshold _queue = null!;
    private long _offset;

    [Params(10, 10_000, 1_000_000)]
    public int Keys { get; set; }

    [Params(RatePattern.Steady, RatePattern.Bursty)]
    public RatePattern Rate { get; set; }

    [Params(5, 10_000)]
    public int N { get; set; }

    [GlobalSetup(Target = nameof(Counter))]
    public void SetupCounter() => _counter = Setup(new SlidingWindowCounter<string?>(N, Window, new SlidingWindowCounterOptions { MaxItemsPerDetection = 0 }));

    [GlobalSetup(Target = nameof(CounterIgnoreCase))]
    public void SetupCounterIgnoreCase() => _counter = Setup(new SlidingWindowCounter<string?>(N, Window, new SlidingWindowCounterOptions
    {
        MaxItemsPerDetection = 0,
        KeyComparer = StringComparer.OrdinalIgnoreCase,
    }));

    [GlobalSetup(Target = nameof(CounterKeepingItems))]
    public void SetupCounterKeepingItems() => _counter = Setup(new SlidingWindowCounter<string?>(N, Window));

    [GlobalSetup(Target = nameof(RxGroupByScan))]
    public void SetupRx() => _rx = Setup(new RxGroupByScanThreshold(N, Window));

    [GlobalSetup(Target = nameof(QueuePerKey))]
    public void SetupQueue() => _queue = Setup(new QueueThreshold(N, Window));

    [GlobalCleanup]
    public void Cleanup() => _rx?.Dispose();

    /// <summary>The counter, counting only (MaxItemsPerDetection = 0), default (ordinal) key comparer.</summary>
    [Benchmark(OperationsPerInvoke = Length)]
    public int Counter()
    {
        var counter = _counter;
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = NextOffset();
        var fired = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (counter.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), null) == SlidingWindowOutcome.Detected)
            {
                fired++;
            }
        }

        return fired;
    }

    /// <summary>The counter, counting only, with case-insensitive keys (as the engine and the operator use it).</summary>
    [Benchmark(OperationsPerInvoke = Length)]
    public int CounterIgnoreCase() => Counter();

    /// <summary>The counter keeping the items of each detection (default cap 1,000), as the engine uses it.</summary>
    [Benchmark(OperationsPerInvoke = Length)]
    public int CounterKeepingItems()
    {
        var counter = _counter;
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = NextOffset();
        var fired = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (counter.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), keys[i]) == SlidingWindowOutcome.Detected)
            {
                fired += counter.LastDetection.Items.Length;
            }
        }

        return fired;
    }

    /// <summary>The Rx way: GroupBy(key) + Scan over a list of timestamps.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Length)]
    public int RxGroupByScan()
    {
        var rx = _rx!;
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = NextOffset();
        for (var i = 0; i < keys.Length; i++)
        {
            rx.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero));
        }

        return rx.Fired;
    }

    /// <summary>A Queue&lt;DateTimeOffset&gt; per key.</summary>
    [Benchmark(OperationsPerInvoke = Length)]
    public int QueuePerKey()
    {
        var queue = _queue;
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = NextOffset();
        var fired = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (queue.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero)))
            {
                fired++;
            }
        }

        return fired;
    }

    private T Setup<T>(T target)
    {
        _stream = ThresholdStream.Create(Keys, Rate, Length);
        _offset = 0;
        return target;
    }

    private long NextOffset()
    {
        var offset = _offset;
        _offset += _stream.Duration;
        return offset;
    }
}
