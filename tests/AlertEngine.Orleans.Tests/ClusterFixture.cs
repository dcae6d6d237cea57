namespace AlertEngine.Orleans.Tests;

/// <summary>Clusters of 1, 2 and 3 silos, started once for a test class and shared by its tests (each test adds its own
/// engines, with their own names and policy ids).</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly EngineCluster?[] _clusters = new EngineCluster?[4];
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal async Task<EngineCluster> GetAsync(int silos)
    {
        await _gate.WaitAsync();
        try
        {
            return _clusters[silos] ??= await EngineCluster.StartAsync((short)silos);
        }
        finally
        {
            _gate.Release();
        }
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in _clusters)
        {
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }

        _gate.Dispose();
    }
}
