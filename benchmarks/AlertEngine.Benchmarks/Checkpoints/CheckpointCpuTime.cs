using System.Diagnostics;
using System.Globalization;

namespace AlertEngine.Benchmarks.Checkpoints;

/// <summary>
/// Process CPU time of saving and restoring the checkpoint of <see cref="CheckpointBenchmarks"/> (100,000 threshold
/// keys + 100,000 anomaly keys + 500,000 ids), beside the anomaly-only state, for a machine too loaded for wall-clock
/// timing: <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- checkpoint-cpu [rounds]</c>.
/// CPU time counts every thread of the process (the GC's too), so it is an upper bound of the work, not wall time.
/// </summary>
internal static class CheckpointCpuTime
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        using var pipeline = CheckpointBenchmarks.Build();
        using var buffer = new MemoryStream();
        pipeline.SaveCheckpoint(buffer);
        var checkpoint = buffer.ToArray();
        buffer.SetLength(0);
        pipeline.SaveAnomalyState(buffer);
        var anomaly = buffer.ToArray();
        Console.WriteLine($"checkpoint {checkpoint.Length:N0} bytes ({checkpoint.Length / 200_000.0:F0} bytes per key incl. 2.5 ids per key); anomaly-only state {anomaly.Length:N0} bytes");

        var save = Measure(rounds, () =>
        {
            buffer.SetLength(0);
            pipeline.SaveCheckpoint(buffer);
        });
        var saveAnomaly = Measure(rounds, () =>
        {
            buffer.SetLength(0);
            pipeline.SaveAnomalyState(buffer);
        });
        var restore = Measure(rounds, () =>
        {
            using var fresh = new AlertPipeline(CheckpointBenchmarks.Policies(), new AlertEngineOptions { AllowedLateness = TimeSpan.FromHours(1) });
            fresh.RestoreCheckpoint(new MemoryStream(checkpoint, writable: false));
        });
        var restoreAnomaly = Measure(rounds, () =>
        {
            using var fresh = new AlertPipeline(CheckpointBenchmarks.Policies(), new AlertEngineOptions { AllowedLateness = TimeSpan.FromHours(1) });
            fresh.RestoreAnomalyState(new MemoryStream(anomaly, writable: false));
        });

        Console.WriteLine("| operation | CPU ms (min) | CPU ms (median) | wall ms (min) |");
        Console.WriteLine("|---|---:|---:|---:|");
        Row("SaveAnomalyState (baseline: anomaly keys only, no kept activities)", saveAnomaly);
        Row("SaveCheckpoint (everything)", save);
        Row("RestoreAnomalyState (baseline)", restoreAnomaly);
        Row("RestoreCheckpoint (everything)", restore);
        Console.WriteLine($"save + restore (min CPU): {save.Cpu.Min() + restore.Cpu.Min():F0} ms");
        return 0;
    }

    private static void Row(string name, (double[] Cpu, double[] Wall) m)
    {
        var sorted = m.Cpu.Order().ToArray();
        Console.WriteLine($"| {name} | {sorted[0]:F0} | {sorted[sorted.Length / 2]:F0} | {m.Wall.Min():F0} |");
    }

    private static (double[] Cpu, double[] Wall) Measure(int rounds, Action action)
    {
        action(); // warm-up (JIT)
        var cpu = new double[rounds];
        var wall = new double[rounds];
        var process = Process.GetCurrentProcess();
        for (var i = 0; i < rounds; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            process.Refresh();
            var before = process.TotalProcessorTime;
            var start = Stopwatch.GetTimestamp();
            action();
            wall[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            process.Refresh();
            cpu[i] = (process.TotalProcessorTime - before).TotalMilliseconds;
        }

        return (cpu, wall);
    }
}
