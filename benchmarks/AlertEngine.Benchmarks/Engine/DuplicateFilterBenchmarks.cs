using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace AlertEngine.Benchmarks.Engine;

/// <summary>
/// Per-activity cost of the engine's duplicate filter in steady state: a 24-hour horizon full of distinct ids (every
/// activity new, a re-sent id now and then), the current open-addressing table next to the previous HashSet + queue.
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- --filter *DuplicateFilterBenchmarks*</c>
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class DuplicateFilterBenchmarks
{
    private const int PerInvoke = 1_000_000;
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    private string[] _ids = [];
    private DuplicateFilter? _current;
    private PreviousDuplicateFilter? _previous;
    private long _ticks;
    private long _step;
    private int _next;

    /// <summary>Ids live within the 24-hour horizon: 86,400 (one activity a second) or 1,000,000 (about 12 a second).</summary>
    [Params(86_400, 1_000_000)]
    public int LiveIds { get; set; }

    [GlobalSetup(Target = nameof(Current))]
    public void SetupCurrent()
    {
        Prepare();
        _current = new DuplicateFilter(TimeSpan.FromDays(1));
        WarmUp(() => Run(_current));
    }

    [GlobalSetup(Target = nameof(Previous))]
    public void SetupPrevious()
    {
        Prepare();
        _previous = new PreviousDuplicateFilter(TimeSpan.FromDays(1));
        WarmUp(() => Run(_previous));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PerInvoke)]
    public int Previous() => Run(_previous!);

    [Benchmark(OperationsPerInvoke = PerInvoke)]
    public int Current() => Run(_current!);

    private void Prepare()
    {
        // Ids as an audit source writes them (GUIDs), distinct across the run; the id strings are made up front.
        _ids = new string[3 * PerInvoke / 2];
        var rng = new Random(42);
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < _ids.Length; i++)
        {
            rng.NextBytes(bytes);
            _ids[i] = new Guid(bytes).ToString();
        }

        _step = TimeSpan.TicksPerDay / LiveIds;
        _ticks = Start.UtcTicks;
        _next = 0;
    }

    /// <summary>Fills a whole horizon so every later activity also expires an old one.</summary>
    private void WarmUp(Func<int> run)
    {
        var end = Start.AddDays(1.2).UtcTicks;
        while (_ticks < end)
        {
            run();
        }
    }

    private int Run(DuplicateFilter filter) => Run(new CurrentFilter(filter));

    private int Run(PreviousDuplicateFilter filter) => Run(new PriorFilter(filter));

    /// <summary>One loop for both filters: specialised per struct, so neither pays for an interface call.</summary>
    private int Run<TFilter>(TFilter filter)
        where TFilter : struct, IFilter
    {
        var duplicates = 0;
        var ids = _ids;
        for (var i = 0; i < PerInvoke; i++)
        {
            _ticks += _step;
            var n = _next++;

            // One activity in 64 re-sends the id of the activity 1,000 before it.
            var id = (n & 63) == 0 && n >= 1000 ? ids[(n - 1000) % ids.Length] : ids[n % ids.Length];
            if (filter.IsDuplicate(id, new DateTimeOffset(_ticks, TimeSpan.Zero)))
            {
                duplicates++;
            }
        }

        return duplicates;
    }

    private interface IFilter
    {
        bool IsDuplicate(string id, DateTimeOffset time);
    }

    private readonly struct CurrentFilter(DuplicateFilter filter) : IFilter
    {
        public bool IsDuplicate(string id, DateTimeOffset time) => filter.IsDuplicate(id, time);
    }

    private readonly struct PriorFilter(PreviousDuplicateFilter filter) : IFilter
    {
        public bool IsDuplicate(string id, DateTimeOffset time) => filter.IsDuplicate(id, time);
    }
}
