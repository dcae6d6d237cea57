using System.Diagnostics;
using System.Globalization;

namespace AlertEngine.Benchmarks.Storage;

/// <summary>
/// <c>storage-latency [--alerts N]</c>: a plain stopwatch run of the storage benchmarks, for a machine too loaded for
/// BenchmarkDotNet's pilot and warm-up phases: upserts per second (in-memory, SQLite, SQLite with FlushEveryCommit)
/// and the latency (median and 95th percentile of repeated calls) of the <see cref="AlertQueryBenchmarks"/> queries
/// with N stored alerts (1,000,000 by default) on both stores.
/// </summary>
internal static class StorageLatency
{
    public static int Run(string[] args)
    {
        var alerts = args is ["--alerts", var n] ? int.Parse(n, CultureInfo.InvariantCulture) : 1_000_000;
        Console.WriteLine($"# storage-latency, {alerts:N0} alerts, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Upserts();

        var clock = Stopwatch.StartNew();
        using var sqlite = AlertQueryBenchmarks.OpenDatabase(alerts);
        Console.WriteLine($"SQLite database of {alerts:N0} alerts ready in {clock.Elapsed.TotalSeconds:F1} s");
        clock.Restart();
        var memory = new InMemoryAlertStore();
        for (var i = 0; i < alerts; i++)
        {
            memory.UpsertAsync(BenchmarkAlerts.Make(i)).AsTask().GetAwaiter().GetResult();
        }

        Console.WriteLine($"in-memory store of {alerts:N0} alerts built in {clock.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine();
        Console.WriteLine("| query | in-memory median | in-memory p95 | SQLite median | SQLite p95 | results |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        var middle = AlertCursor.From(BenchmarkAlerts.Make(alerts / 2));
        (string Name, Func<IAlertStore, int> Run, int Repeats)[] queries =
        [
            ("First page of 50", s => Page(s, new AlertQuery { Take = 50 }), 200),
            ("Page of 50 after a cursor in the middle", s => Page(s, new AlertQuery { After = middle, Take = 50 }), 200),
            ("Page of 50 of one policy (1 %)", s => Page(s, new AlertQuery { PolicyId = "p17", Take = 50 }), 200),
            ("Page of 50 investigating (1 %)", s => Page(s, new AlertQuery { Statuses = [AlertStatus.Investigating], Take = 50 }), 100),
            ("Page of 50 tagged VIP (1 %)", s => Page(s, new AlertQuery { Tags = ["vip"], Take = 50 }), 100),
            ("Get by id", s => s.GetAsync(BenchmarkAlerts.Id(alerts / 3)).AsTask().GetAwaiter().GetResult() is null ? 0 : 1, 500),
            ("Counts of one policy, last day", s => s.CountAsync(new AlertQuery { PolicyId = "p17", CreatedFrom = BenchmarkAlerts.Start.AddSeconds(alerts - 86_400) }).AsTask().GetAwaiter().GetResult().Total, 50),
            ("Counts of all non-resolved", s => s.CountAsync(AlertQuery.All).AsTask().GetAwaiter().GetResult().Total, 5),
        ];
        foreach (var (name, run, repeats) in queries)
        {
            var (memoryMedian, memoryP95, memoryCount) = Measure(() => run(memory), repeats);
            var (sqliteMedian, sqliteP95, sqliteCount) = Measure(() => run(sqlite.Alerts), repeats);
            var count = memoryCount == sqliteCount ? memoryCount.ToString("N0", CultureInfo.InvariantCulture) : $"{memoryCount} vs {sqliteCount} (MISMATCH)";
            Console.WriteLine($"| {name} | {Format(memoryMedian)} | {Format(memoryP95)} | {Format(sqliteMedian)} | {Format(sqliteP95)} | {count} |");
        }

        return 0;
    }

    private static void Upserts()
    {
        Console.WriteLine();
        Console.WriteLine("| upsert, one at a time | count | seconds | upserts/s | mean |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        var memory = new InMemoryAlertStore();
        Report("In-memory, new alert", 100_000, i => memory.UpsertAsync(BenchmarkAlerts.Make(i)));
        var directory = Directory.CreateTempSubdirectory("alertengine-upserts-").FullName;
        try
        {
            using (var normal = new SqliteStorage($"Data Source={Path.Combine(directory, "normal.db")}"))
            {
                Report("SQLite, new alert", 20_000, i => normal.Alerts.UpsertAsync(BenchmarkAlerts.Make(i)));
                Report("SQLite, new snapshot of an existing alert", 20_000, i => normal.Alerts.UpsertAsync(BenchmarkAlerts.Make(i % 10_000, hits: (int)(i % 1000) + 2)));
            }

            using var flushed = new SqliteStorage(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(directory, "flushed.db")}", FlushEveryCommit = true });
            Report("SQLite FlushEveryCommit, new alert", 500, i => flushed.Alerts.UpsertAsync(BenchmarkAlerts.Make(i)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        Console.WriteLine();
    }

    private static void Report(string name, int count, Func<long, ValueTask> upsert)
    {
        for (var i = 0; i < Math.Min(count / 10, 1000); i++)
        {
            upsert(10_000_000 + i).AsTask().GetAwaiter().GetResult(); // warm-up, other ids
        }

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            upsert(i).AsTask().GetAwaiter().GetResult();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {count:N0} | {seconds:F2} | {count / seconds:N0} | {Format(TimeSpan.FromSeconds(seconds / count))} |"));
    }

    private static int Page(IAlertStore store, AlertQuery query) => store.QueryAsync(query).AsTask().GetAwaiter().GetResult().Count;

    private static (TimeSpan Median, TimeSpan P95, int Result) Measure(Func<int> run, int repeats)
    {
        var result = run(); // warm-up
        var times = new TimeSpan[repeats];
        for (var i = 0; i < repeats; i++)
        {
            var start = Stopwatch.GetTimestamp();
            result = run();
            times[i] = Stopwatch.GetElapsedTime(start);
        }

        Array.Sort(times);
        return (times[repeats / 2], times[Math.Min(repeats - 1, (int)(repeats * 0.95))], result);
    }

    private static string Format(TimeSpan time) => time.TotalMilliseconds >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{time.TotalMilliseconds:N1} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{time.TotalMicroseconds:N1} µs");
}
