namespace AlertEngine.Tests.Partitioning;

public class PartitionRouterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static AlertPolicy Policy(string id, string operation, Trigger trigger) => new()
    {
        Id = id,
        Name = id,
        Operations = [operation],
        Trigger = trigger,
    };

    private static AdmittedActivity[] Admit(params Activity[] activities)
    {
        var admitted = new AdmittedActivity[activities.Length];
        for (var i = 0; i < activities.Length; i++)
        {
            admitted[i] = new AdmittedActivity(100 + i, activities[i], MovesClock: true);
        }

        return admitted;
    }

    [Fact]
    public void Each_activity_lists_the_candidates_whose_conditions_it_passed_in_policy_order_with_the_owner_of_their_key()
    {
        var threshold = new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User);
        AlertPolicy[] policies =
        [
            Policy("by-user", "FileDeleted", threshold),
            Policy("other-operation", "FileRead", threshold),
            Policy("only-bob", "FileDeleted", threshold) with { Conditions = new UsersCondition(["bob@contoso.com"]) },
            Policy("disabled", "FileDeleted", threshold) with { Enabled = false },
            Policy("every-time", "filedeleted", new EveryTimeTrigger()),
        ];
        var router = new PartitionRouter(policies, 4);
        var routes = router.Route(Admit(
            new Activity("a1", T0, "FileDeleted") { UserId = "alice@contoso.com" },
            new Activity("a2", T0.AddMinutes(1), "FileRead") { UserId = "bob@contoso.com" },
            new Activity("a3", T0.AddMinutes(2), "Unknown") { UserId = "bob@contoso.com" },
            new Activity("a4", T0.AddMinutes(3), "FILEDELETED") { UserId = "bob@contoso.com" }));

        Assert.Equal(4, routes.Partitions);
        Assert.Equal(4, routes.Count);
        Assert.False(routes.HasErrors);
        (int Policy, int Owner)[] Entries(int i)
        {
            var list = new List<(int, int)>();
            for (var e = routes.Start(i); e < routes.Start(i + 1); e++)
            {
                list.Add((routes.Policy(e), routes.Owner(e)));
            }

            return [.. list];
        }

        Assert.Equal([(0, Partitioner.Of("alice@contoso.com", 4)), (4, Partitioner.Of("a1", 4))], Entries(0));
        Assert.Equal([(1, Partitioner.Of("bob@contoso.com", 4))], Entries(1));
        Assert.Empty(Entries(2));
        Assert.Equal(
            [(0, Partitioner.Of("bob@contoso.com", 4)), (2, Partitioner.Of("bob@contoso.com", 4)), (4, Partitioner.Of("a4", 4))],
            Entries(3));
        Assert.Equal(6, routes.Entries);
        Assert.Equal(103, routes.Admitted[3].Sequence);
    }

    [Fact]
    public void A_batch_routed_for_another_partition_count_is_refused()
    {
        AlertPolicy[] policies = [Policy("by-user", "FileDeleted", new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User))];
        var routes = new PartitionRouter(policies, 2).Route(Admit(new Activity("a1", T0, "FileDeleted") { UserId = "alice" }));
        var partition = new EnginePartition(policies, new AlertEngineOptions(), 0, 4);

        var e = Assert.Throws<ArgumentException>(() => partition.Evaluate(routes, new PartitionOutput()));
        Assert.Equal("routes", e.ParamName);
    }

    [Fact]
    public void On_shared_routes_only_the_partition_that_owns_the_key_detects()
    {
        // Three alice activities in 10 minutes: the owner of alice's key detects at the third; the others only follow
        // the clock.
        AlertPolicy[] policies = [Policy("by-user", "FileDeleted", new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User))];
        var routes = new PartitionRouter(policies, 3).Route(Admit(
            new Activity("a1", T0, "FileDeleted") { UserId = "alice" },
            new Activity("a2", T0.AddMinutes(1), "FileDeleted") { UserId = "bob" },
            new Activity("a3", T0.AddMinutes(2), "FileDeleted") { UserId = "alice" },
            new Activity("a4", T0.AddMinutes(3), "FileDeleted") { UserId = "alice" }));
        for (var p = 0; p < 3; p++)
        {
            var output = new PartitionOutput();
            new EnginePartition(policies, new AlertEngineOptions(), p, 3).Evaluate(routes, output);
            if (p == Partitioner.Of("alice", 3))
            {
                var detection = Assert.Single(output.Events);
                Assert.Equal((103L, PartitionEventKind.Detection), (detection.Sequence, detection.Kind));
            }
            else
            {
                Assert.Empty(output.Events);
            }
        }
    }
}
