using System.Net;

namespace AlertEngine.Tests.Serialization;

public class IpRangeSyntaxTests
{
    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3/32")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("192.168.1.0/24", "192.168.1.0/24")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("2001:DB8::1", "2001:db8::1/128")]
    [InlineData("::ffff:1.2.3.4", "::ffff:1.2.3.4/128")]
    public void Parses_addresses_and_ranges(string text, string expected)
    {
        Assert.True(IpRangeSyntax.TryParse(text, out var range, out var error), error);
        Assert.Equal(IPNetwork.Parse(expected), range);
    }

    [Theory]
    [InlineData("10.1.2.3/32", "10.1.2.3")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("2001:db8::1/128", "2001:db8::1")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    public void Formats_a_full_length_range_as_the_address_alone(string range, string expected) =>
        Assert.Equal(expected, IpRangeSyntax.Format(IPNetwork.Parse(range)));

    [Theory]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3")]
    [InlineData("1..2.3")]
    [InlineData("256.0.0.0")]
    [InlineData("01.2.3.4")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("1.2.3.4 ")]
    [InlineData("[::1]")]
    [InlineData("::1%1")]
    [InlineData("1.2.3.4/-1")]
    [InlineData("1.2.3.4/+8")]
    [InlineData("1.2.3.4/8/8")]
    [InlineData("1.2.3.4:80")]
    [InlineData("gggg::1")]
    public void Rejects_anything_loose(string text) => Assert.False(IpRangeSyntax.TryParse(text, out _, out _));

    [Fact]
    public void Host_bits_set_is_an_error_that_names_both_readings()
    {
        Assert.False(IpRangeSyntax.TryParse("2001:db8::1/32", out _, out var error));
        Assert.Equal("\"2001:db8::1/32\" has host bits set beyond the /32 prefix; write 2001:db8::/32 for the range, or 2001:db8::1 for the single address", error);
    }
}
