using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AlertEngine.Benchmarks.Reading;

/// <summary>
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- reader-cpu [records] [rounds]</c>: the same
/// real-shaped unified-audit-log records read by <see cref="ActivityReader"/> as JSON Lines and as a Purview audit
/// search export (CSV: eight columns, AuditData quoted with doubled quotes, a quoted line break in another column, BOM,
/// CRLF), side by side in one process, alternating rounds. Reports the thread's CPU time (CLOCK_THREAD_CPUTIME_ID: the
/// sequential reader runs on the calling thread), wall time and allocated bytes per record, and the CSV/JSON Lines
/// ratio of the median and of the minimum CPU time over the rounds after the first (JIT warm-up). Then the parts alone
/// (minimum of 5 rounds): splitting; splitting and parsing without the reader; parsing alone (with and without the
/// plain-ASCII flag the CSV splitter gives); and each splitter with 4 cached lines parsed (or 1,254 B allocated) between
/// rows, minus that parse (allocation) alone: what splitting costs where the reader runs it.
/// </summary>
internal static class ReaderCpuTime
{
    public static int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var records = new string[n];
        for (var i = 0; i < n; i++)
        {
            records[i] = Record(i);
        }

        var jsonl = Encoding.UTF8.GetBytes(string.Join("\n", records) + "\n");
        var csv = Csv(records);
        if (args.Length > 2 && args[2] is "split-csv" or "split-jsonl")
        {
            // Only the splitter, many times: for a profiler.
            for (var round = 0; round < rounds; round++)
            {
                var cpu0 = EndToEnd.EngineSideBySide.ThreadCpuNanoseconds();
                var count = args[2] == "split-csv" ? SplitCsv(csv, CsvCompaction.Best) : SplitLines(jsonl);
                Console.WriteLine($"{args[2]} {count}: {(EndToEnd.EngineSideBySide.ThreadCpuNanoseconds() - cpu0) / (double)n:F0} ns/record");
            }

            return 0;
        }

        if (args.Length > 2 && args[2] is "many-csv" or "many-jsonl")
        {
            // One of the two below alone, for a profiler.
            for (var round = 0; round < rounds; round++)
            {
                var cpu0 = EndToEnd.EngineSideBySide.ThreadCpuNanoseconds();
                _ = args[2] == "many-csv" ? SplitCsvMany(csv, 32) : SplitLines(jsonl, parse: true);
                Console.WriteLine($"{args[2]}: {(EndToEnd.EngineSideBySide.ThreadCpuNanoseconds() - cpu0) / (double)n:F0} ns/record");
            }

            return 0;
        }

        if (args.Length > 2 && args[2] == "many")
        {
            // Split + parse without the reader, rows split 1 (per row), 4, 8, 16, 32 at a time, against JSON Lines.
            var runs = new (string Name, Func<int> Run)[]
            {
                ("JSON Lines lines + parse", () => SplitLines(jsonl, parse: true)),
                ("CSV rows + parse, one at a time", () => SplitCsv(csv, CsvCompaction.Best, then: CsvThen.Parse)),
                ("CSV rows 4 at a time + parse", () => SplitCsvMany(csv, 4)),
                ("CSV rows 8 at a time + parse", () => SplitCsvMany(csv, 8)),
                ("CSV rows 16 at a time + parse", () => SplitCsvMany(csv, 16)),
                ("CSV rows 32 at a time + parse", () => SplitCsvMany(csv, 32)),
            };
            var best = new double[runs.Length];
            Array.Fill(best, double.MaxValue);
            for (var round = 0; round < rounds; round++)
            {
                for (var r = 0; r < runs.Length; r++)
                {
                    var cpu0 = EndToEnd.EngineSideBySide.ThreadCpuNanoseconds();
                    runs[r].Run();
                    best[r] = Math.Min(best[r], (EndToEnd.EngineSideBySide.ThreadCpuNanoseconds() - cpu0) / (double)n);
                }
            }

            for (var r = 0; r < runs.Length; r++)
            {
                Console.WriteLine($"min of {rounds}: {runs[r].Name} {best[r]:F0} ns/record ({best[r] / best[0]:F3})");
            }

            return 0;
        }

