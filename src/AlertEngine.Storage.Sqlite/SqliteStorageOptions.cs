namespace AlertEngine;

/// <summary>Options of <see cref="SqliteStorage"/>, read once when the storage is created (later changes do nothing). Not thread-safe.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>
    /// The Microsoft.Data.Sqlite connection string of the database file, e.g. <c>Data Source=alerts.db</c>. The file is
    /// created on first use unless the connection string says <c>Mode=ReadWrite</c>. In-memory and temporary databases
    /// are refused: the store is for durable data (use the in-memory stores of the core package instead).
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// Whether every commit is flushed to the disk (<c>PRAGMA synchronous = FULL</c>), so that it survives a power loss
    /// or an operating-system crash, at the cost of one flush per write. <see langword="false"/> (the default,
    /// <c>synchronous = NORMAL</c> in WAL mode): every commit survives a crash or kill of the process, and the database
    /// is never corrupted, but the last commits before a power loss may be lost.
    /// </summary>
    public bool FlushEveryCommit { get; set; }
}
