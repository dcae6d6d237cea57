using System.IO.Hashing;
using System.Runtime.InteropServices;
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
    public void A_steady_stream_forgets_and_reuses_slots_and_keeps_deciding_right()
    {
        // 100 live ids in a 1,024-slot table: 200,000 slots emptied as their ids are forgotten and taken again.
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

    /// <summary>The home slot of an id in a 1,024-slot table (the filter's first table).</summary>
    private static int Home(string id) => (int)(ulong)XxHash128.HashToUInt128(MemoryMarshal.AsBytes(id.AsSpan())) & 1023;

    /// <summary>Ids named <paramref name="prefix"/>n with the given home slots, one per slot.</summary>
    private static Dictionary<int, string> IdsAt(string prefix, IEnumerable<int> homes)
    {
        var wanted = new HashSet<int>(homes);
        var found = new Dictionary<int, string>();
        for (var n = 0; found.Count < wanted.Count; n++)
        {
            var id = prefix + n;
            var home = Home(id);
            if (wanted.Contains(home) && !found.ContainsKey(home))
            {
                found.Add(home, id);
            }
        }

        return found;
    }

    [Fact]
    public void Forgetting_keeps_the_ids_whose_cluster_wraps_past_a_forgotten_slot()
    {
        // Slots 1020..1023 and 0: f1 (home 1020), y (home 1020), f2 (home 1022), a and x (home 1021), then 607 fillers.
        // f1, f2 and the fillers are forgotten together (their slots emptied one by one, each shifting back the later
        // slots of its cluster, across the table's end); y, a and x must stay findable. (Written for the compaction in
        // place this filter did before, where the last forgotten slot inside this cluster was the trap.)
        var horizon = TimeSpan.FromMinutes(10);
        var edge = IdsAt("edge", [1020, 1022]);
        string f1 = edge[1020], f2 = edge[1022];
        var y = IdsAt("y", [1020])[1020];
        var ax = IdsAt("a", [1021])[1021];
        var x = IdsAt("x", [1021])[1021];
        var trigger = IdsAt("trigger", [700])[700];
        var filler = IdsAt("filler", Enumerable.Range(1, 607)); // 607 + 5 = 612 used slots: the next insertion rebuilds

        var filter = new DuplicateFilter(horizon);
        Assert.False(filter.IsDuplicate(f1, T0));
        Assert.False(filter.IsDuplicate(f2, T0));
        foreach (var id in filler.Values)
        {
            Assert.False(filter.IsDuplicate(id, T0));
        }

        var later = T0 + (horizon / 2);
        Assert.False(filter.IsDuplicate(y, later));
        Assert.False(filter.IsDuplicate(ax, later));
        Assert.False(filter.IsDuplicate(x, later));

        // A horizon after T0: f1, f2 and the fillers are forgotten, y, a and x are not.
        var now = T0 + horizon;
        Assert.False(filter.IsDuplicate(trigger, now));
        Assert.Equal(4, filter.Count);
        Assert.True(filter.IsDuplicate(y, now));
        Assert.True(filter.IsDuplicate(ax, now));
        Assert.True(filter.IsDuplicate(x, now));
    }

    [Fact]
    public void Forgetting_an_id_shifts_back_the_later_ids_of_its_cluster_also_across_the_table_end()
    {
        // A cluster from slot 1021 across the end of the 1,024-slot table: f (home 1021, forgotten first), then b (home
        // 1022), c (home 1021), d (home 1023), e (home 0) and g (home 1021): slots 1021, 1022, 1023, 0, 1, 2. Emptying
        // f's slot must move c back (its home 1021 is before the hole) but not b (home 1022, after the hole), then the
        // ids behind them as their homes allow; each must still be found, and a new id at home 1022 must not be taken
        // for one of them.
        var horizon = TimeSpan.FromMinutes(10);
        var f = IdsAt("f", [1021])[1021];
        var b = IdsAt("b", [1022])[1022];
        var c = IdsAt("c", [1021])[1021];
        var d = IdsAt("d", [1023])[1023];
        var e = IdsAt("e", [0])[0];
        var g = IdsAt("g", [1021])[1021];
        var n = IdsAt("n", [1022])[1022];

        var filter = new DuplicateFilter(horizon);
        Assert.False(filter.IsDuplicate(f, T0));
        var later = T0 + (horizon / 2);
        foreach (var id in new[] { b, c, d, e, g })
        {
            Assert.False(filter.IsDuplicate(id, later));
        }

        // A horizon after T0: f is forgotten (its slot emptied) before this question is answered.
        var now = T0 + horizon;
        Assert.False(filter.IsDuplicate(f, now)); // remembered anew
        Assert.Equal(6, filter.Count);
        foreach (var id in new[] { b, c, d, e, g, f })
        {
            Assert.True(filter.IsDuplicate(id, now), id);
        }

        Assert.False(filter.IsDuplicate(n, now));
        Assert.True(filter.IsDuplicate(n, now));

        // One question forgets b, c, d, e and g (n and f, remembered at now, stay): later questions still find what is left.
        var end = later + horizon;
        Assert.True(filter.IsDuplicate(n, end));
        Assert.False(filter.IsDuplicate(b, end));
        Assert.True(filter.IsDuplicate(b, end));
    }

    [Fact]
    public void The_largest_horizon_and_the_extreme_times_neither_overflow_nor_forget()
    {
        var filter = new DuplicateFilter(TimeSpan.MaxValue);
        Assert.False(filter.IsDuplicate("min", DateTimeOffset.MinValue));
        Assert.False(filter.IsDuplicate("max", DateTimeOffset.MaxValue));
        Assert.True(filter.IsDuplicate("min", DateTimeOffset.MaxValue));
        Assert.True(filter.IsDuplicate("max", DateTimeOffset.MinValue));
        Assert.Equal(2, filter.Count);

        var day = new DuplicateFilter(TimeSpan.FromDays(1));
        Assert.False(day.IsDuplicate("min", DateTimeOffset.MinValue));
        Assert.True(day.IsDuplicate("min", DateTimeOffset.MinValue.AddHours(23)));
        Assert.False(day.IsDuplicate("max", DateTimeOffset.MaxValue));
        Assert.False(day.IsDuplicate("min", DateTimeOffset.MinValue));
        Assert.Equal(2, day.Count);
    }

    [Fact]
    public void A_zero_horizon_remembers_nothing() =>
        Assert.False(new DuplicateFilter(TimeSpan.Zero) is var f && (f.IsDuplicate("a", T0) || f.IsDuplicate("a", T0)));

    [Fact]
    public void The_ring_grows_while_it_wraps_and_every_answer_stays_the_oracles()
    {
        // Rates that change: the live ids first fill and wrap the smallest ring, then grow it tenfold while its oldest
        // entries sit at the end of the array and its newest at the start (the wrapped ring ResizeRing copies in order), and again after
        // a slow stretch; every tenth id is one sent again from a little earlier or from long ago.
        var horizon = TimeSpan.FromSeconds(1000);
        var filter = new DuplicateFilter(horizon);
        var oracle = new Oracle(horizon.Ticks);
        var t = T0;
        var n = 0;
        var sizes = new List<long>();
        foreach (var (count, stepMs) in new[] { (3_000, 1_000), (20_000, 100), (3_000, 10_000), (20_000, 50), (2_000, 20_000) })
        {
            for (var i = 0; i < count; i++, n++)
            {
                t = t.AddMilliseconds(stepMs);
                var key = "r" + (n % 10 == 9 ? n - 1 - (n % 7 == 0 ? 5_000 : 30) : n);
                Assert.True(filter.IsDuplicate(key, t) == oracle.IsDuplicate(key, t.UtcTicks), $"{key} at {t:O}");
            }

            sizes.Add(filter.MemoryBytes);
        }

        // The first stretch wrapped the ring without growing it (1,000 live ids, 3,000 taken); the second grew it.
        Assert.True(sizes[1] > sizes[0], "the filter did not grow after wrapping: the test did not reach what it is for");
    }
}
