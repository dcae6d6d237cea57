using AlertEngine.Tests.Partitioning;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// The steps of a clock jump under the anomaly dispersion grid (<see cref="GridBatchCursor"/>, which the partition grains
/// and the in-process <see cref="GridExchange"/> follow): the day starts an activity's jump runs ahead advance together
/// for every grid policy that activity moves, one day each per step, so a jump over D day starts costs the cluster about
/// D rounds of calls for those policies, not D per policy (orl-16; before, each policy's day starts were steps of their
/// own). The cluster's equivalence with the single pipeline over such jumps is <see cref="GridClusterTests"/>'s.
/// </summary>
public class GridJumpStepsTests
{
    [Theory]
    [InlineData(33)]
    [InlineData(5)]
    public void A_jump_runs_the_day_starts_of_every_policy_it_moves_in_the_same_steps(int jumpDays)
    {
        var cluster = new AlertEngineClusterOptions { Engine = GridStreams.GridOptions(), Partitions = 1 };
        foreach (var policy in GridStreams.GridPolicies())
        {
            cluster.Policies.Add(policy);
        }

        var definition = EngineDefinition.Create("steps", cluster);
        var t0 = new DateTimeOffset(2026, 1, 5, 0, 30, 0, TimeSpan.Zero);
        var batch = new List<Activity>();
        for (var h = 0; h < 48; h++)
        {
            batch.Add(new Activity("a" + h, t0.AddHours(h), "FileDownloaded") { UserId = "user" + (h % 5) + "@contoso.com" });
        }

        batch.Add(new Activity("jump", t0.AddHours(47).AddDays(jumpDays), "FileDownloaded") { UserId = "user1@contoso.com" });
        var admitted = new AdmittedActivities { FirstSequence = 0, Indexes = [.. Enumerable.Range(0, batch.Count)], MovesClock = [.. Enumerable.Repeat(true, batch.Count)] };

        var partition = new EnginePartition(definition.Policies, definition.Options, 0, 1);
        var moved = Enumerable.Range(0, definition.Policies.Count)
            .Where(i => partition.GridModelAt(i) is not null && definition.Policies[i].Operations.Contains("FileDownloaded"))
            .ToList();
        Assert.True(moved.Count >= 2, $"{moved.Count} grid policies on the jump's operation: the test proves less than it says");
        var cursor = GridBatchCursor.Create(partition, definition.Policies.Count)!;
        var output = new PartitionOutput();
        var aheads = new List<List<(int Policy, int Day)>>();
        using (var lease = definition.RoutesFor("input.steps", admitted, ActivityBatchCodec.Encode(batch)))
        {
            cursor.Begin(partition, lease.Routes);
            GridStep step;
            while ((step = cursor.Next()) != GridStep.Done)
            {
                switch (step)
                {
                    case GridStep.Evaluate:
                        partition.Evaluate(lease.Routes, cursor.From, cursor.To, output);
                        break;
                    case GridStep.Ahead:
                        aheads.Add([.. cursor.Aheads]);
                        foreach (var (policy, day) in cursor.Aheads)
                        {
                            Assert.True(partition.TryRunGridDayStartAhead(policy, day));
                        }

                        break;
                }
            }

            cursor.End();
        }

        // The jump's day starts but the last (the activity runs that one), at most the last 32 in all.
        var jumpDay = (int)(batch[^1].Time.UtcTicks / TimeSpan.TicksPerDay);
        var days = Math.Min(jumpDays, BaselineModel<Activity>.GridDayStartsPerJump) - 1;
        Assert.Equal(days, aheads.Count);
        for (var s = 0; s < aheads.Count; s++)
        {
            Assert.Equal(moved, aheads[s].Select(a => a.Policy).ToList());
            Assert.All(aheads[s], a => Assert.Equal(jumpDay - days + s, a.Day));
        }
    }
}
