if (args is ["anomaly-eval", .. var rest])
{
    return AlertEngine.Benchmarks.Anomaly.AnomalyEvaluation.Run(rest);
}

BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
