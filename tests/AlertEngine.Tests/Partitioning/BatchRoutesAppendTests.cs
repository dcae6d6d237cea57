using FsCheck.Xunit;

namespace AlertEngine.Tests.Partitioning;

/// <summary>
/// <see cref="BatchRoutes.Append"/> (the Orleans silo's shared routing joins the parts of a batch with it): routes
/// filled part by part and appended in order equal the routes filled in one go, errors included, whatever the cut
/// points, including parts without entries and parts with and without errors, in a reused instance.
/// </summary>
public class BatchRoutesAppendTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    // One activity's entries, chosen by the seed: (policy, owner, error or null).
    private static (int Policy, int Owner, Exception? Error)[][] Scenario(Random random, int count)
    {
        var entries = new (int, int, Exception?)[count][];
        for (var i = 0; i < count; i++)
        {
            var n = random.Next(4); // 0 to 3 entries: an activity without candidates has none
            entries[i] = new (int, int, Exception?)[n];
            for (var k = 0; k < n; k++)
            {
                entries[i][k] = (random.Next(10), random.Next(3), random.Next(6) == 0 ? new InvalidOperationException($"e{i}.{k}") : null);
            }
        }

        return entries;
    }

    private static void Fill(BatchRoutes routes, (int Policy, int Owner, Exception? Error)[][] entries, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            foreach (var (policy, owner, error) in entries[i])
            {
                routes.Add(policy, owner, error);
            }

            routes.End(i - from);
        }
    }

    [Property(MaxTest = 200)]
    public void Parts_appended_in_order_equal_one_routing_of_the_whole_batch(int seed)
    {
        var random = new Random(seed);
        var count = random.Next(0, 40);
        var admitted = new AdmittedActivity[count];
        for (var i = 0; i < count; i++)
        {
            admitted[i] = new AdmittedActivity(100 + i, new Activity("a" + i, T0.AddSeconds(i), "FileDeleted"), MovesClock: true);
        }

        var entries = Scenario(random, count);
        var whole = new BatchRoutes();
        whole.Begin(admitted, 3);
        Fill(whole, entries, 0, count);

        // Cut points (parts may be empty), and a joined instance reused from an earlier batch that had errors
        // everywhere, so stale errors would show.
        var cuts = new List<int> { 0 };
        for (var parts = random.Next(1, 5); parts > 1; parts--)
        {
            cuts.Add(random.Next(0, count + 1));
        }

        cuts.Add(count);
        cuts.Sort();
        var joined = new BatchRoutes();
        joined.Begin(admitted, 3);
        for (var e = 0; e < 50; e++)
        {
            joined.Add(e % 10, e % 3, new InvalidOperationException("stale"));
        }

        joined.Begin(admitted, 3);
        for (var p = 0; p + 1 < cuts.Count; p++)
        {
            var part = new BatchRoutes();
            part.Begin(admitted.AsSpan(cuts[p], cuts[p + 1] - cuts[p]), 3);
            Fill(part, entries, cuts[p], cuts[p + 1]);
            joined.Append(part, cuts[p]);
        }

        Assert.Equal(whole.Count, joined.Count);
        Assert.Equal(whole.Entries, joined.Entries);
        Assert.Equal(whole.Starts.ToArray(), joined.Starts.ToArray());
        Assert.Equal(whole.Policies.ToArray(), joined.Policies.ToArray());
        Assert.Equal(whole.Owners.ToArray(), joined.Owners.ToArray());
        Assert.Equal(whole.HasErrors, joined.HasErrors);
        for (var e = 0; e < whole.Entries; e++)
        {
            Assert.Same(whole.Error(e), joined.Error(e));
        }
    }

    [Fact]
    public void An_error_only_in_a_later_part_is_kept()
    {
        var admitted = new AdmittedActivity[2];
        for (var i = 0; i < admitted.Length; i++)
        {
            admitted[i] = new AdmittedActivity(i, new Activity("a" + i, T0, "FileDeleted"), MovesClock: true);
        }

        var error = new InvalidOperationException("condition failed");
        var first = new BatchRoutes();
        first.Begin(admitted.AsSpan(0, 1), 2);
        first.Add(0, 1, null);
        first.End(0);
        var second = new BatchRoutes();
        second.Begin(admitted.AsSpan(1, 1), 2);
        second.Add(0, 0, error);
        second.End(0);

        var joined = new BatchRoutes();
        joined.Begin(admitted, 2);
        joined.Append(first, 0);
        joined.Append(second, 1);

        Assert.True(joined.HasErrors);
        Assert.Null(joined.Error(0));
        Assert.Same(error, joined.Error(1));
    }

    [Fact]
    public void A_skipped_part_is_refused()
    {
        var admitted = new AdmittedActivity[3];
        for (var i = 0; i < admitted.Length; i++)
        {
            admitted[i] = new AdmittedActivity(i, new Activity("a" + i, T0, "FileDeleted"), MovesClock: true);
        }

        BatchRoutes Part(int i)
        {
            var part = new BatchRoutes();
            part.Begin(admitted.AsSpan(i, 1), 2);
            part.Add(0, 0, null);
            part.End(0);
            return part;
        }

        var joined = new BatchRoutes();
        joined.Begin(admitted, 2);
        joined.Append(Part(0), 0);

        // The second activity's part is missing: the join would not equal one routing.
        var e = Assert.Throws<InvalidOperationException>(() => joined.Append(Part(2), 2));
        Assert.Contains("in order", e.Message, StringComparison.Ordinal);
    }
}
