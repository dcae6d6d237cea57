using System.Diagnostics;
using System.Globalization;

namespace AlertEngine.Benchmarks.Anomaly;

/// <summary>
/// The machine's latency of one dependent random memory access by working-set size (a pointer chase over one int per
/// 64-byte line in a random cycle). It is the floor under any per-key state touched at random: a key-value lookup
/// for a uniformly random key out of 100,000 needs at least one such access once the state outgrows the caches.
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- memory-latency</c>
/// </summary>
public static class MemoryLatency
{
    public static int Run()
    {
        const int Steps = 5_000_000;
        foreach (var megabytes in new[] { 1, 2, 4, 8, 16, 64, 256 })
        {
            var lines = megabytes * 1024 * 1024 / 64;
            var next = new int[lines * 16];
            var cycle = new int[lines];
            for (var i = 0; i < lines; i++)
            {
                cycle[i] = i;
            }

            new Random(1).Shuffle(cycle);
            for (var i = 0; i < lines; i++)
            {
                next[cycle[i] * 16] = cycle[(i + 1) % lines] * 16;
            }

            var p = 0;
            for (var i = 0; i < lines; i++)
            {
                p = next[p];
            }

            var watch = Stopwatch.StartNew();
            for (var i = 0; i < Steps; i++)
            {
                p = next[p];
            }

            var ns = watch.Elapsed.TotalNanoseconds / Steps;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{megabytes,4} MB working set: {ns,6:0.0} ns per dependent random access (checksum {p & 1})"));
        }

        return 0;
    }
}
