using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// The silo's shared routing (<see cref="EngineDefinition.RoutesFor"/>): a batch cut into parts that the partitions
/// asking at the same time route on their threads, each part with its own router, then joined in order, against the
/// oracle of one <see cref="PartitionRouter"/> routing the whole batch: the same entries (policy, owner, error) per
/// activity, batch after batch (the parts' arrays are reused). Not run in parallel with other classes: it sets the static
/// <see cref="EngineDefinition.RoutePartSize"/> for a while.
/// </summary>
[Collection(nameof(SharedRoutingTests))]
public class SharedRoutingTests
{
    [Theory]
    [InlineData(1_000_000)] // one part: one partition routes, the others wait
    [InlineData(300)] // as many parts as allowed (twice the cores), taken by four threads
    [InlineData(1)]
    public async Task Routes_shared_out_in_parts_equal_one_routing_of_the_whole_batch(int partSize)
    {
        var policies = AllPolicies();
        var random = new Random(17);
        var batch = new Activity[5_000];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new Activity("a" + i, Start.AddSeconds(i), Operations[random.Next(Operations.Length)])
            {
                UserId = random.Next(5) == 0 ? null : Users[random.Next(Users.Length)] + random.Next(50),
                Properties = new Dictionary<string, string> { ["Bytes"] = random.Next(9_000).ToString(System.Globalization.CultureInfo.InvariantCulture) },
            };
        }

        var admitted = new List<AdmittedActivity>();
        for (var i = 0; i < batch.Length; i++)
        {
            if (i % 7 != 3)
            {
                admitted.Add(new AdmittedActivity(100 + i, batch[i], i % 2 == 0));
            }
        }

        var wire = AdmittedActivities.From(admitted, 100);
        var bytes = ActivityBatchCodec.Encode(batch);
        AdmittedActivity[] buffer = [];
        var expected = new PartitionRouter(policies, 3).Route(wire.Resolve(ActivityBatchCodec.Decode(bytes), ref buffer));
        Assert.True(expected.Entries > admitted.Count / 2);

        var definition = new EngineDefinition("e", policies, Options(), 3);
        var previous = EngineDefinition.RoutePartSize;
        EngineDefinition.RoutePartSize = partSize;
        try
        {
            for (var b = 0; b < 3; b++)
            {
                var input = "input-" + b;
                var leases = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => definition.RoutesFor(input, wire, bytes))));
                foreach (var lease in leases)
                {
                    AssertEqual(expected, lease.Routes);
                    lease.Dispose();
                }
            }
        }
        finally
        {
            EngineDefinition.RoutePartSize = previous;
        }
    }

    private static void AssertEqual(BatchRoutes expected, BatchRoutes actual)
    {
        Assert.Equal(expected.Partitions, actual.Partitions);
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.Entries, actual.Entries);
        Assert.Equal(expected.Starts.ToArray(), actual.Starts.ToArray());
        Assert.Equal(expected.Policies.ToArray(), actual.Policies.ToArray());
        Assert.Equal(expected.Owners.ToArray(), actual.Owners.ToArray());
        Assert.Equal(expected.HasErrors, actual.HasErrors);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected.Admitted[i].Activity.Id, actual.Admitted[i].Activity.Id);
            Assert.Equal(expected.Admitted[i].Sequence, actual.Admitted[i].Sequence);
            Assert.Equal(expected.Admitted[i].MovesClock, actual.Admitted[i].MovesClock);
        }

        for (var e = 0; e < expected.Entries; e++)
        {
            Assert.Equal(expected.Error(e)?.GetType(), actual.Error(e)?.GetType());
        }
    }
}

/// <summary>Runs <see cref="SharedRoutingTests"/> alone: it changes a static setting other Orleans tests read.</summary>
[CollectionDefinition(nameof(SharedRoutingTests), DisableParallelization = true)]
public class SharedRoutingTestsCollection;
