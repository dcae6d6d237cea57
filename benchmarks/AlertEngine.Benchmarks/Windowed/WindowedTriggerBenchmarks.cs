using System.Globalization;
using AlertEngine.Benchmarks.Threshold;
using BenchmarkDotNet.Attributes;

namespace AlertEngine.Benchmarks.Windowed;

/// <summary>
/// The distinct-count, sum and spike cores side by side with the obvious hand-written alternative, per activity, at
/// 10,000 keys (the threshold benchmarks' steady stream: whole-second times, a key's activities about every 10 s,
/// 500,000 activities per invocation, each invocation continuing the stream in time), window 60 s, case-insensitive
/// keys. Distinct: N = 5 over 8 address values; sum: X = 500 over values 1..100; spike: R = 2, M = K = 1. The cores
/// run counting only (MaxItemsPerDetection = 0, like the baselines, which keep no activities) and, as the engine uses
/// them, keeping the detection's items (default cap); with <see cref="KeepItems"/> the baselines keep the items too
/// (<see cref="DictionaryDistinctKeeping{TItem}"/>, <see cref="QueueSumKeeping{TItem}"/>, <see cref="QueueSpikeKeeping{TItem}"/>),
/// so both sides do the same work. The item is the activity's key string (a reference, as an activity would be).
/// </summary>
[Config(typeof(WindowedConfig))]
public class WindowedTriggerBenchmarks
{
    public const int Length = 500_000;
    public const int KeyCount = 10_000;

    /// <summary>With the environment variable <c>WINDOWED_FRESH_KEYS=1</c>, the sum and its baseline get each activity's
    /// key as a new string instance, and the distinct count and its baseline each activity's key and value (copied in
    /// the loop, as the engine parses one per activity: the activity's string is in the cache, the table's stored key is
    /// not, and equality compares characters); both sides pay the copy.</summary>
    public static readonly bool FreshKeys = Environment.GetEnvironmentVariable("WINDOWED_FRESH_KEYS") == "1";
    /// <summary>The number of keys: <see cref="KeyCount"/>, or the environment variable <c>WINDOWED_KEYS</c> (to see a
    /// core's compute apart from its cache misses, e.g. at 100 keys).</summary>
    public static readonly int Keys = int.TryParse(Environment.GetEnvironmentVariable("WINDOWED_KEYS"), out var keys) && keys > 0 ? keys : KeyCount;

    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private ThresholdStream _stream = null!;
    private string[] _values = null!;
    private double[] _numbers = null!;
    private readonly long[] _offsets = new long[6];
    private DistinctCounter<string?> _distinct = null!;
    private DictionaryDistinct _distinctBaseline = null!;
    private SlidingWindowSum<string?> _sum = null!;
    private QueueSum _sumBaseline = null!;
    private SpikeCounter<string?> _spike = null!;
    private QueueSpike _spikeBaseline = null!;
    private DictionaryDistinctKeeping<string?> _distinctKeeping = null!;
    private QueueSumKeeping<string?> _sumKeeping = null!;
    private QueueSpikeKeeping<string?> _spikeKeeping = null!;

    [Params(false, true)]
    public bool KeepItems { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _stream = ThresholdStream.Create(Keys, RatePattern.Steady, Length);
        var random = new Random(7);
        var pool = Enumerable.Range(0, 8).Select(i => "10.0.0." + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        _values = Enumerable.Range(0, Length).Select(_ => pool[random.Next(pool.Length)]).ToArray();
        _numbers = Enumerable.Range(0, Length).Select(_ => (double)random.Next(1, 101)).ToArray();
        var options = new WindowedTriggerOptions
        {
            KeyComparer = StringComparer.OrdinalIgnoreCase,
            MaxItemsPerDetection = KeepItems ? WindowedTriggerOptions.DefaultMaxItemsPerDetection : 0,
        };
        _distinct = new DistinctCounter<string?>(5, Window, options);
        _distinctBaseline = new DictionaryDistinct(5, Window);
        _sum = new SlidingWindowSum<string?>(500, Window, options);
        _sumBaseline = new QueueSum(500, Window);
        _spike = new SpikeCounter<string?>(2, Window, 1, 1, options);
        _spikeBaseline = new QueueSpike(2, Window, 1, 1);
        _distinctKeeping = new DictionaryDistinctKeeping<string?>(5, Window, options.MaxItemsPerDetection);
        _sumKeeping = new QueueSumKeeping<string?>(500, Window, options.MaxItemsPerDetection);
        _spikeKeeping = new QueueSpikeKeeping<string?>(2, Window, 1, 1, options.MaxItemsPerDetection);

        // Two passes: every structure is in steady state before measuring.
        for (var pass = 0; pass < 2; pass++)
        {
            _ = Distinct();
            _ = DistinctBaseline();
            _ = Sum();
            _ = SumBaseline();
            _ = Spike();
            _ = SpikeBaseline();
        }
    }

    /// <summary>Detections fired by each method over the same two passes (a development check that both fire alike).</summary>
    public static string Check() => Check(keepItems: false, rounds: 5) + Environment.NewLine + Check(keepItems: true, rounds: 5);

    /// <summary>Detections fired by each method over the same passes, then process CPU time per activity, best of
    /// <paramref name="rounds"/> passes, methods interleaved round by round so load changes hit every method alike.</summary>
    /// <param name="keepItems">Whether the cores and baselines keep the detection's items.</param>
    /// <param name="rounds">How many rounds.</param>
    /// <param name="only">One trigger ("distinct", "sum" or "spike") to measure alone; null for all three.</param>
    public static string Check(bool keepItems, int rounds, string? only = null)
    {
        var b = new WindowedTriggerBenchmarks { KeepItems = keepItems };
        b.Setup();
        var counts = string.Create(CultureInfo.InvariantCulture, $"distinct {b.Distinct()} vs {b.DistinctBaseline()}, sum {b.Sum()} vs {b.SumBaseline()}, spike {b.Spike()} vs {b.SpikeBaseline()}");
        var methods = new (string Name, Func<int> Run)[]
        {
            ("Distinct", b.Distinct), ("DistinctBaseline", b.DistinctBaseline), ("Sum", b.Sum), ("SumBaseline", b.SumBaseline), ("Spike", b.Spike), ("SpikeBaseline", b.SpikeBaseline),
        };
        if (only is not null)
        {
            methods = Array.FindAll(methods, m => m.Name.StartsWith(only, StringComparison.OrdinalIgnoreCase));
        }

        var lines = new List<string> { string.Create(CultureInfo.InvariantCulture, $"KeepItems = {keepItems}: {counts}; sum slots aligned: {b._sum.SlotsAligned}") };
        var best = new double[methods.Length];
        Array.Fill(best, double.MaxValue);
        for (var round = 0; round < rounds; round++)
        {
            for (var m = 0; m < methods.Length; m++)
            {
                var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                _ = methods[m].Run();
                best[m] = Math.Min(best[m], (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / Length);
            }
        }

        for (var m = 0; m < methods.Length; m++)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{methods[m].Name}: {best[m]:F1} CPU ns/activity (best of {rounds} passes)"));
        }

        return string.Join(Environment.NewLine, lines);
    }

    [Benchmark(OperationsPerInvoke = Length)]
    public int Distinct()
    {
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = _offsets[0] += _stream.Duration;
        var fired = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            var key = FreshKeys ? new string(keys[i].AsSpan()) : keys[i];
            var value = FreshKeys ? new string(_values[i].AsSpan()) : _values[i];
            if (_distinct.Add(key, new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), value, KeepItems ? keys[i] : null) == WindowTriggerOutcome.Detected)
            {
                fired++;
            }
        }

