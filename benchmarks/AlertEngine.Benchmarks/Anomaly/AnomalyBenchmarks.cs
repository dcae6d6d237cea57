using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// Per-activity cost of <see cref="BaselineModel{T}.Observe"/> at 100,000 keys in steady state (every key past its
/// learning period, activities keep flowing in event-time order, buckets close, the hourly sweep runs). Each
/// invocation observes 1,000,000 activities (about 5 hours of event time at 2 activities per key-hour).
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- --filter *AnomalyBenchmarks*</c>
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class AnomalyBenchmarks
{
    private const int Keys = 100_000;
    private const int PerInvoke = 1_000_000;
    private const double PerKeyHour = 2;

    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private string[] _keys = [];
    private int[] _order = [];
    private Activity[] _items = [];
    private BaselineModel<Activity> _model = null!;
    private long _ticks;
    private long _step;

    /// <summary>Key order: uniformly random (cache-hostile), or runs of 8 activities of one key (audit-like locality).</summary>
    [Params("random", "runs-of-8")]
    public string Order { get; set; } = "random";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _keys = new string[Keys];
        for (var i = 0; i < Keys; i++)
        {
            _keys[i] = $"user{i}@contoso.com";
        }

        // Every key appears: a shuffled sequence of keys (one per run), each key repeated run times.
        var run = Order == "random" ? 1 : 8;
        _order = new int[PerInvoke];
        var runs = new int[PerInvoke / run];
        for (var i = 0; i < runs.Length; i++)
        {
            runs[i] = i % Keys;
        }

        rng.Shuffle(runs);
        for (var i = 0; i < PerInvoke; i++)
        {
            _order[i] = runs[i / run];
        }

        _items = new Activity[1024];
        for (var i = 0; i < _items.Length; i++)
        {
            _items[i] = new Activity($"a{i}", Start, "FileDeleted");
        }

        var before = GC.GetTotalMemory(forceFullCollection: true);
        _model = new BaselineModel<Activity>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, TimeSpan.FromHours(1)));
        _step = (long)(TimeSpan.TicksPerHour / (Keys * PerKeyHour));
        _ticks = Start.UtcTicks;

        // Learn: 8 days of event time.
        var end = Start.AddDays(8).UtcTicks;
        while (_ticks < end)
        {
            Run();
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// anomaly model: {_model.KeyCount} keys, {(after - before) / (double)_model.KeyCount:0} bytes per key (managed heap growth incl. key strings' dictionary entries, kept activity buffers)");
    }

    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public int Observe() => Run();

    private int Run()
    {
        var detections = 0;
        var order = _order;
        var keys = _keys;
        var items = _items;
        var model = _model;
        var ticks = _ticks;
        for (var i = 0; i < order.Length; i++)
        {
            ticks += _step;
            if (model.Observe(keys[order[i]], new DateTimeOffset(ticks, TimeSpan.Zero), items[i & 1023], out _) == AnomalyOutcome.Detected)
            {
                detections++;
            }
        }

        _ticks = ticks;
        return detections;
    }
}
