using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AlertEngine;

/// <summary>
/// One SQLite database file shared by the stores of a <see cref="SqliteStorage"/>: a single writer connection behind
/// an asynchronous gate (writes are serialized, so they never meet <c>SQLITE_BUSY</c> inside this process), and a
/// bag of reader connections that read in parallel with the writer (WAL). The schema is checked or created, under the
/// gate, before the first read or write. Thread-safe.
/// </summary>
internal sealed class SqliteDatabase : IDisposable
{
    private const int MaxIdleReaders = 8;

    private readonly string _connectionString;
    private readonly bool _flushEveryCommit;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentBag<SqliteConnection> _readers = [];
    private readonly Dictionary<string, SqliteCommand> _writerCommands = new(StringComparer.Ordinal);
    private SqliteConnection? _writer;
    private volatile bool _ready;
    private volatile bool _disposed;

    public SqliteDatabase(SqliteStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("A connection string is required, e.g. \"Data Source=alerts.db\".", nameof(options));
        }

        var builder = new SqliteConnectionStringBuilder(options.ConnectionString);
        if (string.IsNullOrWhiteSpace(builder.DataSource)
            || string.Equals(builder.DataSource.Trim(), ":memory:", StringComparison.OrdinalIgnoreCase)
            || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException(
                "The SQLite store needs a database file (\"Data Source=alerts.db\"); in-memory and temporary databases are not durable. Use the in-memory stores instead.",
                nameof(options));
        }

        // The store manages its connections itself, so that Dispose really closes the file.
        builder.Pooling = false;
        _connectionString = builder.ToString();
        _flushEveryCommit = options.FlushEveryCommit;
        DataSource = builder.DataSource;
    }

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    /// <summary>Test hook: called between the chunks of a checkpoint save, inside its transaction.</summary>
    internal Action? CheckpointChunkWritten { get; set; }

    /// <summary>Enters the writer gate (waiting asynchronously) and returns the writer connection.</summary>
    public async ValueTask<Lease> WriteAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _writer ??= OpenWriter();
            return new Lease(this, _writer, isWriter: true);
        }
        catch
        {
            _writeGate.Release();
            throw;
        }
    }

    /// <summary>Takes a reader connection (the schema is ready when it returns).</summary>
    public async ValueTask<Lease> ReadAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_ready)
        {
            (await WriteAsync(cancellationToken).ConfigureAwait(false)).Dispose();
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (!_readers.TryTake(out var connection))
        {
            connection = new SqliteConnection(_connectionString);
            connection.Open();
        }

        return new Lease(this, connection, isWriter: false);
    }

    /// <summary>A cached command of the writer connection, enlisted in <paramref name="transaction"/>, with no parameters.</summary>
    public SqliteCommand WriterCommand(string sql, SqliteTransaction transaction)
    {
        if (!_writerCommands.TryGetValue(sql, out var command))
        {
            command = _writer!.CreateCommand();
            command.CommandText = sql;
            _writerCommands.Add(sql, command);
        }

        command.Transaction = transaction;
        command.Parameters.Clear();
        return command;
    }

    /// <summary>Closes every connection. Operations after this throw <see cref="ObjectDisposedException"/>; operations
    /// in progress finish first (a write holds the gate; a read closes its connection when it ends).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _writeGate.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var command in _writerCommands.Values)
            {
                command.Dispose();
            }

            _writerCommands.Clear();
            _writer?.Dispose();
            _writer = null;
            DrainReaders();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private void Return(SqliteConnection connection, bool isWriter)
    {
        if (isWriter)
        {
            _writeGate.Release();
            return;
        }

        if (_disposed || _readers.Count >= MaxIdleReaders)
        {
            connection.Dispose();
            return;
        }

        _readers.Add(connection);
        if (_disposed)
        {
            DrainReaders();
        }
    }

    private void DrainReaders()
    {
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private SqliteConnection OpenWriter()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();

            // Only effective while the file is still empty: text in UTF-16BE makes the binary collation ordinal.
            Execute(connection, "PRAGMA encoding = 'UTF-16be';");
            var mode = Scalar(connection, "PRAGMA journal_mode = WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The SQLite database '{DataSource}' could not be put in WAL journal mode (it is in '{mode}' mode).");
            }

            Execute(connection, _flushEveryCommit ? "PRAGMA synchronous = FULL;" : "PRAGMA synchronous = NORMAL;");
            EnsureSchema(connection);
            _ready = true;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void EnsureSchema(SqliteConnection connection)
    {
        // A read transaction first: opening a database whose schema exists takes no write lock (another process may
        // be writing). Only an empty database is created under the write lock, checked again once it is held.
        using (var read = connection.BeginTransaction(deferred: true))
        {
            var ready = CheckSchema(connection, read);
            read.Commit();
            if (ready)
            {
                return;
            }
        }

        using var transaction = connection.BeginTransaction();
        if (!CheckSchema(connection, transaction))
        {
            var encoding = Scalar(connection, "PRAGMA encoding;", transaction);
            if (!string.Equals(encoding, "UTF-16be", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"The SQLite database '{DataSource}' was created by something else with text encoding {encoding}; the AlertEngine store needs a database file of its own (it creates it with UTF-16be, so that text sorts ordinally).");
            }

            Execute(connection, SqliteSchema.Create, transaction);
        }

        transaction.Commit();
    }

    /// <summary>Whether the schema exists (<see langword="false"/> for an empty database); throws for another version.</summary>
    private bool CheckSchema(SqliteConnection connection, SqliteTransaction transaction)
    {
        if (Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version';", transaction) == "0")
        {
            return false;
        }

        var text = Scalar(connection, "SELECT max(version) FROM schema_version;", transaction);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version != SqliteSchema.Version)
        {
            throw new InvalidOperationException(
                $"The SQLite database '{DataSource}' has AlertEngine schema version '{text}'; this package reads and writes version {SqliteSchema.Version}.");
        }

        return true;
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        command.ExecuteNonQuery();
    }

    private static string? Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>A connection held for one operation; disposing it gives it back (and leaves the writer gate).</summary>
    internal readonly struct Lease : IDisposable
    {
        private readonly SqliteDatabase _database;
        private readonly bool _isWriter;

        public Lease(SqliteDatabase database, SqliteConnection connection, bool isWriter)
        {
            _database = database;
            Connection = connection;
            _isWriter = isWriter;
        }

        public SqliteConnection Connection { get; }

        public void Dispose() => _database.Return(Connection, _isWriter);
    }
}