        Console.WriteLine($"{n} records; JSON Lines {jsonl.Length / (double)n:F0} B/record, CSV {csv.Length / (double)n:F0} B/record; {Environment.ProcessorCount} cores; AVX-512 VBMI2 {System.Runtime.Intrinsics.X86.Avx512Vbmi2.IsSupported}");
        Console.WriteLine();
        Console.WriteLine("| round | input | thread CPU ns/record | wall ns/record | allocated B/record |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        var cpu = new Dictionary<string, List<double>> { ["JSON Lines"] = [], ["CSV"] = [] };
        for (var round = 0; round < rounds * 2; round++)
        {
            // An optional third argument (jsonl or csv) reads only that input, e.g. for a profiler.
            // "both" alternates the two inputs like no third argument, and skips the parts-alone tables after.
            var name = args.Length > 2 && args[2] != "both" ? (args[2] == "csv" ? "CSV" : "JSON Lines") : round % 2 == 0 ? "JSON Lines" : "CSV";
            var bytes = name == "CSV" ? csv : jsonl;
            var cpu0 = EndToEnd.EngineSideBySide.ThreadCpuNanoseconds();
            var alloc0 = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            var valid = 0;
            foreach (var result in ActivityReader.Read(new MemoryStream(bytes, writable: false), name))
            {
                if (result.IsValid)
                {
                    valid++;
                }
            }

            sw.Stop();
            var cpuNs = (EndToEnd.EngineSideBySide.ThreadCpuNanoseconds() - cpu0) / (double)n;
            var alloc = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / (double)n;
            if (valid != n)
            {
                throw new InvalidOperationException($"{name}: {valid} valid records of {n}");
            }

            if (round >= 2)
            {
                cpu[name].Add(cpuNs); // round 0 is JIT warm-up
            }

            Console.WriteLine($"| {round / 2} | {name} | {cpuNs:F0} | {sw.Elapsed.TotalNanoseconds / n:F0} | {alloc:F0} |");
        }

        if (args.Length > 2)
        {
            if (args[2] == "both")
            {
                PrintRatio(cpu, rounds);
            }

            return 0;
        }

        var lines = new List<(int, int)>();
        for (int p = 0, q; (q = Array.IndexOf(jsonl, (byte)'\n', p)) >= 0; p = q + 1)
        {
            lines.Add((p, q - p));
        }

        var fixedLines = new byte[][] { Encoding.UTF8.GetBytes(records[0]), Encoding.UTF8.GetBytes(records[1]), Encoding.UTF8.GetBytes(records[2]), Encoding.UTF8.GetBytes(records[3]) };

        // Splitting alone (no record parsed): where the difference comes from.
        Console.WriteLine();
        Console.WriteLine("| round | split only | thread CPU ns/record |");
        Console.WriteLine("|---:|---|---:|");
        var splits = new (string Name, Func<int> Split, int Expected)[]
        {
            ("JSON Lines lines", () => SplitLines(jsonl), n),
            ($"CSV rows, AuditData unescaped ({CsvCompaction.Best})", () => SplitCsv(csv, CsvCompaction.Best), n + 1),
            ($"CSV rows, AuditData unescaped ({CsvCompaction.Shuffle128})", () => SplitCsv(csv, CsvCompaction.Shuffle128), n + 1),
            ("CSV rows, nothing kept", () => SplitCsv(csv, CsvCompaction.Best, -1), n + 1),
            ("JSON Lines lines + parse", () => SplitLines(jsonl, parse: true), n),
            ("CSV rows + parse (plain-ASCII flag used)", () => SplitCsv(csv, CsvCompaction.Best, then: CsvThen.Parse), n + 1),
            ("CSV rows + parse (flag ignored)", () => SplitCsv(csv, CsvCompaction.Best, then: CsvThen.ParseIgnoringPlainAscii), n + 1),
            ("CSV rows split 32 at a time (AuditData copied), then parsed", () => SplitCsvBatched(csv, 32), n + 1),
            ("CSV rows split 32 at a time in place (TryReadMany, as the reader), then parsed", () => SplitCsvMany(csv, 32), n + 1),
            ("parse only (JSON Lines lines found before)", () => ParseOnly(jsonl, lines, false), n),
            ("parse only (same, plain-ASCII flag)", () => ParseOnly(jsonl, lines, true), n),
            ("parse only, 4 cached lines cycled", () => ParseFixed(fixedLines, n), n),
            ("JSON Lines lines + parse of 4 cached lines", () => SplitLines(jsonl, parse: true, fixedLines), n),
            ("CSV rows + parse of 4 cached lines", () => SplitCsv(csv, CsvCompaction.Best, then: CsvThen.ParseCached, fixedLines: fixedLines), n + 1),
            ("CSV rows, nothing kept, + parse of 4 cached lines", () => SplitCsv(csv, CsvCompaction.Best, -1, then: CsvThen.ParseCached, fixedLines: fixedLines), n + 1),
            ("allocate 1,254 B per record only", () => AllocateOnly(n), n),
            ("JSON Lines lines + allocate", () => SplitLines(jsonl, parse: true, fixedLines, allocate: true), n),
            ("CSV rows + allocate", () => SplitCsv(csv, CsvCompaction.Best, then: CsvThen.Allocate), n + 1),
            ("copy only (JSON Lines)", () => CopyOnly(jsonl), 0),
            ("copy only (CSV)", () => CopyOnly(csv), 0),
        };
        var split = splits.ToDictionary(s => s.Name, _ => new List<double>());
        for (var round = 0; round < 5; round++)
        {
            foreach (var (name, run, expected) in splits)
            {
                var cpu0 = EndToEnd.EngineSideBySide.ThreadCpuNanoseconds();
                var count = run();
                var ns = (EndToEnd.EngineSideBySide.ThreadCpuNanoseconds() - cpu0) / (double)n;
                if (count != expected)
                {
                    throw new InvalidOperationException($"{name}: split {count} records");
                }

                split[name].Add(ns);
                Console.WriteLine($"| {round} | {name} | {ns:F0} |");
            }
        }

        Console.WriteLine();
        foreach (var (name, values) in split)
        {
            Console.WriteLine($"split only, min thread CPU ns/record: {name} {values.Min():F0}");
        }

        // The splitters between parses (of the same 4 cached lines, whatever the input): what splitting costs in the reader.
        var cachedParse = split["parse only, 4 cached lines cycled"].Min();
        Console.WriteLine($"split between parses of cached lines, min - parse alone: JSON Lines lines {split["JSON Lines lines + parse of 4 cached lines"].Min() - cachedParse:F0}, "
            + $"CSV rows {split["CSV rows + parse of 4 cached lines"].Min() - cachedParse:F0}, CSV rows nothing kept {split["CSV rows, nothing kept, + parse of 4 cached lines"].Min() - cachedParse:F0}");
        var allocated = split["allocate 1,254 B per record only"].Min();
        Console.WriteLine($"split between allocations, min - allocation alone: JSON Lines lines {split["JSON Lines lines + allocate"].Min() - allocated:F0}, CSV rows {split["CSV rows + allocate"].Min() - allocated:F0}");
        PrintRatio(cpu, rounds);
        return 0;
    }

