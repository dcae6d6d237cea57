using System.Diagnostics;
using System.Globalization;
using AlertEngine.Replay;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.Benchmarks.Orleans;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- orleans [activities]</c>: activities per
/// second through the single-node <see cref="AlertPipeline"/> and through a localhost Orleans cluster of 1 and 3 silos
/// (in this process, real TCP on loopback, memory grain storage, the replay's <see cref="LocalhostCluster"/>) at batch
/// sizes 1,000 and 10,000, in one run: 1,000 threshold policies (one per operation, user scope) over 100,000 users;
/// per-batch latency p50/p99; the managed heap of the whole process after each configuration (all silos and the
/// client share it) and the persisted partition state. Wall clock: the machine is shared, read the load printed first.
/// <c>orleans N BATCH SILOS ROUNDS</c> runs only that batch size and silo count, ROUNDS times, alternating the
/// grains' whole-state persistence at every batch (the state before incremental persistence: a base snapshot per
/// batch) and incremental persistence (deltas on a base), with the single node in every round; best of the rounds.
/// <c>orleans N BATCH SILOS ROUNDS incremental</c> leaves out the whole-state variant (for profiling); adding
/// <c>untracked</c> uses policies that track none of the activities' operations (evaluation ~0 in both engines: the
/// cluster's remaining cost is its calls, serialization and persistence); adding <c>nostorage</c> replaces the grain
/// storage with one that discards every write (<see cref="DiscardingGrainStorage"/>: calls and serialization without
/// persistence; nothing survives a fault). Each cluster
/// first gets an empty batch that activates its grains (reported as activation, outside the throughput, like the
/// single node's constructor); the process CPU time per activity is printed next to the wall-clock rate (it survives
/// a loaded machine better).
/// </summary>
internal static class ClusterThroughput
{
    /// <summary>The process CPU time per activity of the last single-node run (µs).</summary>
    private static double SingleCpu = double.NaN;

    /// <summary>The clusters discard what the grains persist (<see cref="DiscardingGrainStorage"/>).</summary>
    private static bool NoStorage;

    private const int Policies = 1000;
    private const int Keys = 100_000;

    public static int Run(string[] args)
    {
        if (args.Length is >= 4 and <= 7)
        {
            return Compare(args);
        }

        var count = args is [var n] ? int.Parse(n, CultureInfo.InvariantCulture) : 100_000;
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; {count:N0} activities, {Policies:N0} policies, {Keys:N0} keys");
        var policies = MakePolicies();
        var activities = MakeActivities(count);
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.MaxValue };

