using System.Globalization;
using AlertEngine.Benchmarks.Threshold;

namespace AlertEngine.Benchmarks.Orleans;

/// <summary>
/// <c>dotnet benchmarks/AlertEngine.Benchmarks/bin/Release/net10.0/AlertEngine.Benchmarks.dll orleans-decode [activities] [batch] [rounds]</c>:
/// the silo's batch decode (<see cref="ActivityBatchCodec.Decode"/>) on the workload of <see cref="ClusterThroughput"/>,
/// with operation and workload names from a reader's own table (before) and from the process-wide
/// <see cref="Utf8InternTable.Values"/> (after, <see cref="CheckpointReader.ShareNames"/>). Thread CPU time per
/// activity, the two alternating round by round in one process, minimum over the rounds (so the ratio survives a
/// loaded machine); every round decodes all batches and keeps them until it ends (as a silo keeps a batch across its
/// grain calls), after a full collection.
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
        var batches = new List<byte[]>();
        for (var i = 0; i < count; i += batchSize)
        {
            batches.Add(ActivityBatchCodec.Encode(activities.AsSpan(i, Math.Min(batchSize, count - i)).ToArray()));
        }

        var modes = new[] { ("reader's own table (before)", false), ("process-wide names (after)", true) };
        var best = new double[modes.Length];
        var sum = new double[modes.Length];
        Array.Fill(best, double.MaxValue);
        var kept = new Activity[batches.Count][];
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < modes.Length; k++)
            {
                var m = (round & 1) == 0 ? k : modes.Length - 1 - k;
                CheckpointReader.ShareNames = modes[m].Item2;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var start = ThresholdCpuTime.ThreadCpuSeconds();
                for (var b = 0; b < batches.Count; b++)
                {
                    kept[b] = ActivityBatchCodec.Decode(batches[b]);
                }

                var ns = (ThresholdCpuTime.ThreadCpuSeconds() - start) * 1e9 / count;
                best[m] = Math.Min(best[m], ns);
                sum[m] += ns;
                Array.Clear(kept);
            }
        }

        CheckpointReader.ShareNames = true;
        for (var m = 0; m < modes.Length; m++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{modes[m].Item1,-32} min {best[m],8:F1} ns/activity, mean {sum[m] / rounds,8:F1}"));
        }

        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }
}
