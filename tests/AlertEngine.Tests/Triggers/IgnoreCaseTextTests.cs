using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers;

/// <summary>The case-insensitive value comparison of the distinct-count and new-value scans (last character first).</summary>
public class IgnoreCaseTextTests
{
    [Fact]
    public void Every_pair_of_one_character_values_compares_as_ordinal_ignore_case()
    {
        // Every pair among the characters up to U+024F (ASCII, Latin-1, Latin Extended) and those whose case maps to or
        // from ASCII letters (dotted and dotless i, long s, Kelvin and Angstrom signs), as the last character of a value.
        var others = Enumerable.Range(0, 0x250).Select(c => (char)c).Concat(['\u0130', '\u0131', '\u017F', '\u212A', '\u212B']).ToArray();
        foreach (var a in others)
        {
            foreach (var b in others)
            {
                var x = "x" + a;
                var y = new string(("x" + b).AsSpan());
                Assert.Equal(string.Equals(x, y, StringComparison.OrdinalIgnoreCase), IgnoreCaseText.Equal(x, y, out var exact));
                Assert.Equal(string.Equals(x, y, StringComparison.Ordinal), exact);
            }
        }
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1", true, true)]
    [InlineData("Mozilla/5.0 client 1.2", "MOZILLA/5.0 CLIENT 1.2", true, false)]
    [InlineData("Mozilla/5.0 client 1.2", "Mozilla/5.0 client 1.3", false, false)]
    [InlineData("abc", "abC", true, false)]
    [InlineData("ab@", "ab`", false, false)]
    [InlineData("abc", "abcd", false, false)]
    [InlineData("xÉ", "xé", true, false)]
    public void Examples(string value, string remembered, bool equal, bool exact)
    {
        Assert.Equal(equal, IgnoreCaseText.Equal(value, remembered, out var isExact));
        Assert.Equal(exact, isExact);
    }

    [Fact]
    public void Same_chars_agrees_with_sequence_equal_at_every_length_and_position()
    {
        // Every length up to 80 characters (each of the short paths, the two-load overlaps at every offset, and the
        // fallback beyond 32 characters), equal strings and strings differing at each single position.
        for (var length = 0; length <= 80; length++)
        {
            var a = new string(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))).ToArray());
            Assert.True(IgnoreCaseText.SameChars(a, new string(a.AsSpan())));
            for (var at = 0; at < length; at++)
            {
                var changed = a.ToCharArray();
                changed[at] = (char)(changed[at] ^ 0x0100);
                Assert.False(IgnoreCaseText.SameChars(a, changed), $"length {length}, position {at}");
                changed[at] = char.ToUpperInvariant(a[at]);
                Assert.False(IgnoreCaseText.SameChars(a, changed), $"length {length}, position {at}, case");
            }
        }
    }

    [Property(MaxTest = 500)]
    public Property Agrees_with_ordinal_ignore_case_on_any_strings(NonEmptyString value, bool upper, bool lower)
    {
        var v = value.Get;
        var other = upper ? v.ToUpperInvariant() : lower ? v.ToLowerInvariant() : v;
        var equal = IgnoreCaseText.Equal(v, other, out var exact);
        return (equal == string.Equals(v, other, StringComparison.OrdinalIgnoreCase) && exact == string.Equals(v, other, StringComparison.Ordinal))
            .Label($"'{v}' vs '{other}'");
    }
}
