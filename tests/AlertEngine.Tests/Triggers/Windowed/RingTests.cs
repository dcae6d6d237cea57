namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>The ring buffer's moves and its array view, after it wrapped around.</summary>
public class RingTests
{
    private static Ring<string> Wrapped()
    {
        // Capacity 4, holding b c d e with e at the start of the array.
        var ring = default(Ring<string>);
        foreach (var s in new[] { "a", "b", "c", "d" })
        {
            ring.Add(s, 4);
        }

        ring.RemoveFirst();
        ring.Add("e", 4);
        return ring;
    }

    private static string[] Contents(Ring<string> ring)
    {
        var all = new string[ring.Count];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = ring[i];
        }

        return all;
    }

    [Fact]
    public void Clearing_a_wrapped_ring_clears_every_position_it_used_and_keeps_the_array()
    {
        var ring = Wrapped();
        ring.RemoveFirst();
        var array = ring.Items;
        ring.Clear();
        Assert.Equal(0, ring.Count);
        Assert.Same(array, ring.Items);
        Assert.All(ring.Items!, Assert.Null);

        // Full and not wrapped: every position cleared too.
        foreach (var s in new[] { "f", "g", "h", "i" })
        {
            ring.Add(s, 4);
        }

        ring.Clear();
        Assert.All(ring.Items!, Assert.Null);
    }

    [Fact]
    public void The_array_view_shows_where_the_ring_starts()
    {
        var ring = Wrapped();
        Assert.Equal(1, ring.Head);
        Assert.Equal(["e", "b", "c", "d"], ring.Items!);
        Assert.Equal(["b", "c", "d", "e"], Contents(ring));
    }

    [Theory]
    [InlineData(0, new[] { "c", "d", "e", "b" })]
    [InlineData(1, new[] { "b", "d", "e", "c" })]
    [InlineData(2, new[] { "b", "c", "e", "d" })]
    [InlineData(3, new[] { "b", "c", "d", "e" })]
    public void MoveToLast_moves_one_element_to_the_end_across_the_wrap(int at, string[] expected)
    {
        var ring = Wrapped();
        ref var moved = ref ring.MoveToLast(at);
        Assert.Equal(expected, Contents(ring));
        Assert.Equal(4, ring.Count);

        moved = "z";
        Assert.Equal("z", ring.Last);
    }

    [Fact]
    public void Removed_places_hold_no_value()
    {
        var ring = Wrapped();
        ring.RemoveFirst();
        ring.RemoveAt(1);
        Assert.Equal(["c", "e"], Contents(ring));
        Assert.Equal(2, ring.Items!.Count(s => s is not null));
    }
}
