namespace AlertEngine;

/// <summary>
/// Where an embedded engine keeps its latest checkpoint: opaque bytes, one value. The DI engine service stores the
/// engine checkpoint (<c>AlertPipeline.SaveCheckpoint</c>) together with the notification state in that one value.
/// Implementations: <see cref="InMemoryEngineStateStore"/>, <see cref="FileEngineStateStore"/>, and the SQLite store of
/// <c>AlertEngine.Storage.Sqlite</c>.
/// </summary>
/// <remarks>
/// A store keeps one checkpoint: <see cref="SaveAsync"/> replaces the previous one atomically, so a crash during a save
/// leaves the previous checkpoint readable. Implementations must be safe to call from several threads.
/// </remarks>
public interface IEngineStateStore
{
    /// <summary>Replaces the stored checkpoint with <paramref name="checkpoint"/>, atomically and durably: when the task
    /// completes the bytes survive a process crash; if it fails or is cancelled the previous checkpoint is still there.</summary>
    /// <param name="checkpoint">The checkpoint bytes.</param>
    /// <param name="cancellationToken">Cancels the save (the previous checkpoint stays).</param>
    /// <returns>A task that completes when the checkpoint is durable.</returns>
    ValueTask SaveAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default);

    /// <summary>Reads the stored checkpoint.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes of the latest checkpoint, or <see langword="null"/> when none was ever saved.</returns>
    ValueTask<byte[]?> LoadAsync(CancellationToken cancellationToken = default);
}
