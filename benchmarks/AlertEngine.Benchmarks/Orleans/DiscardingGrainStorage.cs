using System.Globalization;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace AlertEngine.Benchmarks.Orleans;

/// <summary>
/// A grain storage that keeps nothing: reads find no state, writes are dropped (with a fresh ETag). For
/// <see cref="ClusterThroughput"/>'s <c>nostorage</c> variant only, which measures the cluster's calls and serialization
/// without persistence; a grain that deactivates would lose its state, so nothing here survives a fault. Thread-safe.
/// </summary>
internal sealed class DiscardingGrainStorage : IGrainStorage
{
    private long _etag;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = Interlocked.Increment(ref _etag).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}
