using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Engine;

/// <summary>
/// The duplicate filter's batch entry point (prefetch every slot, then answer in order) against the filter asked one
/// id at a time (itself checked against a dictionary oracle in <see cref="DuplicateFilterTests"/>): same answers, same
/// state, for ids repeated within and across batches, equal times, times exactly at the horizon's edge, out-of-order
/// times, and a restart from a checkpoint at any cut.
/// </summary>
public class DuplicateFilterBatchProperties
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Horizon = TimeSpan.FromSeconds(60);

    /// <summary>A stream: ids from a pool (small pools repeat within a batch), time steps in ticks that are often 0
    /// (equal times) or exactly the horizon (the edge: an entry is forgotten when the newest time minus the horizon
    /// reaches its time), a tick either side of it, small, backwards or far ahead; batch sizes to cut it with; a cut
    /// point for the checkpoint.</summary>
    private static Arbitrary<(int Pool, (int Id, long Step)[] Steps, int[] Sizes, int Cut)> Streams() =>
        Arb.From(
            from pool in Gen.Elements(3, 40, 3000)
            from steps in Gen.ArrayOf(
                from id in Gen.Choose(0, 2999)
                from step in Gen.Frequency(
                    (4, Gen.Constant(0L)),
                    (2, Gen.Elements(Horizon.Ticks, Horizon.Ticks - 1, Horizon.Ticks + 1)),
                    (4, Gen.Choose(1, 5).Select(s => s * TimeSpan.TicksPerSecond)),
                    (1, Gen.Choose(-90, -1).Select(s => s * TimeSpan.TicksPerSecond)),
                    (1, Gen.Choose(100, 5000).Select(s => s * TimeSpan.TicksPerSecond)))
                select (id, step))
            from sizes in NonEmpty(Gen.Frequency((3, Gen.Choose(1, 8)), (2, Gen.Choose(9, 300)), (1, Gen.Choose(301, 2000))))
            from cut in Gen.Choose(0, 100)
            select (pool, steps, sizes, cut));

    [Property(MaxTest = 200)]
    public Property A_batch_is_answered_exactly_as_its_questions_one_at_a_time_also_across_a_checkpoint() =>
        Prop.ForAll(Streams(), input =>
        {
            // Short streams are repeated (the ids again, later) so that most runs rebuild the table and forget.
            var steps = input.Steps.Length < 50 ? [.. input.Steps, .. input.Steps, .. input.Steps, .. input.Steps] : input.Steps;
            var ids = new string[steps.Length];
            var ticks = new long[steps.Length];
            var t = T0.UtcTicks;
            for (var i = 0; i < steps.Length; i++)
            {
                t += steps[i].Step;
                ids[i] = "id-" + (steps[i].Id % input.Pool);
                ticks[i] = t;
            }

            var sequential = new DuplicateFilter(Horizon);
            var expected = new bool[steps.Length];
            for (var i = 0; i < steps.Length; i++)
            {
                expected[i] = sequential.IsDuplicate(ids[i], new DateTimeOffset(ticks[i], TimeSpan.Zero));
            }

            var cut = steps.Length * input.Cut / 100;
            var batched = new DuplicateFilter(Horizon);
            var actual = new bool[steps.Length];
            var at = 0;
            var s = 0;
            while (at < steps.Length)
            {
                var size = Math.Min(input.Sizes[s++ % input.Sizes.Length], steps.Length - at);
                if (at < cut && at + size > cut)
                {
                    size = cut - at; // a batch ends at the cut
                }

                var queries = new DuplicateQuery[size];
                for (var k = 0; k < size; k++)
                {
                    queries[k] = new DuplicateQuery(k, DuplicateFilter.Digest(ids[at + k]), ticks[at + k]);
                }

                batched.IsDuplicate(queries, actual.AsSpan(at, size));
                at += size;
                if (at == cut)
                {
                    batched = Restored(batched);
                }
            }

            for (var i = 0; i < steps.Length; i++)
            {
                if (actual[i] != expected[i])
                {
                    return false.Label($"question {i} ({ids[i]} at {ticks[i]}): batch {actual[i]}, one at a time {expected[i]}; cut {cut}");
                }
            }

            return (State(batched).AsSpan().SequenceEqual(State(sequential)) && batched.Count == sequential.Count)
                .Label("same state at the end");
        });

    [Fact]
    public void An_id_repeated_within_a_batch_is_a_duplicate_of_its_first_occurrence_and_expiry_follows_each_questions_time()
    {
        var filter = new DuplicateFilter(Horizon);
        var a = DuplicateFilter.Digest("a");
        var b = DuplicateFilter.Digest("b");
        var t = T0.UtcTicks;
        var answers = new bool[6];
        filter.IsDuplicate(
            [
                new DuplicateQuery(0, a, t),
                new DuplicateQuery(1, a, t), // the same id, the same time: a duplicate
                new DuplicateQuery(2, b, t + Horizon.Ticks - 1),
                new DuplicateQuery(3, a, t + Horizon.Ticks), // a's entry is forgotten exactly a horizon later
                new DuplicateQuery(4, a, t + Horizon.Ticks), // and remembered anew by question 3
                new DuplicateQuery(5, b, t + Horizon.Ticks),
            ],
            answers);
        Assert.Equal([false, true, false, false, true, true], answers);
    }

    [Fact]
    public void With_a_zero_horizon_no_question_of_a_batch_is_a_duplicate()
    {
        var filter = new DuplicateFilter(TimeSpan.Zero);
        var a = DuplicateFilter.Digest("a");
        bool[] answers = [true, true];
        filter.IsDuplicate([new DuplicateQuery(1, a, 0), new DuplicateQuery(0, a, 0)], answers);
        Assert.Equal([false, false], answers);
    }

    [Fact]
    public void Prefetching_changes_nothing_even_on_an_empty_table()
    {
        var filter = new DuplicateFilter(Horizon);
        filter.Prefetch(DuplicateFilter.Digest("a"));
        Assert.Equal(0, filter.Count);
        Assert.False(filter.IsDuplicate("a", T0));
        filter.Prefetch(DuplicateFilter.Digest("a"));
        Assert.True(filter.IsDuplicate("a", T0));
    }

    private static byte[] State(DuplicateFilter filter)
    {
        using var writer = new CheckpointWriter();
        filter.WriteState(writer);
        return writer.Written.ToArray();
    }

    private static DuplicateFilter Restored(DuplicateFilter filter)
    {
        var restored = new DuplicateFilter(Horizon);
        restored.ReadState(new CheckpointReader(State(filter)));
        return restored;
    }

    private static Gen<int[]> NonEmpty(Gen<int> sizes) =>
        from first in sizes
        from rest in Gen.ArrayOf(sizes)
        select (int[])[first, .. rest];
}
