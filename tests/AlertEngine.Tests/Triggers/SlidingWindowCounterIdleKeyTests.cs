namespace AlertEngine.Tests.Triggers;

/// <summary>A key the counter's next sweep would evict has no keyed record: the whole checkpoint, the per-key one and
/// the questions a partition asks (<see cref="IKeyedDetectorState"/>) agree, and a restored counter writes the same
/// bytes. (CI once hit the case through a random seed of the Orleans batch-input property.)</summary>
public sealed class SlidingWindowCounterIdleKeyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Window 10 s, resolution 1 s, no lateness: sweeps run when the eviction bound has moved 5 slots. "a" at 0
    /// and "b" at 1; "c" at 10 sweeps "a" out; "c" at 11 moves the bound to slot 1 ("b" is idle) without a sweep.</summary>
    private static SlidingWindowCounter<string> CounterWithAnIdleKey()
    {
        var counter = new SlidingWindowCounter<string>(5, TimeSpan.FromSeconds(10), new SlidingWindowCounterOptions());
        counter.Add("a", T0, Item("a0"));
        counter.Add("b", T0.AddSeconds(1), Item("b1"));
        counter.Add("c", T0.AddSeconds(10), Item("c10"));
        counter.Add("c", T0.AddSeconds(11), Item("c11"));
        return counter;
    }

    /// <summary>An item as long as the checkpoint reader's lower bound for a kept item (it sizes counts by activities).</summary>
    private static string Item(string name) => name.PadRight(32, '.');

    private static byte[] Whole(SlidingWindowCounter<string> counter)
    {
        using var writer = new CheckpointWriter();
        counter.WriteCheckpoint(writer, static (w, item) => w.Write(item));
        return writer.Written.ToArray();
    }

    private static byte[] OfKeys(SlidingWindowCounter<string> counter, params string[] keys)
    {
        using var writer = new CheckpointWriter();
        counter.WriteKeysCheckpoint(writer, static (w, item) => w.Write(item), keys);
        return writer.Written.ToArray();
    }

    [Fact]
    public void An_idle_key_the_sweep_has_not_evicted_has_no_record()
    {
        var counter = CounterWithAnIdleKey();
        Assert.Equal(2, counter.TrackedKeys); // "b" is still in the table: no sweep since it went idle
        Assert.Equal(1, counter.RecordCount);
        Assert.False(counter.HasRecord("b"));
        Assert.True(counter.HasRecord("c"));
        Assert.False(counter.HasRecord("a"));
        var keys = new List<string>();
        counter.CopyRecordKeysTo(keys);
        Assert.Equal(["c"], keys);
        Assert.Equal(Whole(counter), OfKeys(counter, "a", "b", "c"));
        Assert.Equal(Whole(counter), OfKeys(counter, "c"));
    }

    [Fact]
    public void A_counter_restored_without_the_idle_key_writes_the_same_bytes_and_counts_the_same()
    {
        var live = CounterWithAnIdleKey();
        var bytes = Whole(live);
        var restored = new SlidingWindowCounter<string>(5, TimeSpan.FromSeconds(10), new SlidingWindowCounterOptions());
        restored.ReadCheckpoint(new CheckpointReader(bytes), static r => r.ReadString());
        Assert.Equal(1, restored.TrackedKeys);
        Assert.Equal(bytes, Whole(restored));

        // "b" seen again behaves as a new key in both.
        Assert.Equal(live.Add("b", T0.AddSeconds(12), Item("b12")), restored.Add("b", T0.AddSeconds(12), Item("b12")));
        Assert.Equal(live.GetCount("b"), restored.GetCount("b"));
        Assert.Equal(1, restored.GetCount("b"));
        Assert.Equal(live.GetCount("c"), restored.GetCount("c"));

        // The same records (the live counter keeps "b" at its old place in the table's order, the restored one adds it
        // after "c": the partition state comparisons are per key, PartitionStateDeltaProperties.Canonical).
        Assert.Equal(2, live.RecordCount);
        Assert.Equal(OfKeys(live, "b", "c"), OfKeys(restored, "b", "c"));
    }
}
