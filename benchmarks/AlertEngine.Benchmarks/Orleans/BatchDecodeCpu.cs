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

    /// <summary>Version 1 of the batch encoding (the checkpoint's activity encoding), as builds before version 2 wrote it.</summary>
    private static byte[] Version1(Activity[] batch)
    {
        var writer = new CheckpointWriter(batch.Length * 64);
        writer.Write((byte)1);
        writer.WriteActivities(batch);
        return writer.Written.ToArray();
    }
}
