using BenchmarkDotNet.Attributes;

namespace AlertEngine.Benchmarks.Storage;

/// <summary>
/// Alert upserts one at a time, as the engine writes them (each its own transaction in SQLite): new alerts, and new
/// snapshots of existing alerts; the in-memory store is the baseline. Per upsert (OperationsPerInvoke).
/// <c>dotnet run -c Release --project benchmarks/AlertEngine.Benchmarks -- --filter *AlertUpsertBenchmarks*</c>
/// </summary>
[MemoryDiagnoser]
[Config(typeof(InProcessStorageConfig.Upserts))]
public class AlertUpsertBenchmarks
{
    private const int PerInvoke = 1_000;
    private const int FlushedPerInvoke = 100;

    private InMemoryAlertStore _memory = new();
    private SqliteStorage? _sqlite;
    private string _directory = string.Empty;
    private long _next;

    [GlobalSetup(Targets = [nameof(InMemoryNew)])]
    public void SetupMemory() => _memory = new InMemoryAlertStore();

    [GlobalSetup(Targets = [nameof(SqliteNew), nameof(SqliteUpdate)])]
    public void SetupSqlite() => Open(flush: false);

    [GlobalSetup(Target = nameof(SqliteFlushedNew))]
    public void SetupFlushed() => Open(flush: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        _sqlite?.Dispose();
        if (_directory.Length > 0)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = PerInvoke, Description = "In-memory, new alert")]
    public long InMemoryNew() => Upsert(_memory, PerInvoke);

    [Benchmark(OperationsPerInvoke = PerInvoke, Description = "SQLite, new alert")]
    public long SqliteNew() => Upsert(_sqlite!.Alerts, PerInvoke);

    [Benchmark(OperationsPerInvoke = PerInvoke, Description = "SQLite, new snapshot of an existing alert")]
    public long SqliteUpdate()
    {
        var store = _sqlite!.Alerts;
        for (var i = 0; i < PerInvoke; i++)
        {
            store.UpsertAsync(BenchmarkAlerts.Make(i % 10_000, hits: (int)(++_next % 1000) + 1)).AsTask().GetAwaiter().GetResult();
        }

        return _next;
    }

    [Benchmark(OperationsPerInvoke = FlushedPerInvoke, Description = "SQLite FlushEveryCommit, new alert")]
    public long SqliteFlushedNew() => Upsert(_sqlite!.Alerts, FlushedPerInvoke);

    private void Open(bool flush)
    {
        _directory = Directory.CreateTempSubdirectory("alertengine-bench-").FullName;
        _sqlite = new SqliteStorage(new SqliteStorageOptions { ConnectionString = $"Data Source={Path.Combine(_directory, "alerts.db")}", FlushEveryCommit = flush });

        // 10,000 alerts to update, and new alerts after them.
        _sqlite.Alerts.UpsertManyAsync(Enumerable.Range(0, 10_000).Select(i => BenchmarkAlerts.Make(i))).AsTask().GetAwaiter().GetResult();
        _next = 10_000;
    }

    private long Upsert(IAlertStore store, int count)
    {
        for (var i = 0; i < count; i++)
        {
            store.UpsertAsync(BenchmarkAlerts.Make(_next++)).AsTask().GetAwaiter().GetResult();
        }

        return _next;
    }
}
