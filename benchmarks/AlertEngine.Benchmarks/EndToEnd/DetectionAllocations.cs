using System.Diagnostics.Tracing;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace AlertEngine.Benchmarks.EndToEnd;

/// <summary>
/// Bytes and time per detection on the end-to-end workload (issue 16): one policy alone on pre-parsed activities, no
/// duplicate filter, the bytes this thread allocated and its CPU time divided by the alert changes it made, side by side
/// against a baseline build loaded as in <see cref="EngineSideBySide"/> (alternating rounds, best of N).
/// </summary>
/// <remarks>
/// Usage: <c>e2e-detect &lt;activities.jsonl&gt; &lt;policies.json&gt; [rounds] [baseline-dir|-] [case,...]</c>. Cases:
/// <c>et:ID</c> (policy ID as written), <c>etnone:ID</c> (the same with <see cref="AggregationMode.None"/>: every
/// detection its own alert), <c>thr:ID</c> (the threshold policy ID made to fire: 3 in P1D per scope key) and
/// <c>dispatch</c> (the dispatch-only pipeline, the floor the per-detection time is reported over). A case prefixed with
/// <c>alert-</c> also reads each change's <see cref="AlertChange.Alert"/> (a consumer that forwards every snapshot:
/// <c>Notify</c>, the DI service); <c>read-</c> also reads its activity list's count (a consumer that reads every
/// snapshot's lists); <c>store-</c> writes each change's alert to an <see cref="InMemoryAlertStore"/> (<c>WriteTo</c>). <c>E2E_TYPES=1</c> samples the allocations of each timed run of this build (the runtime's
/// allocation ticks, about one per 100 KB, on this thread) and prints the estimated bytes per detection by type.
/// </remarks>
internal static class DetectionAllocations
{
    public static int Run(string[] args)
    {
        if (args is not [var activitiesPath, var policiesPath, ..])
        {
            Console.Error.WriteLine("usage: e2e-detect <activities.jsonl> <policies.json> [rounds] [baseline-dir|-] [case,...]");
            return 2;
        }

        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var baselineDir = args.Length > 3 && args[3] != "-" ? args[3] : null;
        List<string> cases = args.Length > 4
            ? [.. args[4].Split(',')]
            : ["dispatch", "et:docx-shared", "alert-et:docx-shared", "read-et:docx-shared", "store-et:docx-shared", "etnone:docx-shared", "alert-etnone:docx-shared", "read-etnone:docx-shared",
                "et:redirect-outside", "alert-et:redirect-outside", "read-et:redirect-outside", "etnone:redirect-outside", "alert-etnone:redirect-outside", "thr:mass-delete", "alert-thr:mass-delete"];
        if (!cases.Contains("dispatch"))
        {
            cases.Insert(0, "dispatch");
        }

        Console.WriteLine($"# e2e-detect: {Path.GetFileName(activitiesPath)}, best of {rounds} alternating rounds, baseline {baselineDir ?? "(none)"}");
        Console.WriteLine($"# machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}, {RuntimeInformation.FrameworkDescription}");
        var sides = new List<(string Name, Func<string, string, string, double[]> Measure)>();
        if (baselineDir is not null)
        {
            var context = new EngineSideBySide.BaselineContext(Path.GetFullPath(baselineDir));
            var harness = context.LoadFromAssemblyPath(typeof(DetectionAllocations).Assembly.Location);
            var method = harness.GetType(typeof(DetectionAllocations).FullName!)!.GetMethod(nameof(Measure), BindingFlags.Public | BindingFlags.Static)!;
            sides.Add(("baseline", (a, p, c) => (double[])method.Invoke(null, [a, p, c])!));
        }

        sides.Add(("this build", Measure));
        var sampleTypes = Environment.GetEnvironmentVariable("E2E_TYPES") == "1";
        using var ticks = sampleTypes ? new AllocationTicks() : null;
        var best = new Dictionary<(string, string), double[]>();
        var types = new Dictionary<string, Dictionary<string, double>>();
        for (var r = 0; r < rounds; r++)
        {
            foreach (var (name, measure) in sides)
            {
                foreach (var c in cases)
                {
                    ticks?.Start();
                    var m = measure(activitiesPath, policiesPath, c);
                    var sampled = ticks?.Stop();
                    if (!best.TryGetValue((name, c), out var b) || m[0] < b[0])
                    {
                        best[(name, c)] = m;
                    }

                    if (sampled is not null && name == "this build" && r == rounds - 1 && m[1] > 0)
                    {
                        types[c] = sampled.ToDictionary(p => p.Key, p => p.Value / m[1]);
                    }
                }
            }
        }

        Console.WriteLine("| case | detections | " + string.Join(" | ", sides.Select(s => s.Name + " B/detection")) + " | "
            + string.Join(" | ", sides.Select(s => s.Name + " ns/detection")) + (sides.Count > 1 ? " | ratio (ns)" : "") + " | gen0 |");
        foreach (var c in cases)
        {
            if (c == "dispatch")
            {
                continue;
            }

            var bytes = sides.Select(s => best[(s.Name, c)][2] / best[(s.Name, c)][1]).ToArray();
            var ns = sides.Select(s => (best[(s.Name, c)][0] - best[(s.Name, "dispatch")][0]) / best[(s.Name, c)][1]).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {c} | {best[(sides[^1].Name, c)][1]:F0} | {string.Join(" | ", bytes.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))} | {string.Join(" | ", ns.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}{(ns.Length > 1 ? $" | {ns[0] / ns[1]:F2}x" : "")} | {best[(sides[^1].Name, c)][3]:F0} |"));
        }

        foreach (var (c, byType) in types)
        {
            Console.WriteLine($"types {c} (this build, sampled, est. B/detection): "
                + string.Join(", ", byType.OrderByDescending(p => p.Value).Take(12).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:F0}"))));
        }

        return 0;
    }

    private static List<Activity>? _activities;
    private static IReadOnlyList<AlertPolicy>? _policies;

    /// <summary>One timed run of a case: [thread CPU ns, alert changes, bytes allocated on this thread, gen0 collections].</summary>
    public static double[] Measure(string activitiesPath, string policiesPath, string name)
    {
        if (_activities is null)
        {
            _activities = [];
            using var stream = File.OpenRead(activitiesPath);
            foreach (var result in ActivityReader.Read(stream, activitiesPath))
            {
                if (result.IsValid)
                {
                    _activities.Add(result.Activity!);
                }
            }

            _policies = PolicySerializer.Load(File.ReadAllText(policiesPath)).Value;
        }

        var dash = name.IndexOf('-', StringComparison.Ordinal);
        var consumer = dash > 0 && name[..dash] is "alert" or "read" or "store" ? name[..dash] : null;
        var c = consumer is null ? name : name[(dash + 1)..];
        var colon = c.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? c : c[..colon];
        AlertPolicy policy;
        if (kind == "dispatch")
        {
            policy = _policies![0] with { Id = "dispatch-only", Operations = ["AlertEngine.NoSuchOperation"] };
        }
        else
        {
            var id = c[(colon + 1)..];
            policy = _policies!.First(p => p.Id == id);
            policy = kind switch
            {
                "et" => policy,
                "etnone" => policy with { Aggregation = new AggregationSettings(AggregationMode.None) },
                "thr" => policy with { Trigger = new ThresholdTrigger(3, TimeSpan.FromDays(1), ((ThresholdTrigger)policy.Trigger).Scope) },
                _ => throw new ArgumentException($"Unknown case '{name}'.", nameof(name)),
            };
        }

        using var pipeline = new AlertPipeline([policy], new AlertEngineOptions { DuplicateHorizon = TimeSpan.Zero });
        var store = consumer == "store" ? new InMemoryAlertStore() : null;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var gen0 = GC.CollectionCount(0);
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var changes = 0L;
        var sink = 0L;
        var cpu = EngineSideBySide.ThreadCpuNanoseconds();
        foreach (var activity in _activities)
        {
            var list = pipeline.Process(activity);
            changes += list.Count;
            switch (consumer)
            {
                case "alert":
                    for (var i = 0; i < list.Count; i++)
                    {
                        sink += list[i].Alert.HitCount;
                    }

                    break;
                case "read":
                    for (var i = 0; i < list.Count; i++)
                    {
                        sink += list[i].Alert.Activities.Count;
                    }

                    break;
                case "store":
                    for (var i = 0; i < list.Count; i++)
                    {
                        store!.UpsertAsync(list[i].Alert).GetAwaiter().GetResult();
                    }

                    break;
            }
        }

        cpu = EngineSideBySide.ThreadCpuNanoseconds() - cpu;
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        GC.KeepAlive(sink);
        return [cpu, changes, bytes, GC.CollectionCount(0) - gen0];
    }

    /// <summary>The runtime's allocation ticks (GCAllocationTick, about one per 100 KB allocated) of one thread, by type.</summary>
    private sealed class AllocationTicks : EventListener
    {
        private readonly Dictionary<string, double> _bytes = [];
        private ulong _thread;
        private bool _on;

        public void Start()
        {
            lock (_bytes)
            {
                _bytes.Clear();
                _thread = GetTid();
                _on = true;
            }
        }

        public Dictionary<string, double> Stop()
        {
            lock (_bytes)
            {
                _on = false;
                return new Dictionary<string, double>(_bytes);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName is null || !e.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || e.Payload is null)
            {
                return;
            }

            lock (_bytes)
            {
                if (!_on || (ulong)e.OSThreadId != _thread)
                {
                    return;
                }

                var type = e.Payload[e.PayloadNames!.IndexOf("TypeName")] as string ?? "?";
                var amount = Convert.ToDouble(e.Payload[e.PayloadNames!.IndexOf("AllocationAmount64")], CultureInfo.InvariantCulture);
                _bytes[type] = _bytes.GetValueOrDefault(type) + amount;
            }
        }

        [DllImport("libc", EntryPoint = "gettid")]
        private static extern int GetTidNative();

        private static ulong GetTid() => (ulong)GetTidNative();
    }
}
