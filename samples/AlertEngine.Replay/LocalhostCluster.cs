using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace AlertEngine.Replay;

/// <summary>
/// An Orleans cluster of N silos started in this process on localhost (real TCP on loopback ports chosen free), with
/// the engine hosted on every silo, memory grain storage, the given alert store, and a client connected to the
/// silos' gateways. Disposing stops the client, then the silos.
/// </summary>
internal sealed class LocalhostCluster : IAsyncDisposable
{
    public const string EngineName = "replay";

    private readonly List<IHost> _silos;
    private readonly IHost _client;

    private LocalhostCluster(List<IHost> silos, IHost client)
    {
        _silos = silos;
        _client = client;
        Engine = client.Services.GetRequiredService<IClusterClient>().GetAlertEngine(EngineName);
    }

    public AlertEngineClient Engine { get; }

    /// <summary>The silos' hosts (for benchmarks that look into a silo's services).</summary>
    public IReadOnlyList<IHost> Silos => _silos;

    public static async Task<LocalhostCluster> StartAsync(int silos, IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, IAlertStore store, CancellationToken cancellationToken, Action<ISiloBuilder>? configureSilo = null)
    {
        var clusterId = "alertengine-replay-" + Guid.NewGuid().ToString("N")[..8];
        var ports = FreePorts(2 * silos);
        var primary = new IPEndPoint(IPAddress.Loopback, ports[0]);
        var hosts = new List<IHost>();
        try
        {
            for (var i = 0; i < silos; i++)
            {
                var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
                builder.Logging.ClearProviders();
                builder.Services.AddSingleton(store);
                var siloPort = ports[2 * i];
                var gatewayPort = ports[(2 * i) + 1];
                builder.UseOrleans(silo => (configureSilo ?? (_ => { }))(silo
                    .UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: clusterId, clusterId: clusterId)
                    // Orleans' binary serializer (the default grain-storage serializer is JSON, state bytes as base64 text), written
                    // into an exact-size array (ExactGrainStorageSerializer).
                    .AddMemoryGrainStorage(AlertEngineClusterOptions.StorageName, (OptionsBuilder<MemoryGrainStorageOptions> o) => o
                        .Configure<Serializer>((options, serializer) => options.GrainStorageSerializer = new ExactGrainStorageSerializer(serializer)))
                    .AddAlertEngine(EngineName, o =>
                    {
                        o.Engine = options;
                        o.Partitions = Math.Max(4, 2 * silos);
                        foreach (var policy in policies)
                        {
                            o.Policies.Add(policy);
                        }
                    }))); // configureSilo last (benchmarks replace the grain storage with it)

                var host = builder.Build();
                hosts.Add(host);
                await host.StartAsync(cancellationToken);
            }

            var gateways = new IPEndPoint[silos];
            for (var i = 0; i < silos; i++)
            {
                gateways[i] = new IPEndPoint(IPAddress.Loopback, ports[(2 * i) + 1]);
            }

            var clientBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            clientBuilder.Logging.ClearProviders();
            clientBuilder.UseOrleansClient(client => client.UseStaticClustering(gateways).Configure<Orleans.Configuration.ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = clusterId;
            }));
            var clientHost = clientBuilder.Build();
            hosts.Add(clientHost);
            await clientHost.StartAsync(cancellationToken);
            hosts.Remove(clientHost);
            return new LocalhostCluster(hosts, clientHost);
        }
        catch
        {
            foreach (var host in hosts)
            {
                host.Dispose();
            }

            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        _client.Dispose();
        for (var i = _silos.Count - 1; i >= 0; i--)
        {
            await _silos[i].StopAsync();
            _silos[i].Dispose();
        }
    }

    /// <summary>Loopback ports free right now (the OS picks them).</summary>
    private static int[] FreePorts(int count)
    {
        var listeners = new TcpListener[count];
        var ports = new int[count];
        for (var i = 0; i < count; i++)
        {
            listeners[i] = new TcpListener(IPAddress.Loopback, 0);
            listeners[i].Start();
            ports[i] = ((IPEndPoint)listeners[i].LocalEndpoint).Port;
        }

        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        return ports;
    }
}
