using System.Runtime.CompilerServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Collections;

/// <summary>
/// The trigger cores' key table against a <see cref="Dictionary{TKey, TValue}"/> with the same comparer as the oracle:
/// the same keys and values, found the same way, and the same enumeration order (the cores write checkpoints in it),
/// through adds, removes, growth, trimming and clearing.
/// </summary>
public class KeyTableTests
{
    private static readonly IEqualityComparer<string>[] Comparers =
    [
        StringComparer.Ordinal,
        StringComparer.OrdinalIgnoreCase,
        StringComparer.InvariantCultureIgnoreCase,
    ];

    /// <summary>Keys that collide often: a few stems, case variants, the characters whose case maps to or from ASCII
    /// letters, and non-ASCII letters.</summary>
    private static Gen<string> Key() =>
        from stem in Gen.Elements("u", "user1", "User1", "USER1@contoso.com", "user1@contoso.COM", "ı", "I", "ſ", "S", "\u212A", "k", "é", "É", "ÿ", "Ÿ", "alice", "ALICE", "", "a\u0131b", "aib", "\uD801\uDC00", "\uD801\uDC28")
        from suffix in Gen.Choose(0, 40)
        from withSuffix in Gen.Elements(true, false)
        select withSuffix ? stem + suffix.ToString(System.Globalization.CultureInfo.InvariantCulture) : stem;

