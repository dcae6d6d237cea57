using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;

namespace AlertEngine.Benchmarks.Windowed;

/// <summary>
/// <c>windowed-ab DIR N [trigger]</c>: the windowed check of this build and of another build's benchmark output (DIR, with
/// its own AlertEngine.dll, loaded into an assembly load context of its own) in one process, rounds alternating
/// between the two builds' core and baseline, so that a before/after comparison survives a loaded machine (both builds
/// see the same load, minute by minute). CPU ns per activity, best of N rounds; ratio = baseline / core.
/// </summary>
public static class WindowedSideBySide
{
    public static int Run(string[] args)
    {
        if (args is not [var dir, var n, ..])
        {
            Console.Error.WriteLine("usage: windowed-ab <other build's benchmark output dir> <rounds> [distinct|sum|spike]");
            return 2;
        }

        var rounds = int.Parse(n, CultureInfo.InvariantCulture);
        var trigger = args.Length > 2 ? args[2] : "sum";
        var name = char.ToUpperInvariant(trigger[0]) + trigger[1..];
        var context = new SideContext(Path.GetFullPath(Path.Combine(dir, "AlertEngine.Benchmarks.dll")));
        var otherType = context.LoadFromAssemblyName(typeof(WindowedTriggerBenchmarks).Assembly.GetName())
            .GetType(typeof(WindowedTriggerBenchmarks).FullName!, throwOnError: true)!;
        foreach (var keepItems in new[] { false, true })
        {
            var sides = new (string Side, Func<int> Core, Func<int> Baseline)[2];
            var mine = new WindowedTriggerBenchmarks { KeepItems = keepItems };
            mine.Setup();
            sides[1] = ("this build", Method(mine, name), Method(mine, name + "Baseline"));
            var other = Activator.CreateInstance(otherType)!;
            otherType.GetProperty(nameof(WindowedTriggerBenchmarks.KeepItems))!.SetValue(other, keepItems);
            otherType.GetMethod(nameof(WindowedTriggerBenchmarks.Setup))!.Invoke(other, null);
            sides[0] = ("other", Method(other, name), Method(other, name + "Baseline"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"KeepItems = {keepItems}: detections other {sides[0].Core()} vs {sides[0].Baseline()}, this build {sides[1].Core()} vs {sides[1].Baseline()}"));
            var best = new double[4];
            Array.Fill(best, double.MaxValue);
            for (var round = 0; round < rounds; round++)
            {
                // Alternate which build goes first, so that neither always follows the other's cache traffic.
                for (var k = 0; k < 2; k++)
                {
                    var s = (k + round) % 2;
                    best[2 * s] = Math.Min(best[2 * s], Measure(sides[s].Core));
                    best[(2 * s) + 1] = Math.Min(best[(2 * s) + 1], Measure(sides[s].Baseline));
                }
            }

            for (var s = 0; s < 2; s++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {sides[s].Side,-10}: {name} {best[2 * s],6:F1}  baseline {best[(2 * s) + 1],6:F1}  ratio {best[(2 * s) + 1] / best[2 * s]:F2}x  (CPU ns/activity, best of {rounds})"));
            }
        }

        foreach (var assembly in context.Assemblies)
        {
            Console.WriteLine($"other build: {assembly.Location}");
        }

        return 0;
    }

    private static Func<int> Method(object target, string name) =>
        target.GetType().GetMethod(name, BindingFlags.Public | BindingFlags.Instance)!.CreateDelegate<Func<int>>(target);

    private static double Measure(Func<int> run)
    {
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        _ = run();
        return (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalNanoseconds / WindowedTriggerBenchmarks.Length;
    }

    /// <summary>Loads the other build's assemblies from its own directory (its AlertEngine.dll and benchmark code), and
    /// shares the framework's.</summary>
    private sealed class SideContext(string mainAssembly) : AssemblyLoadContext("other-build")
    {
        private readonly AssemblyDependencyResolver _resolver = new(mainAssembly);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var path = _resolver.ResolveAssemblyToPath(assemblyName);
            return path is null ? null : LoadFromAssemblyPath(path);
        }
    }
}
