using System.Diagnostics;

namespace AlertEngine.Benchmarks.Engine;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- engine-cpu</c>: process CPU time per
/// non-matching activity with 1,000 every-time policies, with the duplicate filter on (24 h horizon, steady at
/// 86,400 ids after a day of warm-up) and off, alternating over six rounds. CPU time is less sensitive than wall time
/// to other processes on a shared machine (it still includes their cache pressure).
/// </summary>
internal static class EngineCpuTime
{
    public static int Run()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var policies = new AlertPolicy[1000];
        for (var i = 0; i < policies.Length; i++)
        {
            policies[i] = new AlertPolicy { Id = "p" + i, Name = "P" + i, Operations = ["Op" + i, "Op" + (i + 1)], Conditions = new UsersCondition(["user7@contoso.com"]) };
        }

        const int n = 1_000_000;
        var warm = new Activity[86_400];
        for (var i = 0; i < warm.Length; i++)
        {
            warm[i] = new Activity("w" + i, t0.AddSeconds(i - warm.Length), "WarmUp");
        }

        var activities = new Activity[n];
        for (var i = 0; i < n; i++)
        {
            activities[i] = new Activity("n" + i, t0.AddSeconds(i), "Untracked" + (i % 50)) { UserId = "u" };
        }

        Console.WriteLine("| round | duplicate filter | CPU ns/activity | wall ns/activity | allocated B/activity |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        for (var round = 0; round < 6; round++)
        {
            var dedup = round % 2 == 1;
            using var pipeline = new AlertPipeline(policies, new AlertEngineOptions { DuplicateHorizon = dedup ? TimeSpan.FromHours(24) : TimeSpan.Zero });
            foreach (var a in warm)
            {
                pipeline.Process(a);
            }

            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var alloc0 = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            foreach (var a in activities)
            {
                pipeline.Process(a);
            }

            sw.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpu0;
            var alloc = GC.GetAllocatedBytesForCurrentThread() - alloc0;
            Console.WriteLine($"| {round} | {(dedup ? "on" : "off")} | {cpu.TotalNanoseconds / n:F1} | {sw.Elapsed.TotalNanoseconds / n:F1} | {alloc / (double)n:F2} |");
        }

        return 0;
    }
}
