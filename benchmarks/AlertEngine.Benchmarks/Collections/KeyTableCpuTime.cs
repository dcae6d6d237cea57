using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AlertEngine.Benchmarks.EndToEnd;
using AlertEngine.Benchmarks.Threshold;

namespace AlertEngine.Benchmarks.Collections;

/// <summary>
/// The cores' key table (<see cref="KeyTable{TValue}"/>) against <see cref="Dictionary{TKey, TValue}"/> in one
/// process: per activity of the threshold benchmarks' steady stream (10,000 keys, the same key string instances), find
/// the key's 56-byte state by reference and change it, as a core does. Thread CPU time, best of interleaved rounds.
/// </summary>
/// <remarks>Usage: <c>key-table-check [rounds]</c>.</remarks>
internal static class KeyTableCpuTime
{
    public static int Run(string[] args)
    {
        var rounds = args is [var r] ? int.Parse(r, CultureInfo.InvariantCulture) : 15;
        Console.WriteLine($"# key-table-check: load {File.ReadAllText("/proc/loadavg").Trim()}");
        var stream = ThresholdStream.Create(10_000, RatePattern.Steady, 500_000);
        var keys = stream.Keys;
        var ordinal = new Dictionary<string, State>(StringComparer.Ordinal);
        var ignoreCase = new Dictionary<string, State>(StringComparer.OrdinalIgnoreCase);
        var tableOrdinal = new KeyTable<State>(StringComparer.Ordinal);
        var tableIgnoreCase = new KeyTable<State>(StringComparer.OrdinalIgnoreCase);
        var methods = new (string Name, Func<long> Run)[]
        {
            ("Dictionary, ordinal", () => RunDictionary(ordinal, keys)),
            ("KeyTable, ordinal", () => RunTable(tableOrdinal, keys)),
            ("Dictionary, ignoring case", () => RunDictionary(ignoreCase, keys)),
            ("KeyTable, ignoring case", () => RunTable(tableIgnoreCase, keys)),
        };
        var best = new double[methods.Length];
        Array.Fill(best, double.MaxValue);
        for (var round = 0; round < rounds; round++)
        {
            for (var m = 0; m < methods.Length; m++)
            {
                var start = EngineSideBySide.ThreadCpuNanoseconds();
                GC.KeepAlive(methods[m].Run());
                best[m] = Math.Min(best[m], (EngineSideBySide.ThreadCpuNanoseconds() - start) / keys.Length);
            }
        }

        for (var m = 0; m < methods.Length; m++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {methods[m].Name} | {best[m]:F1} ns |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Dictionary / KeyTable: ordinal {best[0] / best[1]:F2}x, ignoring case {best[2] / best[3]:F2}x"));
        Console.WriteLine($"# load at end {File.ReadAllText("/proc/loadavg").Trim()}");
        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RunDictionary(Dictionary<string, State> table, string[] keys)
    {
        long sum = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(table, keys[i], out _);
            s.Newest = i;
            sum += ++s.Total;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long RunTable(KeyTable<State> table, string[] keys)
    {
        long sum = 0;
        for (var i = 0; i < keys.Length; i++)
        {
            ref var s = ref table.GetValueRefOrAddDefault(keys[i], out _);
            s.Newest = i;
            sum += ++s.Total;
        }

        return sum;
    }

    /// <summary>As large as the threshold counter's per-key state.</summary>
    private struct State
    {
        public long Newest;
        public long Oldest;
        public object? Slots;
        public object? Items;
        public int Total;
        public int A;
        public int B;
        public int C;
        public int D;
        public int E;
    }
}
