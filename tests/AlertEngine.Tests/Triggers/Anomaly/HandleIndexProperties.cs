using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>The anomaly model's handle index (<see cref="HandleIndex"/>) against a dictionary, and the model's key lookup
/// through it against one model per key.</summary>
public class HandleIndexProperties
{
    /// <summary>Keys that the lookup must tell apart: empty, short, around the 32 characters kept in the record, long
    /// ones that share their first 32 characters, ones that differ only in their last character, and non-ASCII.</summary>
    private static readonly string[] Keys =
    [
        "",
        "a",
        "b",
        "user1@contoso.com",
        "user2@contoso.com",
        new string('x', 31),
        new string('x', 32),
        new string('x', 33),
        new string('y', 32) + "tail-one",
        new string('y', 32) + "tail-two",
        new string('y', 31) + "z",
        "Ünïcödé@contoso.com",
    ];

    private readonly struct Oracle(Dictionary<int, int> keyOf, int key) : IHandleMatch
    {
        public bool Matches(int handle) => keyOf.TryGetValue(handle, out var k) && k == key;
    }

    /// <summary>
    /// Adds, removes and finds of keys 0–39 whose hashes are drawn from a few values (so they collide and probe runs
    /// cross the end of the table) find exactly the handles a dictionary holds, through growth and backward-shift
    /// removals; an add reports a probe run longer than <see cref="HandleIndex.MaxProbe"/> exactly when one happened.
    /// </summary>
    [Property(MaxTest = 300)]
    public Property Finds_the_handles_a_dictionary_holds_with_colliding_hashes() =>
        Prop.ForAll(
            (from hashes in Gen.Choose(1, 6)
             from ops in Gen.ArrayOf(
                 from op in Gen.Choose(0, 2)
                 from key in Gen.Choose(0, 39)
                 select (op, key))
             select (hashes, ops)).ToArbitrary(),
            input =>
            {
                var (hashes, ops) = input;

                // A key's hash: one of a few values, some with high bits set, some equal modulo the table size only.
                int HashOf(int key) => (key % hashes) switch { 0 => -1, 1 => 15, 2 => 31, 3 => int.MinValue, 4 => 7, _ => 0 };
                var index = new HandleIndex();
                var handleOf = new Dictionary<int, int>();
                var keyOf = new Dictionary<int, int>();
                var nextHandle = 0;
                var free = new Stack<int>();
                foreach (var (op, key) in ops)
                {
                    if (op == 0 && !handleOf.ContainsKey(key))
                    {
                        var h = free.Count > 0 ? free.Pop() : nextHandle++;
                        handleOf[key] = h;
                        keyOf[h] = key;
                        Assert.True(index.Add(HashOf(key), h));
                    }
                    else if (op == 1 && handleOf.Remove(key, out var h))
                    {
                        keyOf.Remove(h);
                        free.Push(h);
                        Assert.True(index.Remove(HashOf(key), h));
                        Assert.False(index.Remove(HashOf(key), h));
                    }

                    Assert.Equal(handleOf.Count, index.Count);
                    Assert.True(index.Count * 4 <= index.EntryCount * 3);
                    for (var k = 0; k < 40; k++)
                    {
                        var oracle = new Oracle(keyOf, k);
                        Assert.Equal(handleOf.TryGetValue(k, out var expected) ? expected : -1, index.Find(HashOf(k), ref oracle));
                    }
                }
            });

    /// <summary>An add whose probe run is longer than <see cref="HandleIndex.MaxProbe"/> entries reports it; after
    /// <see cref="HandleIndex.Reset"/> with the randomized hash the index is empty and hashes with .NET's string hash.</summary>
    [Fact]
    public void A_long_probe_run_asks_for_the_randomized_hash()
    {
        var index = new HandleIndex();
        for (var h = 0; h <= HandleIndex.MaxProbe; h++)
        {
            Assert.True(index.Add(42, h));
        }

        Assert.False(index.Add(42, HandleIndex.MaxProbe + 1));
        Assert.Equal(HandleIndex.MaxProbe + 2, index.Count);
        Assert.False(index.Randomized);
        index.Reset(randomized: true);
        Assert.Equal(0, index.Count);
        Assert.True(index.Randomized);
        Assert.Equal(string.GetHashCode("key".AsSpan()), index.Hash("key"));
    }

