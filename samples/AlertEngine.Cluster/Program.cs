using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AlertEngine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

// A localhost Orleans cluster evaluating the bundled sample tenant.
//
//   dotnet run --project samples/AlertEngine.Cluster [-- --silos 3]
//       starts that many silos, each its own process (this program with "silo ..."), on free loopback ports; then a
//       client streams samples/data/activities.jsonl in batches of 1,000, prints each batch's result, the alerts (read
//       from the SQLite file every silo writes them to) and the activations per silo; then stops the silos.
//   dotnet run --project samples/AlertEngine.Cluster -- silo <index> <ports> <database>
//       one silo: <ports> is "siloPort,gatewayPort;siloPort,gatewayPort;..." (silo 0 is the primary).
const string ClusterId = "alertengine-sample";
const int BatchSize = 1000;
var root = FindRoot();

if (args.Length == 4 && args[0] == "silo")
{
    await RunSiloAsync(int.Parse(args[1], CultureInfo.InvariantCulture), ParsePorts(args[2]), args[3]);
    return 0;
}

var silos = args.Length == 2 && args[0] == "--silos" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 2;
var database = Path.Combine(Path.GetTempPath(), $"alertengine-cluster-{Guid.NewGuid():N}.db");
var ports = FreePorts(silos);
var portList = string.Join(';', ports.Select(p => $"{p.Silo},{p.Gateway}"));
var processes = new List<Process>();
try
{
    for (var i = 0; i < silos; i++)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { typeof(Program).Assembly.Location, "silo", i.ToString(CultureInfo.InvariantCulture), portList, database })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        processes.Add(process);
        await WaitForPortAsync(ports[i].Gateway, process);
        Console.WriteLine($"silo {i}: process {process.Id}, silo port {ports[i].Silo}, gateway port {ports[i].Gateway}");
    }

    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Logging.ClearProviders();
    builder.UseOrleansClient(client => client
        .UseStaticClustering(ports.Select(p => new IPEndPoint(IPAddress.Loopback, p.Gateway)).ToArray())
        .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId)));
    using var host = builder.Build();
    await host.StartAsync();
    var client = host.Services.GetRequiredService<IClusterClient>();
    var engine = client.GetAlertEngine();

    // Resume after the last batch the cluster applied (0 for a new engine), and send the rest in numbered batches.
    var batch = new List<AlertEngine.Activity>(BatchSize);
    long number = await engine.GetLastBatchNumberAsync();
    using (var input = File.OpenRead(Path.Combine(root, "samples", "data", "activities.jsonl")))
    {
        foreach (var result in ActivityReader.Read(input, "activities.jsonl"))
        {
            if (result.IsValid)
            {
                batch.Add(result.Activity!);
            }

            if (batch.Count == BatchSize)
            {
                await SendAsync(engine, ++number, batch);
            }
        }
    }

    if (batch.Count > 0)
    {
        await SendAsync(engine, ++number, batch);
    }

    using (var storage = new SqliteStorage($"Data Source={database}"))
    {
        var alerts = await storage.Alerts.QueryAsync(AlertQuery.All);
        Console.WriteLine($"{alerts.Count} alerts:");
        foreach (var alert in alerts.OrderBy(a => a.CreatedAt).ThenBy(a => a.PolicyId, StringComparer.Ordinal).ThenBy(a => a.Id, StringComparer.Ordinal))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {alert.Id}: {alert.PolicyName}, {alert.HitCount} hit(s), created {alert.CreatedAt:O}"));
        }
    }

    var statistics = await client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
    Console.WriteLine("activations per silo:");
    foreach (var silo in statistics.GroupBy(s => s.SiloAddress.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal))
    {
        var engineGrains = silo.Where(s => s.GrainType.Contains("Engine", StringComparison.Ordinal));
        Console.WriteLine($"  {silo.Key}: " + string.Join(", ", engineGrains.Select(s => $"{ShortName(s.GrainType)} {s.ActivationCount}")));
    }

    await host.StopAsync();
    return 0;
}
finally
{
    foreach (var process in processes)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    foreach (var file in new[] { database, database + "-wal", database + "-shm" })
    {
        File.Delete(file);
    }
}

static async Task SendAsync(AlertEngineClient engine, long number, List<AlertEngine.Activity> batch)
{
    var watch = Stopwatch.StartNew();
    var result = await engine.ProcessAsync(number, batch);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"batch {number}: {result.Activities} activities, {result.Duplicates} duplicates, {result.Detections} detections, {result.AlertsCreated} alerts created, {watch.ElapsedMilliseconds} ms"));
    batch.Clear();
}

static async Task RunSiloAsync(int index, (int Silo, int Gateway)[] ports, string database)
{
    var policies = PolicySerializer.Load(File.OpenRead(Path.Combine(FindRoot(), "samples", "data", "policies.json"))).Value;
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
    builder.Logging.ClearProviders();
    builder.Services.AddSingleton<IAlertStore>(_ => new SqliteStorage($"Data Source={database}").Alerts);
    builder.UseOrleans(silo => silo
        .UseLocalhostClustering(ports[index].Silo, ports[index].Gateway, new IPEndPoint(IPAddress.Loopback, ports[0].Silo), ClusterId, ClusterId)
        .AddMemoryGrainStorage(AlertEngineClusterOptions.StorageName)
        .AddAlertEngine(options =>
        {
            options.Partitions = 8;
            foreach (var policy in policies)
            {
                options.Policies.Add(policy);
            }
        }));
    using var host = builder.Build();
    await host.RunAsync();
}

static (int Silo, int Gateway)[] ParsePorts(string text) =>
    text.Split(';').Select(p => p.Split(',')).Select(p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture))).ToArray();

static (int Silo, int Gateway)[] FreePorts(int count)
{
    var listeners = Enumerable.Range(0, 2 * count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
    listeners.ForEach(l => l.Start());
    var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
    listeners.ForEach(l => l.Stop());
    return Enumerable.Range(0, count).Select(i => (ports[2 * i], ports[(2 * i) + 1])).ToArray();
}

static async Task WaitForPortAsync(int port, Process process)
{
    for (var attempt = 0; attempt < 600; attempt++)
    {
        if (process.HasExited)
        {
            throw new InvalidOperationException($"the silo process exited: {await process.StandardError.ReadToEndAsync()}");
        }

        try
        {
            using var probe = new TcpClient();
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return;
        }
        catch (SocketException)
        {
            await Task.Delay(100);
        }
    }

    throw new TimeoutException($"no silo listened on port {port} within a minute");
}

static string ShortName(string grainType) =>
    grainType.Contains("Coordinator", StringComparison.Ordinal) ? "coordinator" : grainType.Contains("Partition", StringComparison.Ordinal) ? "partitions" : grainType;

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AlertEngine.sln")))
    {
        dir = dir.Parent;
    }

    return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
}
