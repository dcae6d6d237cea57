using BenchmarkDotNet.Running;

namespace AlertEngine.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["engine-cpu"])
        {
            return Engine.EngineCpuTime.Run();
        }

        if (args is ["windowed-check"])
        {
            Console.WriteLine(Windowed.WindowedTriggerBenchmarks.Check());
            return 0;
        }

        if (args is ["seen-check"])
        {
            Console.WriteLine(SeenTriggers.NewValueBenchmarks.Check(rounds: 7));
            return 0;
        }

        if (args is ["memory-latency"])
        {
            return Anomaly.MemoryLatency.Run();
        }

        if (args is ["storage-latency", .. var storageArgs])
        {
            return Storage.StorageLatency.Run(storageArgs);
        }

        if (args is ["anomaly-eval", .. var rest])
        {
            return Anomaly.AnomalyEvaluation.Run(rest);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
