using System.Globalization;
using AlertEngine.Benchmarks.EndToEnd;

namespace AlertEngine.Benchmarks.Engine;

/// <summary>
/// The duplicate filter asked one activity at a time against a batch at a time (prefetching every slot of the batch
/// first), side by side in one process: alternating rounds, this thread's CPU time, the minimum of N per row; each
/// pair of rows must decide the same (duplicates and alert changes are compared and printed).
/// </summary>
/// <remarks>
/// <para>Usage: <c>dup-batch-cpu &lt;activities.jsonl&gt; &lt;policies.json&gt; [rounds] [batch] [parts]</c>
/// (default 5 rounds, batches of 1,024, parts <c>filter,steady,engine,stream</c>):</para>
/// <list type="bullet">
/// <item><c>filter</c>: the filter alone, in steady state at 86,400 and 345,600 live ids (ids "u0", "u1", … four a
/// second, 1 % re-sent, as <c>dup-filter-cpu</c>): <c>IsDuplicate(string, time)</c> per id against digests of a
/// batch then <c>IsDuplicate(queries)</c>; also the digests alone (the hashing's share).</item>
/// <item><c>steady</c>: dispatch + duplicate filter in steady state: an <see cref="AlertPipeline"/> with no policy
/// fed the ids of <c>filter</c> as activities, already holding 86,400 (then 345,600) live ids.</item>
/// <item><c>engine</c>: an <see cref="AlertPipeline"/> with no policy over the file's pre-parsed activities (the
/// dispatch + duplicate filter stage of <c>e2e-engine</c>), 24 h horizon (345,600 live ids on the uniform file), 6 h
/// (86,400) and off: <c>Process(activity)</c> per activity against <c>Process(batch)</c>.</item>
/// <item><c>stream</c>: the replay's shape (read a line, evaluate, as <c>e2e-stream</c>) with the given policies:
/// every activity evaluated as it is read, against batches evaluated as they fill; 24 h horizon and off.</item>
/// </list>
/// </remarks>
internal static class DuplicateBatchCpuTime
{
    public static int Run(string[] args)
    {
        if (args is not [var activitiesPath, var policiesPath, ..])
        {
            Console.Error.WriteLine("usage: dup-batch-cpu <activities.jsonl> <policies.json> [rounds] [batch] [filter,steady,engine,stream]");
            return 2;
        }

        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var batch = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1024;
        var parts = args.Length > 4 ? args[4].Split(',') : ["filter", "steady", "engine", "stream"];
        Console.WriteLine($"# dup-batch-cpu {Path.GetFileName(activitiesPath)}, best of {rounds} alternating rounds, batches of {batch}; {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| row | one at a time (ns) | batch (ns) | ratio | batch B/activity | same decisions |");
        Console.WriteLine("|---|---:|---:|---:|---:|---|");
        var ok = true;
        if (parts.Contains("filter"))
        {
            ok &= Filter(86_400, rounds, batch);
            ok &= Filter(345_600, rounds, batch);
        }

        if (parts.Contains("steady"))
        {
            ok &= Steady(86_400, rounds, batch);
            ok &= Steady(345_600, rounds, batch);
        }

        if (parts.Contains("engine") || parts.Contains("stream"))
        {
            var activities = new List<Activity>();
            using (var stream = File.OpenRead(activitiesPath))
            {
                foreach (var result in ActivityReader.Read(stream, activitiesPath))
                {
                    if (result.IsValid)
                    {
                        activities.Add(result.Activity!);
                    }
                }
            }

            var policies = PolicySerializer.Load(File.ReadAllText(policiesPath)).Value;
            if (parts.Contains("engine"))
            {
                foreach (var (name, horizon) in new[] { ("24 h", TimeSpan.FromDays(1)), ("6 h", TimeSpan.FromHours(6)), ("off", TimeSpan.Zero) })
                {
                    ok &= Compare(
                        $"engine, no policy, pre-parsed, duplicate filter {name}",
                        rounds,
                        activities.Count,
                        batchMode => Engine(activities, [], horizon, batchMode ? batch : 0));
                }
            }

            if (parts.Contains("stream"))
            {
                activities.Clear();
                foreach (var (name, horizon) in new[] { ("24 h", TimeSpan.FromDays(1)), ("off", TimeSpan.Zero) })
                {
                    var lines = 0;
                    ok &= Compare(
                        $"read + evaluate ({policies.Count} policies), duplicate filter {name}, per line",
                        rounds,
                        1,
                        batchMode =>
                        {
                            var r = Stream(activitiesPath, policies, horizon, batchMode ? batch : 0);
                            lines = (int)r[3];
                            return [r[0] / lines, r[1] / lines, r[2]];
                        });
                }
            }
        }

        return ok ? 0 : 1;
    }

