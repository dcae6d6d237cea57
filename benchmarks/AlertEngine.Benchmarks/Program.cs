if (args is ["anomaly-debug", .. var dbg])
{
    return AlertEngine.Benchmarks.Anomaly.AnomalyDebug.Run(dbg);
}

if (args is ["anomaly-eval", .. var rest])
{
    return AlertEngine.Benchmarks.Anomaly.AnomalyEvaluation.Run(rest);
}

BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
