using System.Globalization;
using AlertEngine.Benchmarks.Threshold;

namespace AlertEngine.Benchmarks.Orleans;

/// <summary>
/// <c>dotnet benchmarks/AlertEngine.Benchmarks/bin/Release/net10.0/AlertEngine.Benchmarks.dll orleans-decode [activities] [batch] [rounds]</c>:
/// the client's batch encode and the silo's batch decode (<see cref="ActivityBatchCodec"/>) on the workload of
/// <see cref="ClusterThroughput"/>, in version 1 (before: the checkpoint's activity encoding) and version 2 (after:
/// names once per batch, time deltas, flags, user ids through a silo-wide table). Thread CPU time and bytes allocated
/// per activity, the two alternating round by round in one process, minimum over the rounds (so the ratio survives a
/// loaded machine); every round decodes all batches and keeps them until it ends (as a silo keeps a batch across its
/// grain calls), after a full collection. Also the encoded bytes per activity.
/// </summary>
internal static class BatchDecodeCpu
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var batchSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 15;
        if (args.Length > 3)
        {
            return InClusterConditions(count, batchSize, rounds, args[3..]);
        }

        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {count:N0} activities, batches of {batchSize:N0}, {rounds} rounds");
        var activities = ClusterThroughput.MakeActivities(count);
        var batches = new List<Activity[]>();
        for (var i = 0; i < count; i += batchSize)
        {
            batches.Add(activities.AsSpan(i, Math.Min(batchSize, count - i)).ToArray());
        }

        var modes = new (string Name, Func<Activity[], byte[]> Encode)[]
        {
            ("version 1 (before)", Version1),
            ("version 3 (current; decoded on one thread here)", ActivityBatchCodec.Encode),
        };
        var encoded = new List<byte[]>[modes.Length];
        for (var m = 0; m < modes.Length; m++)
        {
            encoded[m] = batches.ConvertAll(b => modes[m].Encode(b));
        }

        var steps = new[] { "encode", "decode" };
        var best = new double[modes.Length, steps.Length];
        var sum = new double[modes.Length, steps.Length];
        var bytes = new double[modes.Length, steps.Length];
        for (var m = 0; m < modes.Length; m++)
        {
            for (var s = 0; s < steps.Length; s++)
            {
                best[m, s] = double.MaxValue;
            }
        }

        var kept = new Activity[batches.Count][];
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < modes.Length; k++)
            {
                var m = (round & 1) == 0 ? k : modes.Length - 1 - k;
                for (var s = 0; s < steps.Length; s++)
                {
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    var allocated = GC.GetAllocatedBytesForCurrentThread();
                    var start = ThresholdCpuTime.ThreadCpuSeconds();
                    for (var b = 0; b < batches.Count; b++)
                    {
                        if (s == 0)
                        {
                            _ = modes[m].Encode(batches[b]);
                        }
                        else
                        {
                            kept[b] = ActivityBatchCodec.Decode(encoded[m][b]);
                        }
                    }

                    var ns = (ThresholdCpuTime.ThreadCpuSeconds() - start) * 1e9 / count;
                    bytes[m, s] = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)count;
                    best[m, s] = Math.Min(best[m, s], ns);
                    sum[m, s] += ns;
                    Array.Clear(kept);
                }
            }
        }

        for (var m = 0; m < modes.Length; m++)
        {
            var size = encoded[m].Sum(e => (long)e.Length) / (double)count;
            for (var s = 0; s < steps.Length; s++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{modes[m].Name,-20} {steps[s],-7} min {best[m, s],8:F1} ns/activity, mean {sum[m, s] / rounds,8:F1}, {bytes[m, s],6:F0} B allocated/activity; {size:F1} encoded B/activity"));
            }
        }

        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    /// <summary>
    /// <c>orleans-decode N BATCH ROUNDS [parallel] [live=MB] [keep]</c>: the current decode only, under the silo's
    /// conditions one at a time, to find why it costs several times more CPU inside the cluster than here:
    /// <c>parallel</c> decodes as the silo does (<see cref="ActivityBatchCodec.Decode"/> with <c>parallel: true</c>, a
    /// <c>Parallel.For</c> over the chunks); <c>live=MB</c> first builds an old generation of about MB megabytes of
    /// activities held by arrays (the silo's trigger state and duplicate filter), collected into gen2;
    /// <c>keep</c> writes every decoded activity into a random slot of those arrays, as the trigger state keeps it
    /// (a young object referenced from an old array: a dirty card and a survivor), and no full collection runs
    /// between rounds. Process CPU time (all threads: the parallel workers and the GC) per activity, the GCs and their
    /// pause, minimum and mean over the rounds.
    /// </summary>
    private static int InClusterConditions(int count, int batchSize, int rounds, string[] options)
    {
        var parallel = options.AsSpan().Contains("parallel");
        var keep = options.AsSpan().Contains("keep");
        var liveMb = 0;
        foreach (var o in options)
        {
            if (o.StartsWith("live=", StringComparison.Ordinal))
            {
                liveMb = int.Parse(o.AsSpan(5), CultureInfo.InvariantCulture);
            }
        }

        var activities = ClusterThroughput.MakeActivities(count);
        var encoded = new List<byte[]>();
        for (var i = 0; i < count; i += batchSize)
        {
            encoded.Add(ActivityBatchCodec.Encode(activities.AsSpan(i, Math.Min(batchSize, count - i)).ToArray()));
        }

        // ~200 B per live activity with its strings; arrays of 64 slots (the size of a key's window items).
        var live = new Activity[Math.Max(1, liveMb * 1_000_000 / 200 / 64)][];
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var a = 0; a < live.Length && liveMb > 0; a++)
        {
            live[a] = new Activity[64];
            for (var k = 0; k < 64; k++)
            {
                live[a][k] = new Activity("l" + (a * 64 + k).ToString(CultureInfo.InvariantCulture), t0, "Op1") { UserId = "user" + k.ToString(CultureInfo.InvariantCulture) + "@contoso.com" };
            }
        }

        GC.Collect();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load average: {File.ReadAllText("/proc/loadavg").Trim()}; decode of {count:N0} activities, batches of {batchSize:N0}, {rounds} rounds; {(parallel ? "parallel" : "one thread")}; live old heap {GC.GetTotalMemory(false) / 1e6:N0} MB{(keep ? "; decoded activities kept in random slots of it" : "")}; GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} {System.Runtime.GCSettings.LatencyMode}"));
        var random = new Random(5);
        var kept = new Activity[encoded.Count][];
        double best = double.MaxValue, sum = 0;
        var gcs = "";
        for (var round = 0; round < rounds; round++)
        {
            if (!keep)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            var g0 = GC.CollectionCount(0);
            var g1 = GC.CollectionCount(1);
            var g2 = GC.CollectionCount(2);
            var pause = GC.GetTotalPauseDuration();
            var start = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var keeping = 0.0;
            for (var b = 0; b < encoded.Count; b++)
            {
                var batch = ActivityBatchCodec.Decode(encoded[b], parallel);
                kept[b] = batch;
                if (keep && liveMb > 0)
                {
                    var keepStart = ThresholdCpuTime.ThreadCpuSeconds();
                    foreach (var activity in batch)
                    {
                        live[random.Next(live.Length)][random.Next(64)] = activity;
                    }

                    keeping += ThresholdCpuTime.ThreadCpuSeconds() - keepStart;
                }
            }

            // The keeping loop (no allocation, one thread) is not the decode's: its thread time is taken off.
            var ns = ((System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - start).TotalNanoseconds - keeping * 1e9) / count;
            best = Math.Min(best, ns);
            sum += ns;
            gcs += string.Create(CultureInfo.InvariantCulture, $" {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2} {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F0}ms;");
            Array.Clear(kept);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"decode (process CPU less the keeping loop's thread time): min {best:F1} ns/activity, mean {sum / rounds:F1}; GCs gen0/1/2 and pause per round:{gcs}"));
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        GC.KeepAlive(live);
        return 0;
    }

    /// <summary>Version 1 of the batch encoding (the checkpoint's activity encoding), as builds before version 2 wrote it.</summary>
    private static byte[] Version1(Activity[] batch)
    {
        var writer = new CheckpointWriter(batch.Length * 64);
        writer.Write((byte)1);
        writer.WriteActivities(batch);
        return writer.Written.ToArray();
    }
}
