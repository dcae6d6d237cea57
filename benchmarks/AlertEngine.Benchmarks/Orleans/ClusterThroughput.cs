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
/// persistence; nothing survives a fault); <c>grid=G</c> makes the first G policies user-scoped anomaly policies (daily
/// window, hourly buckets, medium sensitivity) under the anomaly dispersion grid (issue 15: the population profile and
/// the grid switched on, so the cluster's partitions pause at every UTC day start for the coordinator's sums), and
/// <c>gridshare=K</c> has them share K operations (policy i on <c>Op{i % K}</c>), <c>anomaly=G</c> the same policies without the grid (the moments model, no exchange): side by side they give the
/// grid's cost in the cluster; <c>jump=D</c> sends, after the timed run, one more batch of the same size D days later
/// (a clock jump over D day starts: under the grid up to 31 day starts run ahead per grid policy, each one exchange)
/// and reports its latency apart. Each cluster
/// first gets an empty batch that activates its grains (reported as activation, outside the throughput, like the
/// single node's constructor); the process CPU time per activity is printed next to the wall-clock rate (it survives
/// a loaded machine better). Adding <c>warmup=W</c> first sends W × N other activities (ids <c>w…</c>, times before
/// the measured ones, the same users and operations) through the same engine, the single node's and the cluster's
/// alike, before the timed N: a long-lived silo's steady state (tiered JIT at Tier-1, the service providers'
/// compiled resolvers, warmed pools and GC budgets), where a fresh cluster's first 10 batches run Tier-0 code; the
/// first N of the warm-up are timed too and reported as the cold figure beside the steady one; the warm-up goes on
/// past W × N until the JIT has compiled no method over 10 batches, up to <c>warmupcap=C</c> × N activities (default
/// 3 × W × N; the warm-up's times end 10 ms before the measured ones at the cap, so an earlier stop leaves a gap in event
/// time); the activities it took, and whether it settled or hit the cap, are reported. Each row also gives
/// the JIT time and the methods compiled during its timed batches (about 0 once steady), the garbage collections,
/// the managed heap the cluster added per silo (heap with the cluster running minus before it started) and the
/// process's working set after the timed run (all silos, the client and the benchmark's data). The first line gives
/// the GC flavour and the <c>DOTNET_GC*</c> variables the process runs with.
/// </summary>
internal static class ClusterThroughput
{
    /// <summary>The process CPU time per activity of the last single-node run (µs).</summary>
    private static double SingleCpu = double.NaN;

    /// <summary>The clusters discard what the grains persist (<see cref="DiscardingGrainStorage"/>).</summary>
    private static bool NoStorage;

    private const int Policies = 1000;
    private const int Keys = 100_000;

    /// <summary>How many of the policies are anomaly policies (<c>grid=G</c> or <c>anomaly=G</c>).</summary>
    private static int AnomalyPolicies;

    /// <summary>The anomaly policies run the dispersion grid (<c>grid=G</c>).</summary>
    private static bool Grid;

    /// <summary>The anomaly policies share this many operations (<c>gridshare=K</c>: policy i tracks <c>Op{i % K}</c>, so
    /// one activity moves several of them; 0: each its own operation).</summary>
    private static int AnomalyOperations;

    /// <summary>Days of the clock jump of the batch sent after the timed run (<c>jump=D</c>; 0: none).</summary>
    private static int JumpDays;

    /// <summary>The engine's partition count (<c>partitions=N</c>); 0: LocalhostCluster's max(4, 2 × silos).</summary>
    private static int PartitionCount;

    public static int Run(string[] args)
    {
        if (args.Length is >= 4 and <= 12)
        {
            return Compare(args);
        }

        var count = args is [var n] ? int.Parse(n, CultureInfo.InvariantCulture) : 100_000;
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; {count:N0} activities, {Policies:N0} policies, {Keys:N0} keys");
        var policies = MakePolicies();
        var activities = MakeActivities(count);
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.MaxValue };

