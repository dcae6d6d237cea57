using System.Globalization;
using AlertEngine.Benchmarks.EndToEnd;

namespace AlertEngine.Benchmarks.Engine;

/// <summary>
/// The duplicate filter alone, side by side in one process: the ring + fingerprint table (<see cref="DuplicateFilter"/>)
/// against the previous table of whole entries (<see cref="TableDuplicateFilter"/>), in steady state at a given number
/// of live ids (ids "u0", "u1", … four a second, as the end-to-end workload, horizon = live ids / 4 s; 1 % re-sent ids
/// from the last minute). Thread CPU time per id, the minimum over interleaved rounds, each round continuing the stream.
/// </summary>
/// <remarks>Usage: <c>dup-filter-cpu [live-ids] [rounds]</c> (default 86,400 and 9).</remarks>
internal static class DuplicateFilterCpuTime
{
    public static int Run(string[] args)
    {
        var live = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 86_400;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 9;
        const int PerRound = 1_000_000;
        var horizon = TimeSpan.FromSeconds(live / 4.0);
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var total = live + (PerRound * rounds);
        var ids = new string[total];
        var times = new DateTimeOffset[total];
        var random = new Random(42);
        for (var i = 0; i < total; i++)
        {
            var n = i > 1000 && random.Next(100) == 0 ? i - random.Next(1, 240) : i;
            ids[i] = "u" + n.ToString(CultureInfo.InvariantCulture);
            times[i] = start.AddTicks(i * TimeSpan.TicksPerMillisecond * 250);
        }

        var ring = new DuplicateFilter(horizon);
        var table = new TableDuplicateFilter(horizon);
        var dupRing = 0;
        var dupTable = 0;
        for (var i = 0; i < live; i++)
        {
            dupRing += ring.IsDuplicate(ids[i], times[i]) ? 1 : 0;
            dupTable += table.IsDuplicate(ids[i], times[i]) ? 1 : 0;
        }

        double bestRing = double.MaxValue, bestTable = double.MaxValue;
        for (var r = 0; r < rounds; r++)
        {
            var from = live + (r * PerRound);
            var t0 = EngineSideBySide.ThreadCpuNanoseconds();
            for (var i = from; i < from + PerRound; i++)
            {
                dupTable += table.IsDuplicate(ids[i], times[i]) ? 1 : 0;
            }

            var t1 = EngineSideBySide.ThreadCpuNanoseconds();
            for (var i = from; i < from + PerRound; i++)
            {
                dupRing += ring.IsDuplicate(ids[i], times[i]) ? 1 : 0;
            }

            var t2 = EngineSideBySide.ThreadCpuNanoseconds();
            bestTable = Math.Min(bestTable, (t1 - t0) / (double)PerRound);
            bestRing = Math.Min(bestRing, (t2 - t1) / (double)PerRound);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {ring.Count} live ids (load {File.ReadAllText("/proc/loadavg").Trim()}) | table of entries {bestTable:F1} ns | ring + fingerprint table {bestRing:F1} ns | {bestTable / bestRing:F2}x | {(double)ring.MemoryBytes / ring.Count:F0} B per live id | duplicates {dupTable} / {dupRing} |"));
        return dupRing == dupTable ? 0 : 1;
    }
}