    /// <summary>Rounds alternating one at a time (<see langword="false"/>) and batch, which goes first alternating too; each measure returns
    /// [CPU ns, bytes allocated, decisions] for <paramref name="count"/> items.</summary>
    private static bool Compare(string row, int rounds, int count, Func<bool, double[]> measure)
    {
        double bestOne = double.MaxValue, bestBatch = double.MaxValue, bytes = 0, one = 0, batch = 0;
        var gcs = 0;
        for (var r = 0; r < rounds; r++)
        {
            foreach (var batchMode in r % 2 == 0 ? new[] { false, true } : [true, false])
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var gen2 = GC.CollectionCount(2);
                var m = measure(batchMode);
                gcs = Math.Max(gcs, GC.CollectionCount(2) - gen2);
                if (batchMode)
                {
                    bestBatch = Math.Min(bestBatch, m[0] / count);
                    bytes = m[1] / count;
                    batch = m[2];
                }
                else
                {
                    bestOne = Math.Min(bestOne, m[0] / count);
                    one = m[2];
                }
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {row} | {bestOne:F1} | {bestBatch:F1} | {bestOne / bestBatch:F2}x | {bytes:F2} | {(one == batch ? "yes" : "NO")} ({one} / {batch}); gen2 GCs in a run: up to {gcs} |"));
        return one == batch;
    }

    private static bool Filter(int live, int rounds, int batchSize)
    {
        const int PerRound = 500_000;
        var horizon = TimeSpan.FromSeconds(live / 4.0);
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var total = live + (PerRound * rounds);

        // Each side reads its own id strings (allocated apart), so neither finds the other's in the cache.
        var numbers = new int[total];
        var times = new DateTimeOffset[total];
        var random = new Random(42);
        for (var i = 0; i < total; i++)
        {
            numbers[i] = i > 1000 && random.Next(100) == 0 ? i - random.Next(1, 240) : i;
            times[i] = start.AddTicks(i * TimeSpan.TicksPerMillisecond * 250);
        }

        var idsOne = Array.ConvertAll(numbers, n => "u" + n.ToString(CultureInfo.InvariantCulture));
        var idsBatch = Array.ConvertAll(numbers, n => "u" + n.ToString(CultureInfo.InvariantCulture));
        var one = new DuplicateFilter(horizon);
        var batched = new DuplicateFilter(horizon);
        for (var i = 0; i < live; i++)
        {
            one.IsDuplicate(idsOne[i], times[i]);
            batched.IsDuplicate(idsBatch[i], times[i]);
        }

        var queries = new DuplicateQuery[batchSize];
        var answers = new bool[batchSize];
        long dupOne = 0, dupBatch = 0;
        double bestOne = double.MaxValue, bestBatch = double.MaxValue, bestHash = double.MaxValue;
        UInt128 sink = 0;
        for (var r = 0; r < rounds; r++)
        {
            var from = live + (r * PerRound);
            double oneNs = 0, batchNs = 0;

            // Alternate which side goes first.
            for (var side = 0; side < 2; side++)
            {
                if ((side == 0) == (r % 2 == 0))
                {
                    var t0 = EngineSideBySide.ThreadCpuNanoseconds();
                    for (var i = from; i < from + PerRound; i++)
                    {
                        dupOne += one.IsDuplicate(idsOne[i], times[i]) ? 1 : 0;
                    }

                    oneNs = EngineSideBySide.ThreadCpuNanoseconds() - t0;
                }
                else
                {
                    var t0 = EngineSideBySide.ThreadCpuNanoseconds();
                    for (var b = from; b < from + PerRound; b += batchSize)
                    {
                        var n = Math.Min(batchSize, from + PerRound - b);
                        for (var k = 0; k < n; k++)
                        {
                            queries[k] = new DuplicateQuery(k, DuplicateFilter.Digest(idsBatch[b + k]), times[b + k].UtcTicks);
                        }

                        batched.IsDuplicate(queries.AsSpan(0, n), answers);
                        for (var k = 0; k < n; k++)
                        {
                            dupBatch += answers[k] ? 1 : 0;
                        }
                    }

                    batchNs = EngineSideBySide.ThreadCpuNanoseconds() - t0;
                }
            }

            // The hashing alone, over ids just read (warm: the digest's own cost).
            var t2 = EngineSideBySide.ThreadCpuNanoseconds();
            for (var i = from; i < from + PerRound; i++)
            {
                sink ^= DuplicateFilter.Digest(idsOne[i]);
            }

            var t3 = EngineSideBySide.ThreadCpuNanoseconds();
            bestOne = Math.Min(bestOne, oneNs / PerRound);
            bestBatch = Math.Min(bestBatch, batchNs / PerRound);
            bestHash = Math.Min(bestHash, (t3 - t2) / (double)PerRound);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| filter alone, {one.Count:N0} live ids ({(double)one.MemoryBytes / one.Count:F0} B per live id); the digest alone {bestHash:F1} ns | {bestOne:F1} | {bestBatch:F1} | {bestOne / bestBatch:F2}x | | {(dupOne == dupBatch ? "yes" : "NO")} ({dupOne} / {dupBatch}) |"));
        GC.KeepAlive(sink);
        return dupOne == dupBatch;
    }

    private static bool Steady(int live, int rounds, int batchSize)
    {
        const int PerRound = 500_000;
        var horizon = TimeSpan.FromSeconds(live / 4.0);
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var total = live + (PerRound * rounds);
        var numbers = new int[total];
        var random = new Random(42);
        for (var i = 0; i < total; i++)
        {
            numbers[i] = i > 1000 && random.Next(100) == 0 ? i - random.Next(1, 240) : i;
        }

        // Each side its own activities (allocated apart).
        Activity[] Activities() => [.. numbers.Select((n, i) => new Activity("u" + n.ToString(CultureInfo.InvariantCulture), start.AddTicks(i * TimeSpan.TicksPerMillisecond * 250), "UserLoggedIn") { UserId = "user@contoso.com" })];
        var activitiesOne = Activities();
        var activitiesBatch = Activities();
        var options = new AlertEngineOptions { DuplicateHorizon = horizon };
        using var one = new AlertPipeline([], options);
        using var batched = new AlertPipeline([], options);
        foreach (var activity in activitiesOne.AsSpan(0, live))
        {
            one.Process(activity);
        }

        batched.Process(activitiesBatch.AsSpan(0, live));
        double bestOne = double.MaxValue, bestBatch = double.MaxValue, bytes = 0;
        for (var r = 0; r < rounds; r++)
        {
            var from = live + (r * PerRound);
            for (var side = 0; side < 2; side++)
            {
                var b0 = GC.GetAllocatedBytesForCurrentThread();
                var t0 = EngineSideBySide.ThreadCpuNanoseconds();
                if ((side == 0) == (r % 2 == 0))
                {
                    foreach (var activity in activitiesOne.AsSpan(from, PerRound))
                    {
                        one.Process(activity);
                    }

                    bestOne = Math.Min(bestOne, (EngineSideBySide.ThreadCpuNanoseconds() - t0) / (double)PerRound);
                }
                else
                {
                    var all = activitiesBatch.AsSpan(from, PerRound);
                    for (var i = 0; i < all.Length; i += batchSize)
                    {
                        batched.Process(all.Slice(i, Math.Min(batchSize, all.Length - i)));
                    }

                    bestBatch = Math.Min(bestBatch, (EngineSideBySide.ThreadCpuNanoseconds() - t0) / (double)PerRound);
                    bytes = (GC.GetAllocatedBytesForCurrentThread() - b0) / (double)PerRound;
                }
            }
        }

        var same = one.Statistics == batched.Statistics;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| dispatch + filter in steady state, no policy, ~{live:N0} live ids | {bestOne:F1} | {bestBatch:F1} | {bestOne / bestBatch:F2}x | {bytes:F2} | {(same ? "yes" : "NO")} ({one.Statistics.Duplicates} / {batched.Statistics.Duplicates} duplicates) |"));
        return same;
    }

    /// <summary>A fresh pipeline over pre-parsed activities: [CPU ns, bytes, duplicates + changes].</summary>
    private static double[] Engine(List<Activity> activities, IReadOnlyList<AlertPolicy> policies, TimeSpan horizon, int batchSize)
    {
        using var pipeline = new AlertPipeline(policies, new AlertEngineOptions { DuplicateHorizon = horizon });
        var changes = 0L;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var cpu = EngineSideBySide.ThreadCpuNanoseconds();
        if (batchSize == 0)
        {
            foreach (var activity in activities)
            {
                changes += pipeline.Process(activity).Count;
            }
        }
        else
        {
            var all = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(activities);
            for (var i = 0; i < all.Length; i += batchSize)
            {
                changes += pipeline.Process(all.Slice(i, Math.Min(batchSize, all.Length - i))).Count;
            }
        }

        cpu = EngineSideBySide.ThreadCpuNanoseconds() - cpu;
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        return [cpu, bytes, (pipeline.Statistics.Duplicates * 1_000_000_000L) + changes];
    }

    /// <summary>A fresh pipeline fed as the file is read: [CPU ns, bytes, duplicates + changes, lines].</summary>
    private static double[] Stream(string path, IReadOnlyList<AlertPolicy> policies, TimeSpan horizon, int batchSize)
    {
        using var pipeline = new AlertPipeline(policies, new AlertEngineOptions { DuplicateHorizon = horizon });
        var changes = 0L;
        var lines = 0;
        var pending = new Activity[Math.Max(batchSize, 1)];
        var count = 0;
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var cpu = EngineSideBySide.ThreadCpuNanoseconds();
        using (var stream = File.OpenRead(path))
        {
            foreach (var result in ActivityReader.Read(stream, path))
            {
                if (!result.IsValid)
                {
                    continue;
                }

                lines++;
                if (batchSize == 0)
                {
                    changes += pipeline.Process(result.Activity).Count;
                    continue;
                }

                pending[count++] = result.Activity;
                if (count == batchSize)
                {
                    changes += pipeline.Process(pending.AsSpan(0, count)).Count;
                    count = 0;
                }
            }
        }

        changes += pipeline.Process(pending.AsSpan(0, count)).Count;
        cpu = EngineSideBySide.ThreadCpuNanoseconds() - cpu;
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        return [cpu, bytes, (pipeline.Statistics.Duplicates * 1_000_000_000L) + changes, lines];
    }
}