        Console.WriteLine();
        Console.WriteLine("| engine | batch | activities/s | vs single node | batch p50 ms | batch p99 ms | managed heap after (MB) | detections | activation ms | process CPU µs/activity (vs single) | cold (first N of the warm-up) | JIT ms, methods in run | GCs gen0/1/2, pause, allocated per activity in run | heap added per silo (MB) | process working set after the run (MB) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
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

    /// <summary>How many activities are sent before the measured ones at least (<c>warmup=W</c>: W × N), unless the
    /// JIT settles earlier.</summary>
    private static int WarmupCount;

    /// <summary>The most activities a warm-up sends while the JIT has not settled (<c>warmupcap=C</c>: C × N; default
    /// 3 × W × N); the warm-up activities' times end 10 ms before the measured ones at this cap.</summary>
    private static int WarmupCap;

    /// <summary>Warm-up activities [<paramref name="start"/>, +<paramref name="count"/>): made batch by batch (a long
    /// warm-up does not stay in memory), each from its index alone, so both engines get the same ones; times 10 ms
    /// apart, ending 10 ms before the measured activities.</summary>
    private static Activity[] WarmupActivities(int start, int count)
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var activities = new Activity[count];
        for (var i = 0; i < count; i++)
        {
            var j = start + i;
            var h = (ulong)j * 0x9E3779B97F4A7C15UL;
            h ^= h >> 31;
            h *= 0xBF58476D1CE4E5B9UL;
            h ^= h >> 29;
            activities[i] = new Activity("w" + j.ToString(CultureInfo.InvariantCulture), t0.AddMilliseconds(10L * (j - WarmupCap)), "Op" + ((int)(h % Policies)).ToString(CultureInfo.InvariantCulture))
            {
                UserId = "user" + ((int)((h >> 20) % Keys)).ToString(CultureInfo.InvariantCulture) + "@contoso.com",
            };
        }

        return activities;
    }

    /// <summary>The cold figures of the last run (the first N activities of its warm-up): rate, CPU µs per activity.</summary>
    private static (double Rate, double Cpu) LastCold = (double.NaN, double.NaN);

    private static double Single(AlertPolicy[] policies, AlertEngineOptions options, Activity[] activities)
    {
        using var pipeline = new AlertPipeline(policies, options);
        LastCold = (double.NaN, double.NaN);
        if (WarmupCount > 0)
        {
            var first = WarmupActivities(0, activities.Length);
            var coldCpu = Process.GetCurrentProcess().TotalProcessorTime;
            var coldWatch = Stopwatch.StartNew();
            foreach (var activity in first)
            {
                pipeline.Process(activity);
            }

            LastCold = (activities.Length / coldWatch.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - coldCpu).TotalMicroseconds / activities.Length);
            var quiet = new JitQuiet();
            var done = activities.Length;
            for (; done < WarmupCap && !quiet.Settled(done); done += BatchSize)
            {
                foreach (var activity in WarmupActivities(done, Math.Min(BatchSize, WarmupCap - done)))
                {
                    pipeline.Process(activity);
                }
            }

            LastWarmup = Math.Min(done, WarmupCap);
            LastQuiet = quiet.Describe(LastWarmup);
        }

        var counters = Counters.Start();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var windowStart = Stopwatch.GetTimestamp();
        var watch = Stopwatch.StartNew();
        foreach (var activity in activities)
        {
            pipeline.Process(activity);
        }