    private static Gen<(int Kind, string Key, int Value)> Step() =>
        from kind in Gen.Frequency((6, Gen.Constant(0)), (3, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)), (1, Gen.Constant(4)), (2, Gen.Constant(5)))
        from key in Key()
        from value in Gen.Choose(0, 1000)
        select (kind, key, value);

    private static Arbitrary<(int Comparer, (int Kind, string Key, int Value)[] Steps)> Scenarios() =>
        (from comparer in Gen.Choose(0, Comparers.Length - 1)
         from steps in Gen.ListOf(Step()).Select(s => s.Take(400).ToArray())
         select (comparer, steps)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Adds_finds_removes_and_enumerates_as_a_dictionary_does() =>
        Prop.ForAll(Scenarios(), scenario =>
        {
            var comparer = Comparers[scenario.Comparer];
            var table = new KeyTable<int>(comparer);
            var oracle = new Dictionary<string, int>(comparer);
            foreach (var (kind, key, value) in scenario.Steps)
            {
                switch (kind)
                {
                    case 0:
                        // Add or update through the reference, as the cores do.
                        ref var slot = ref table.GetValueRefOrAddDefault(key, out var exists);
                        Assert.Equal(oracle.ContainsKey(key), exists);
                        slot += value;
                        oracle[key] = oracle.GetValueOrDefault(key) + value;
                        break;
                    case 1:
                        Assert.Equal(oracle.Remove(key), table.Remove(key));
                        break;
                    case 2:
                        ref var found = ref table.FindValue(key);
                        Assert.Equal(oracle.TryGetValue(key, out var expected), !Unsafe.IsNullRef(ref found));
                        if (!Unsafe.IsNullRef(ref found))
                        {
                            Assert.Equal(expected, found);
                            Assert.True(table.TryGetValue(key, out var actualKey, out var v));
                            Assert.Equal(expected, v);
                            Assert.True(oracle.TryGetValue(key, out _));
                            Assert.Contains(actualKey, oracle.Keys);
                        }

                        Assert.Equal(oracle.ContainsKey(key), table.ContainsKey(key));

                        break;
                    case 5:
                        // A sweep's removal, by order position: the key at a position (the value picks which) leaves
                        // as if removed by key, and the keys after it in order stay where they are.
                        if (table.Count != 0)
                        {
                            var p = table.Next(0);
                            for (var skip = value % table.Count; skip > 0; skip--)
                            {
                                p = table.Next(p + 1);
                            }

                            var removed = table.KeyAt(p);
                            table.RemoveAtPosition(p);
                            Assert.True(oracle.Remove(removed));
                            Assert.False(table.ContainsKey(removed));
                        }

                        Assert.Throws<ArgumentOutOfRangeException>(() => table.RemoveAtPosition(-1));
                        break;
                    case 3:
                        // Trimming closes the gaps in order: the oracle is a copy of itself (compact, same order).
                        table.TrimExcess(oracle.Count + (value % 3));
                        oracle = new Dictionary<string, int>(oracle, comparer);
                        break;
                    default:
                        if (value % 5 == 0)
                        {
                            table.Clear();
                            oracle.Clear();
                        }
                        else if (value % 5 == 1)
                        {
                            // As after keys crafted to collide: the comparer's hash from now on, nothing else changes.
                            table.UseComparerHash();
                        }
                        else
                        {
                            table.EnsureCapacity(table.Count + value);
                        }

                        break;
                }

                Assert.Equal(oracle.Count, table.Count);
            }

            Assert.Equal(oracle.Select(p => (p.Key, p.Value)).ToList(), Enumerate(table));
        });

    [Property(MaxTest = 40)]
    public Property Grows_and_shrinks_through_thousands_of_keys(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var table = new KeyTable<long>(StringComparer.OrdinalIgnoreCase);
        var oracle = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        var keys = Enumerable.Range(0, 3000).Select(i => "user" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "@contoso.com").ToArray();
        for (var round = 0; round < 3; round++)
        {
            foreach (var key in keys.OrderBy(_ => random.Next()))
            {
                var spelled = random.Next(2) == 0 ? key : key.ToUpperInvariant();
                table.GetValueRefOrAddDefault(spelled, out _)++;
                oracle[spelled] = oracle.GetValueOrDefault(spelled) + 1;
            }

            foreach (var key in keys.Where(_ => random.Next(3) != 0))
            {
                Assert.Equal(oracle.Remove(key), table.Remove(key));
            }

            if (round == 1)
            {
                table.TrimExcess(table.Count);
                oracle = new Dictionary<string, long>(oracle, StringComparer.OrdinalIgnoreCase);
            }
        }

        foreach (var key in keys)
        {
            Assert.Equal(oracle.TryGetValue(key, out var expected), table.TryGetValue(key, out var actual));
            Assert.Equal(expected, actual);
        }

        return (Enumerate(table).SequenceEqual(oracle.Select(p => (p.Key, p.Value)))).Label("same order");
    }

    [Fact]
    public void Keys_equal_ignoring_case_hash_alike_for_every_pair_of_characters_up_to_U_024F_and_those_whose_case_is_ASCII()
    {
        var table = new KeyTable<int>(StringComparer.OrdinalIgnoreCase);
        var ordinal = new KeyTable<int>(StringComparer.Ordinal);
        var chars = Enumerable.Range(0, 0x250).Select(c => (char)c).Concat(['\u0130', '\u0131', '\u017F', '\u212A', '\u212B', '\u03A3', '\u03C3', '\u03C2']).ToArray();
        foreach (var prefix in new[] { "", "x", "user12@c" })
        {
            foreach (var a in chars)
            {
                foreach (var b in chars)
                {
                    var x = prefix + a;
                    var y = prefix + b;
                    if (string.Equals(x, y, StringComparison.OrdinalIgnoreCase))
                    {
                        Assert.Equal(table.Hash(x), table.Hash(y));
                    }

                    if (string.Equals(x, y, StringComparison.Ordinal))
                    {
                        Assert.Equal(ordinal.Hash(x), ordinal.Hash(y));
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("user1@contoso.com", "USER1@CONTOSO.COM", true)]
    [InlineData("ab@", "ab`", false)]
    [InlineData("xÉ", "xé", true)]
    [InlineData("abc", "abcd", false)]
    [InlineData("", "", true)]
    public void Finds_a_key_by_any_spelling_ignoring_case(string stored, string asked, bool found)
    {
        var table = new KeyTable<int>(StringComparer.OrdinalIgnoreCase);
        table.Add(stored, 7);
        Assert.Equal(found, table.TryGetValue(asked, out var actualKey, out var value));
        if (found)
        {
            Assert.Same(stored, actualKey);
            Assert.Equal(7, value);
        }

        Assert.Throws<ArgumentException>(() => table.Add(stored, 8));
    }

    [Fact]
    public void A_removed_position_is_the_next_one_taken_and_enumeration_survives_removal()
    {
        var table = new KeyTable<int>();
        foreach (var k in new[] { "a", "b", "c", "d" })
        {
            table.Add(k, k[0]);
        }

        // Removing while enumerating (as a sweep does) visits every key once.
        var seen = new List<string>();
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            seen.Add(table.KeyAt(p));
            if (table.KeyAt(p) is "b" or "c")
            {
                Assert.True(table.Remove(table.KeyAt(p)));
            }
        }

        Assert.Equal(["a", "b", "c", "d"], seen);
        table.Add("e", 0);
        table.Add("f", 0);
        Assert.Equal(["a", "f", "e", "d"], Enumerate(table).Select(p => p.Key));
    }

    [Fact]
    public void Removing_by_position_while_enumerating_is_removing_by_key()
    {
        var byPosition = new KeyTable<int>(StringComparer.OrdinalIgnoreCase);
        var byKey = new KeyTable<int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < 200; i++)
        {
            var key = "user" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            byPosition.Add(key, i);
            byKey.Add(key, i);
        }

        // Evict every third key as a sweep does, one table by position and one by key; then add keys again.
        for (var p = byPosition.Next(0); p >= 0; p = byPosition.Next(p + 1))
        {
            if (byPosition.ValueAt(p) % 3 == 0)
            {
                byPosition.RemoveAtPosition(p);
            }
        }

        for (var p = byKey.Next(0); p >= 0; p = byKey.Next(p + 1))
        {
            if (byKey.ValueAt(p) % 3 == 0)
            {
                Assert.True(byKey.Remove(byKey.KeyAt(p)));
            }
        }

        byPosition.Add("new", -1);
        byKey.Add("new", -1);
        Assert.Equal(Enumerate(byKey), Enumerate(byPosition));
        Assert.Throws<ArgumentOutOfRangeException>(() => byPosition.RemoveAtPosition(0));
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(i % 3 != 0, byPosition.ContainsKey("USER" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void The_threshold_counters_slot_is_one_cache_line()
    {
        // The counter's per-key state is sized so that its slot (key, hash, order, state) is 64 bytes, which large
        // tables allocate aligned to cache lines: one line per lookup.
        Assert.Equal(64, KeyTable<CounterKeyState>.SlotSize);
    }

    [Fact]
    public void A_table_of_cache_line_slots_keeps_keys_values_and_references_through_growth_removals_trims_and_collections()
    {
        // Slots of 64 bytes: tables of 8,192 slots and more are allocated pinned (and aligned when the heap allows); the values
        // hold references, which must survive collections, and the order must stay the dictionary's.
        Assert.Equal(64, KeyTable<LineValue>.SlotSize);
        var random = new Random(7);
        var table = new KeyTable<LineValue>();
        var oracle = new Dictionary<string, LineValue>();
        for (var round = 0; round < 4; round++)
        {
            for (var i = 0; i < 6000; i++)
            {
                // A new string instance per lookup, as the engine's keys are.
                var key = "user" + random.Next(20_000).ToString(System.Globalization.CultureInfo.InvariantCulture) + "@contoso.com";
                ref var value = ref table.GetValueRefOrAddDefault(key, out var exists);
                Assert.Equal(oracle.ContainsKey(key), exists);
                value.Count++;
                value.Owner ??= new string(key.AsSpan());
                value.Sum += i;
                value.First = exists ? value.First : i;
                value.Last = i;
                value.Round = round;
                oracle[key] = value;
            }

            foreach (var key in oracle.Keys.Where(_ => random.Next(3) == 0).ToList())
            {
                Assert.True(table.Remove(key));
                oracle.Remove(key);
            }

            GC.Collect();
            if (round == 2)
            {
                table.TrimExcess(table.Count);
                oracle = new Dictionary<string, LineValue>(oracle);
            }
        }

        Assert.Equal(oracle.Select(p => (p.Key, p.Value)), Enumerate(table));
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            Assert.Equal(table.KeyAt(p), table.ValueAt(p).Owner);
        }
    }

    private struct LineValue
    {
        public string? Owner;
        public long Count;
        public long Sum;
        public long First;
        public long Last;
        public long Round;
    }

    private static List<(string Key, T Value)> Enumerate<T>(KeyTable<T> table)
    {
        var list = new List<(string, T)>();
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            list.Add((table.KeyAt(p), table.ValueAt(p)));
        }

        return list;
    }
}
