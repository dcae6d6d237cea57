using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// A partition keeps its duplicate filter in segments (each base writes the ids taken since the last one; segments
/// whose ids are all forgotten are deleted; past <see cref="EnginePartitionGrain.MaxFilterSegments"/> the live filter is
/// rewritten as one). A stream that delivers activities again, some within the duplicate horizon (duplicates) and some
/// beyond it (then late), through a cluster writing a base at every batch and restarted from grain storage twice, gives
/// per batch the single node's duplicate and late counts, and its alerts: the restored filters hold exactly the live ids.
/// </summary>
public class FilterSegmentTests
{
    private const int Partitions = 4;

    [Fact]
    public async Task Segments_of_forgotten_ids_are_deleted_and_the_filter_survives_restarts()
    {
        var options = Options();
        options.DuplicateHorizon = TimeSpan.FromMinutes(10);
        var storage = await Run(options, batches: 60, restartAfter: [20, 41]);
        // A base every batch (4 minutes of activities): a partition keeps the segments of the last 10 minutes or so.
        Assert.InRange(FilterRecords(storage), 1, Partitions * 6);
    }

    [Fact]
    public async Task Past_the_segment_limit_the_filter_is_rewritten_as_one_segment_and_survives_restarts()
    {
        // The default horizon (a day): no segment expires; the 33rd base rewrites each partition's filter as one.
        var storage = await Run(Options(), batches: 45, restartAfter: [EnginePartitionGrain.MaxFilterSegments + 2, 40]);
        Assert.InRange(FilterRecords(storage), Partitions, Partitions * 14);
    }

    private static int FilterRecords(SharedGrainStorage storage) => storage.Keys.Count(k => k.StartsWith("filter.", StringComparison.Ordinal));

    private static async Task<SharedGrainStorage> Run(AlertEngineOptions options, int batches, int[] restartAfter)
    {
        var stream = Redelivering(batches);
        var cluster = await EngineCluster.StartAsync(2);
        var (engine, policies) = cluster.AddEngine(AllPolicies(), options, Partitions, maxDeltas: 0);
        var name = engine.Name;
        using var single = new AlertPipeline(policies, options);
        long number = 0;
        try
        {
            foreach (var batch in stream)
            {
                var before = single.Statistics;
                foreach (var activity in batch)
                {
                    single.Process(activity);
                }

                var result = await engine.ProcessAsync(++number, batch);
                var after = single.Statistics;
                Assert.Equal(((int)(after.Duplicates - before.Duplicates), (int)(after.Late - before.Late)), (result.Duplicates, result.Late));
                if (Array.IndexOf(restartAfter, (int)number) >= 0)
                {
                    var (registry, store, shared) = (cluster.Registry, cluster.Store, cluster.Storage);
                    await cluster.DisposeAsync();
                    cluster = await EngineCluster.StartAsync(2, registry, store, shared);
                    engine = cluster.Cluster.Client.GetAlertEngine(name);
                }
            }

            Assert.True(single.Statistics.Duplicates > 10, "too few duplicates: the test proves nothing");
            Assert.Equal(
                Oracle.Describe(Oracle.Changes(policies, options, stream.SelectMany(b => b))),
                Oracle.Describe(cluster.UpsertsOf(policies)));
            return cluster.Storage;
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Batches of 6 new activities 40 s apart (4 minutes a batch) and 2 delivered again from 1 to 6 batches
    /// earlier (4 to 24 minutes old: within a 10-minute horizon or not).</summary>
    private static List<List<Activity>> Redelivering(int batches)
    {
        var t0 = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);
        string[] operations = ["FileDeleted", "FileDownloaded", "MailRedirect"];
        var random = new Random(7);
        var sent = new List<Activity>();
        var result = new List<List<Activity>>();
        for (var b = 0; b < batches; b++)
        {
            var batch = new List<Activity>();
            for (var i = 0; i < 6; i++)
            {
                var n = sent.Count;
                var activity = new Activity($"a{n}", t0.AddSeconds(40 * n), operations[random.Next(operations.Length)])
                {
                    UserId = $"u{random.Next(4)}",
                    Properties = new Dictionary<string, string> { ["Bytes"] = "1500" },
                };
                sent.Add(activity);
                batch.Add(activity);
            }

            for (var i = 0; i < 2 && b > 0; i++)
            {
                var back = random.Next(1, Math.Min(b, 6) + 1);
                batch.Add(sent[((b - back) * 6) + random.Next(6)]);
            }

            result.Add(batch);
        }

        return result;
    }
}
