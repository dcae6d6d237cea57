using System.Globalization;
using AlertEngine.Benchmarks.Threshold;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;

namespace AlertEngine.Benchmarks.Orleans;

/// <summary>
/// <c>dotnet benchmarks/AlertEngine.Benchmarks/bin/Release/net10.0/AlertEngine.Benchmarks.dll orleans-bytes [activities] [batch] [rounds] [filter]</c>:
/// the per-batch serialization work of a cluster batch on the workload of <see cref="ClusterThroughput"/>, each step on
/// its own, thread CPU time per activity, minimum over the rounds (survives a loaded machine; run the same command on
/// two builds for a before/after): the client's encode (<see cref="ActivityBatchCodec.Encode"/>), the batch input's
/// encode (<see cref="BatchInput.Encode"/>), the input record through grain storage's serializer (Orleans'
/// <see cref="OrleansGrainStorageSerializer"/>, which grows an <c>ArrayBufferWriter</c> by doubling, and
/// <see cref="Serializer.SerializeToArray{T}"/>, pooled segments copied once into an exact-size array, which the
/// replay's <c>LocalhostCluster</c> now uses), and a partition's base snapshot of a duplicate filter holding
/// <c>filter</c> ids (default 600,000: the ids of the warm-up, which a 24-hour horizon keeps) in the checkpoint's
/// digest order (<c>DuplicateFilter.WriteMergedState</c>, per snapshot and per 10,000 of its ids). Bytes allocated
/// per activity in parentheses.
/// </summary>
internal static class BatchBytesCpu
{
    public static int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var batchSize = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10_000;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 11;
        var filterIds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 600_000;
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {count:N0} activities, batches of {batchSize:N0}, {rounds} rounds, filter of {filterIds:N0} ids");
        var activities = ClusterThroughput.MakeActivities(count);
        var batches = new List<Activity[]>();
        for (var i = 0; i < count; i += batchSize)
        {
            batches.Add(activities.AsSpan(i, Math.Min(batchSize, count - i)).ToArray());
        }

        var encoded = batches.ConvertAll(b => ActivityBatchCodec.Encode(b));
        var admitted = batches.ConvertAll(b =>
        {
            var indexes = new int[b.Length];
            for (var i = 0; i < indexes.Length; i++)
            {
                indexes[i] = i;
            }

            return new AdmittedActivities { FirstSequence = 1, Indexes = indexes, MovesClock = new bool[b.Length] };
        });
        var queries = batches.ConvertAll(b =>
        {
            var q = new DuplicateQueries?[4];
            for (var p = 0; p < q.Length; p++)
            {
                var n = b.Length / 4;
                q[p] = new DuplicateQueries { DigestHigh = new ulong[n], DigestLow = new ulong[n], FilterClockTicks = new long[n] };
                for (var i = 0; i < n; i++)
                {
                    q[p]!.DigestHigh[i] = (ulong)Random.Shared.NextInt64();
                    q[p]!.DigestLow[i] = (ulong)Random.Shared.NextInt64();
                }
            }

            return q;
        });
        // The duplicate questions as the coordinator's phase 1 plans them (each activity asked of the partition that
        // owns its id, the filter's clock the running maximum), for version 2 of the batch input.
        var planned = batches.ConvertAll(b =>
        {
            var q = new List<DuplicateQuery>[4];
            for (var p = 0; p < q.Length; p++)
            {
                q[p] = [];
            }

            var clock = long.MinValue;
            for (var i = 0; i < b.Length; i++)
            {
                var digest = DuplicateFilter.Digest(b[i].Id);
                clock = Math.Max(clock, b[i].Time.UtcTicks);
                q[Partitioner.OfDigest(digest, q.Length)].Add(new DuplicateQuery(i, digest, clock));
            }

            return q;
        });
        var inputs = new List<byte[]>();
        for (var b = 0; b < batches.Count; b++)
        {
            inputs.Add(BatchInput.Encode(b + 1, batches[b], admitted[b], planned[b]));
        }

        var services = new ServiceCollection().AddSerializer(s => s.AddAssembly(typeof(StateRecord).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var orleans = new OrleansGrainStorageSerializer(serializer);
        var records = new List<StateRecord>();
        for (var b = 0; b < batches.Count; b++)
        {
            records.Add(new StateRecord { Bytes = inputs[b], Payload = encoded[b] });
        }

        var filter = new DuplicateFilter(TimeSpan.FromHours(24));
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        for (var i = 0; i < filterIds; i++)
        {
            filter.IsDuplicate(((UInt128)(ulong)Random.Shared.NextInt64() << 64) | (ulong)Random.Shared.NextInt64(), t0 + (i * TimeSpan.TicksPerMillisecond * 10));
        }

        var steps = new (string Name, double PerActivityOf, Action Run)[]
        {
            ("client encode (ActivityBatchCodec.Encode)", count, () => { foreach (var b in batches) { _ = ActivityBatchCodec.Encode(b); } }),
            ("batch input encode (BatchInput.Encode)", count, () => { for (var b = 0; b < batches.Count; b++) { _ = BatchInput.Encode(b + 1, batches[b], admitted[b], planned[b]); } }),
            ("batch input encode, version 1 (before)", count, () => { for (var b = 0; b < batches.Count; b++) { _ = BatchInput.EncodeVersion1(b + 1, admitted[b], queries[b]); } }),
            ("input record, OrleansGrainStorageSerializer", count, () => { foreach (var r in records) { _ = orleans.Serialize(r); } }),
            ("input record, Serializer.SerializeToArray", count, () => { foreach (var r in records) { _ = new BinaryData(serializer.SerializeToArray(r)); } }),
            ("filter snapshot, per 10,000 of its ids", filterIds / 10_000.0, () => { using var w = new CheckpointWriter(filterIds * 25); DuplicateFilter.WriteMergedState(w, [filter], t0 + (filterIds * TimeSpan.TicksPerMillisecond * 10)); }),
        };
        var best = new double[steps.Length];
        var bytes = new double[steps.Length];
        Array.Fill(best, double.MaxValue);
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < steps.Length; k++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var allocated = GC.GetAllocatedBytesForCurrentThread();
                var start = ThresholdCpuTime.ThreadCpuSeconds();
                steps[k].Run();
                var ns = (ThresholdCpuTime.ThreadCpuSeconds() - start) * 1e9 / steps[k].PerActivityOf;
                best[k] = Math.Min(best[k], ns);
                bytes[k] = (GC.GetAllocatedBytesForCurrentThread() - allocated) / steps[k].PerActivityOf;
            }
        }

        for (var k = 0; k < steps.Length; k++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{steps[k].Name,-48} min {best[k],10:F1} ns ({bytes[k],8:F0} bytes allocated)"));
        }

        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }
}
