namespace AlertEngine.Tests.Triggers;

/// <summary>The value string table shared by the keys of a distinct-count or new-value core.</summary>
public class ValueStringTableTests
{
    [Fact]
    public void The_same_text_gives_the_first_string_and_other_text_its_own()
    {
        var table = new ValueStringTable();
        var first = new string("10.0.0.1".AsSpan());
        Assert.Same(first, table.Get(first.AsSpan(), first));
        Assert.Same(first, table.Get("10.0.0.1".AsSpan()));
        Assert.Same(first, table.Get(new string("10.0.0.1".AsSpan()).AsSpan(), new string("10.0.0.1".AsSpan())));

        // Ordinal: another spelling is another string (case-insensitive comparison is the cores' business).
        var upper = table.Get("10.0.0.1A".AsSpan());
        Assert.Equal("10.0.0.1A", upper);
        Assert.NotSame(upper, table.Get("10.0.0.1a".AsSpan()));
    }

    [Fact]
    public void A_full_table_starts_over_and_strings_handed_out_stay_valid()
    {
        var table = new ValueStringTable();
        var kept = table.Get("v0".AsSpan());
        for (var i = 1; i < ValueStringTable.MaxStrings; i++)
        {
            _ = table.Get(("v" + i).AsSpan());
        }

        Assert.Same(kept, table.Get("v0".AsSpan()));

        // The next new text fills it over the cap: it starts over, so "v0" is a new string afterwards.
        _ = table.Get("overflow".AsSpan());
        var again = table.Get("v0".AsSpan());
        Assert.Equal("v0", again);
        Assert.NotSame(kept, again);
        Assert.Equal("v0", kept);
    }
}
