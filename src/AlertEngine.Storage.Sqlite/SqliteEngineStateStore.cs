using Microsoft.Data.Sqlite;

namespace AlertEngine;

/// <summary>
/// An <see cref="IEngineStateStore"/> in a SQLite database file: the latest engine checkpoint is the one row of table
/// <c>engine_state</c>; get one from <see cref="SqliteStorage.EngineState"/>.
/// </summary>
/// <remarks>
/// <see cref="SaveAsync"/> replaces the checkpoint in one transaction: until it commits, readers and a restarted
/// process see the previous checkpoint; a save that fails, is cancelled (even halfway through writing the bytes) or
/// is cut short by a crash leaves the previous checkpoint. Thread-safe: saves are serialized with every other write of
/// the database, loads run in parallel with them.
/// </remarks>
public sealed class SqliteEngineStateStore : IEngineStateStore
{
    /// <summary>The bytes written between two cancellation checks.</summary>
    internal const int ChunkSize = 1 << 16;

    private readonly SqliteDatabase _database;

    internal SqliteEngineStateStore(SqliteDatabase database)
    {
        _database = database;
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask SaveAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _database.WriteAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = lease.Connection.BeginTransaction();
        var replace = _database.WriterCommand("INSERT OR REPLACE INTO engine_state (id, data) VALUES (1, zeroblob($length));", transaction);
        replace.Parameters.AddWithValue("$length", checkpoint.Length);
        replace.ExecuteNonQuery();
        if (checkpoint.Length > 0)
        {
            using var blob = new SqliteBlob(lease.Connection, "engine_state", "data", 1);
            for (var offset = 0; offset < checkpoint.Length; offset += ChunkSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                blob.Write(checkpoint.Span.Slice(offset, Math.Min(ChunkSize, checkpoint.Length - offset)));
                _database.CheckpointChunkWritten?.Invoke();
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask<byte[]?> LoadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = lease.Connection.CreateCommand();
        command.CommandText = "SELECT data FROM engine_state WHERE id = 1;";
        using var reader = command.ExecuteReader();
        return reader.Read() ? reader.GetFieldValue<byte[]>(0) : null;
    }
}
