using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Conditions;

/// <summary>
/// An activity keeps an IPv4 client address as a number (read when <see cref="Activity.ClientIp"/> is set), and the
/// client-IP range condition tests that number instead of the <see cref="IPAddress"/> object: it must decide exactly as
/// the networks' bit prefixes do (the naive oracle), for any address and any network, given as IPv4 or IPv4-mapped IPv6.
/// </summary>
public class ClientIpNumberTests
{
    private static Activity WithIp(IPAddress? ip) =>
        new("a1", new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero), "MailRedirect") { ClientIp = ip };

    private static IPAddress V4(uint address) =>
        new([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);

    /// <summary>Whether the first <paramref name="length"/> bits of the two numbers agree.</summary>
    private static bool SamePrefix(uint address, uint network, int length) =>
        length == 0 || (address >> (32 - length)) == (network >> (32 - length));

    [Property(MaxTest = 2000)]
    public Property An_IPv4_client_address_is_in_a_network_exactly_when_its_prefix_bits_agree(uint address, uint network, byte prefix, bool mapped, bool negate)
    {
        var length = prefix % 33;
        // Addresses near the network as often as far from it: flip one bit at a random place, or none.
        var near = (prefix & 64) != 0 ? network ^ (1u << (prefix % 32)) : address;
        var baseAddress = mapped ? V4(network).MapToIPv6() : V4(network);
        Condition ips = new IpAddressesCondition([new IPNetwork(MaskedBase(baseAddress, mapped ? 96 + length : length), mapped ? 96 + length : length)]);
        var condition = negate ? new NotCondition(ips) : ips;
        var expected = SamePrefix(near, network, length) != negate;
        var activity = WithIp(V4(near));
        var compiled = condition.Compile()(activity);
        return (compiled == expected).Label($"address {V4(near)}, network {baseAddress}/{length}{(mapped ? " (mapped)" : "")}, not {negate}: compiled {compiled}");
    }

    [Fact]
    public void Mapped_IPv6_and_IPv6_client_addresses_still_match_through_the_address_object()
    {
        var tens = new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")]).Compile();
        Assert.True(tens(WithIp(IPAddress.Parse("::ffff:10.1.2.3"))));
        Assert.False(tens(WithIp(IPAddress.Parse("::ffff:11.1.2.3"))));
        Assert.False(tens(WithIp(IPAddress.Parse("2001:db8::1"))));
        Assert.False(tens(WithIp(null)));
        Assert.True(new NotCondition(new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")])).Compile()(WithIp(null)));
        Assert.True(new IpAddressesCondition([IPNetwork.Parse("2001:db8::/32")]).Compile()(WithIp(IPAddress.Parse("2001:db8::1"))));
    }

    [Fact]
    public void The_condition_tests_the_address_the_activity_was_created_with()
    {
        // Documented on Activity.ClientIp: the IPv4 address is read when it is set; an IPAddress changed afterwards
        // through its obsolete Address setter is not seen by conditions (the activity is immutable).
        var ip = IPAddress.Parse("10.1.2.3");
        var activity = WithIp(ip);
#pragma warning disable CS0618 // Type or member is obsolete: the case the documentation describes
        ip.Address = BitConverter.ToUInt32(IPAddress.Parse("192.168.1.1").GetAddressBytes());
#pragma warning restore CS0618
        Assert.Equal(IPAddress.Parse("192.168.1.1"), activity.ClientIp);
        Assert.True(new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")]).Compile()(activity));
    }

    private static IPAddress MaskedBase(IPAddress address, int length)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = length; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
