using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace AlertEngine.Benchmarks.SeenTriggers;

/// <summary>
/// The new-value trigger's core (<see cref="NewValueTracker"/>, lookback 1 hour, no learning period) vs the obvious
/// hand-written alternative: per key a <c>Dictionary&lt;string, DateTimeOffset&gt;</c> of values and when they were last
/// seen (case-insensitive keys and values in both). <c>DictionaryPerKey</c> never forgets a value (its memory grows with
/// every value ever seen); <c>DictionaryPerKeyEvicting</c> forgets values older than the lookback the obvious way, by
/// scanning the key's values when it is touched. Per activity (200,000 per invocation; each invocation continues the
/// stream in time, so the state stays in steady state).
/// </summary>
[Config(typeof(SeenTriggersConfig))]
public class NewValueBenchmarks
{
    private static readonly TimeSpan Lookback = TimeSpan.FromHours(1);

    private SeenTriggerStream _stream = null!;
    private NewValueTracker _tracker = null!;
    private Dictionary<string, NaiveKey> _naive = null!;
    private long _offset;

    [Params(10_000)]
    public int Keys { get; set; }

    /// <summary>Each activity with its own string instances (see <see cref="SeenTriggerStream"/>); the BenchmarkDotNet
    /// runs use shared instances, the <c>seen-check</c> mode measures both.</summary>
    public bool FreshStrings { get; set; }

    [GlobalSetup(Target = nameof(Tracker))]
    public void SetupTracker()
    {
        Init();
        Tracker();
        Tracker();
    }

    [GlobalSetup(Target = nameof(DictionaryPerKey))]
    public void SetupDictionary()
    {
        Init();
        DictionaryPerKey();
        DictionaryPerKey();
    }

    [GlobalSetup(Target = nameof(DictionaryPerKeyEvicting))]
    public void SetupEvicting()
    {
        Init();
        DictionaryPerKeyEvicting();
        DictionaryPerKeyEvicting();
    }

    /// <summary>A fresh state; each benchmark then runs two passes to reach steady state.</summary>
    public void Init()
    {
        _stream = new SeenTriggerStream(Keys, FreshStrings);
        _tracker = new NewValueTracker(Lookback, TimeSpan.Zero);
        _naive = new Dictionary<string, NaiveKey>(StringComparer.OrdinalIgnoreCase);
        _offset = SeenTriggerStream.Start;
    }

    /// <summary>Process CPU time per activity of each method, best of <paramref name="rounds"/> passes, methods
    /// interleaved round by round (the process-level mode <c>seen-check</c>), with the detections each fired.</summary>
    public static string Check(int rounds) =>
        "Shared string instances:" + Environment.NewLine + Check(rounds, freshStrings: false) + Environment.NewLine
        + "Fresh string instances per activity:" + Environment.NewLine + Check(rounds, freshStrings: true);

    private static string Check(int rounds, bool freshStrings)
    {
        var tracker = new NewValueBenchmarks { Keys = 10_000, FreshStrings = freshStrings };
        tracker.SetupTracker();
        var dictionary = new NewValueBenchmarks { Keys = 10_000, FreshStrings = freshStrings };
        dictionary.SetupDictionary();
        var methods = new (string Name, Func<int> Run)[] { ("Tracker", tracker.Tracker), ("DictionaryPerKey", dictionary.DictionaryPerKey) };
        var runs = new Func<int>[] { tracker.Tracker, dictionary.DictionaryPerKey };

        var best = new double[methods.Length];
        var fired = new int[methods.Length];
        Array.Fill(best, double.MaxValue);
        for (var round = 0; round < rounds; round++)
        {
            for (var m = 0; m < methods.Length; m++)
            {
                var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                fired[m] = runs[m]();
                best[m] = Math.Min(best[m], (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / SeenTriggerStream.Length);
            }
        }

        var lines = new List<string>();
        for (var m = 0; m < methods.Length; m++)
        {
            lines.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{methods[m].Name}: {best[m]:F1} CPU ns/activity (best of {rounds} passes), {fired[m]} fired in the last pass"));
        }

        return string.Join(Environment.NewLine, lines);
    }

    [Benchmark(OperationsPerInvoke = SeenTriggerStream.Length)]
    public int Tracker()
    {
        var keys = _stream.Keys;
        var values = _stream.Values;
        var fired = 0;
        var t = _offset;
        for (var i = 0; i < keys.Length; i++, t += SeenTriggerStream.StepTicks)
        {
            if (_tracker.Observe(keys[i], new DateTimeOffset(t, TimeSpan.Zero), values[i]) == NewValueOutcome.New)
            {
                fired++;
            }
        }

        _offset = t;
        return fired;
    }

    [Benchmark(OperationsPerInvoke = SeenTriggerStream.Length, Baseline = true)]
    public int DictionaryPerKey() => RunNaive(evict: false);

    [Benchmark(OperationsPerInvoke = SeenTriggerStream.Length)]
    public int DictionaryPerKeyEvicting() => RunNaive(evict: true);

    private int RunNaive(bool evict)
    {
        var keys = _stream.Keys;
        var values = _stream.Values;
        var fired = 0;
        var t = _offset;
        for (var i = 0; i < keys.Length; i++, t += SeenTriggerStream.StepTicks)
        {
            var time = new DateTimeOffset(t, TimeSpan.Zero);
            if (!_naive.TryGetValue(keys[i], out var state))
            {
                state = new NaiveKey(time);
                _naive.Add(keys[i], state);
            }

            if (evict)
            {
                foreach (var (value, seen) in state.Values)
                {
                    if (seen <= time - Lookback)
                    {
                        state.Values.Remove(value);
                    }
                }
            }

            ref var last = ref CollectionsMarshal.GetValueRefOrAddDefault(state.Values, values[i], out var exists);
            var isNew = !exists || last <= time - Lookback;
            last = time;
            if (isNew && time >= state.FirstSeen)
            {
                fired++;
            }
        }

        _offset = t;
        return fired;
    }

    private sealed class NaiveKey(DateTimeOffset firstSeen)
    {
        public DateTimeOffset FirstSeen { get; } = firstSeen;

        public Dictionary<string, DateTimeOffset> Values { get; } = new(StringComparer.OrdinalIgnoreCase);
    }
}