        // For profiles: the single node's timed window in CLOCK_MONOTONIC ns (perf record -k CLOCK_MONOTONIC).
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"single-node timed window (monotonic ns): {windowStart * (1e9 / Stopwatch.Frequency):F0} {Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency):F0}"));

        var rate = activities.Length / watch.Elapsed.TotalSeconds;
        SingleCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / activities.Length;
        var run = counters.Stop(activities.Length);
        if (JumpDays > 0)
        {
            var jump = JumpBatch(activities, BatchSize);
            var jumpWatch = Stopwatch.StartNew();
            foreach (var activity in jump)
            {
                pipeline.Process(activity);
            }

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"single node, jump batch ({jump.Length:N0} activities, {JumpDays} days later): {jumpWatch.Elapsed.TotalMilliseconds:N0} ms"));
        }

        var workingSet = WorkingSet();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| AlertPipeline (single node) | - | {rate:N0} | 1.00 | - | - | {Heap():N0} | {pipeline.Statistics.Detections:N0} | - | {SingleCpu:N2} (1.00) | {Cold()} | {run} | - | {workingSet:N0} |"));
        return rate;
    }

    /// <summary>The first <paramref name="batchSize"/> activities again (new ids), moved <see cref="JumpDays"/> days after
    /// the last one: one batch that jumps every policy's clock.</summary>
    private static Activity[] JumpBatch(Activity[] activities, int batchSize)
    {
        var last = activities[^1].Time;
        var jump = new Activity[Math.Min(batchSize, activities.Length)];
        for (var i = 0; i < jump.Length; i++)
        {
            var a = activities[i];
            jump[i] = new Activity("j" + i.ToString(CultureInfo.InvariantCulture), last.AddDays(JumpDays) + (a.Time - activities[0].Time), a.Operation) { UserId = a.UserId };
        }

        return jump;
    }

    private static string Cold() => double.IsNaN(LastCold.Rate) ? "-" : string.Create(CultureInfo.InvariantCulture, $"{LastCold.Rate:N0}/s, {LastCold.Cpu:N2} µs; warm-up {LastWarmup:N0} ({LastQuiet})");

    /// <summary>How many warm-up activities the last run sent.</summary>
    private static int LastWarmup;

    /// <summary>The batch size of the run (the single node's warm-up goes by the same steps).</summary>
    private static int BatchSize = 10_000;

    /// <summary>How the last warm-up ended: "settled" or "cap", and the methods its last batches compiled.</summary>
    private static string LastQuiet = "";

    /// <summary>Ends a warm-up once the JIT is done and at least W × N activities went through: no method compiled over
    /// the last <see cref="QuietBatches"/> batches (tiered compilation promotes a method after 30 calls, in the
    /// background, once no new method has been compiled for 100 ms, and dynamic PGO adds an instrumented tier in
    /// between, so a method called once per batch needs 60+ batches and every new Tier-0 method delays the others).
    /// Until then the warm-up goes on to <see cref="WarmupCap"/>.</summary>
    private sealed class JitQuiet
    {
        /// <summary>Batches without a compiled method that count as settled.</summary>
        private const int QuietBatches = 10;

        private readonly Queue<long> _counts = new();
        private readonly long _start = System.Runtime.JitInfo.GetCompiledMethodCount();

        public bool Settled(int done)
        {
            _counts.Enqueue(System.Runtime.JitInfo.GetCompiledMethodCount());
            if (_counts.Count <= QuietBatches)
            {
                return false;
            }

            var first = _counts.Dequeue();
            return done >= WarmupCount && System.Runtime.JitInfo.GetCompiledMethodCount() - first == 0;
        }

        public string Describe(int warmup)
        {
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            var last = _counts.Count > 0 ? now - _counts.Peek() : now - _start;
            return string.Create(CultureInfo.InvariantCulture,
                $"{(warmup >= WarmupCap ? "cap" : "settled")}, {now - _start:N0} methods compiled after its first N, {last:N0} in its last {_counts.Count} batches");
        }
    }

    /// <summary>JIT and GC activity over a timed run.</summary>
    private readonly record struct Counters(TimeSpan Jit, long Methods, int Gen0, int Gen1, int Gen2, TimeSpan Pause, long Allocated)
    {
        public static Counters Start() => new(System.Runtime.JitInfo.GetCompilationTime(), System.Runtime.JitInfo.GetCompiledMethodCount(),
            GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true));

        /// <summary>JIT, then GCs with their pause and the bytes allocated per activity (all threads).</summary>
        public string Stop(int activities) => string.Create(CultureInfo.InvariantCulture,
            $"{(System.Runtime.JitInfo.GetCompilationTime() - Jit).TotalMilliseconds:N0} ms, {System.Runtime.JitInfo.GetCompiledMethodCount() - Methods:N0} | {GC.CollectionCount(0) - Gen0}/{GC.CollectionCount(1) - Gen1}/{GC.CollectionCount(2) - Gen2}, {(GC.GetTotalPauseDuration() - Pause).TotalMilliseconds:N0} ms, {(GC.GetTotalAllocatedBytes(precise: true) - Allocated) / (double)activities:N0} B/activity");
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
        foreach (var a in args.AsSpan(4))
        {
            if (a.StartsWith("partitions=", StringComparison.Ordinal))
            {
                PartitionCount = int.Parse(a.AsSpan("partitions=".Length), CultureInfo.InvariantCulture);
            }

            if (a.StartsWith("grid=", StringComparison.Ordinal) || a.StartsWith("anomaly=", StringComparison.Ordinal))
            {
                Grid = a[0] == 'g';
                AnomalyPolicies = int.Parse(a.AsSpan(a.IndexOf('=', StringComparison.Ordinal) + 1), CultureInfo.InvariantCulture);
            }

            if (a.StartsWith("gridshare=", StringComparison.Ordinal))
            {
                AnomalyOperations = int.Parse(a.AsSpan("gridshare=".Length), CultureInfo.InvariantCulture);
            }

            if (a.StartsWith("jump=", StringComparison.Ordinal))
            {
                JumpDays = int.Parse(a.AsSpan("jump=".Length), CultureInfo.InvariantCulture);
            }
        }

        var warmup = 0;
        foreach (var a in args.AsSpan(4))
        {
            if (a.StartsWith("warmup=", StringComparison.Ordinal))
            {
                warmup = int.Parse(a.AsSpan(7), CultureInfo.InvariantCulture);
            }
        }

        WarmupCount = warmup * count;
        WarmupCap = 3 * WarmupCount;
        foreach (var a in args.AsSpan(4))
        {
            if (a.StartsWith("warmupcap=", StringComparison.Ordinal))
            {
                WarmupCap = Math.Max(WarmupCount, int.Parse(a.AsSpan("warmupcap=".Length), CultureInfo.InvariantCulture) * count);
            }
        }
        BatchSize = batchSize;
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores; {count:N0} activities, {Policies:N0} policies{(untracked ? " tracking none of the operations" : "")}{(AnomalyPolicies > 0 ? $" ({AnomalyPolicies} of them anomaly policies{(Grid ? " under the dispersion grid" : " without the grid")})" : "")}{(JumpDays > 0 ? $", then a batch {JumpDays} days later" : "")}{(NoStorage ? ", grain storage discarding every write (no persistence)" : "")}, {Keys:N0} keys, batches of {batchSize:N0}, {silos} silo(s), {rounds} rounds{(warmup > 0 ? $", each engine first warmed up with {warmup * count:N0} other activities" : "")}; DOTNET_TieredCompilation={Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? "(default)"}; {GcSetting()}");
        var policies = MakePolicies(untracked);
        var activities = MakeActivities(count);
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.MaxValue };
        if (AnomalyPolicies > 0)
        {
            for (var i = 0; i < AnomalyPolicies; i++)
            {
                policies[i] = policies[i] with { Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1)) };
                if (AnomalyOperations > 0)
                {
                    policies[i] = policies[i] with { Operations = ["Op" + (i % AnomalyOperations).ToString(CultureInfo.InvariantCulture)] };
                }
            }

            if (Grid)
            {
                options.AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault;
                options.AnomalyDispersionGrid = true;
            }
        }

        Console.WriteLine();
        Console.WriteLine("| round | engine | batch | activities/s | vs single node | batch p50 ms | batch p99 ms | managed heap after (MB) | detections | activation ms | process CPU µs/activity (vs single) | cold (first N of the warm-up) | JIT ms, methods in run | GCs gen0/1/2, pause, allocated per activity in run | heap added per silo (MB) | process working set after the run (MB) |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        double bestSingle = 0, bestWhole = 0, bestIncremental = 0;
        var cold = "";
        for (var round = 1; round <= rounds; round++)
        {
            Console.Write($"| {round} ");
            var single = Single(policies, options, activities);
            var singleCold = LastCold;
            var whole = double.NaN;
            if (!incrementalOnly)
            {
                Console.Write($"| {round} ");
                whole = Cluster(policies, options, activities, silos, batchSize, single, incremental: false);
            }

            Console.Write($"| {round} ");
            var incremental = Cluster(policies, options, activities, silos, batchSize, single, incremental: true);
            if (round == 1 && WarmupCount > 0)
            {
                cold = string.Create(CultureInfo.InvariantCulture,
                    $"cold (round 1, the first {count:N0} activities of each engine's warm-up): single node {singleCold.Rate:N0}/s, {singleCold.Cpu:F2} µs CPU/activity; cluster {LastCold.Rate:N0}/s ({LastCold.Rate / singleCold.Rate:F2}x), {LastCold.Cpu:F2} µs CPU/activity");
            }

            bestSingle = Math.Max(bestSingle, single);
            bestWhole = double.IsNaN(whole) ? bestWhole : Math.Max(bestWhole, whole);
            bestIncremental = Math.Max(bestIncremental, incremental);
        }

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"best of {rounds}: single node {bestSingle:N0}/s; whole state per batch {bestWhole:N0}/s ({bestWhole / bestSingle:F2}x); incremental {bestIncremental:N0}/s ({bestIncremental / bestSingle:F2}x); incremental / whole {bestIncremental / bestWhole:F2}x"));
        if (cold.Length > 0)
        {
            Console.WriteLine(cold);
        }

        Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    private static double Cluster(AlertPolicy[] policies, AlertEngineOptions options, Activity[] activities, int silos, int batchSize, double single, bool? incremental = null)
    {
        var store = new InMemoryAlertStore();
        var heapBefore = Heap();
        var cluster = LocalhostCluster.StartAsync(silos, policies, options, store, CancellationToken.None, silo =>
        {
            if (NoStorage)
            {
                silo.Services.AddKeyedSingleton<global::Orleans.Storage.IGrainStorage>(AlertEngineClusterOptions.StorageName, new DiscardingGrainStorage());
            }

            if (PartitionCount > 0)
            {
                // partitions=N: the engine's partition count instead of LocalhostCluster's max(4, 2 × silos).
                for (var s = 0; s < silo.Services.Count; s++)
                {
                    if (silo.Services[s].ImplementationInstance is EngineDefinition d)
                    {
                        silo.Services[s] = ServiceDescriptor.Singleton(new EngineDefinition(d.Name, d.Policies, d.Options, PartitionCount));
                    }
                }
            }
        }).GetAwaiter().GetResult();
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
            LastCold = (double.NaN, double.NaN);
            if (WarmupCount > 0)
            {
                var first = WarmupActivities(0, activities.Length);
                var coldCpu = Process.GetCurrentProcess().TotalProcessorTime;
                var coldWatch = Stopwatch.StartNew();
                for (var i = 0; i < first.Length; i += batchSize)
                {
                    _ = cluster.Engine.ProcessAsync(++number, new ArraySegment<Activity>(first, i, Math.Min(batchSize, first.Length - i))).GetAwaiter().GetResult();
                }

                LastCold = (activities.Length / coldWatch.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - coldCpu).TotalMicroseconds / activities.Length);
                var quiet = new JitQuiet();
                var done = activities.Length;
                for (; done < WarmupCap && !quiet.Settled(done); done += batchSize)
                {
                    _ = cluster.Engine.ProcessAsync(++number, WarmupActivities(done, Math.Min(batchSize, WarmupCap - done))).GetAwaiter().GetResult();
                }

                LastWarmup = Math.Min(done, WarmupCap);
                LastQuiet = quiet.Describe(LastWarmup);
            }

            var counters = Counters.Start();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var windowStart = Stopwatch.GetTimestamp();
            var windowMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
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
            var run = counters.Stop(activities.Length);
            if (JumpDays > 0)
            {
                var jump = JumpBatch(activities, batchSize);
                var jumpCpu = Process.GetCurrentProcess().TotalProcessorTime;
                var jumpWatch = Stopwatch.StartNew();
                _ = cluster.Engine.ProcessAsync(++number, jump).GetAwaiter().GetResult();
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"jump batch ({jump.Length:N0} activities, {JumpDays} days later, load {File.ReadAllText("/proc/loadavg").Trim()}): {jumpWatch.Elapsed.TotalMilliseconds:N0} ms, process CPU {(Process.GetCurrentProcess().TotalProcessorTime - jumpCpu).TotalMilliseconds:N0} ms"));
            }

            var workingSet = WorkingSet();
            // For profiles: the timed window in CLOCK_MONOTONIC ns (perf record -k CLOCK_MONOTONIC).
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"timed window (monotonic ns): {windowStart * (1e9 / Stopwatch.Frequency):F0} {Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency):F0}"));
            // For DOTNET_JitStdOutFile + DOTNET_JitDisasmSummary=1: the methods compiled in the window are these lines of its list.
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"methods compiled before and after the timed window: {windowMethods} {System.Runtime.JitInfo.GetCompiledMethodCount()}"));
            latencies.Sort();
            var heap = Heap();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {silos} silo(s), {(PartitionCount > 0 ? PartitionCount : Math.Max(4, 2 * silos))} partitions{(incremental switch { true => ", incremental", false => ", whole state per batch", null => "" })} | {batchSize:N0} | {rate:N0} | {rate / single:F2} | {Percentile(latencies, 0.50):N1} | {Percentile(latencies, 0.99):N1} | {heap:N0} | {detections:N0} | {activationMs:N0} | {cpuPerActivity:N2} ({cpuPerActivity / SingleCpu:F1}) | {Cold()} | {run} | {(heap - heapBefore) / silos:N0} | {workingSet:N0} |"));
            return rate;
        }
        finally
        {
            cluster.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>The GC flavour the process runs with and the <c>DOTNET_GC*</c>/<c>DOTNET_gc*</c> variables set.</summary>
    private static string GcSetting()
    {
        var env = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            var name = (string)e.Key;
            if (name.StartsWith("DOTNET_GC", StringComparison.OrdinalIgnoreCase))
            {
                env.Add(name + "=" + e.Value);
            }
        }

        env.Sort(StringComparer.Ordinal);
        return $"GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, {System.Runtime.GCSettings.LatencyMode}; {(env.Count == 0 ? "no DOTNET_GC* variables" : string.Join(' ', env))}";
    }

    /// <summary>The process's working set now (MB): all silos, the client and the benchmark's own data.</summary>
    private static double WorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 / 1e6;
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
