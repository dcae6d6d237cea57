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

        // Phase 4 alone, before and after routing once per batch: one set of 4 partitions evaluates each batch as
        // before (each partition looks up every activity's candidates, evaluates their conditions and hashes their
        // keys: Evaluate(span) routes for itself), another gets the batch routed once (PartitionRouter) and shared.
        var selfRouted = new EnginePartition[4];
        var shared = new EnginePartition[4];
        for (var p = 0; p < 4; p++)
        {
            selfRouted[p] = new EnginePartition(policies, options, p, 4);
            shared[p] = new EnginePartition(policies, options, p, 4);
        }

        var router = new PartitionRouter(policies, 4);
        var whole1 = new EnginePartition(policies, options, 0, 1);
        var router1 = new PartitionRouter(policies, 1);
        TimeSpan onePartition = default;
        var routes = new BatchRoutes();
        var scratch = new PartitionOutput();
        TimeSpan perPartition = default, routeOnce = default, sharedEvaluate = default, decode = default;
        long perPartitionEvents = 0, sharedEvents = 0, entries = 0;
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
            _ = ActivityBatchCodec.Decode(encodedBatch);
            var r0 = CpuTime();
            foreach (var partition in selfRouted)
            {
                partition.Evaluate(admitted, scratch);
                perPartitionEvents += scratch.Events.Count;
                scratch.Clear();
            }

            var r1 = CpuTime();
            router.Route(admitted, routes);
            entries += routes.Entries;
            var r2 = CpuTime();
            foreach (var partition in shared)
            {
                partition.Evaluate(routes, scratch);
                sharedEvents += scratch.Events.Count;
                scratch.Clear();
            }

            routes.Clear();
            var r3 = CpuTime();
            router1.Route(admitted, routes);
            whole1.Evaluate(routes, scratch);
            scratch.Clear();
            routes.Clear();
            onePartition += CpuTime() - r3;
            decode += r0 - e0;
            perPartition += r1 - r0;
            routeOnce += r2 - r1;
            sharedEvaluate += r3 - r2;
            e0 = CpuTime();
            inputBytes += BatchInput.Encode(i / batchSize, batch, wire, Array.ConvertAll(partitions, _ => new List<DuplicateQuery>())).Length + encodedBatch.Length;
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
        Console.WriteLine($"batch decoding (once): {decode.TotalMilliseconds:N0} ms");
        Console.WriteLine($"phase 4, 4 partitions each routing the batch (before): {perPartition.TotalMilliseconds:N0} ms, {perPartitionEvents:N0} events");
        Console.WriteLine($"phase 4, routed once ({entries:N0} entries) {routeOnce.TotalMilliseconds:N0} ms + 4 partitions on the shared routes {sharedEvaluate.TotalMilliseconds:N0} ms = {(routeOnce + sharedEvaluate).TotalMilliseconds:N0} ms, {sharedEvents:N0} events");
        Console.WriteLine($"phase 4 in 1 partition (the single engine's evaluation work: no passes): {onePartition.TotalMilliseconds:N0} ms");
        var n = (double)activities.Length;
        Console.WriteLine();
        Console.WriteLine("per activity (CPU ns): " + string.Create(CultureInfo.InvariantCulture,
            $"client encode {clientEncode.TotalNanoseconds / n:N0}; decode {decode.TotalNanoseconds / n:N0}; input encode {inputEncode.TotalNanoseconds / n:N0}; coordinator deltas {coordinatorIncremental.TotalNanoseconds / n:N0}; phase 4 before {perPartition.TotalNanoseconds / n:N0}; route once {routeOnce.TotalNanoseconds / n:N0} + shared evaluation {sharedEvaluate.TotalNanoseconds / n:N0}; 1 partition {onePartition.TotalNanoseconds / n:N0}; whole engine in process (4 partitions, with coordinator phases) {evaluate.TotalNanoseconds / n:N0}"));
        return 0;
    }

    private static TimeSpan CpuTime() => Process.GetCurrentProcess().TotalProcessorTime;
}
