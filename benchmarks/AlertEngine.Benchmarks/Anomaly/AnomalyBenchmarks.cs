using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// Per-activity cost of <see cref="BaselineModel{T}.Observe"/> at 100,000 keys in steady state (every key past its
/// learning period, activities flow in event-time order, buckets close, the hourly sweep runs), side by side with
/// the previous implementation (<see cref="PreviousBaselineModel{T}"/>, per-key state in one struct and a kept-item
/// buffer per key), and the current model with the per-key option (<c>CurrentPerKey</c>; <c>Current</c> is the default,
/// the population model). Each invocation observes 1,000,000 activities, so the columns are per activity.
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- --filter *AnomalyBenchmarks*</c>
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class AnomalyBenchmarks
{
    private const int Keys = 100_000;
    private const int PerInvoke = 1_000_000;

    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly AnomalyTrigger Trigger = new(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1));

    private string[] _keys = [];
    private int[] _order = [];
    private Activity[] _items = [];
    private BaselineModel<Activity>? _current;
    private PreviousBaselineModel<Activity>? _previous;
    private long _ticks;
    private long _step;

    /// <summary>Key order: uniformly random (cache-hostile), or runs of 8 activities of one key (audit-like locality).</summary>
    [Params("random", "runs-of-8")]
    public string Order { get; set; } = "random";

    /// <summary>Activities per key and hourly bucket: 2 (a bucket closes every second activity of a key, the worst
    /// case) or 20 (a busy user's office hour in the evaluation's generator).</summary>
    [Params(2, 20)]
    public int PerKeyHour { get; set; } = 2;

    [GlobalSetup(Target = nameof(Current))]
    public void SetupCurrent()
    {
        Prepare();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        _current = new BaselineModel<Activity>(Trigger);
        Learn(() => Run(_current));
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// current model: {_current.KeyCount} keys, {(after - before) / (double)_current.KeyCount:0} bytes per key (managed heap growth incl. dictionary entries and the kept-item ring)");
    }

    [GlobalSetup(Target = nameof(CurrentPerKey))]
    public void SetupCurrentPerKey()
    {
        Prepare();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        _current = new BaselineModel<Activity>(Trigger, new AnomalyDetectorOptions { Model = AnomalyModel.PerKey });
        Learn(() => Run(_current));
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// current model, per-key (AnomalyModel.PerKey): {_current.KeyCount} keys, {(after - before) / (double)_current.KeyCount:0} bytes per key (managed heap growth incl. dictionary entries and the kept-item ring)");
    }

    [GlobalSetup(Target = nameof(Previous))]
    public void SetupPrevious()
    {
        Prepare();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        _previous = new PreviousBaselineModel<Activity>(Trigger);
        Learn(() => Run(_previous));
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"// previous model: {_previous.KeyCount} keys, {(after - before) / (double)_previous.KeyCount:0} bytes per key (managed heap growth incl. dictionary entries and kept-activity buffers)");
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PerInvoke)]
    public int Previous() => Run(_previous!);

    /// <summary>The current model with the default options: the population model (profile and dispersion grid) since
    /// flip-16.</summary>
    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public int Current() => Run(_current!);

    /// <summary>The current model with <see cref="AnomalyModel.PerKey"/> (the default before flip-16).</summary>
    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public int CurrentPerKey() => Run(_current!);

    private void Prepare()
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

        _step = TimeSpan.TicksPerHour / (Keys * (long)PerKeyHour);
        _ticks = Start.UtcTicks;
    }

    /// <summary>Learns for 26 hours of event time (the trigger's learning period is one day).</summary>
    private void Learn(Func<int> run)
    {
        var end = Start.AddHours(26).UtcTicks;
        while (_ticks < end)
        {
            run();
        }
    }

    private int Run(BaselineModel<Activity> model) => Run(new CurrentModel(model));

    private int Run(PreviousBaselineModel<Activity> model) => Run(new PriorModel(model));

    /// <summary>One loop for both models: specialised per struct, so neither pays for an interface call.</summary>
    private int Run<TModel>(TModel model)
        where TModel : struct, IModel
    {
        var detections = 0;
        var order = _order;
        var keys = _keys;
        var items = _items;
        var ticks = _ticks;
        for (var i = 0; i < order.Length; i++)
        {
            ticks += _step;
            if (model.Observe(keys[order[i]], new DateTimeOffset(ticks, TimeSpan.Zero), items[i & 1023]) == AnomalyOutcome.Detected)
            {
                detections++;
            }
        }

        _ticks = ticks;
        return detections;
    }

    private interface IModel
    {
        AnomalyOutcome Observe(string key, DateTimeOffset time, Activity item);
    }

    private readonly struct CurrentModel(BaselineModel<Activity> model) : IModel
    {
        public AnomalyOutcome Observe(string key, DateTimeOffset time, Activity item) => model.Observe(key, time, item, out _);
    }

    private readonly struct PriorModel(PreviousBaselineModel<Activity> model) : IModel
    {
        public AnomalyOutcome Observe(string key, DateTimeOffset time, Activity item) => model.Observe(key, time, item, out _);
    }
}