    private static void PrintRatio(Dictionary<string, List<double>> cpu, int rounds)
    {
        var j = Median(cpu["JSON Lines"]);
        var c = Median(cpu["CSV"]);
        Console.WriteLine($"rounds 1-{rounds - 1}: median thread CPU ns/record: JSON Lines {j:F0}, CSV {c:F0}, CSV/JSON Lines {c / j:F3}; "
            + $"min: JSON Lines {cpu["JSON Lines"].Min():F0}, CSV {cpu["CSV"].Min():F0}, CSV/JSON Lines {cpu["CSV"].Min() / cpu["JSON Lines"].Min():F3}");
    }

    private static int ParseFixed(byte[][] fixedLines, int n)
    {
        for (var i = 0; i < n; i++)
        {
            if (ActivityLineParser.Parse(fixedLines[i & 3], "b", i + 1) is not { IsValid: true })
            {
                throw new InvalidOperationException("invalid line");
            }
        }

        return n;
    }

    private static int AllocateOnly(int n)
    {
        for (var i = 0; i < n; i++)
        {
            Allocate();
        }

        return n;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Allocate()
    {
        for (var i = 0; i < 20; i++)
        {
            Sink = new byte[40];
            Sink[i] = 1;
        }

        Sink = new byte[430];
        Sink[5] = 1;
    }

    private static byte[]? Sink;

    private static int SplitLines(byte[] bytes, bool parse = false, byte[][]? fixedLines = null, bool allocate = false)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var splitter = new LineSplitter<byte>(ActivityReaderOptions.DefaultMaxLineLength, (byte)'\n', (byte)'\r');
        var count = 0;
        while (true)
        {
            switch (splitter.TryRead(out var start, out var length))
            {
                case LineStatus.End:
                    return count;
                case LineStatus.NeedMore:
                    var space = splitter.GetWriteSpace();
                    splitter.Commit(stream.Read(space.Span[..Math.Min(space.Length, 64 * 1024)]));
                    break;
                default:
                    if (allocate)
                    {
                        Allocate();
                    }
                    else if (parse && ActivityLineParser.Parse(fixedLines is null ? splitter.Buffer.Slice(start, length) : fixedLines[count & 3], "b", splitter.LineNumber) is not { IsValid: true })
                    {
                        throw new InvalidOperationException("invalid line");
                    }

                    count++;
                    break;
            }
        }
    }

