namespace AlertEngine.Storage.Sqlite.Tests;

/// <summary>A temporary folder for database files, and the storages opened in it; disposing closes them and deletes the folder.</summary>
public sealed class TempDatabase : IDisposable
{
    private readonly List<SqliteStorage> _opened = [];
    private int _files;

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("alertengine-sqlite-").FullName;

    /// <summary>A file name not used yet.</summary>
    public string NewPath() => Path.Combine(Directory, $"alerts{Interlocked.Increment(ref _files)}.db");

    /// <summary>Opens a storage on <paramref name="path"/> (a new file by default), closed at dispose.</summary>
    public SqliteStorage Open(string? path = null, bool flushEveryCommit = false)
    {
        var storage = new SqliteStorage(new SqliteStorageOptions { ConnectionString = $"Data Source={path ?? NewPath()}", FlushEveryCommit = flushEveryCommit });
        lock (_opened)
        {
            _opened.Add(storage);
        }

        return storage;
    }

    public void Dispose()
    {
        lock (_opened)
        {
            foreach (var storage in _opened)
            {
                storage.Dispose();
            }
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
