using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// An in-process Orleans cluster (silos on the in-memory transport) hosting test engines: one shared engine registry
/// (tests add engines to the running cluster), one shared recording alert store, and grain state in a
/// <see cref="SharedGrainStorage"/> outside the cluster, so it survives killed silos and whole-cluster restarts.
/// </summary>
internal sealed class EngineCluster : IAsyncDisposable
{
    private EngineCluster(InProcessTestCluster cluster, EngineRegistry registry, RecordingAlertStore store, SharedGrainStorage storage)
    {
        Cluster = cluster;
        Registry = registry;
        Store = store;
        Storage = storage;
    }

    public InProcessTestCluster Cluster { get; private set; }

    public EngineRegistry Registry { get; }

    public RecordingAlertStore Store { get; }

    public SharedGrainStorage Storage { get; }

    public static Task<EngineCluster> StartAsync(short silos) =>
        StartAsync(silos, new EngineRegistry([]), new RecordingAlertStore(), new SharedGrainStorage());

    /// <summary>Starts a cluster over existing registry, store and storage (a restart of the whole cluster).</summary>
    public static async Task<EngineCluster> StartAsync(short silos, EngineRegistry registry, RecordingAlertStore store, SharedGrainStorage storage)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureHost(host => host.Logging.ClearProviders());
        builder.ConfigureSilo((_, silo) =>
        {
            storage.Register(silo.Services, AlertEngineClusterOptions.StorageName);
            silo.Services.AddSingleton(registry);
            silo.Services.AddSingleton<IAlertStore>(store);
            silo.Services.AddSingleton(TimeProvider.System);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new EngineCluster(cluster, registry, store, storage);
    }

    /// <summary>Adds an engine with its own name, over <paramref name="policies"/> renamed with a unique prefix (so its
    /// alert ids are its own in the shared store); returns the client and the renamed policies.</summary>
    public (AlertEngineClient Client, IReadOnlyList<AlertPolicy> Policies) AddEngine(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, int partitions, string? name = null)
    {
        name ??= "e" + Guid.NewGuid().ToString("N")[..12];
        var renamed = policies.Select(p => p with { Id = name + "-" + p.Id }).ToArray();
        var cluster = new AlertEngineClusterOptions { Engine = options, Partitions = partitions };
        foreach (var policy in renamed)
        {
            cluster.Policies.Add(policy);
        }

        Registry.Add(EngineDefinition.Create(name, cluster));
        return (Cluster.Client.GetAlertEngine(name), renamed);
    }

    /// <summary>The alerts upserted for the given policies, in upsert order.</summary>
    public List<Alert> UpsertsOf(IReadOnlyList<AlertPolicy> policies)
    {
        var ids = policies.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        return Store.Upserts.Where(a => ids.Contains(a.PolicyId)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
