using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace AlertEngine.Benchmarks.EndToEnd;

/// <summary>
/// <c>e2e-parse &lt;activities.jsonl&gt; [rounds] [row]</c> (row indexes, comma-separated, run those rows alone, e.g. for a profiler): the read +
/// parse stage of <see cref="EndToEndStages"/> alone, side by side in one process, alternating rounds, from memory (no
/// disk): the library's reader (results dropped, and activities kept in a list as e2e-stages keeps them),
/// System.Text.Json deserialising each line into a plain record (the obvious alternative; from the UTF-8 bytes, as
/// e2e-stages runs it from strings, and kept in a list), and the reader over the same records written as a Purview
/// audit search export (CSV: AuditData quoted with doubled quotes, BOM, CRLF). Prints CPU (process, GC included) and
/// wall ns per line, best and median of the rounds, and the ratios.
/// </summary>
internal static class ParseCpuTime
{
    private static readonly JsonSerializerOptions PlainOptions = new() { PropertyNameCaseInsensitive = true };

    public static int Run(string[] args)
    {
        if (args is not [var path, ..])
        {
            Console.Error.WriteLine("usage: e2e-parse <activities.jsonl> [rounds] [only row index]");
            return 2;
        }

        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        int[] only = args.Length > 2 ? [.. args[2].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))] : [];
        var jsonl = File.ReadAllBytes(path);
        var lines = File.ReadAllLines(path);
        var n = lines.Length;
        var csv = only.Length == 0 || only.Contains(4) ? Csv(lines) : [];
        Console.WriteLine($"# e2e-parse {Path.GetFileName(path)}: {n} lines, JSON Lines {jsonl.Length / (double)n:F0} B/line, CSV {csv.Length / (double)n:F0} B/line; median of {rounds} rounds");
        Console.WriteLine($"# machine: {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}");

        var rows = new (string Name, Func<int> Action)[]
        {
            ("ActivityReader, JSON Lines, results dropped", () => Reader(jsonl, null)),
            ("ActivityReader, JSON Lines, activities kept in a list", () => Reader(jsonl, new List<Activity>(n))),
            ("System.Text.Json into a plain record, results dropped", () => Stj(jsonl, null)),
            ("System.Text.Json as e2e-stages runs it (StreamReader.ReadLine, then Deserialize(string))", () => StjLines(jsonl)),
            ("ActivityReader, Purview CSV export of the same records, results dropped", () => Reader(csv, null)),
            ("System.Text.Json into a plain record, records kept in a list", () => Stj(jsonl, new List<object>(n))),
            ("line parser before issue 16 (commit ad6efa5), lines split here, results dropped", () => Lines(jsonl, null, static (l, i) => AlertEngine.Tests.Serialization.ReferenceActivityLineParser.Parse(l, "bench", i))),
            ("line parser now, lines split here, results dropped", () => Lines(jsonl, null, static (l, i) => ActivityLineParser.Parse(l, "bench", i))),
            ("line parser now with user names interned (the default does not), results dropped", () => Interned(() => Lines(jsonl, null, static (l, i) => ActivityLineParser.Parse(l, "bench", i)))),
            ("line parser before issue 16 (commit ad6efa5), activities kept in a list", () => Lines(jsonl, new List<Activity>(n), static (l, i) => AlertEngine.Tests.Serialization.ReferenceActivityLineParser.Parse(l, "bench", i))),
            ("line parser now, activities kept in a list", () => Lines(jsonl, new List<Activity>(n), static (l, i) => ActivityLineParser.Parse(l, "bench", i))),
        };
        var cpu = new List<double>[rows.Length];
        var wall = new List<double>[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            cpu[i] = [];
            wall[i] = [];
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                if (only.Length > 0 && !only.Contains(i))
                {
                    continue;
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                var self = Process.GetCurrentProcess();
                var cpu0 = self.TotalProcessorTime;
                var sw = Stopwatch.StartNew();
                var count = rows[i].Action();
                sw.Stop();
                self.Refresh();
                if (count != n)
                {
                    throw new InvalidOperationException($"{rows[i].Name}: {count} valid of {n}");
                }

                cpu[i].Add((self.TotalProcessorTime - cpu0).TotalNanoseconds / n);
                wall[i].Add(sw.Elapsed.TotalNanoseconds / n);
            }
        }

        Console.WriteLine();
        Console.WriteLine("| stage | CPU ns/line (best) | CPU ns/line (median) | wall ns/line (best) | CPU ns/line per round |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        for (var i = 0; i < rows.Length; i++)
        {
            if (cpu[i].Count == 0)
            {
                continue;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {rows[i].Name} | {cpu[i].Min():F0} | {Median(cpu[i]):F0} | {wall[i].Min():F0} | {string.Join(" ", cpu[i].Select(c => c.ToString("F0", CultureInfo.InvariantCulture)))} |"));
        }

        if (only.Length == 0)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reader / System.Text.Json, results dropped (CPU): best {cpu[0].Min() / cpu[2].Min():F2}x, median {Median(cpu[0]) / Median(cpu[2]):F2}x"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reader / System.Text.Json, results kept (CPU): best {cpu[1].Min() / cpu[5].Min():F2}x, median {Median(cpu[1]) / Median(cpu[5]):F2}x"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"line parser before / now, results dropped (CPU): best {cpu[6].Min() / cpu[7].Min():F2}x, median {Median(cpu[6]) / Median(cpu[7]):F2}x"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"line parser before / now, activities kept (CPU): best {cpu[9].Min() / cpu[10].Min():F2}x, median {Median(cpu[9]) / Median(cpu[10]):F2}x"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"CSV / JSON Lines, results dropped (CPU): best {cpu[4].Min() / cpu[0].Min():F3}x, median {Median(cpu[4]) / Median(cpu[0]):F3}x"));
        }
        return 0;
    }

    private static int Reader(byte[] input, List<Activity>? kept)
    {
        var valid = 0;
        foreach (var result in ActivityReader.Read(new MemoryStream(input, writable: false), "bench"))
        {
            if (result.Activity is { } a)
            {
                valid++;
                kept?.Add(a);
            }
        }

        return valid;
    }

    private static int Stj(byte[] input, List<object>? kept)
    {
        var count = 0;
        var span = input.AsSpan();
        while (!span.IsEmpty)
        {
            var end = span.IndexOf((byte)'\n');
            var line = end < 0 ? span : span[..end];
            if (!line.IsEmpty)
            {
                if (JsonSerializer.Deserialize<PlainActivity>(line, PlainOptions) is { } record)
                {
                    count++;
                    kept?.Add(record);
                }
            }

            span = end < 0 ? default : span[(end + 1)..];
        }

        return count;
    }

    private static int Interned(Func<int> action)
    {
        ActivityLineParser.InternUserIds = true;
        try
        {
            return action();
        }
        finally
        {
            ActivityLineParser.InternUserIds = false;
        }
    }

    private delegate ActivityReadResult? LineParser(ReadOnlySpan<byte> line, long lineNumber);

    private static int Lines(byte[] input, List<Activity>? kept, LineParser parse)
    {
        var count = 0;
        var span = input.AsSpan();
        long number = 0;
        while (!span.IsEmpty)
        {
            var end = span.IndexOf((byte)'\n');
            var line = end < 0 ? span : span[..end];
            number++;
            if (parse(line, number) is { Activity: { } activity })
            {
                count++;
                kept?.Add(activity);
            }

            span = end < 0 ? default : span[(end + 1)..];
        }

        return count;
    }

    private static int StjLines(byte[] input)
    {
        using var reader = new StreamReader(new MemoryStream(input, writable: false));
        var count = 0;
        while (reader.ReadLine() is { } line)
        {
            count += JsonSerializer.Deserialize<PlainActivity>(line, PlainOptions) is null ? 0 : 1;
        }

        return count;
    }

    private static byte[] Csv(string[] lines)
    {
        var sb = new StringBuilder("RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n");
        for (var i = 0; i < lines.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"rec-{i:D8},2026-03-01T00:00:00.0000000Z,6,Op,u{i}@contoso.com,\"")
                .Append(lines[i].Replace("\"", "\"\"", StringComparison.Ordinal))
                .Append("\",,\r\n");
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(sb.ToString())];
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    // Time, Id and Operation in both formats (the names match case-insensitively; CreationTime is not read).
    private sealed record PlainActivity(string Id, DateTimeOffset Time, string Operation, string? UserId, string? ClientIp, string? ObjectId, string? Workload);
}
