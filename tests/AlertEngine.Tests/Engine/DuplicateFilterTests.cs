using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Engine;

public class DuplicateFilterTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Naive oracle: every id with the newest time seen when it was remembered.</summary>
    private sealed class Oracle(long horizon)
    {
        private readonly Dictionary<string, long> _seen = [];
        private long _newest = long.MinValue;

        public bool IsDuplicate(string id, long ticks)
        {
            _newest = Math.Max(_newest, ticks);
            if (_seen.TryGetValue(id, out var at) && at > _newest - horizon)
            {
                return true;
            }

            _seen[id] = _newest;
            return false;
        }
    }

    /// <summary>Ids from a pool (small pools repeat, large ones fill and rebuild the table), times that mostly move
    /// forward by up to a few seconds and sometimes jump back or far ahead.</summary>
    private static Arbitrary<(int HorizonSeconds, int Pool, (int Id, int Step)[] Steps)> Streams() =>
        Arb.From(
            from horizon in Gen.Elements(1, 10, 60, 3600)
            from pool in Gen.Elements(5, 200, 5000)
            from steps in Gen.ArrayOf(
                from id in Gen.Choose(0, 4999)
                from step in Gen.Frequency((8, Gen.Choose(0, 3)), (1, Gen.Choose(-30, -1)), (1, Gen.Choose(100, 5000)))
                select (id, step))
            select (horizon, pool, steps));

    [Property(MaxTest = 150)]
    public Property The_filter_decides_exactly_as_a_dictionary_of_every_id_it_remembers() =>
        Prop.ForAll(Streams(), input =>
        {
            var horizon = TimeSpan.FromSeconds(input.HorizonSeconds);
            var filter = new DuplicateFilter(horizon);
            var oracle = new Oracle(horizon.Ticks);
            var t = T0;
            var steps = input.Steps.Length < 20 ? input.Steps : [.. input.Steps, .. input.Steps, .. input.Steps];
            foreach (var (id, step) in steps)
            {
                t = t.AddSeconds(step);
                var key = "a" + (id % input.Pool);
                if (filter.IsDuplicate(key, t) != oracle.IsDuplicate(key, t.UtcTicks))
                {
                    return false.Label($"{key} at {t:O}");
                }
            }

            return true.ToProperty();
        });

    [Fact]
    public void Many_distinct_ids_within_the_horizon_are_all_remembered_across_table_rebuilds()
    {
        var filter = new DuplicateFilter(TimeSpan.FromDays(1));
        for (var i = 0; i < 50_000; i++)
        {
            Assert.False(filter.IsDuplicate("id" + i, T0.AddSeconds(i)));
        }

        for (var i = 0; i < 50_000; i++)
        {
            Assert.True(filter.IsDuplicate("id" + i, T0.AddSeconds(50_000)));
        }

        Assert.Equal(50_000, filter.Count);
    }

    [Fact]
    public void Ids_are_forgotten_a_horizon_after_the_newest_time_and_memory_follows_the_ids_within_it()
    {
        var filter = new DuplicateFilter(TimeSpan.FromMinutes(1));
        for (var i = 0; i < 100_000; i++)
        {
            filter.IsDuplicate("id" + i, T0.AddSeconds(i));
        }

        Assert.Equal(60, filter.Count); // times t-59 s ... t
        Assert.False(filter.IsDuplicate("id0", T0.AddSeconds(100_000)));
        Assert.True(filter.IsDuplicate("id99999", T0.AddSeconds(100_000)));
    }

    [Fact]
    public void An_out_of_order_activity_older_than_the_horizon_is_remembered_a_horizon_from_its_arrival()
    {
        // Allowed lateness beyond the horizon: the late activity must still not be counted twice.
        var filter = new DuplicateFilter(TimeSpan.FromMinutes(1));
        Assert.False(filter.IsDuplicate("new", T0.AddHours(1)));
        Assert.False(filter.IsDuplicate("old", T0));
        Assert.True(filter.IsDuplicate("old", T0));
        Assert.True(filter.IsDuplicate("old", T0.AddHours(1).AddSeconds(59)));
        Assert.False(filter.IsDuplicate("old", T0.AddHours(1).AddSeconds(60)));
    }

    [Fact]
    public void A_steady_stream_compacts_the_table_in_place_and_keeps_deciding_right()
    {
        // 100 live ids in a 1,024-slot table: forgotten slots fill it and are compacted away hundreds of times.
        var filter = new DuplicateFilter(TimeSpan.FromSeconds(100));
        for (var i = 0; i < 200_000; i++)
        {
            var t = T0.AddSeconds(i);
            Assert.False(filter.IsDuplicate("id" + i, t));
            if (i >= 150)
            {
                Assert.True(filter.IsDuplicate("id" + (i - 99), t));
                Assert.False(filter.IsDuplicate("id" + (i - 150), t)); // forgotten, so remembered anew
            }
        }

        Assert.InRange(filter.Count, 100, 200);
    }

    [Fact]
    public void A_zero_horizon_remembers_nothing() =>
        Assert.False(new DuplicateFilter(TimeSpan.Zero) is var f && (f.IsDuplicate("a", T0) || f.IsDuplicate("a", T0)));
}
