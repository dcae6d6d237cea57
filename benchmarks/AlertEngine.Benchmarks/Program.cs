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

        if (args is ["windowed-check", .. var windowedArgs])
        {
            // Optional: the number of rounds (default 5; 40 or more lets the loops reach tier-1 code with dynamic PGO).
            // Then optionally one trigger (distinct, sum or spike) to measure only its pair.
            var rounds = windowedArgs is [var r, ..] ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 5;
            // Then optionally "counting" or "keeping" to run only that pass (for profiles).
            var only = windowedArgs is [_, var o, ..] ? o : null;
            var pass = windowedArgs is [_, _, var p] ? p : null;
            if (pass != "keeping")
            {
                Console.WriteLine(Windowed.WindowedTriggerBenchmarks.Check(keepItems: false, rounds, only));
            }

            if (pass != "counting")
            {
                Console.WriteLine(Windowed.WindowedTriggerBenchmarks.Check(keepItems: true, rounds, only));
            }

            return 0;
        }

        if (args is ["windowed-ab", .. var abArgs])
        {
            // Another build's benchmark output directory, the number of rounds, optionally the trigger (default sum).
            return Windowed.WindowedSideBySide.Run(abArgs);
        }

        if (args is ["seen-check", .. var seenArgs])
        {
            // Optional: the number of rounds (default 7; 40 or more lets the loops reach tier-1 code with dynamic PGO).
            var rounds = seenArgs is [var r] ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : 7;
            Console.WriteLine(SeenTriggers.NewValueBenchmarks.Check(rounds));
            return 0;
        }

        if (args is ["checkpoint-cpu", .. var checkpointArgs])
        {
            return Checkpoints.CheckpointCpuTime.Run(checkpointArgs);
        }

        if (args is ["sigma-dump"])
        {
            var (sigma, direct, _) = Sigma.SigmaRuleSet.Create(true);
            for (var i = 0; i < sigma.Count; i++)
            {
                var a = PolicySerializer.Save([sigma[i]]);
                var b = PolicySerializer.Save([direct[i]]);
                if (a != b)
                {
                    Console.WriteLine(a);
                    Console.WriteLine(b);
                    return 1;
                }
            }

            return 0;
        }

        if (args is ["sigma-cpu", .. var sigmaArgs])
        {
            return Sigma.SigmaCpuTime.Run(sigmaArgs);
        }

        if (args is ["orleans-decode", .. var decodeArgs])
        {
            return Orleans.BatchDecodeCpu.Run(decodeArgs);
        }

        if (args is ["orleans-bytes", .. var bytesArgs])
        {
            return Orleans.BatchBytesCpu.Run(bytesArgs);
        }

        if (args is ["orleans-breakdown", .. var breakdownArgs])
        {
            return Orleans.BatchBreakdown.Run(breakdownArgs);
        }

        if (args is ["orleans", .. var orleansArgs])
        {
            return Orleans.ClusterThroughput.Run(orleansArgs);
        }

        if (args is ["e2e-generate", .. var generateArgs])
        {
            return EndToEnd.TenantGenerator.Run(generateArgs);
        }

        if (args is ["dup-filter-cpu", .. var dupArgs])
        {
            return Engine.DuplicateFilterCpuTime.Run(dupArgs);
        }

        if (args is ["dup-batch-cpu", .. var dupBatchArgs])
        {
            return Engine.DuplicateBatchCpuTime.Run(dupBatchArgs);
        }

        if (args is ["threshold-cold", .. var coldArgs])
        {
            return Threshold.ColdKeysCpuTime.Run(coldArgs);
        }

        if (args is ["threshold-sbs", .. var sbsArgs])
        {
            return Threshold.ThresholdSideBySide.Run(sbsArgs);
        }

        if (args is ["slot-layout", .. var slotLayoutArgs])
        {
            return Threshold.SlotLayoutCpuTime.Run(slotLayoutArgs);
        }

        if (args is ["key-table-check", .. var keyTableArgs])
        {
            return Collections.KeyTableCpuTime.Run(keyTableArgs);
        }

        if (args is ["targets-cpu", .. var targetArgs])
        {
            return EndToEnd.TargetsCpuTime.Run(targetArgs);
        }

        if (args is ["e2e-engine", .. var engineArgs])
        {
            return EndToEnd.EngineSideBySide.Run(engineArgs);
        }

        if (args is ["e2e-detect", .. var detectArgs])
        {
            return EndToEnd.DetectionAllocations.Run(detectArgs);
        }

        if (args is ["e2e-stages", .. var stageArgs])
        {
            return EndToEnd.EndToEndStages.Run(stageArgs);
        }

        if (args is ["e2e-stream", .. var streamArgs])
        {
            return EndToEnd.StreamingRounds.Run(streamArgs);
        }

        if (args is ["e2e-parse", .. var parseArgs])
        {
            return EndToEnd.ParseCpuTime.Run(parseArgs);
        }

        if (args is ["reader-cpu", .. var readerArgs])
        {
            return Reading.ReaderCpuTime.Run(readerArgs);
        }

        if (args is ["memory-latency"])
        {
            return Anomaly.MemoryLatency.Run();
        }

        if (args is ["storage-latency", .. var storageArgs])
        {
            return Storage.StorageLatency.Run(storageArgs);
        }

        if (args is ["anomaly-grid-cost", .. var gridCostArgs])
        {
            return Anomaly.DispersionGridCost.Run(gridCostArgs);
        }

        if (args is ["anomaly-ideal", .. var idealArgs])
        {
            return Anomaly.AnomalyIdealDetector.Run(idealArgs);
        }

        if (args is ["anomaly-eval-dispersion", .. var dispersionArgs])
        {
            return Anomaly.AnomalyDispersionEvaluation.Run(dispersionArgs);
        }

        if (args is ["anomaly-eval", .. var rest])
        {
            return Anomaly.AnomalyEvaluation.Run(rest);
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
