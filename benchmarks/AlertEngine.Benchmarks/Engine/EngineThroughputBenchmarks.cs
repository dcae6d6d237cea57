using BenchmarkDotNet.Attributes;

namespace AlertEngine.Benchmarks.Engine;

/// <summary>
/// Engine dispatch with 1,000 every-time policies over 1,000,000 activities: (a) activities whose operation no policy
/// tracks, (b) a mix where each activity meets 0–2 policies. Side by side with the naive way: scan every policy.
/// One activity per second of event time, duplicate horizon 24 h. Each iteration starts from a pipeline that has
/// already seen one day of other activities, so the duplicate filter is at its steady size (86,400 ids) and the run
/// measures the steady state, allocations included.
/// </summary>
[MemoryDiagnoser]
public class EngineThroughputBenchmarks
{
    private const int PolicyCount = 1_000;
    private const int ActivityCount = 1_000_000;
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private AlertPolicy[] _policies = [];
    private Activity[] _nonMatching = [];
    private Activity[] _mixed = [];
    private Activity[] _warmUp = [];
    private AlertPipeline _pipeline = null!;

    [GlobalSetup]
    public void Setup()
    {
        // Policy i tracks operations Op{i} and Op{i+1}: an activity with Op{k} meets policies k-1 and k (0–2 policies).
        _policies = new AlertPolicy[PolicyCount];
        for (var i = 0; i < PolicyCount; i++)
        {
            _policies[i] = new AlertPolicy
            {
                Id = "p" + i,
                Name = "Policy " + i,
                Operations = ["Op" + i, "Op" + (i + 1)],
                Conditions = new UsersCondition(["user7@contoso.com"]),
                Aggregation = new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(1)),
            };
        }

        const int day = 86_400;
        _warmUp = new Activity[day];
        for (var i = 0; i < day; i++)
        {
            _warmUp[i] = new Activity("w" + i, T0.AddSeconds(i - day), "WarmUp") { UserId = "user0@contoso.com" };
        }

        var random = new Random(42);
        _nonMatching = new Activity[ActivityCount];
        _mixed = new Activity[ActivityCount];
        for (var i = 0; i < ActivityCount; i++)
        {
            var time = T0.AddSeconds(i);
            var user = "user" + random.Next(100) + "@contoso.com";
            _nonMatching[i] = new Activity("n" + i, time, "Untracked" + (i % 50)) { UserId = user };
            // Half of the mixed activities hit a tracked operation; of those, users other than user7 fail the condition.
            var op = i % 2 == 0 ? "Op" + random.Next(PolicyCount + 1) : "Untracked" + (i % 50);
            _mixed[i] = new Activity("m" + i, time, op) { UserId = user };
        }
    }

    [IterationSetup]
    public void NewPipeline()
    {
        _pipeline = new AlertPipeline(_policies);
        foreach (var a in _warmUp)
        {
            _pipeline.Process(a);
        }
    }

    [IterationCleanup]
    public void DisposePipeline() => _pipeline.Dispose();

    [Benchmark(OperationsPerInvoke = ActivityCount, Baseline = true, Description = "Engine, non-matching")]
    public int EngineNonMatching()
    {
        var n = 0;
        foreach (var a in _nonMatching)
        {
            n += _pipeline.Process(a).Count;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = ActivityCount, Description = "Engine, 0-2 policies each")]
    public int EngineMixed()
    {
        var n = 0;
        foreach (var a in _mixed)
        {
            n += _pipeline.Process(a).Count;
        }

        return n;
    }

    [Benchmark(OperationsPerInvoke = ActivityCount, Description = "Naive scan of all policies, non-matching")]
    public int NaiveScanNonMatching()
    {
        var n = 0;
        foreach (var a in _nonMatching)
        {
            foreach (var p in _policies)
            {
                foreach (var op in p.Operations)
                {
                    if (string.Equals(op, a.Operation, StringComparison.OrdinalIgnoreCase))
                    {
                        n++;
                        break;
                    }
                }
            }
        }

        return n;
    }
}
