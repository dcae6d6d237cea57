using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace AlertEngine;

/// <summary>Parses client IP values as activity sources give them.</summary>
internal static class ClientIpParser
{
    /// <summary>
    /// Parses a plain address: IPv4 in dotted-quad form (<c>1.2.3.4</c>; the legacy forms <c>IPAddress.Parse</c> also
    /// takes, such as <c>12345</c> or <c>0x7f.1</c>, are rejected) or IPv6. IPv4-mapped IPv6 becomes IPv4.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="address">The address when valid.</param>
    /// <returns>Whether the text is an address.</returns>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out IPAddress? address)
    {
        address = null;
        if (text.IsEmpty)
        {
            return false;
        }

        if (text.Contains(':'))
        {
            if (!IPAddress.TryParse(text, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6;
            return true;
        }

        if (TryParseCanonicalDottedQuad(text, out var fast))
        {
            address = fast;
            return true;
        }

        if (!IsDottedQuad(text) || !IPAddress.TryParse(text, out var v4))
        {
            return false;
        }

        address = v4;
        return true;
    }

    /// <summary>
    /// Parses a client IP as Microsoft 365 audit records give it: <c>1.2.3.4</c>, <c>1.2.3.4:port</c>,
    /// <c>[1.2.3.4]:port</c>, <c>[2001:db8::1]:port</c>, <c>[2001:db8::1]</c>, <c>2001:db8::1</c>, or IPv4-mapped IPv6
    /// (<c>::ffff:1.2.3.4</c>, returned as IPv4). Surrounding white space is ignored. The port is dropped.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="address">The address when valid.</param>
    /// <returns>Whether the text holds an address.</returns>
    public static bool TryParseAuditClientIp(ReadOnlySpan<char> text, out IPAddress? address)
    {
        address = null;
        text = text.Trim();
        if (text.IsEmpty)
        {
            return false;
        }

        if (text[0] == '[')
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            var rest = text[(close + 1)..];
            if (!rest.IsEmpty && (rest[0] != ':' || !IsPort(rest[1..])))
            {
                return false;
            }

            return TryParseAddress(text[1..close], out address);
        }

        var colon = text.IndexOf(':');
        if (colon >= 0 && colon == text.LastIndexOf(':'))
        {
            // Exactly one colon: IPv4 with a port (IPv6 has at least two colons).
            return IsPort(text[(colon + 1)..]) && TryParseAddress(text[..colon], out address) && address!.AddressFamily == AddressFamily.InterNetwork;
        }

        return TryParseAddress(text, out address);
    }

    /// <summary>
    /// The common IPv4 form without <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/>: four parts of
    /// 1 to 3 digits, each at most 255 and without a leading zero (<c>010</c> would be octal to IPAddress.Parse, so
    /// such text takes the general path), separated by dots. Gives the same address as the general path. For chars, and
    /// for the bytes of an ASCII line (the plain-line parser, which so needs no copy to chars first).
    /// </summary>
    internal static bool TryParseCanonicalDottedQuad<T>(ReadOnlySpan<T> text, out IPAddress? address)
        where T : unmanaged, IBinaryInteger<T>
    {
        address = null;
        long value = 0;
        var part = 0;
        var i = 0;
        for (var shift = 0; shift < 32; shift += 8)
        {
            var start = i;
            part = 0;
            while (i < text.Length && uint.CreateTruncating(text[i]) - '0' <= 9 && i - start < 3)
            {
                part = (part * 10) + (int)(uint.CreateTruncating(text[i]) - '0');
                i++;
            }

            var digits = i - start;
            if (digits == 0 || part > 255 || (digits > 1 && uint.CreateTruncating(text[start]) == '0'))
            {
                return false;
            }

            value |= (long)part << shift;
            if (shift < 24)
            {
                if (i >= text.Length || uint.CreateTruncating(text[i]) != '.')
                {
                    return false;
                }

                i++;
            }
        }

        if (i != text.Length)
        {
            return false;
        }

        // IPAddress(long) takes the address in network byte order: the first part in the lowest byte.
        address = new IPAddress(value);
        return true;
    }

    private static bool IsPort(ReadOnlySpan<char> text) =>
        text.Length is > 0 and <= 5
        && !text.ContainsAnyExceptInRange('0', '9')
        && int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) <= 65535;

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        var parts = 0;
        var digits = 0;
        foreach (var c in text)
        {
            if (c == '.')
            {
                if (digits == 0)
                {
                    return false;
                }

                parts++;
                digits = 0;
            }
            else if (c is >= '0' and <= '9')
            {
                if (++digits > 3)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }

        return parts == 3 && digits > 0;
    }
}
