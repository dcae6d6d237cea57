using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace AlertEngine.Benchmarks.EndToEnd;

/// <summary>
/// The engine stages of the end-to-end workload on pre-parsed activities, measured side by side against a baseline
/// build of the library in the same process: the baseline <c>AlertEngine.dll</c> (e.g. main's Release build copied to a
/// directory) is loaded with a second copy of this harness into its own <see cref="AssemblyLoadContext"/>, each copy
/// parses the file once, and the rounds alternate between the two (best of N of the thread's CPU time per stage), so that the ratio
/// survives a loaded machine. Also reports the bytes allocated per activity (this thread) per stage.
/// </summary>
/// <remarks>
/// Usage: <c>e2e-engine &lt;activities.jsonl&gt; &lt;policies.json&gt; [rounds] [baseline-dir] [stage,...]</c>. Stages:
/// <c>dispatch</c> (no policy tracks the operations, duplicate filter off), <c>dup24h</c> (the default 24 h horizon),
/// <c>dup86400</c> (a 6 h horizon: 86,400 live ids at 4 activities/s), <c>policy:ID</c> (one policy alone without the
/// duplicate filter, reported per matching activity over <c>dispatch</c>, so that the filter's cache misses, the
/// noisiest part on a loaded machine, are in neither) and <c>all</c> (every policy, duplicate filter on);
/// <c>keep:ID</c> is <c>policy:ID</c> keeping every alert change in a list, as <c>e2e-stages</c> does; <c>steady:ID</c> is
/// <c>policy:ID</c> on a pipeline that has already seen the whole file (untimed): the timed pass is a copy of the file
/// shifted by its span, so every key exists and the state's arrays have grown (steady state, as in a long replay);
/// its copies share the first pass's user, object and client IP instances, which lie with the first pass's activities.
/// <c>steadyfresh:ID</c> is <c>steady:ID</c> with copies that own fresh instances of those, allocated in the reader's
/// order (id, user, client IP, object, activity), so that they lie with their activity as a parsed line's do.
/// <c>steady:dispatch</c> (<c>steadyfresh:dispatch</c>) is the <c>dispatch</c> stage timed on those shifted copies; when
/// a run has it, the steady-state policy rows are reported over it instead of over <c>dispatch</c>, so that a
/// difference between dispatching the first pass's activities and their copies is not charged to the policy.
/// Without a stage list: all of them.
/// A stage prefixed with <c>b</c> (<c>bdispatch</c>, <c>bpolicy:ID</c>) goes through the batch entry point
/// <c>Process(ReadOnlySpan&lt;Activity&gt;)</c> in batches of 1,024, as the replay command does; <c>bpolicy:ID</c> is
/// reported over <c>bdispatch</c>.
/// For a profile: <c>e2e-engine FILE POLICIES 30 - policy:ID</c> under <c>dotnet-trace collect</c>, or under
/// <c>perf record -k CLOCK_MONOTONIC</c> with <c>E2E_MARK=1</c>, which prints each timed region's bounds to stderr so that
/// <c>benchmarks/perf-window.py</c> keeps only the samples taken inside them (the parse and the collections between
/// stages are most of a run's samples otherwise). <c>E2E_VERBOSE=1</c> prints each timed run (CPU ms, collections, GC
/// pause) and where the activities lie (offsets in cache lines, the user string's distance, generation) to stderr.
/// A first-pass policy row can read far apart between the two sides even for identical code (0.75x and 1.67x for one
/// build against itself at load 24-26: tiered PGO decides per side and process; end-to-end.md, range-16), so compare
/// over several processes, in both orders.
/// </remarks>
internal static class EngineSideBySide
{
    public static int Run(string[] args)
    {
        if (args is not [var activitiesPath, var policiesPath, ..])
        {
            Console.Error.WriteLine("usage: e2e-engine <activities.jsonl> <policies.json> [rounds] [baseline-dir|-] [stage,...]");
            return 2;
        }

        // ALERTENGINE_ALIGN_SLOTS=0: this build's key tables without cache-line-aligned slots (see KeyTableLayout), to tell
        // what the alignment does on the engine path.
        if (Environment.GetEnvironmentVariable("ALERTENGINE_ALIGN_SLOTS") == "0")
        {
            KeyTableLayout.AlignLargeSlots = false;
        }

        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        var baselineDir = args.Length > 3 && args[3] != "-" ? args[3] : null;
        var policies = PolicySerializer.Load(File.ReadAllText(policiesPath)).Value;
        List<string> stages = args.Length > 4
            ? [.. args[4].Split(',')]
            : ["dispatch", "dup24h", "dup86400", .. policies.Select(p => "policy:" + p.Id), "all"];
        if (stages.Any(s => s.StartsWith("policy:", StringComparison.Ordinal)) && !stages.Contains("dispatch"))
        {
            stages.Insert(0, "dispatch");
        }

        if (stages.Any(s => s.StartsWith("bpolicy:", StringComparison.Ordinal)) && !stages.Contains("bdispatch"))
        {
            stages.Insert(0, "bdispatch");
        }

        Console.WriteLine($"# e2e-engine: {Path.GetFileName(activitiesPath)}, best of {rounds} alternating rounds, baseline {baselineDir ?? "(none)"}");
        Console.WriteLine($"# machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");

        var sides = new List<(string Name, Func<string, string, string, double[]> Measure)>();
        if (baselineDir is not null)
        {
            sides.Add(("baseline", LoadBaseline(baselineDir)));
        }

        sides.Add(("this build", Measure));
        var best = new Dictionary<(string, string), double[]>();
        for (var r = 0; r < rounds; r++)
        {
            foreach (var (name, measure) in sides)
            {
                foreach (var stage in stages)
                {
                    var m = measure(activitiesPath, policiesPath, stage);
                    if (!best.TryGetValue((name, stage), out var b) || m[0] < b[0])
                    {
                        best[(name, stage)] = m;
                    }
                }
            }
        }

        Console.WriteLine("| stage | " + string.Join(" | ", sides.Select(s => s.Name + " ns")) + (sides.Count > 1 ? " | ratio" : "") + " | B/activity | per |");
        foreach (var stage in stages)
        {
            var per = IsPolicyStage(stage) ? $"matching activity, over {DispatchOf(stage, stages)} (both without the duplicate filter)" : "activity";
            var ns = sides.Select(s => NsPer(best, s.Name, stage, stages)).ToArray();
            var mine = best[(sides[^1].Name, stage)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {stage} | {string.Join(" | ", ns.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}{(ns.Length > 1 ? $" | {ns[0] / ns[1]:F2}x" : "")} | {mine[2]:F1} | {per} |"));
        }

        if (stages.Contains("dup86400"))
        {
            // Bytes per live id at 86,400 live ids (this build's filter): one id every second for a day and a half.
            var filter = new DuplicateFilter(TimeSpan.FromDays(1));
            var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
            for (var i = 0; i < 129_600; i++)
            {
                filter.IsDuplicate("u" + i.ToString(CultureInfo.InvariantCulture), start.AddSeconds(i));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"duplicate filter at {filter.Count} live ids: {filter.MemoryBytes / 1e6:F1} MB, {(double)filter.MemoryBytes / filter.Count:F0} bytes per live id"));
        }

        return 0;
    }

    private static double NsPer(Dictionary<(string, string), double[]> best, string side, string stage, List<string> stages)
    {
        var m = best[(side, stage)];
        if (!IsPolicyStage(stage))
        {
            return m[0] / m[1];
        }

        var over = best[(side, DispatchOf(stage, stages))];
        return (m[0] - over[0]) / m[3];
    }

    private static bool IsPolicyStage(string stage) =>
        (stage.StartsWith("policy:", StringComparison.Ordinal) || stage.StartsWith("keep:", StringComparison.Ordinal) || stage.StartsWith("bpolicy:", StringComparison.Ordinal)
        || stage.StartsWith("steady:", StringComparison.Ordinal) || stage.StartsWith("steadyfresh:", StringComparison.Ordinal))
        && !stage.EndsWith(":dispatch", StringComparison.Ordinal);

    /// <summary>The stage a policy stage is reported over: the batch one for a batch stage; for a steady-state stage its
    /// own kind's dispatch (<c>steady:dispatch</c>, <c>steadyfresh:dispatch</c>: the dispatch-only pipeline timed on the
    /// same shifted copies) when the run has it, else <c>dispatch</c>.</summary>
    private static string DispatchOf(string stage, List<string> stages)
    {
        if (stage.StartsWith("steady", StringComparison.Ordinal) && stages.Contains(stage[..stage.IndexOf(':', StringComparison.Ordinal)] + ":dispatch"))
        {
            return stage[..stage.IndexOf(':', StringComparison.Ordinal)] + ":dispatch";
        }

        return stage.StartsWith('b') ? "bdispatch" : "dispatch";
    }

    /// <summary>Issue 15's internal switches, in a method of their own that is never inlined: a baseline AlertEngine.dll
    /// from before the switches existed then runs every stage without them instead of failing to compile
    /// <see cref="Measure"/> (MissingMethodException).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SetAnomalySwitches(AlertEngineOptions options, bool grid)
    {
        options.AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault;
        options.AnomalyDispersionGrid = grid;
    }

    /// <summary>The per-key model (<see cref="AnomalyModel.PerKey"/>), in a method of its own that is never inlined, so
    /// that a baseline AlertEngine.dll without the option throws <see cref="MissingMethodException"/> (or
    /// <see cref="TypeLoadException"/>) here, where the caller catches it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SetPerKeyModel(AlertEngineOptions options) => options.AnomalyModel = AnomalyModel.PerKey;

    /// <summary>A second copy of this harness bound to the baseline AlertEngine.dll.</summary>
    private static Func<string, string, string, double[]> LoadBaseline(string dir)
    {
        var context = new BaselineContext(Path.GetFullPath(dir));
        var harness = context.LoadFromAssemblyPath(typeof(EngineSideBySide).Assembly.Location);
        var method = harness.GetType(typeof(EngineSideBySide).FullName!)!.GetMethod(nameof(Measure), BindingFlags.Public | BindingFlags.Static)!;
        return (a, p, s) => (double[])method.Invoke(null, [a, p, s])!;
    }

    /// <summary>Loads a baseline directory's <c>AlertEngine.dll</c> for the assemblies loaded into it (a second copy of
    /// this harness, bound to it); everything else is shared with the default context.</summary>
    internal sealed class BaselineContext(string dir) : AssemblyLoadContext("baseline")
    {
        protected override Assembly? Load(AssemblyName name) =>
            name.Name == "AlertEngine" ? LoadFromAssemblyPath(Path.Combine(dir, "AlertEngine.dll")) : null;
    }

    private static List<Activity>? _activities;
    private static IReadOnlyList<AlertPolicy>? _policies;

    /// <summary>This thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a loaded machine, unlike wall time, it leaves out
    /// the time the thread waited for a core (it still includes the caches the other processes evict).</summary>
    internal static long ThreadCpuNanoseconds()
    {
        _ = ClockGetTime(3, out var t);
        return (t.Seconds * 1_000_000_000) + t.Nanoseconds;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static List<Activity>? _shifted;
    private static List<Activity>? _shiftedFresh;

    /// <summary>As <see cref="Shifted"/>, each copy with its own user, client IP and object instances, allocated in the
    /// order the reader allocates a line's (id, user, client IP, object, then the activity).</summary>
    private static List<Activity> ShiftedFresh(List<Activity> activities)
    {
        if (_shiftedFresh is null)
        {
            var span = activities[^1].Time - activities[0].Time + (activities[1].Time - activities[0].Time);
            _shiftedFresh = new List<Activity>(activities.Count);
            foreach (var a in activities)
            {
                var id = "s" + a.Id;
                var user = a.UserId is null ? null : new string(a.UserId);
                var ip = a.ClientIp is null ? null : new System.Net.IPAddress(a.ClientIp.GetAddressBytes());
                var objectId = a.ObjectId is null ? null : new string(a.ObjectId);
                _shiftedFresh.Add(new Activity(id, a.Time + span, a.Operation) { UserId = user, ObjectId = objectId, ClientIp = ip, Workload = a.Workload });
            }
        }

        return _shiftedFresh;
    }

    /// <summary>The activities again, later by the file's span (plus the gap between two lines): id, time, operation,
    /// user, object and client IP (what the benchmark policies read).</summary>
    private static List<Activity> Shifted(List<Activity> activities)
    {
        if (_shifted is null)
        {
            var span = activities[^1].Time - activities[0].Time + (activities[1].Time - activities[0].Time);
            _shifted = new List<Activity>(activities.Count);
            foreach (var a in activities)
            {
                _shifted.Add(new Activity("s" + a.Id, a.Time + span, a.Operation) { UserId = a.UserId, ObjectId = a.ObjectId, ClientIp = a.ClientIp, Workload = a.Workload });
            }
        }

        return _shifted;
    }

    /// <summary>Where the activities lie (E2E_VERBOSE=1): how many start at each 8-byte offset in a 64-byte cache line,
    /// how many have their ticks and codes (+80, +88 from the method table pointer in the 104 B layout) on two lines, the
    /// commonest distances of the user string from its activity, and the GC generation of the first and last activity.
    /// A probe: the addresses are read while nothing allocates but the dictionary (a collection in between would move
    /// some).</summary>
    private static string Layout(List<Activity> activities)
    {
        var offsets = new int[8];
        var split = 0;
        var userAfter = new Dictionary<long, int>();
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(activities);
        for (var i = 0; i < span.Length; i++)
        {
            var a = (long)System.Runtime.CompilerServices.Unsafe.As<Activity, nint>(ref span[i]);
            offsets[(a & 63) >> 3]++;
            if (((a + 88) & 63) == 0)
            {
                split++;
            }

            if (span[i].UserId is { } user)
            {
                var u = (long)System.Runtime.CompilerServices.Unsafe.As<string, nint>(ref user) - a;
                var key = Math.Clamp(u, -512, 512);
                userAfter[key] = userAfter.GetValueOrDefault(key) + 1;
            }
        }

        var users = string.Join(' ', userAfter.OrderByDescending(p => p.Value).Take(4).Select(p => $"{p.Key}:{p.Value}"));
        var generations = span.Length == 0 ? "-" : $"{GC.GetGeneration(span[0])}/{GC.GetGeneration(span[^1])}";
        return $"offsets mod 64 (x8) [{string.Join(' ', offsets)}], ticks/codes split {split}, user-activity {users}, gen {generations}";
    }

    /// <summary>One timed run of a stage: [thread CPU ns, activities, bytes allocated per activity, matching activities].</summary>
    public static double[] Measure(string activitiesPath, string policiesPath, string stage)
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

        var activities = _activities;

        // A suffix @profile or @grid (issue 15's internal switches): the stage with the anomaly policies' population
        // profile alone, or the profile and the dispersion grid with its mixture prior (the population model, the default
        // since flip-16). @perkey: the per-key model (AnomalyModel.PerKey; a baseline build from before the option runs
        // its default, which was the per-key model). No suffix: each build's default.
        var anomalySwitch = stage.EndsWith("@grid", StringComparison.Ordinal) ? 2 : stage.EndsWith("@profile", StringComparison.Ordinal) ? 1 : stage.EndsWith("@perkey", StringComparison.Ordinal) ? 3 : 0;
        if (anomalySwitch != 0)
        {
            stage = stage[..stage.IndexOf('@', StringComparison.Ordinal)];
        }

        IReadOnlyList<AlertPolicy> selected = [];
        var options = new AlertEngineOptions();
        var matching = activities.Count;
        var batched = stage.StartsWith('b');
        switch (batched ? stage[1..] : stage)
        {
            case "dispatch":
                // One policy on an operation no activity has: the operation lookup runs as it does under any real
                // policy set (an engine with no policy at all skips it, which would charge the lookup to the policy rows).
                selected = [_policies![0] with { Id = "dispatch-only", Operations = ["AlertEngine.NoSuchOperation"] }];
                options = new AlertEngineOptions { DuplicateHorizon = TimeSpan.Zero };
                break;
            case "dup24h":
                break;
            case "dup86400":
                options = new AlertEngineOptions { DuplicateHorizon = TimeSpan.FromHours(6) };
                break;
            case "all":
                selected = _policies!;
                break;
            default:
                var id = stage[(stage.IndexOf(':', StringComparison.Ordinal) + 1)..];
                if (batched && !stage.StartsWith("bpolicy:", StringComparison.Ordinal))
                {
                    throw new ArgumentException($"Unknown stage '{stage}'.", nameof(stage));
                }

                if (id == "dispatch")
                {
                    // steady:dispatch, steadyfresh:dispatch: the dispatch stage's pipeline on the shifted copies.
                    selected = [_policies![0] with { Id = "dispatch-only", Operations = ["AlertEngine.NoSuchOperation"] }];
                    options = new AlertEngineOptions { DuplicateHorizon = TimeSpan.Zero };
                    break;
                }

                var policy = _policies!.First(p => p.Id == id);
                selected = [policy];
                options = new AlertEngineOptions { DuplicateHorizon = TimeSpan.Zero };
                matching = activities.Count(a => policy.Operations.Contains(a.Operation, StringComparer.OrdinalIgnoreCase));
                break;
        }

        if (anomalySwitch == 3)
        {
            try
            {
                SetPerKeyModel(options);
            }
            catch (Exception e) when (e is MissingMethodException or TypeLoadException)
            {
                // A baseline from before AnomalyModel: its default is the per-key model.
            }
        }
        else if (anomalySwitch != 0)
        {
            SetAnomalySwitches(options, anomalySwitch == 2);
        }

        using var pipeline = new AlertPipeline(selected, options);
        var fresh = stage.StartsWith("steadyfresh:", StringComparison.Ordinal);
        if (fresh || stage.StartsWith("steady:", StringComparison.Ordinal))
        {
            foreach (var activity in activities)
            {
                pipeline.Process(activity);
            }

            activities = fresh ? ShiftedFresh(activities) : Shifted(activities);
        }

        // The layout probe runs before the collection, the allocation baseline and the mark: its own allocations
        // (a dictionary, LINQ, strings) must not count in the timed run's bytes, samples or GC budget.
        var verbose = Environment.GetEnvironmentVariable("E2E_VERBOSE") == "1";
        if (verbose)
        {
            Console.Error.WriteLine($"e2e-layout {stage} {Layout(activities)}");
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var changes = 0L;
        var kept = stage.StartsWith("keep:", StringComparison.Ordinal) ? new List<AlertChange>() : null;
        var markStart = Environment.GetEnvironmentVariable("E2E_MARK") == "1" ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;

        var (gen0, gen1, gen2, pause) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var cpu = ThreadCpuNanoseconds();
        if (batched)
        {
            var all = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(activities);
            for (var start = 0; start < all.Length; start += 1024)
            {
                changes += pipeline.Process(all.Slice(start, Math.Min(1024, all.Length - start))).Count;
            }
        }
        else
        {
            foreach (var activity in activities)
            {
                var c = pipeline.Process(activity);
                changes += c.Count;
                if (kept is not null && c.Count != 0)
                {
                    kept.AddRange(c);
                }
            }
        }

        cpu = ThreadCpuNanoseconds() - cpu;
        bytes = GC.GetAllocatedBytesForCurrentThread() - bytes;
        if (verbose)
        {
            // E2E_VERBOSE=1: each timed run with the collections and the GC pause inside it (to tell a slow run's GC
            // from its engine code).
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"e2e-run {stage} cpu {cpu / 1e6:F1} ms, gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F1} ms, {bytes / 1e6:F1} MB"));
        }

        if (markStart != 0)
        {
            // E2E_MARK=1: the timed region's CLOCK_MONOTONIC bounds, to keep only its samples of a profile
            // (perf record -k CLOCK_MONOTONIC; benchmarks/perf-window.py).
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"e2e-mark {stage} {markStart} {System.Diagnostics.Stopwatch.GetTimestamp()}"));
        }

        GC.KeepAlive(changes);
        return [cpu, activities.Count, (double)bytes / activities.Count, matching];
    }
}