    private static int ParseOnly(byte[] bytes, List<(int Start, int Length)> lines, bool plainAscii)
    {
        var count = 0;
        foreach (var (start, length) in lines)
        {
            if (ActivityLineParser.Parse(bytes.AsSpan(start, length), "b", count + 1, plainAscii) is not { IsValid: true })
            {
                throw new InvalidOperationException("invalid line");
            }

            count++;
        }

        return count;
    }

    private static int CopyOnly(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var buffer = new byte[64 * 1024];
        while (stream.Read(buffer) > 0)
        {
        }

        return 0;
    }

    private static int SplitCsv(byte[] bytes, CsvCompaction compaction, int kept = 5, CsvThen then = CsvThen.Nothing, byte[][]? fixedLines = null)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var splitter = new CsvRecordSplitter(ActivityReaderOptions.DefaultMaxLineLength, compaction) { KeptField = kept };
        var count = 0;
        while (true)
        {
            switch (splitter.TryRead(out var auditData))
            {
                case CsvStatus.End:
                    return count;
                case CsvStatus.NeedMore:
                    var space = splitter.GetWriteSpace();
                    splitter.Commit(stream.Read(space.Span[..Math.Min(space.Length, 64 * 1024)]));
                    break;
                default:
                    if (then == CsvThen.Allocate)
                    {
                        Allocate();
                        count++;
                        break;
                    }

                    if (then == CsvThen.ParseCached && count > 0)
                    {
                        auditData = fixedLines![(count - 1) & 3];
                    }

                    if (then != CsvThen.Nothing && count > 0
                        && ActivityLineParser.Parse(auditData, "b", splitter.LineNumber, then == CsvThen.Parse && splitter.KeptIsPlainAscii) is not { IsValid: true })
                    {
                        throw new InvalidOperationException("invalid row");
                    }

                    count++;
                    break;
            }
        }
    }

    /// <summary>Splits up to <paramref name="batch"/> rows (copying each AuditData out), then parses them: the scan loop runs hot.</summary>
    private static int SplitCsvBatched(byte[] bytes, int batch)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var splitter = new CsvRecordSplitter(ActivityReaderOptions.DefaultMaxLineLength) { KeptField = 5 };
        var store = new byte[256 * 1024];
        var rows = new (int Start, int Length, long Line, bool Plain)[batch];
        var pending = 0;
        var used = 0;
        var count = 0;
        while (true)
        {
            var status = splitter.TryRead(out var auditData);
            if (status == CsvStatus.Record)
            {
                if (count++ > 0)
                {
                    auditData.CopyTo(store.AsSpan(used));
                    rows[pending++] = (used, auditData.Length, splitter.LineNumber, splitter.KeptIsPlainAscii);
                    used += auditData.Length;
                }

                if (pending < batch)
                {
                    continue;
                }
            }

            for (var r = 0; r < pending; r++)
            {
                if (ActivityLineParser.Parse(store.AsSpan(rows[r].Start, rows[r].Length), "b", rows[r].Line, rows[r].Plain) is not { IsValid: true })
                {
                    throw new InvalidOperationException("invalid row");
                }
            }

            pending = 0;
            used = 0;
            if (status == CsvStatus.End)
            {
                return count;
            }

            if (status == CsvStatus.NeedMore)
            {
                var space = splitter.GetWriteSpace();
                splitter.Commit(stream.Read(space.Span[..Math.Min(space.Length, 64 * 1024)]));
            }
        }
    }

    /// <summary>Splits up to <paramref name="many"/> rows with <see cref="CsvRecordSplitter.TryReadMany"/> (AuditData left in
    /// the read buffer), then parses them: what the reader does, without its iterator.</summary>
    private static int SplitCsvMany(byte[] bytes, int many)
    {
        using var stream = new MemoryStream(bytes, writable: false);
        var splitter = new CsvRecordSplitter(ActivityReaderOptions.DefaultMaxLineLength) { KeptField = 5 };
        var rows = new CsvRow[many];
        var count = 0;
        while (true)
        {
            var split = splitter.TryReadMany(rows, out var stopped);
            for (var r = 0; r < split; r++)
            {
                if (count++ > 0
                    && ActivityLineParser.Parse(splitter.Buffer.Slice(rows[r].KeptStart, rows[r].KeptLength), "b", rows[r].LineNumber, rows[r].KeptIsPlainAscii) is not { IsValid: true })
                {
                    throw new InvalidOperationException("invalid row");
                }
            }

            if (stopped == CsvStatus.End)
            {
                return count;
            }

            if (stopped == CsvStatus.NeedMore)
            {
                var space = splitter.GetWriteSpace();
                splitter.Commit(stream.Read(space.Span[..Math.Min(space.Length, 64 * 1024)]));
            }
        }
    }

    /// <summary>What the CSV split-only loop does with each row after splitting it.</summary>
    private enum CsvThen
    {
        Nothing,
        Parse,
        ParseIgnoringPlainAscii,
        ParseCached,
        Allocate,
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static string Record(int i)
    {
        var time = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        var user = "user" + (i % 500).ToString(CultureInfo.InvariantCulture) + "@contoso.com";
        return (i % 4) switch
        {
            0 => $$"""{"CreationTime":"{{time}}","Id":"8f3c1e2a-0000-4000-8000-{{i:D12}}","Operation":"FileDownloaded","OrganizationId":"d1b3c4f5-1111-2222-3333-444455556666","RecordType":6,"UserKey":"i:0h.f|membership|{{user}}","UserType":0,"Version":1,"Workload":"SharePoint","ClientIP":"[2001:db8::{{i % 9000}}]:443","ObjectId":"https://contoso.sharepoint.com/sites/hr/Shared Documents/payroll {{i}}.xlsx","UserId":"{{user}}","CorrelationId":"a1b2c3d4-0000-4000-8000-000000000000","EventSource":"SharePoint","ItemType":"File","ListId":"5e6f7a8b-0000-4000-8000-000000000000","Site":"9c0d1e2f-0000-4000-8000-000000000000","UserAgent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36","WebId":"0a1b2c3d-0000-4000-8000-000000000000","SourceFileExtension":"xlsx","SiteUrl":"https://contoso.sharepoint.com/sites/hr/","SourceFileName":"payroll {{i}}.xlsx","SourceRelativeUrl":"Shared Documents","IsManagedDevice":false,"AppAccessContext":{"AADSessionId":"s{{i}}","CorrelationId":"c{{i}}","UniqueTokenId":"t{{i}}"} }""",
            1 => $$"""{"CreationTime":"{{time}}","Id":"5a1d2c3e-0000-4000-8000-{{i:D12}}","Operation":"Set-Mailbox","OrganizationId":"d1b3c4f5-1111-2222-3333-444455556666","RecordType":1,"ResultStatus":"True","UserKey":"NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)","UserType":3,"Version":1,"Workload":"Exchange","ClientIP":"203.0.113.7:51234","ObjectId":"contoso.onmicrosoft.com/Users/{{user}}","UserId":"{{user}}","AppId":"","ExternalAccess":false,"OrganizationName":"contoso.onmicrosoft.com","OriginatingServer":"AM0PR01MB1234 (15.20.7000.000)","Parameters":[{"Name":"Identity","Value":"{{user}}"},{"Name":"ForwardingSmtpAddress","Value":"smtp:ext{{i}}@gmail.com"},{"Name":"DeliverToMailboxAndForward","Value":"True"}]}""",
            2 => $$"""{"CreationTime":"{{time}}","Id":"7b2e3d4f-0000-4000-8000-{{i:D12}}","Operation":"Update user.","OrganizationId":"d1b3c4f5-1111-2222-3333-444455556666","RecordType":8,"ResultStatus":"Success","UserKey":"10032001@contoso.onmicrosoft.com","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ObjectId":"{{user}}","UserId":"admin@contoso.com","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"additionalDetails","Value":"{\"UserType\":\"Member\"}"},{"Name":"extendedAuditEventCategory","Value":"User"}],"ModifiedProperties":[{"Name":"StrongAuthenticationMethod","NewValue":"[]","OldValue":"[{\"MethodType\":6,\"Default\":true}]"},{"Name":"Included Updated Properties","NewValue":"StrongAuthenticationMethod","OldValue":""}],"Actor":[{"ID":"admin@contoso.com","Type":5},{"ID":"10032001","Type":3}],"ActorContextId":"d1b3c4f5","Target":[{"ID":"User_9a8b","Type":2},{"ID":"{{user}}","Type":5}],"TargetContextId":"d1b3c4f5"}""",
            _ => $$"""{"CreationTime":"{{time}}","Id":"9c4f5e6a-0000-4000-8000-{{i:D12}}","Operation":"UserLoggedIn","OrganizationId":"d1b3c4f5-1111-2222-3333-444455556666","RecordType":15,"ResultStatus":"Success","UserKey":"a1b2c3","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ClientIP":"198.51.100.{{i % 250}}","ObjectId":"00000003-0000-0ff1-ce00-000000000000","UserId":"{{user}}","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"ResultStatusDetail","Value":"Redirect"},{"Name":"UserAgent","Value":"Mozilla/5.0 (Windows NT 10.0; Win64; x64)"},{"Name":"RequestType","Value":"OAuth2:Authorize"}],"ModifiedProperties":[],"Actor":[{"ID":"{{user}}","Type":5}],"ApplicationId":"89bee1f7-5e6e-4d8a-9f3d-ecd601259da7","DeviceProperties":[{"Name":"OS","Value":"Windows 10"},{"Name":"BrowserType","Value":"Edge"}],"ErrorNumber":"0"}""",
        };
    }

    private static byte[] Csv(string[] records)
    {
        var sb = new StringBuilder("RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames\r\n");
        for (var i = 0; i < records.Length; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"rec-{i:D8},2026-03-01T00:00:00.0000000Z,6,\"Op,\r\nline\",u{i}@contoso.com,\"")
                .Append(records[i].Replace("\"", "\"\"", StringComparison.Ordinal))
                .Append("\",,\r\n");
        }

        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(sb.ToString())];
    }
}
