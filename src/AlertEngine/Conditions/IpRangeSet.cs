using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// A set of IPv4 and IPv6 networks that tests addresses without allocating. IPv4-mapped IPv6 addresses and networks
/// (<c>::ffff:10.0.0.0/104</c>) are treated as their IPv4 equivalents (<c>10.0.0.0/8</c>); otherwise an address only lies
/// in networks of its own family, so <c>::/0</c> holds every IPv6 address and no IPv4 address. IPv6 scope ids are ignored.
/// </summary>
internal sealed class IpRangeSet
{
    private readonly (uint Prefix, uint Mask)[] _v4;
    private readonly (UInt128 Prefix, UInt128 Mask)[] _v6;

    /// <summary>Builds the set from networks, each given as a base address and a prefix length.</summary>
    /// <param name="networks">The networks; a single address is a network of full prefix length. The bits of a base
    /// address beyond the prefix are ignored.</param>
    public IpRangeSet(IEnumerable<(IPAddress BaseAddress, int PrefixLength)> networks)
    {
        var v4 = new List<(uint, uint)>();
        var v6 = new List<(UInt128, UInt128)>();
        Span<byte> bytes = stackalloc byte[16];
        foreach (var (baseAddress, prefixLength) in networks)
        {
            var family = Normalize(baseAddress, bytes, out var v4Address, out var v6Address);
            var length = prefixLength;
            if (family == AddressFamily.InterNetwork)
            {
                // A mapped network's prefix counts the 96 bits of ::ffff:0:0/96.
                if (baseAddress.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    length = Math.Max(0, length - 96);
                }

                var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
                v4.Add((v4Address & mask, mask));
            }
            else
            {
                var mask = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
                v6.Add((v6Address & mask, mask));
            }
        }

        _v4 = [.. v4];
        _v6 = [.. v6];
    }

    /// <summary>Whether <paramref name="address"/> lies in one of the networks.</summary>
    public bool Contains(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork && BitConverter.IsLittleEndian)
        {
            // The fast path for IPv4: IPAddress.Address is obsolete only because it cannot hold an IPv6 address; for an
            // IPv4 address it is the four bytes in network order read as a little-endian number, so one byte swap gives
            // the address as a number, without writing it out as Normalize does.
#pragma warning disable CS0618 // Type or member is obsolete
            var v4 = BinaryPrimitives.ReverseEndianness((uint)address.Address);
#pragma warning restore CS0618
            return ContainsV4(v4);
        }

        Span<byte> bytes = stackalloc byte[16];
        if (Normalize(address, bytes, out var v4Address, out var v6Address) == AddressFamily.InterNetwork)
        {
            foreach (var (prefix, mask) in _v4)
            {
                if ((v4Address & mask) == prefix)
                {
                    return true;
                }
            }
        }
        else
        {
            foreach (var (prefix, mask) in _v6)
            {
                if ((v6Address & mask) == prefix)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Whether an address read by <see cref="IpAddressText.TryParse"/> lies in one of the networks.</summary>
    public bool Contains(bool isV4, uint v4Address, UInt128 v6Address)
    {
        if (isV4)
        {
            return ContainsV4(v4Address);
        }

        foreach (var (prefix, mask) in _v6)
        {
            if ((v6Address & mask) == prefix)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether an IPv4 address, as a number, lies in one of the IPv4 networks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool ContainsV4(uint v4Address)
    {
        foreach (var (prefix, mask) in _v4)
        {
            if ((v4Address & mask) == prefix)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reads an address as a 32-bit IPv4 number (IPv4 and IPv4-mapped IPv6) or a 128-bit IPv6 number, big-endian,
    /// into <paramref name="scratch"/> (16 bytes), and returns which one it is.
    /// </summary>
    internal static AddressFamily Normalize(IPAddress address, Span<byte> scratch, out uint v4, out UInt128 v6)
    {
        v4 = 0;
        v6 = UInt128.Zero;
        if (!address.TryWriteBytes(scratch, out var written))
        {
            throw new ArgumentException("The address is neither IPv4 nor IPv6.", nameof(address));
        }

        if (written == 4)
        {
            v4 = BinaryPrimitives.ReadUInt32BigEndian(scratch);
            return AddressFamily.InterNetwork;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            v4 = BinaryPrimitives.ReadUInt32BigEndian(scratch[12..]);
            return AddressFamily.InterNetwork;
        }

        v6 = BinaryPrimitives.ReadUInt128BigEndian(scratch);
        return AddressFamily.InterNetworkV6;
    }
}
