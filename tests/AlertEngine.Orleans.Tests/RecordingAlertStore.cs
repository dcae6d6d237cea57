using System.Collections.Concurrent;

namespace AlertEngine.Orleans.Tests;

/// <summary>An <see cref="IAlertStore"/> shared by every silo of a test cluster that also records each upsert, per
/// policy-id prefix (one engine's policies share a prefix). Thread-safe.</summary>
internal sealed class RecordingAlertStore : IAlertStore
{
    private readonly InMemoryAlertStore _inner = new();
    private readonly ConcurrentQueue<Alert> _upserts = new();

    public IReadOnlyList<Alert> Upserts => [.. _upserts];

    public async ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        await _inner.UpsertAsync(alert, cancellationToken);
        _upserts.Enqueue(alert);
    }

    public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default) =>
        _inner.TryUpdateManagementAsync(current, updated, cancellationToken);

    public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) =>
        _inner.QueryAsync(query, cancellationToken);
}
