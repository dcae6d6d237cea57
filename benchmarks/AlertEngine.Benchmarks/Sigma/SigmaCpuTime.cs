using System.Diagnostics;
using System.Globalization;

namespace AlertEngine.Benchmarks.Sigma;

/// <summary>
/// CPU-time harness (<c>sigma-cpu [rounds]</c>): 50 generated Sigma detection rules against the same rules built as
/// policies. (1) Conditions as the engine evaluates them: the operation index, then each candidate policy's compiled
/// predicate, per activity; CPU ns and allocated bytes per activity. (2) The whole <see cref="AlertPipeline"/>
/// (duplicates, clock, routing, conditions, every-time detections, aggregation). Best of N passes, interleaved.
/// Arguments after the rounds: <c>self</c> (control), <c>modifiers</c> (the appendix's other modifiers too),
/// <c>direct-first</c>.
/// </summary>
internal static class SigmaCpuTime
{
    public static int Run(string[] args)
    {
        var rounds = args is [var r, ..] ? int.Parse(r, CultureInfo.InvariantCulture) : 20;
        Console.WriteLine("Fresh string instances per activity (as read from a file):");
        var fresh = Run(rounds, args, freshStrings: true);
        Console.WriteLine("Property keys shared with the hand-built policies' literals:");
        return fresh + Run(rounds, args, freshStrings: false);
    }

    private static int Run(int rounds, string[] args, bool freshStrings)
    {
        // "modifiers": a third of the selections use the appendix's other modifiers (re on a dotted path, base64,
        // gte, cidr, neq).
        var modifiers = args.Contains("modifiers");
        var (sigma, direct, stream) = SigmaRuleSet.Create(freshStrings, modifiers: modifiers);
        if (args.Contains("self"))
        {
            // Control: the hand-built set against a second hand-built copy, to see the noise of this machine.
            sigma = SigmaRuleSet.Create(freshStrings, modifiers: modifiers).Direct;
        }

        // The YAML parse leaves garbage between the loaded rules' strings: compact the heap once, as a long-running
        // host's GC would, so that both sets are measured with their data packed.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);

        // Compile in the order given (second argument "direct-first" compiles the hand-built set first), to see
        // whether where the compiled trees land in memory matters.
        var directFirst = args.Contains("direct-first");
        var directIndex = directFirst ? Index(direct) : null!;
        var sigmaIndex = Index(sigma);
        directIndex ??= Index(direct);

        // The same condition trees (structurally), hence the same compiled delegates.
        var same = sigma.Zip(direct).Count(p => PolicyEquality.SameDetection(p.First, p.Second));

        // Same verdicts, or the comparison means nothing.
        var (sigmaMatches, _) = Evaluate(sigmaIndex, stream);
        var (directMatches, _) = Evaluate(directIndex, stream);
        if (sigmaMatches != directMatches)
        {
            Console.Error.WriteLine($"verdicts differ: sigma {sigmaMatches}, direct {directMatches}");
            return 1;
        }

        var conditionBest = new[] { double.MaxValue, double.MaxValue };
        var conditionBytes = new long[2];
        var pipelineBest = new[] { double.MaxValue, double.MaxValue };
        var pipelineBytes = new long[2];
        var alerts = new int[2];
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < 2; k++)
            {
                var m = (k + round) % 2; // alternate which set runs first
                var index = m == 0 ? sigmaIndex : directIndex;
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var (_, bytes) = Evaluate(index, stream);
                conditionBest[m] = Math.Min(conditionBest[m], (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / stream.Length);
                conditionBytes[m] = bytes;
            }

            for (var k = 0; k < 2; k++)
            {
                var m = (k + round) % 2;
                using var pipeline = new AlertPipeline(m == 0 ? sigma : direct);
                var before = GC.GetAllocatedBytesForCurrentThread();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var count = 0;
                foreach (var activity in stream)
                {
                    count += pipeline.Process(activity).Count;
                }

                pipelineBest[m] = Math.Min(pipelineBest[m], (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / stream.Length);
                pipelineBytes[m] = GC.GetAllocatedBytesForCurrentThread() - before;
                alerts[m] = count;
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{SigmaRuleSet.Rules} rules, {stream.Length} activities, {sigmaMatches} condition matches, {same} of {sigma.Count} policies structurally equal to the hand-built ones, best of {rounds} passes (the two sets alternate which runs first)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"conditions  sigma:  {conditionBest[0],7:F1} CPU ns/activity, {(double)conditionBytes[0] / stream.Length:F2} B/activity"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"conditions  direct: {conditionBest[1],7:F1} CPU ns/activity, {(double)conditionBytes[1] / stream.Length:F2} B/activity"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"conditions  ratio sigma/direct: {conditionBest[0] / conditionBest[1]:F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline    sigma:  {pipelineBest[0],7:F1} CPU ns/activity, {(double)pipelineBytes[0] / stream.Length:F1} B/activity, {alerts[0]} alert changes"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline    direct: {pipelineBest[1],7:F1} CPU ns/activity, {(double)pipelineBytes[1] / stream.Length:F1} B/activity, {alerts[1]} alert changes"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pipeline    ratio sigma/direct: {pipelineBest[0] / pipelineBest[1]:F3}"));
        return 0;
    }

    /// <summary>Operation → compiled predicates of the policies tracking it, as the engine indexes them.</summary>
    private static Dictionary<string, Func<Activity, bool>[]> Index(IReadOnlyList<AlertPolicy> policies)
    {
        var lists = new Dictionary<string, List<Func<Activity, bool>>>(StringComparer.OrdinalIgnoreCase);
        foreach (var policy in policies)
        {
            var predicate = ConditionCompiler.Compile(policy.Conditions);
            foreach (var operation in policy.Operations)
            {
                if (!lists.TryGetValue(operation, out var list))
                {
                    lists[operation] = list = [];
                }

                list.Add(predicate);
            }
        }

        return lists.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
    }

    private static (int Matches, long Bytes) Evaluate(Dictionary<string, Func<Activity, bool>[]> index, Activity[] stream)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var matches = 0;
        foreach (var activity in stream)
        {
            if (index.TryGetValue(activity.Operation, out var candidates))
            {
                foreach (var predicate in candidates)
                {
                    if (predicate(activity))
                    {
                        matches++;
                    }
                }
            }
        }

        return (matches, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
