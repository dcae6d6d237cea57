namespace AlertEngine;

/// <summary>
/// An <see cref="IEngineStateStore"/> in one file, replaced atomically: the checkpoint is written to a temporary file
/// beside it, flushed to disk, then renamed over the old one, so a crash at any moment leaves either the old or the
/// new checkpoint, never a torn one. Thread-safe (saves are serialised).
/// </summary>
public sealed class FileEngineStateStore : IEngineStateStore
{
    private readonly Lock _saving = new();

    /// <summary>Creates a store for a file path.</summary>
    /// <param name="path">The checkpoint file; its folder must exist.</param>
    /// <exception cref="ArgumentException">The path is empty.</exception>
    public FileEngineStateStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The checkpoint file's full path.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public ValueTask SaveAsync(ReadOnlyMemory<byte> checkpoint, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_saving)
        {
            AtomicFileWrite.Write(Path, checkpoint.Span);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask<byte[]?> LoadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await File.ReadAllBytesAsync(Path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
