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
    private EngineCluster(InProcessTestCluster cluster, EngineRegistry registry, RecordingAlertStore store, SharedGrainStorage storage, FaultPoints faults)
    {
        Faults = faults;
        Cluster = cluster;
        Registry = registry;
        Store = store;
        Storage = storage;
    }

    public InProcessTestCluster Cluster { get; private set; }

    public EngineRegistry Registry { get; }

    public RecordingAlertStore Store { get; }

    public SharedGrainStorage Storage { get; }

    /// <summary>Pauses a batch at a known point (for killing a silo mid-batch).</summary>
    public FaultPoints Faults { get; }

    public static Task<EngineCluster> StartAsync(short silos) =>
        StartAsync(silos, new EngineRegistry([]), new RecordingAlertStore(), new SharedGrainStorage());

    /// <summary>Starts a cluster in which every silo has its own engine registry and so its own
    /// <see cref="EngineDefinition"/> per engine (its decoded batch and routes), as silos in separate processes do;
    /// <see cref="AddEngine"/> adds the engine to every silo running then (not to silos started later). The other
    /// clusters share one registry, so their silos share one definition per engine.</summary>
    public static async Task<EngineCluster> StartWithSiloRegistriesAsync(short silos)
    {
        var cluster = await StartAsync(silos, new EngineRegistry([]), new RecordingAlertStore(), new SharedGrainStorage(), redis: null, siloRegistries: true);
        return cluster;
    }

    /// <summary>Whether each silo has its own registry (<see cref="StartWithSiloRegistriesAsync"/>).</summary>
    public bool SiloRegistries { get; private init; }

    /// <summary>Each running silo's definition of the engine <paramref name="name"/>.</summary>
    public IReadOnlyList<(global::Orleans.Runtime.SiloAddress Silo, EngineDefinition Definition)> DefinitionsOf(string name) =>
        Cluster.Silos.Select(s => (s.SiloAddress, s.ServiceProvider.GetRequiredService<EngineRegistry>().Get(name))).ToList();

    /// <summary>Starts a cluster whose engines persist to the Redis server at <paramref name="redis"/>
    /// (<c>Microsoft.Orleans.Persistence.Redis</c>) instead of a <see cref="SharedGrainStorage"/>.</summary>
    public static Task<EngineCluster> StartAsync(short silos, string redis) =>
        StartAsync(silos, new EngineRegistry([]), new RecordingAlertStore(), new SharedGrainStorage(), redis);

    /// <summary>The Redis server the engines persist to, or null (a <see cref="SharedGrainStorage"/>).</summary>
    public string? Redis { get; private init; }

    /// <summary>Starts a cluster over existing registry, store and storage (a restart of the whole cluster).</summary>
    public static async Task<EngineCluster> StartAsync(short silos, EngineRegistry registry, RecordingAlertStore store, SharedGrainStorage storage, string? redis = null, bool siloRegistries = false)
    {
        var faults = new FaultPoints();
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureHost(host => host.Logging.ClearProviders());
        builder.ConfigureSilo((_, silo) =>
        {
            if (redis is null)
            {
                storage.Register(silo.Services, AlertEngineClusterOptions.StorageName);
            }
            else
            {
                silo.AddRedisGrainStorage(AlertEngineClusterOptions.StorageName, options =>
                {
                    options.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(redis);
                    // Records replaced by a new base are deleted, not kept empty.
                    options.DeleteStateOnClear = true;
                    // Each test cluster has its own service id, which the default key starts with; a restarted
                    // cluster must find the state of the one before (engines have unique names: no clashes).
                    options.GetStorageKey = static (stateName, grainId) => $"alertengine-tests/state/{grainId}/{stateName}";
                });
            }

            if (siloRegistries)
            {
                silo.Services.AddSingleton(_ => new EngineRegistry([]));
            }
            else
            {
                silo.Services.AddSingleton(registry);
            }

            silo.Services.AddSingleton<IAlertStore>(store);
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton(sp => faults.For(sp.GetRequiredService<global::Orleans.Runtime.ILocalSiloDetails>().SiloAddress));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new EngineCluster(cluster, registry, store, storage, faults) { Redis = redis, SiloRegistries = siloRegistries };
    }

    /// <summary>Adds an engine with its own name, over <paramref name="policies"/> renamed with a unique prefix (so its
    /// alert ids are its own in the shared store); returns the client and the renamed policies.</summary>
    public (AlertEngineClient Client, IReadOnlyList<AlertPolicy> Policies) AddEngine(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, int partitions, string? name = null, int? maxDeltas = null)
    {
        name ??= "e" + Guid.NewGuid().ToString("N")[..12];
        var renamed = policies.Select(p => p with { Id = name + "-" + p.Id }).ToArray();
        var cluster = new AlertEngineClusterOptions { Engine = options, Partitions = partitions };
        foreach (var policy in renamed)
        {
            cluster.Policies.Add(policy);
        }

        EngineDefinition Define()
        {
            var definition = EngineDefinition.Create(name, cluster);
            if (maxDeltas is { } max)
            {
                // Compaction at known batches only: a base at batch 1, then max deltas, then a base, …
                definition.MaxDeltas = max;
                definition.CompactionFraction = double.PositiveInfinity;
            }

            return definition;
        }

        if (SiloRegistries)
        {
            foreach (var silo in Cluster.Silos)
            {
                silo.ServiceProvider.GetRequiredService<EngineRegistry>().Add(Define());
            }
        }
        else
        {
            Registry.Add(Define());
        }

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
