namespace AlertEngine;

/// <summary>An <see cref="IEngineStateStore"/> in memory (tests, or a process that only needs state across
/// pipeline rebuilds, not across restarts). Thread-safe.</summary>
public sealed class InMemoryEngineStateStore : IEngineStateStore
{
    private byte[]? _checkpoint;

    /// <inheritdoc />
    public ValueTask SaveAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Volatile.Write(ref _checkpoint, checkpoint.ToArray());
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<byte[]?> LoadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Volatile.Read(ref _checkpoint)?.ToArray());
    }
}
