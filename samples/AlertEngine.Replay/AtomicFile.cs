namespace AlertEngine.Replay;

/// <summary>
/// A file written through a temporary file in the same directory and renamed over the target on
/// <see cref="Commit"/>, so a failed or interrupted run never leaves a partial file under the target name.
/// </summary>
internal sealed class AtomicFile : IDisposable
{
    private readonly string _path;
    private readonly string _tempPath;
    private readonly FileStream _stream;
    private bool _committed;

    private AtomicFile(string path, string tempPath, FileStream stream)
    {
        _path = path;
        _tempPath = tempPath;
        _stream = stream;
    }

    public Stream Stream => _stream;

    /// <summary>Creates the temporary file next to <paramref name="path"/>.</summary>
    /// <exception cref="IOException">The directory does not exist or cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission.</exception>
    public static AtomicFile Create(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"'{path}' is a directory");
        }

        var directory = Path.GetDirectoryName(full) ?? ".";
        var temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
        return new AtomicFile(full, temp, stream);
    }

    /// <summary>Flushes to disk and renames the temporary file over the target.</summary>
    public void Commit()
    {
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_tempPath, _path, overwrite: true);
        _committed = true;
    }

    /// <summary>Without <see cref="Commit"/>, deletes the temporary file.</summary>
    public void Dispose()
    {
        if (_committed)
        {
            return;
        }

        _stream.Dispose();
        try
        {
            File.Delete(_tempPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
