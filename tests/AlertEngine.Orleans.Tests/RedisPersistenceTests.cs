using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// The engine's grain state in a real persistence provider: <c>Microsoft.Orleans.Persistence.Redis</c> against a
/// Debian <c>redis-server</c> started for the class (<see cref="RedisServer"/>). A silo killed between batches and
/// mid-batch (then the batch retried), and the whole cluster restarted, give the single node's alerts from the state
/// Redis holds (base snapshots and deltas, <see cref="StateLogStore"/>). Without redis-server on the PATH the tests are
/// skipped with a message, unless ALERTENGINE_REQUIRE_REDIS=1 (CI installs redis-server and sets it: they fail).
/// </summary>
public sealed class RedisPersistenceTests : IAsyncLifetime
{
    private RedisServer? _redis;

    public async ValueTask InitializeAsync() => _redis = await RedisServer.TryStartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }

    [Fact]
    public async Task Killing_a_silo_between_batches_and_mid_batch_then_retrying_gives_the_same_alerts_from_Redis()
    {
        var redis = Server();
        var killed = 0;
        var (retries, silos) = await FaultTests.RunWithFault(6, async (cluster, engine, number, send) =>
        {
            if (number == 4)
            {
                await cluster.Cluster.KillSiloAsync(FaultTests.Secondary(cluster));
            }
            else if (number == 9)
            {
                cluster.Faults.PausePartition(engine.Name, number, cluster.Cluster.GetActiveSilos().First().SiloAddress);
                var paused = cluster.Faults.Paused;
                var pending = send();
                var pause = await paused;
                await cluster.Cluster.KillSiloAsync(cluster.Cluster.GetActiveSilos().Single(s => s.SiloAddress.Equals(pause.Silo)));
                cluster.Faults.Fail();
                killed++;
                await pending;
                return;
            }

            await send();
        }, FaultTests.MaxDeltas, redis);
        Assert.Equal(1, killed);
        Assert.True(retries > 0, "the mid-batch kill did not fail the batch");
        Assert.Equal(1, silos);
    }

    [Fact]
    public async Task Restarting_the_whole_cluster_resumes_from_the_state_in_Redis()
    {
        var redis = Server();
        var activities = FaultTests.Stream(7);
        var batches = Oracle.Batches(activities, FaultTests.BatchSize).ToList();
        var cluster = await EngineCluster.StartAsync(2, redis);
        var (engine, policies) = cluster.AddEngine(AllPolicies(), Options(), FaultTests.Partitions, maxDeltas: FaultTests.MaxDeltas);
        var name = engine.Name;
        var half = Math.Min(7, batches.Count - 1); // a base at batch 5, deltas at 6 and 7
        for (var i = 0; i < half; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        var (registry, store, storage) = (cluster.Registry, cluster.Store, cluster.Storage);
        await cluster.DisposeAsync();
        Assert.Equal(0, storage.Writes); // everything went to Redis

        await using var restarted = await EngineCluster.StartAsync(3, registry, store, storage, redis);
        engine = restarted.Cluster.Client.GetAlertEngine(name);
        Assert.Equal(half, await engine.GetLastBatchNumberAsync());
        for (var i = half; i < batches.Count; i++)
        {
            await engine.ProcessAsync(i + 1, batches[i], TestContext.Current.CancellationToken);
        }

        Assert.Equal(
            Oracle.Describe(Oracle.Changes(policies, Options(), activities)),
            Oracle.Describe(restarted.UpsertsOf(policies)));
    }

    private string Server()
    {
        if (_redis is { } redis)
        {
            return redis.Endpoint;
        }

        const string message = "redis-server is not installed (apt-get install -y redis-server; .ci/run installs it)";
        if (Environment.GetEnvironmentVariable("ALERTENGINE_REQUIRE_REDIS") == "1")
        {
            Assert.Fail(message + ", and ALERTENGINE_REQUIRE_REDIS=1.");
        }

        Assert.Skip(message + ": the Redis persistence tests are skipped.");
        return "";
    }
}
