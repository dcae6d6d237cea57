using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace AlertEngine.Benchmarks.Orleans;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- orleans-breakdown [activities] [batch]</c>:
/// where a partition grain's batch time goes, without Orleans: the in-process partitioned engine (4 partitions, the
/// workload of <see cref="ClusterThroughput"/>) evaluates each batch, then every partition's state is encoded as the
/// grain persists it (whole, <see cref="PartitionStateCodec"/>, and incrementally, <see cref="PartitionStateLog"/>)
/// and the coordinator's own checkpoint. Thread CPU time, summed over the batches.
/// </summary>
internal static class BatchBreakdown
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        var batchSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {count:N0} activities, batches of {batchSize:N0}");
        var policies = ClusterThroughput.MakePolicies();
        var activities = ClusterThroughput.MakeActivities(count);
        var options = new AlertEngineOptions { FutureTolerance = TimeSpan.MaxValue };
        using var pipeline = new PartitionedAlertPipeline(policies, 4, options);
        var partitions = (EnginePartition[])typeof(PartitionedAlertPipeline).GetField("_partitions", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(pipeline)!;
        var coordinator = (AlertPipeline)typeof(PartitionedAlertPipeline).GetField("_coordinator", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(pipeline)!;
        var deltas = new PartitionStateDelta[partitions.Length];
        for (var p = 0; p < deltas.Length; p++)
        {
            deltas[p] = new PartitionStateDelta(policies.Length);
        }

        var coordinatorDelta = new CoordinatorStateDelta();
        coordinatorDelta.Reset(coordinator);

        TimeSpan evaluate = default, whole = default, incremental = default, coordinatorCheckpoint = default, coordinatorIncremental = default;
        long coordinatorDeltaBytes = 0;
        long wholeBytes = 0, incrementalBytes = 0, inputBytes = 0;
        TimeSpan clientEncode = default, inputEncode = default;
        var none = EmptyPartitionState.None(policies, options);
        for (var i = 0; i < activities.Length; i += batchSize)
        {
            var batch = new ArraySegment<Activity>(activities, i, Math.Min(batchSize, activities.Length - i));
            var admitted = new AdmittedActivity[batch.Count];
            for (var j = 0; j < admitted.Length; j++)
            {
                admitted[j] = new AdmittedActivity(i + j, batch[j], true);
            }

            var s0 = CpuTime();
            foreach (var (partition, delta) in partitions.Zip(deltas))
            {
                delta.Begin(partition, admitted);
            }

            var start = CpuTime();
            incremental += start - s0;
            pipeline.Process(batch);
            var a = CpuTime();
            foreach (var partition in partitions)
            {
                wholeBytes += PartitionStateCodec.Write(partition, policies.Length).Length;
            }

            var b = CpuTime();
            for (var p = 0; p < partitions.Length; p++)
            {
                incrementalBytes += deltas[p].Write(partitions[p], null, 1024).Length;
            }

            var c0 = CpuTime();
            var wire = new AdmittedActivities { FirstSequence = i, Indexes = new int[admitted.Length], MovesClock = new bool[admitted.Length] };
            for (var j = 0; j < admitted.Length; j++)
            {
                wire.Indexes[j] = j;
                wire.MovesClock[j] = true;
            }

            var encodedBatch = ActivityBatchCodec.Encode(batch);
            var e0 = CpuTime();
            inputBytes += BatchInput.Encode(i / batchSize, wire, new DuplicateQueries?[partitions.Length]).Length + encodedBatch.Length;
            var e1 = CpuTime();
            clientEncode += e0 - c0;
            inputEncode += e1 - e0;
            var c = CpuTime();
            var saved = coordinator.PartitionedState;
            coordinator.PartitionedState = none;
            using (var stream = new MemoryStream())
            {
                coordinator.SaveCheckpoint(stream);
            }

            coordinator.PartitionedState = saved;
            var d = CpuTime();
            coordinatorDeltaBytes += coordinatorDelta.Write(coordinator).Length;
            coordinatorIncremental += CpuTime() - d;
            evaluate += a - start;
            whole += b - a;
            incremental += c0 - b;
            coordinatorCheckpoint += d - c;
        }

        Console.WriteLine($"evaluate (4 partitions, in process): {evaluate.TotalMilliseconds:N0} ms");
        Console.WriteLine($"encode whole partition states: {whole.TotalMilliseconds:N0} ms, {wholeBytes:N0} bytes");
        Console.WriteLine($"encode partition deltas: {incremental.TotalMilliseconds:N0} ms, {incrementalBytes:N0} bytes");
        Console.WriteLine($"client batch encoding: {clientEncode.TotalMilliseconds:N0} ms");
        Console.WriteLine($"batch inputs (persisted once per batch by the coordinator instead of the partition deltas; the client's batch bytes plus admission): {inputEncode.TotalMilliseconds:N0} ms, {inputBytes:N0} bytes");
        Console.WriteLine($"coordinator checkpoint: {coordinatorCheckpoint.TotalMilliseconds:N0} ms");
        Console.WriteLine($"coordinator deltas: {coordinatorIncremental.TotalMilliseconds:N0} ms, {coordinatorDeltaBytes:N0} bytes");
        return 0;
    }

    private static TimeSpan CpuTime() => Process.GetCurrentProcess().TotalProcessorTime;
}
