using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>A column computed in the host process (retained memory, measured outside the timed runs).</summary>
public sealed class ThresholdMemoryColumn(string name, string legend, Func<BenchmarkCase, string> value) : IColumn
{
    public string Id => nameof(ThresholdMemoryColumn) + "." + ColumnName;

    public string ColumnName { get; } = name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend { get; } = legend;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => value(benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => value(benchmarkCase);

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

/// <summary>The short job plus the retained-bytes-per-key column.</summary>
public sealed class ThresholdMemoryConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public ThresholdMemoryConfig()
    {
        Add(new ThresholdConfig());
        AddColumn(new ThresholdMemoryColumn(
            "Bytes/key",
            "Retained bytes per tracked key after two windows at this per-key rate (1,000 keys, N = 10,000, window 60 s), GC.GetTotalMemory before/after",
            c => ThresholdMemory.BytesPerKey(c.Descriptor.WorkloadMethod.Name, (int)c.Parameters["PerKeyRate"]!)));
    }
}

/// <summary>
/// Memory per tracked key as the per-key rate grows 100x (1,000 keys, N = 10,000 so nothing fires, window 60 s), and
/// the time per activity at that rate. The structure is filled for two windows first; each invocation continues the
/// stream for 1,200,000 more activities.
/// </summary>
[Config(typeof(ThresholdMemoryConfig))]
public class ThresholdMemoryBenchmarks
{
    public const int Length = 1_200_000;

    private string[] _keys = null!;
    private long[] _ticks = null!;
    private long _duration;
    private long _offset;
    private SlidingWindowCounter<string> _counter = null!;
    private QueueThreshold _queue = null!;

    [Params(1, 10, 100)]
    public int PerKeyRate { get; set; }

    [GlobalSetup(Target = nameof(Counter))]
    public void SetupCounter() => _counter = Fill(new SlidingWindowCounter<string>(ThresholdMemory.MemoryThreshold, ThresholdMemory.MemoryWindow, new SlidingWindowCounterOptions { MaxItemsPerDetection = 0 }));

    [GlobalSetup(Target = nameof(CounterKeepingItems))]
    public void SetupCounterKeepingItems() => _counter = Fill(new SlidingWindowCounter<string>(ThresholdMemory.MemoryThreshold, ThresholdMemory.MemoryWindow));

    [GlobalSetup(Target = nameof(QueuePerKey))]
    public void SetupQueue() => _queue = Fill(new QueueThreshold(ThresholdMemory.MemoryThreshold, ThresholdMemory.MemoryWindow));

    [Benchmark(OperationsPerInvoke = Length)]
    public int Counter() => RunCounter();

    [Benchmark(OperationsPerInvoke = Length)]
    public int CounterKeepingItems() => RunCounter();

    [Benchmark(Baseline = true, OperationsPerInvoke = Length)]
    public int QueuePerKey()
    {
        var fired = 0;
        var offset = NextOffset();
        for (var i = 0; i < _keys.Length; i++)
        {
            if (_queue.Add(_keys[i], new DateTimeOffset(_ticks[i] + offset, TimeSpan.Zero)))
            {
                fired++;
            }
        }

        return fired;
    }

    private int RunCounter()
    {
        var fired = 0;
        var offset = NextOffset();
        for (var i = 0; i < _keys.Length; i++)
        {
            if (_counter.Add(_keys[i], new DateTimeOffset(_ticks[i] + offset, TimeSpan.Zero), _keys[i]) == SlidingWindowOutcome.Detected)
            {
                fired++;
            }
        }

        return fired;
    }

    private T Fill<T>(T target)
    {
        var pool = ThresholdStream.KeyPool(ThresholdMemory.MemoryKeys);
        var seconds = Length / (ThresholdMemory.MemoryKeys * PerKeyRate);
        (_keys, _ticks) = ThresholdMemory.RateStream(PerKeyRate, seconds, pool);
        _duration = seconds * TimeSpan.TicksPerSecond;
        _offset = 0;
        // Two windows first, so the structure is in steady state.
        var fill = (int)(2 * ThresholdMemory.MemoryWindow.TotalSeconds / seconds) + 1;
        for (var f = 0; f < fill; f++)
        {
            var offset = NextOffset();
            for (var i = 0; i < _keys.Length; i++)
            {
                var time = new DateTimeOffset(_ticks[i] + offset, TimeSpan.Zero);
                _ = target switch
                {
                    SlidingWindowCounter<string> c => c.Add(_keys[i], time, _keys[i]) == SlidingWindowOutcome.Detected,
                    QueueThreshold q => q.Add(_keys[i], time),
                    _ => false,
                };
            }
        }

        return target;
    }

    private long NextOffset()
    {
        var offset = _offset;
        _offset += _duration;
        return offset;
    }
}

/// <summary>The eviction columns: one million distinct users passing once each.</summary>
public sealed class ThresholdEvictionConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public ThresholdEvictionConfig()
    {
        Add(new ThresholdConfig());
        AddColumn(new ThresholdMemoryColumn("Peak keys", "Most keys tracked at once while 1,000,000 distinct users passed, 100 per second, window 60 s", _ => ThresholdMemory.MillionUsers("peak")));
        AddColumn(new ThresholdMemoryColumn("Keys at end", "Keys tracked right after the last user", _ => ThresholdMemory.MillionUsers("tracked")));
        AddColumn(new ThresholdMemoryColumn("Bytes at end", "Retained bytes right after the last user", _ => ThresholdMemory.MillionUsers("bytes")));
        AddColumn(new ThresholdMemoryColumn("Keys idle", "Keys tracked after the watermark moved two more windows", _ => ThresholdMemory.MillionUsers("trackedAfter")));
        AddColumn(new ThresholdMemoryColumn("Bytes idle", "Retained bytes after the watermark moved two more windows", _ => ThresholdMemory.MillionUsers("bytesAfter")));
    }
}

/// <summary>One million distinct users, each seen once (100 per second, window 60 s), through a fresh counter.</summary>
[Config(typeof(ThresholdEvictionConfig))]
public class ThresholdEvictionBenchmarks
{
    public const int Users = 1_000_000;
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private string[] _users = null!;

    [GlobalSetup]
    public void Setup() => _users = ThresholdStream.KeyPool(Users);

    [Benchmark(OperationsPerInvoke = Users)]
    public int MillionDistinctUsers()
    {
        var counter = new SlidingWindowCounter<string>(3, ThresholdMemory.MemoryWindow);
        for (var i = 0; i < _users.Length; i++)
        {
            counter.Add(_users[i], Start.AddTicks(i * 10 * TimeSpan.TicksPerMillisecond), _users[i]);
        }

        return counter.TrackedKeys;
    }
}
