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

    /// <summary>The coordinator drops its silo's routes once every partition has evaluated the batch
    /// (<see cref="EngineDefinition.ReleaseBatch"/>), so the batch's activities are garbage before the next batch is
    /// decoded: never while a partition holds them, and a partition asking for the same batch afterwards (a retry) gets
    /// the same routes again.</summary>
    [Fact]
    public void Releasing_idle_routes_drops_the_batch_but_never_routes_a_partition_holds()
    {
        var policies = AllPolicies();
        var random = new Random(23);
        var batch = new Activity[600];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new Activity("a" + i, Start.AddSeconds(i), Operations[random.Next(Operations.Length)])
            {
                UserId = Users[random.Next(Users.Length)] + random.Next(20),
            };
        }

        var admitted = new List<AdmittedActivity>();
        for (var i = 0; i < batch.Length; i++)
        {
            admitted.Add(new AdmittedActivity(7 + i, batch[i], i % 3 == 0));
        }

        var wire = AdmittedActivities.From(admitted, 7);
        var bytes = ActivityBatchCodec.Encode(batch);
        AdmittedActivity[] buffer = [];
        var expected = new PartitionRouter(policies, 3).Route(wire.Resolve(ActivityBatchCodec.Decode(bytes), ref buffer));
        Assert.True(expected.Count > 0 && expected.Entries > 0);

        var definition = new EngineDefinition("e", policies, Options(), 3);
        var held = definition.RoutesFor("input-1", wire, bytes);
        var other = definition.RoutesFor("input-1", wire, bytes);
        other.Dispose();
        definition.ReleaseBatch(); // one partition still holds them: kept
        AssertEqual(expected, held.Routes);
        var routes = held.Routes;
        held.Dispose();
        AssertEqual(expected, routes); // kept after the last partition's lease (a later partition of the batch may ask)

        definition.ReleaseBatch();
        Assert.Equal(0, routes.Count); // the routes no longer reference the batch's activities
        Assert.Equal(0, routes.Entries);

        using var again = definition.RoutesFor("input-1", wire, bytes);
        AssertEqual(expected, again.Routes);
    }

    /// <summary>The silo decodes a batch once for the coordinator and the partitions (<see cref="EngineDefinition.Decode"/>),
    /// and once the coordinator releases the batch its activities are garbage even while the batch's buffer lives on (a
    /// large object, which only a full collection frees: a table weakly keyed by the buffer kept ~10,000 activities per
    /// batch alive through every young collection until then).</summary>
    [Fact]
    public void A_released_batch_is_garbage_while_its_buffer_lives()
    {
        var policies = AllPolicies();
        var batch = new Activity[300];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new Activity("a" + i, Start.AddSeconds(i), Operations[i % Operations.Length]) { UserId = Users[i % Users.Length] };
        }

        var bytes = ActivityBatchCodec.Encode(batch);
        var definition = new EngineDefinition("e", policies, Options(), 2);
        var (array, activity) = DecodeAndRoute(definition, bytes);
        definition.ReleaseBatch();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(array.IsAlive); // the decoded batch
        Assert.False(activity.IsAlive); // an activity the routes held
        GC.KeepAlive(bytes);
    }

    /// <summary>Decodes and routes the batch as a coordinator and two partitions do (not inlined: no reference to the
    /// activities stays in the caller's frame).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (WeakReference Array, WeakReference Activity) DecodeAndRoute(EngineDefinition definition, byte[] bytes)
    {
        var activities = definition.Decode(bytes);
        Assert.Same(activities, definition.Decode(bytes));
        var admitted = new List<AdmittedActivity>();
        for (var i = 0; i < activities.Length; i++)
        {
            admitted.Add(new AdmittedActivity(1 + i, activities[i], true));
        }

        var wire = AdmittedActivities.From(admitted, 1);
        using (var first = definition.RoutesFor("input-1", wire, bytes))
        using (var second = definition.RoutesFor("input-1", wire, bytes))
        {
            Assert.Same(activities[0], first.Routes.Admitted[0].Activity);
            Assert.Equal(first.Routes.Count, second.Routes.Count);
        }

        return (new WeakReference(activities), new WeakReference(activities[^1]));
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

    /// <summary>The anomaly switches are in the state fingerprint (a partition persisted under one setting refuses to
    /// activate under the other, as for other policies: its batch inputs would replay without the grid's exchanges);
    /// engines without them keep the policies-only fingerprint of state persisted before.</summary>
    [Fact]
    public void The_fingerprint_covers_the_anomaly_switches()
    {
        var policies = AllPolicies();
        ulong Of(double fitLimit, bool grid) =>
            new EngineDefinition("e", policies, new AlertEngineOptions { AnomalyProfileFitLimit = fitLimit, AnomalyDispersionGrid = grid }, 3).Fingerprint;

        var off = Of(0, false);
        // The defaults follow AnomalyModel (flip-16): the population model is the profile and the grid, the per-key model neither.
        Assert.Equal(off, new EngineDefinition("e", policies, new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, 3).Fingerprint);
        Assert.Equal(Of(BaselineMath.ProfileFitDefault, true), new EngineDefinition("e", policies, new AlertEngineOptions(), 3).Fingerprint);
        Assert.Equal(Of(0.5, true), Of(0.5, true));
        ulong[] others = [Of(0.5, true), Of(0.5, false), Of(0.25, true), Of(0.25, false)];
        Assert.Equal(others.Length + 1, others.Append(off).Distinct().Count());
    }
}