        return fired;
    }

    [Benchmark(OperationsPerInvoke = Length)]
    public int DistinctBaseline()
    {
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = _offsets[1] += _stream.Duration;
        var fired = 0;
        if (KeepItems)
        {
            for (var i = 0; i < keys.Length; i++)
            {
                var key = FreshKeys ? new string(keys[i].AsSpan()) : keys[i];
                var value = FreshKeys ? new string(_values[i].AsSpan()) : _values[i];
                if (_distinctKeeping.Add(key, new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), value, keys[i]))
                {
                    fired++;
                }
            }

            return fired;
        }

        for (var i = 0; i < keys.Length; i++)
        {
            var key = FreshKeys ? new string(keys[i].AsSpan()) : keys[i];
            var value = FreshKeys ? new string(_values[i].AsSpan()) : _values[i];
            if (_distinctBaseline.Add(key, new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), value))
            {
                fired++;
            }
        }

        return fired;
    }

    [Benchmark(OperationsPerInvoke = Length)]
    public int Sum()
    {
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = _offsets[2] += _stream.Duration;
        var fired = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            var key = FreshKeys ? new string(keys[i].AsSpan()) : keys[i];
            if (_sum.Add(key, new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), _numbers[i], KeepItems ? keys[i] : null) == WindowTriggerOutcome.Detected)
            {
                fired++;
            }
        }

        return fired;
    }

    [Benchmark(OperationsPerInvoke = Length)]
    public int SumBaseline()
    {
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = _offsets[3] += _stream.Duration;
        var fired = 0;
        if (KeepItems)
        {
            for (var i = 0; i < keys.Length; i++)
            {
                var key = FreshKeys ? new string(keys[i].AsSpan()) : keys[i];
                if (_sumKeeping.Add(key, new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), _numbers[i], keys[i]))
                {
                    fired++;
                }
            }

            return fired;
        }

        for (var i = 0; i < keys.Length; i++)
        {
            var key = FreshKeys ? new string(keys[i].AsSpan()) : keys[i];
            if (_sumBaseline.Add(key, new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), _numbers[i]))
            {
                fired++;
            }
        }

        return fired;
    }

    [Benchmark(OperationsPerInvoke = Length)]
    public int Spike()
    {
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = _offsets[4] += _stream.Duration;
        var fired = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            if (_spike.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), KeepItems ? keys[i] : null) == WindowTriggerOutcome.Detected)
            {
                fired++;
            }
        }

        return fired;
    }

    [Benchmark(OperationsPerInvoke = Length)]
    public int SpikeBaseline()
    {
        var keys = _stream.Keys;
        var ticks = _stream.Ticks;
        var offset = _offsets[5] += _stream.Duration;
        var fired = 0;
        if (KeepItems)
        {
            for (var i = 0; i < keys.Length; i++)
            {
                if (_spikeKeeping.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero), keys[i]))
                {
                    fired++;
                }
            }

            return fired;
        }

        for (var i = 0; i < keys.Length; i++)
        {
            if (_spikeBaseline.Add(keys[i], new DateTimeOffset(ticks[i] + offset, TimeSpan.Zero)))
            {
                fired++;
            }
        }

        return fired;
    }
}