    /// <summary>
    /// One model for all keys observes exactly as one model per key does (each told every time, so that lateness and
    /// retirement see the same newest time): outcomes, detections and baselines, for keys that differ only beyond their
    /// first 32 characters, only in their last one, or in length, with keys retiring (retention 1–6 hours) and coming
    /// back, the handle index switched at a random step to the randomized hash or to one that makes every key collide
    /// (so that the key comparison decides every lookup), and the model restarted from its
    /// engine checkpoint at a random cut.
    /// </summary>
    [Property(MaxTest = 200)]
    public Property One_model_observes_each_key_as_a_model_of_its_own_does() =>
        Prop.ForAll(
            (from retention in Gen.Choose(1, 6)
             from steps in Gen.ArrayOf(
                 from key in Gen.Choose(0, Keys.Length - 1)
                 from gap in Gen.Frequency((4, Gen.Choose(0, 30)), (2, Gen.Choose(0, 180)))
                 from count in Gen.Frequency((6, Gen.Constant(1)), (1, Gen.Choose(2, 40)))
                 select (key, gap, count))
             from cut in Gen.Choose(0, 200)
             from randomize in Gen.Choose(0, 120)
             select (retention, steps, cut, randomize)).ToArbitrary(),
            input =>
            {
                var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.High, TimeSpan.FromHours(1));
                var options = new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Retention = TimeSpan.FromHours(input.retention) };
                var model = new BaselineModel<int>(trigger, options);
                var single = Keys.Select(_ => new BaselineModel<int>(trigger, options)).ToArray();
                var t = Start;
                for (var n = 0; n < input.steps.Length; n++)
                {
                    if (n == input.cut)
                    {
                        model = BaselineCheckpointReading.Restarted(model, trigger, options, out _);
                    }

                    if (n == input.randomize / 2)
                    {
                        if (input.randomize % 2 == 0)
                        {
                            model.UseRandomizedHandleHash();
                        }
                        else
                        {
                            model.UseCollidingHandleHashForTests();
                        }
                    }

                    var (key, gap, count) = input.steps[n];
                    t = t.AddMinutes(gap);
                    foreach (var m in single)
                    {
                        m.AdvanceTo(t.UtcTicks);
                    }

                    for (var c = 0; c < count; c++)
                    {
                        var outcome = model.Observe(Keys[key], t, c, out var found);
                        var expected = single[key].Observe(Keys[key], t, c, out var expectedFound);
                        Assert.Equal(expected, outcome);
                        Assert.Equal(expectedFound?.Observed, found?.Observed);
                        Assert.Equal(expectedFound?.Expected, found?.Expected);
                        Assert.Equal(expectedFound?.Key, found?.Key);
                    }

                    Assert.Equal(single.Count(m => m.KeyCount == 1), model.KeyCount);
                    for (var k = 0; k < Keys.Length; k++)
                    {
                        Assert.Equal(single[k].GetBaseline(Keys[k], t), model.GetBaseline(Keys[k], t));
                    }
                }
            });

    /// <summary>After <see cref="HandleIndex.EnsureCapacity"/> for n handles, adding n handles does not resize the
    /// index (exactly at the three-quarters limit too), and every handle is found.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(3_000)]
    [InlineData(24_576)]
    public void A_presized_index_takes_its_handles_without_growing(int n)
    {
        var index = new HandleIndex();
        index.EnsureCapacity(n);
        var entries = index.EntryCount;
        Assert.True(n * 4L <= entries * 3L);
        for (var h = 0; h < n; h++)
        {
            index.Add(h * 7919, h);
        }

        Assert.Equal(entries, index.EntryCount);
        for (var h = 0; h < n; h++)
        {
            var match = new Oracle(new Dictionary<int, int> { [h] = h }, h);
            Assert.Equal(h, index.Find(h * 7919, ref match));
        }
    }

    /// <summary>
    /// The switch the model makes by itself: with every key hashed alike, the add whose probe run passes
    /// <see cref="HandleIndex.MaxProbe"/> (the key after the first MaxProbe + 1) moves the index to the randomized hash,
    /// every key added again; before and after it each key is found as the same key (no key counted twice).
    /// </summary>
    [Fact]
    public void A_probe_run_past_the_limit_switches_the_index_to_the_randomized_hash_and_every_key_is_still_found()
    {
        var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.High, TimeSpan.FromHours(1));
        var model = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { Model = AnomalyModel.PerKey });
        model.UseCollidingHandleHashForTests();
        var keys = new string[HandleIndex.MaxProbe + 10];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = "user" + i + "@contoso.com";
        }

        var t = Start;
        for (var i = 0; i < keys.Length; i++)
        {
            model.Observe(keys[i], t, i, out _);
            Assert.Equal(i + 1, model.KeyCount);
            Assert.Equal(i >= HandleIndex.MaxProbe + 1, model.HandleHashRandomized);
        }

        t = t.AddMinutes(10);
        for (var i = 0; i < keys.Length; i++)
        {
            model.Observe(keys[i], t, i, out _);
            Assert.Equal(keys.Length, model.KeyCount);
            Assert.NotNull(model.GetBaseline(keys[i], t));
        }
    }
}
