namespace AlertEngine;

/// <summary>
/// Durable AlertEngine storage in one SQLite database file: <see cref="Alerts"/>, <see cref="Incidents"/> and
/// <see cref="EngineState"/> (the latest engine checkpoint). The file is created, put in WAL journal mode and given its
/// schema (versioned, table <c>schema_version</c>) on first use.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> This class and its stores are thread-safe. Writes of all three stores go through one
/// writer connection, one transaction each, one at a time; reads run in parallel on their own connections and see
/// the last committed state (WAL). Other processes may open the same file; their writes wait for ours (busy timeout
/// of the connection string's <c>Default Timeout</c>, 30 seconds by default).</para>
/// <para><b>Lifetime.</b> Create one per database file and keep it for the life of the application (the DI
/// registration does); <see cref="Dispose"/> closes the file after the operations in progress.</para>
/// </remarks>
public sealed class SqliteStorage : IDisposable
{
    private readonly SqliteDatabase _database;

    /// <summary>Opens (on first use) the database of a connection string, e.g. <c>Data Source=alerts.db</c>.</summary>
    /// <param name="connectionString">The Microsoft.Data.Sqlite connection string of the database file.</param>
    /// <exception cref="ArgumentException">The connection string is empty, invalid, or names an in-memory or temporary database.</exception>
    public SqliteStorage(string connectionString)
        : this(new SqliteStorageOptions { ConnectionString = connectionString })
    {
    }

    /// <summary>Opens (on first use) the database the options name.</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentException">The connection string is empty, invalid, or names an in-memory or temporary database.</exception>
    public SqliteStorage(SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new SqliteDatabase(options);
        Alerts = new SqliteAlertStore(_database);
        Incidents = new SqliteIncidentStore(_database);
        EngineState = new SqliteEngineStateStore(_database);
    }

    /// <summary>The database file (the connection string's data source).</summary>
    public string DataSource => _database.DataSource;

    /// <summary>The alert store.</summary>
    public SqliteAlertStore Alerts { get; }

    /// <summary>The incident store.</summary>
    public SqliteIncidentStore Incidents { get; }

    /// <summary>The engine checkpoint store.</summary>
    public SqliteEngineStateStore EngineState { get; }

    internal SqliteDatabase Database => _database;

    /// <summary>
    /// Opens the database now and checks or creates its schema, instead of at the first read or write (to fail at
    /// start-up on an unreachable file or a schema of another version).
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the database is ready.</returns>
    /// <exception cref="InvalidOperationException">The file has a schema version this package does not read, or was created by something else.</exception>
    public async ValueTask InitializeAsync(CancellationToken cancellationToken = default) =>
        (await _database.WriteAsync(cancellationToken).ConfigureAwait(false)).Dispose();

    /// <summary>Closes the database file, after the operations in progress; later operations throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _database.Dispose();
}
