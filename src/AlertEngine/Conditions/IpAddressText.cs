using System.Net;

namespace AlertEngine;

/// <summary>Writes an address's text form, and reads one, without allocating.</summary>
internal static class IpAddressText
{
    /// <summary>Room for any address text, IPv6 with a scope id included.</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// Writes the text <see cref="IPAddress.ToString"/> gives, except that an IPv4-mapped IPv6 address is written as
    /// IPv4 (<c>::ffff:10.1.2.3</c> → <c>10.1.2.3</c>), and returns the written part of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="address">The address.</param>
    /// <param name="buffer">At least <see cref="MaxLength"/> characters.</param>
    public static ReadOnlySpan<char> Format(IPAddress address, Span<char> buffer)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            Span<byte> bytes = stackalloc byte[16];
            _ = address.TryWriteBytes(bytes, out _);
            var written = 0;
            for (var i = 12; i < 16; i++)
            {
                if (i > 12)
                {
                    buffer[written++] = '.';
                }

                _ = bytes[i].TryFormat(buffer[written..], out var n, provider: System.Globalization.CultureInfo.InvariantCulture);
                written += n;
            }

            return buffer[..written];
        }

        return address.TryFormat(buffer, out var length) ? buffer[..length] : throw new ArgumentException("The buffer is too small.", nameof(buffer));
    }

    /// <summary>
    /// Reads the text of an IPv4 address (four decimal octets, <c>10.1.2.3</c>) or an IPv6 address (hexadecimal groups,
    /// one <c>::</c> at most, an IPv4 tail, a <c>%</c> scope id that is ignored) without allocating. An IPv4-mapped IPv6
    /// address is read as IPv4. No brackets, no port, no white space.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="isV4">Whether the address is IPv4 (in <paramref name="v4"/>) rather than IPv6 (in <paramref name="v6"/>).</param>
    /// <param name="v4">The IPv4 address as a big-endian number.</param>
    /// <param name="v6">The IPv6 address as a big-endian number.</param>
    /// <returns>Whether the text is an address.</returns>
    public static bool TryParse(ReadOnlySpan<char> text, out bool isV4, out uint v4, out UInt128 v6)
    {
        v6 = UInt128.Zero;
        if (text.IndexOf(':') < 0)
        {
            isV4 = true;
            return TryParseV4(text, out v4);
        }

        isV4 = false;
        v4 = 0;
        var zone = text.IndexOf('%');
        if (zone >= 0)
        {
            if (zone == text.Length - 1)
            {
                return false;
            }

            text = text[..zone];
        }

        Span<ushort> groups = stackalloc ushort[8];
        var gap = text.IndexOf("::", StringComparison.Ordinal);
        int count;
        if (gap < 0)
        {
            if (!TryParseGroups(text, groups, out count) || count != 8)
            {
                return false;
            }
        }
        else
        {
            Span<ushort> tail = stackalloc ushort[8];
            if (!TryParseGroups(text[..gap], groups, out var head) || !TryParseGroups(text[(gap + 2)..], tail, out var rest) || head + rest > 7)
            {
                return false;
            }

            tail[..rest].CopyTo(groups[(8 - rest)..]);
            count = 8;
        }

        foreach (var group in groups)
        {
            v6 = (v6 << 16) | group;
        }

        // ::ffff:a.b.c.d is IPv4.
        if (v6 >> 32 == 0xffff)
        {
            isV4 = true;
            v4 = (uint)(v6 & uint.MaxValue);
        }

        return count == 8;
    }

    /// <summary>Hexadecimal groups separated by colons, the last one possibly an IPv4 address (two groups); an empty
    /// text is no group.</summary>
    private static bool TryParseGroups(ReadOnlySpan<char> text, Span<ushort> groups, out int count)
    {
        count = 0;
        if (text.IsEmpty)
        {
            return true;
        }

        while (true)
        {
            var colon = text.IndexOf(':');
            var group = colon < 0 ? text : text[..colon];
            if (colon < 0 && group.IndexOf('.') >= 0)
            {
                if (count > 6 || !TryParseV4(group, out var tail))
                {
                    return false;
                }

                groups[count++] = (ushort)(tail >> 16);
                groups[count++] = (ushort)tail;
                return true;
            }

            if (group.IsEmpty || group.Length > 4 || count == 8
                || !ushort.TryParse(group, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                return false;
            }

            groups[count++] = value;
            if (colon < 0)
            {
                return true;
            }

            text = text[(colon + 1)..];
        }
    }

    private static bool TryParseV4(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        for (var octet = 0; octet < 4; octet++)
        {
            var dot = text.IndexOf('.');
            var part = octet < 3 ? (dot < 0 ? default : text[..dot]) : text;
            if (part.IsEmpty || part.Length > 3 || (octet == 3 && dot >= 0))
            {
                return false;
            }

            var value = 0;
            foreach (var c in part)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }

                value = (value * 10) + (c - '0');
            }

            if (value > 255)
            {
                return false;
            }

            address = (address << 8) | (uint)value;
            if (octet < 3)
            {
                text = text[(dot + 1)..];
            }
        }

        return true;
    }
}