        Console.WriteLine();
        Console.WriteLine("| engine | batch | activities/s | vs single node | batch p50 ms | batch p99 ms | managed heap after (MB) | detections | activation ms | process CPU µs/activity (vs single) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var single = Single(policies, options, activities);
        foreach (var silos in new[] { 1, 3 })
        {
            foreach (var batch in new[] { 1000, 10_000 })
            {
                Cluster(policies, options, activities, silos, batch, single);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static double Single(AlertPolicy[] policies, AlertEngineOptions options, Activity[] activities)
    {
        using var pipeline = new AlertPipeline(policies, options);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        foreach (var activity in activities)
        {
            pipeline.Process(activity);
        }

        var rate = activities.Length / watch.Elapsed.TotalSeconds;
        SingleCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / activities.Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| AlertPipeline (single node) | - | {rate:N0} | 1.00 | - | - | {Heap():N0} | {pipeline.Statistics.Detections:N0} | - | {SingleCpu:N2} (1.00) |"));
        return rate;
    }

    private static int Compare(string[] args)
    {
        var count = int.Parse(args[0], CultureInfo.InvariantCulture);
        var batchSize = int.Parse(args[1], CultureInfo.InvariantCulture);
        var silos = int.Parse(args[2], CultureInfo.InvariantCulture);
        var rounds = int.Parse(args[3], CultureInfo.InvariantCulture);
        var incrementalOnly = args.AsSpan(4).Contains("incremental");
        var untracked = args.AsSpan(4).Contains("untracked");
        NoStorage = args.AsSpan(4).Contains("nostorage");
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; {count:N0} activities, {Policies:N0} policies{(untracked ? " tracking none of the operations" : "")}{(NoStorage ? ", grain storage discarding every write (no persistence)" : "")}, {Keys:N0} keys, batches of {batchSize:N0}, {silos} silo(s), {rounds} rounds");
        var policies = MakePolicies(untracked);
        var activities = MakeActivities(count);
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.MaxValue };
        Console.WriteLine();
        Console.WriteLine("| round | engine | batch | activities/s | vs single node | batch p50 ms | batch p99 ms | managed heap after (MB) | detections | activation ms | process CPU µs/activity (vs single) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        double bestSingle = 0, bestWhole = 0, bestIncremental = 0;
        for (var round = 1; round <= rounds; round++)
        {
            Console.Write($"| {round} ");
            var single = Single(policies, options, activities);
            var whole = double.NaN;
            if (!incrementalOnly)
            {
                Console.Write($"| {round} ");
                whole = Cluster(policies, options, activities, silos, batchSize, single, incremental: false);
            }

            Console.Write($"| {round} ");
            var incremental = Cluster(policies, options, activities, silos, batchSize, single, incremental: true);
            bestSingle = Math.Max(bestSingle, single);
            bestWhole = double.IsNaN(whole) ? bestWhole : Math.Max(bestWhole, whole);
            bestIncremental = Math.Max(bestIncremental, incremental);
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"best of {rounds}: single node {bestSingle:N0}/s; whole state per batch {bestWhole:N0}/s ({bestWhole / bestSingle:F2}x); incremental {bestIncremental:N0}/s ({bestIncremental / bestSingle:F2}x); incremental / whole {bestIncremental / bestWhole:F2}x"));
        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static double Cluster(AlertPolicy[] policies, AlertEngineOptions options, Activity[] activities, int silos, int batchSize, double single, bool? incremental = null)
    {
        var store = new InMemoryAlertStore();
        var cluster = LocalhostCluster.StartAsync(silos, policies, options, store, CancellationToken.None, NoStorage
            ? silo => silo.Services.AddKeyedSingleton<global::Orleans.Storage.IGrainStorage>(AlertEngineClusterOptions.StorageName, new DiscardingGrainStorage())
            : null).GetAwaiter().GetResult();
        if (incremental == false)
        {
            foreach (var silo in cluster.Silos)
            {
                // A base snapshot at every batch: every grain persists its whole state, as before deltas.
                silo.Services.GetRequiredService<EngineRegistry>().Get(LocalhostCluster.EngineName).MaxDeltas = 0;
            }
        }

        try
        {
            var latencies = new List<double>();
            long number = 0, detections = 0;
            // An empty first batch activates the coordinator and every partition (building their policies), as the
            // single node's constructor does before its clock starts; its latency is reported apart.
            var activation = Stopwatch.StartNew();
            cluster.Engine.ProcessAsync(++number, []).GetAwaiter().GetResult();
            var activationMs = activation.Elapsed.TotalMilliseconds;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var total = Stopwatch.StartNew();
            for (var i = 0; i < activities.Length; i += batchSize)
            {
                var batch = new ArraySegment<Activity>(activities, i, Math.Min(batchSize, activities.Length - i));
                var watch = Stopwatch.StartNew();
                var result = cluster.Engine.ProcessAsync(++number, batch).GetAwaiter().GetResult();
                latencies.Add(watch.Elapsed.TotalMilliseconds);
                detections += result.Detections;
            }

            var rate = activities.Length / total.Elapsed.TotalSeconds;
            var cpuPerActivity = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / activities.Length;
            latencies.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {silos} silo(s), {Math.Max(4, 2 * silos)} partitions{(incremental switch { true => ", incremental", false => ", whole state per batch", null => "" })} | {batchSize:N0} | {rate:N0} | {rate / single:F2} | {Percentile(latencies, 0.50):N1} | {Percentile(latencies, 0.99):N1} | {Heap():N0} | {detections:N0} | {activationMs:N0} | {cpuPerActivity:N2} ({cpuPerActivity / SingleCpu:F1}) |"));
            return rate;
        }
        finally
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true) / 1e6;
    }

    /// <summary>The 1,000 threshold policies, one per operation <c>Op{i}</c>; with <paramref name="untracked"/> they
    /// list operations no activity has (<c>Untracked{i}</c>), so evaluation is one operation lookup per activity and
    /// what remains of a cluster's cost is its calls, serialization and persistence.</summary>
    internal static AlertPolicy[] MakePolicies(bool untracked = false)
    {
        var policies = new AlertPolicy[Policies];
        for (var i = 0; i < policies.Length; i++)
        {
            policies[i] = new AlertPolicy
            {
                Id = "p" + i.ToString(CultureInfo.InvariantCulture),
                Name = "P" + i.ToString(CultureInfo.InvariantCulture),
                Operations = [(untracked ? "Untracked" : "Op") + i.ToString(CultureInfo.InvariantCulture)],
                Trigger = new ThresholdTrigger(5, TimeSpan.FromMinutes(10), TriggerScope.User),
            };
        }

        return policies;
    }

    internal static Activity[] MakeActivities(int count)
    {
        var random = new Random(17);
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var activities = new Activity[count];
        for (var i = 0; i < count; i++)
        {
            activities[i] = new Activity("a" + i.ToString(CultureInfo.InvariantCulture), t0.AddMilliseconds(10L * i), "Op" + random.Next(Policies).ToString(CultureInfo.InvariantCulture))
            {
                UserId = "user" + random.Next(Keys).ToString(CultureInfo.InvariantCulture) + "@contoso.com",
            };
        }

        return activities;
    }
}
