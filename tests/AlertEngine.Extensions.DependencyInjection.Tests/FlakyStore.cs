namespace AlertEngine.Extensions.DependencyInjection.Tests;

/// <summary>An in-memory store that can be switched to failing; counts write attempts.</summary>
internal sealed class FlakyStore : IAlertStore
{
    private readonly InMemoryAlertStore _inner = new();
    private int _attempts;

    public bool Fail { get; set; }

    public int Attempts => Volatile.Read(ref _attempts);

    public List<string> Written { get; } = [];

    public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _attempts);
        if (Fail)
        {
            throw new IOException("store down");
        }

        lock (Written)
        {
            Written.Add(alert.Id + "@" + alert.HitCount);
        }

        return _inner.UpsertAsync(alert, cancellationToken);
    }

    public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default) =>
        _inner.TryUpdateManagementAsync(current, updated, cancellationToken);

    public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);
}
