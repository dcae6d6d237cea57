using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// Grain state kept outside the cluster (like a database): it survives killed silos and a restart of the whole
/// cluster, which Orleans' memory grain storage does not (it lives in grains of the cluster). States are stored as
/// Orleans-serialized bytes with an ETag checked on write, as a real provider does. Thread-safe.
/// </summary>
internal sealed class SharedGrainStorage
{
    private readonly ConcurrentDictionary<string, (string ETag, byte[] Bytes)> _records = new(StringComparer.Ordinal);
    private long _etag;

    public int Writes;

    /// <summary>The names of the stored records ("{state name}|{grain id}").</summary>
    public IReadOnlyList<string> Keys => [.. _records.Keys];

    public void Register(IServiceCollection services, string name) =>
        services.AddGrainStorage(name, (sp, _) => new Provider(this, sp.GetRequiredService<Serializer>()));

    private sealed class Provider(SharedGrainStorage shared, Serializer serializer) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (shared._records.TryGetValue(Key(stateName, grainId), out var record))
            {
                grainState.State = serializer.Deserialize<T>(record.Bytes);
                grainState.ETag = record.ETag;
                grainState.RecordExists = true;
            }

            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            var key = Key(stateName, grainId);
            var etag = Interlocked.Increment(ref shared._etag).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var bytes = serializer.SerializeToArray(grainState.State);
            lock (shared._records)
            {
                var current = shared._records.TryGetValue(key, out var record) ? record.ETag : null;
                if (current != grainState.ETag)
                {
                    throw new InconsistentStateException($"ETag mismatch for {key}", current, grainState.ETag);
                }

                shared._records[key] = (etag, bytes);
            }

            Interlocked.Increment(ref shared.Writes);
            grainState.ETag = etag;
            grainState.RecordExists = true;
            return Task.CompletedTask;
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            shared._records.TryRemove(Key(stateName, grainId), out _);
            grainState.ETag = null;
            grainState.RecordExists = false;
            return Task.CompletedTask;
        }

        private static string Key(string stateName, GrainId grainId) => stateName + "|" + grainId;
    }
}
