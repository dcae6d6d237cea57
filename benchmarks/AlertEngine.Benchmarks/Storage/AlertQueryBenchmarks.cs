using System.Globalization;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;

namespace AlertEngine.Benchmarks.Storage;

/// <summary>
/// Query latency with a large store (1,000,000 alerts by default; see <see cref="BenchmarkAlerts"/>): dashboard pages of
/// 50 alerts with and without filters, a deep keyset page, a lookup by id and the dashboard counts, on SQLite and on
/// the in-memory store. The SQLite database is built once (in the temp folder, kept between runs: delete
/// <c>alertengine-bench-*.db</c> to rebuild).
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- --filter *AlertQueryBenchmarks*</c>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessStorageConfig.Queries))]
public class AlertQueryBenchmarks
{
    private IAlertStore _store = new InMemoryAlertStore();
    private SqliteStorage? _sqlite;
    private AlertQuery _deep = AlertQuery.All;

    /// <summary>Number of stored alerts.</summary>
    [Params(1_000_000)]
    public int Alerts { get; set; }

    /// <summary>The store.</summary>
    [Params("InMemory", "Sqlite")]
    public string Store { get; set; } = "Sqlite";

    [GlobalSetup]
    public void Setup()
    {
        if (Store == "InMemory")
        {
            var memory = new InMemoryAlertStore();
            for (var i = 0; i < Alerts; i++)
            {
                memory.UpsertAsync(BenchmarkAlerts.Make(i)).AsTask().GetAwaiter().GetResult();
            }

            _store = memory;
        }
        else
        {
            _sqlite = OpenDatabase(Alerts);
            _store = _sqlite.Alerts;
        }

        var middle = BenchmarkAlerts.Make(Alerts / 2);
        _deep = new AlertQuery { After = AlertCursor.From(middle), Take = 50 };
    }

    [GlobalCleanup]
    public void Cleanup() => _sqlite?.Dispose();

    [Benchmark(Description = "First page of 50")]
    public int FirstPage() => Query(new AlertQuery { Take = 50 });

    [Benchmark(Description = "Page of 50 after a cursor in the middle")]
    public int DeepPage() => Query(_deep);

    [Benchmark(Description = "Page of 50 of one policy (1 %)")]
    public int PolicyPage() => Query(new AlertQuery { PolicyId = "p17", Take = 50 });

    [Benchmark(Description = "Page of 50 investigating (1 %)")]
    public int StatusPage() => Query(new AlertQuery { Statuses = [AlertStatus.Investigating], Take = 50 });

    [Benchmark(Description = "Page of 50 tagged VIP (1 %)")]
    public int TagPage() => Query(new AlertQuery { Tags = ["vip"], Take = 50 });

    [Benchmark(Description = "Get by id")]
    public bool GetById() => _store.GetAsync(BenchmarkAlerts.Id(Alerts / 3)).AsTask().GetAwaiter().GetResult() is not null;

    [Benchmark(Description = "Counts of all non-resolved")]
    public int CountAll() => _store.CountAsync(AlertQuery.All).AsTask().GetAwaiter().GetResult().Total;

    [Benchmark(Description = "Counts of one policy, last day")]
    public int CountPolicyDay() => _store.CountAsync(new AlertQuery
    {
        PolicyId = "p17",
        CreatedFrom = BenchmarkAlerts.Start.AddSeconds(Alerts - 86_400),
    }).AsTask().GetAwaiter().GetResult().Total;

    private int Query(AlertQuery query) => _store.QueryAsync(query).AsTask().GetAwaiter().GetResult().Count;

    /// <summary>The database of <paramref name="count"/> alerts, built once in the temp folder and reused.</summary>
    internal static SqliteStorage OpenDatabase(int count)
    {
        var path = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"alertengine-bench-{count}.db"));
        if (File.Exists(path) && CountRows(path) != count)
        {
            File.Delete(path);
        }

        var storage = new SqliteStorage($"Data Source={path}");
        if (!File.Exists(path) || CountRows(path) == 0)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            const int Batch = 50_000;
            for (var start = 0; start < count; start += Batch)
            {
                var end = Math.Min(count, start + Batch);
                storage.Alerts.UpsertManyAsync(Enumerable.Range(start, end - start).Select(i => BenchmarkAlerts.Make(i))).AsTask().GetAwaiter().GetResult();
            }

            Console.WriteLine($"// built {count:N0} alerts in {started.Elapsed.TotalSeconds:F1} s, {new FileInfo(path).Length / 1e6:F0} MB");
        }

        return storage;
    }

    private static long CountRows(string path)
    {
        try
        {
            using var connection = new SqliteConnection($"Data Source={path};Pooling=False;Mode=ReadOnly");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM alerts;";
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0;
        }
    }
}
